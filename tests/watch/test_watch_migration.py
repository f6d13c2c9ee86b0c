"""Migration 0009_watch_key_fingerprints: watch rows written before it held raw object keys. After it
none does (tables and, once checkpointed, the SQLite file), the ledger is empty (a cache: objects are
scanned once more), other scans are untouched, and the watch tables match the models."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from test_watch_key_privacy import KEY, NAME, SSN, db_rows

from phiscope.db import tables
from phiscope.db.store import MIGRATIONS, Store, connect
from phiscope.model import ObjectRef, ObjectResult, Status
from phiscope.textsafe import mask_label

W = "w-0123456789abcdef"


def _migrate(engine: sa.Engine, revision: str, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _legacy_rows(engine: sa.Engine) -> None:
    """What a watcher before 0009 wrote for an object whose key names a person."""
    store = Store(engine)
    for sid in ("watch-old", "scan-other"):
        store.create_scan(sid, targets=["s3://b"], endpoint=None, mode="owner", options={}, version="t")
    store.record_object("watch-old", ObjectResult(ObjectRef("b", KEY, 10), Status.COMPLETE))
    store.record_object("scan-other", ObjectResult(ObjectRef("b", "plain.csv", 10), Status.COMPLETE))
    now = datetime.now(UTC)
    body = {"location": "s3://b/", "summary": "s3://b/: 1 new", "findings": [{"object": f"s3://b/{KEY}"}]}
    with engine.begin() as c:
        c.execute(
            sa.text("insert into watch_state values (:w, :n, :v, :t)"),
            [
                {"w": W, "n": "scan_id", "v": json.dumps("watch-old"), "t": now},
                {
                    "w": W,
                    "n": "last_pass",
                    "v": json.dumps({"errors": [f"object: s3://b/{KEY}: 503"]}),
                    "t": now,
                },
            ],
        )
        c.execute(
            sa.text("insert into watch_objects values (:w, 'b', :k, 'etag:1', 10, :t)"),
            {"w": W, "k": KEY, "t": now},
        )
        c.execute(
            sa.text(
                "insert into watch_events (watch_id, source, kind, bucket, key, received_at)"
                " values (:w, 'poll', 'object_created', 'b', :k, :t)"
            ),
            {"w": W, "k": KEY, "t": now},
        )
        c.execute(
            sa.text(
                "insert into watch_findings values (:w, 'u1', 'data', 'b', :k, 'US_SSN', 'identity', 'high',"
                " :title, NULL, 1, 'open', 'open', :t, :t, NULL)"
            ),
            {"w": W, "k": KEY, "title": "US_SSN found", "t": now},
        )
        c.execute(
            sa.text("insert into watch_alerts values ('a1', :w, 'b', :t, 'high', :body)"),
            {"w": W, "t": now, "body": json.dumps(body)},
        )


def test_upgrade_leaves_no_raw_key_in_watch_rows(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = connect(f"sqlite:///{db}", migrate=False)
    _migrate(engine, "0004_issue19")
    _legacy_rows(engine)
    assert KEY in db_rows(db)["watch_objects"]  # the leak this revision removes
    _migrate(engine, "head")
    rows = db_rows(db)
    for table, text in rows.items():
        assert KEY not in text and NAME not in text and SSN not in text, table
    assert rows["watch_objects"] == "[]"
    assert mask_label(KEY) in rows["watch_findings"]
    with engine.connect() as c:
        body = c.execute(sa.text("select body from watch_alerts")).scalar_one()
        left = {sid for (sid,) in c.execute(sa.text("select scan_id from objects"))}
        state = {n for (n,) in c.execute(sa.text("select name from watch_state"))}
        diffs = compare_metadata(MigrationContext.configure(c), tables.metadata())
    assert json.loads(body)["findings"][0]["object"] == f"s3://b/{mask_label(KEY)}"
    assert left == {"scan-other"}  # the watcher's objects go (re-scanned, masked); others stay
    assert state == {"scan_id"}
    assert not [d for d in diffs if "watch" in repr(d)]
    engine.dispose()
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    assert KEY.encode() not in data and SSN.encode() not in data  # freed pages zeroed


def test_upgrade_on_postgresql() -> None:
    """The same conversion on the team database (JSON bodies, batch alter of watch_events)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "db"))
    from pg import TempPostgres, pg_bin

    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian package postgresql)")
    pg = TempPostgres().start()
    try:
        engine = connect(pg.url, migrate=False)
        _migrate(engine, "0004_issue19")
        _legacy_rows(engine)
        _migrate(engine, "head")
        with engine.connect() as c:
            for t in sa.inspect(c).get_table_names():
                text = json.dumps([list(r) for r in c.execute(sa.text(f'select * from "{t}"'))], default=str)
                assert KEY not in text and NAME not in text and SSN not in text, t
            body = c.execute(sa.text("select body from watch_alerts")).scalar_one()
            assert c.execute(sa.text("select count(*) from watch_objects")).scalar_one() == 0
        assert body["findings"][0]["object"] == f"s3://b/{mask_label(KEY)}"
        engine.dispose()
    finally:
        pg.stop()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'm.db'}")
    _migrate(engine, "0004_issue19", down=True)
    with engine.connect() as c:
        cols = {col["name"] for col in sa.inspect(c).get_columns("watch_objects")}
    assert "key" in cols and "key_fp" not in cols
    _migrate(engine, "head")
    with engine.connect() as c:
        cols = {col["name"] for col in sa.inspect(c).get_columns("watch_objects")}
    assert {"key_fp", "shown_key"} <= cols and "key" not in cols
