"""watch: the object ledger and events by keyed fingerprint; no raw object key left in watch rows

Revision ID: 0009_watch_key_fingerprints
Revises: 0004_issue19
Create Date: 2026-12-02 13:30:00

An object key is content (`patients/Ada Q… 123-45-….csv`). Before this revision the watcher kept raw
keys in watch_objects (its ledger), watch_events, and its own scan's objects rows (scans mask keys
that hold a value; the watcher recorded objects without it). The HMAC secret that makes the new
fingerprints is not known here, so:
- watch_objects is a cache: dropped and re-created empty; every watched object is scanned once more
  on the next pass (which rebuilds the watcher's objects rows, deleted here, with masked keys);
- watch_events (an audit trail) loses its key column; its other columns stay;
- watch_findings.key and the `object` of stored alert bodies are masked conservatively (every word
  to its first letter, every digit `#`: `textsafe.mask_label`); still-open findings get the scan's
  form back at the next pass;
- watch_state `last_pass` (its errors could name an object) is dropped; the next pass writes it.
On SQLite, secure_delete makes the freed pages zeros rather than leftovers of the old rows.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009_watch_key_fingerprints"
down_revision = "0004_issue19"
branch_labels = None
depends_on = None


def _ledger(key_columns: list[sa.Column[Any]], pk: list[str]) -> None:
    op.create_table(
        "watch_objects",
        sa.Column("watch_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        *key_columns,
        sa.Column("version", sa.String(length=160), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("watch_id", "bucket", *pk, name=op.f("pk_watch_objects")),
    )


def _masked_object(location: str | None, obj: str | None) -> str | None:
    """An alert's `object` (location + key) with the key masked."""
    from phiscope.textsafe import mask_label

    if obj is None:
        return None
    loc = location or ""
    if loc and obj.startswith(loc):
        return loc + mask_label(obj[len(loc) :])
    return mask_label(obj)


def _scrub_rows(conn: sa.Connection) -> None:
    from phiscope.textsafe import mask_label

    state = sa.table("watch_state", sa.column("name", sa.String), sa.column("value", sa.JSON))
    scan_ids = [v for (v,) in conn.execute(sa.select(state.c.value).where(state.c.name == "scan_id"))]
    scan_ids = [v for v in scan_ids if isinstance(v, str)]
    conn.execute(sa.delete(state).where(state.c.name == "last_pass"))
    if scan_ids:
        objects = sa.table("objects", sa.column("id", sa.Integer), sa.column("scan_id", sa.String))
        ids = sa.select(objects.c.id).where(objects.c.scan_id.in_(scan_ids)).scalar_subquery()
        for child in ("detections", "person_keys"):
            t = sa.table(child, sa.column("object_id", sa.Integer))
            conn.execute(sa.delete(t).where(t.c.object_id.in_(ids)))
        conn.execute(sa.delete(objects).where(objects.c.scan_id.in_(scan_ids)))

    findings = sa.table(
        "watch_findings",
        sa.column("watch_id", sa.String),
        sa.column("uid", sa.String),
        sa.column("key", sa.Text),
    )
    rows = conn.execute(
        sa.select(findings.c.watch_id, findings.c.uid, findings.c.key).where(findings.c.key.isnot(None))
    )
    for wid, uid, key in list(rows):
        conn.execute(
            sa.update(findings)
            .where(findings.c.watch_id == wid, findings.c.uid == uid)
            .values(key=mask_label(key))
        )

    alerts = sa.table("watch_alerts", sa.column("id", sa.String), sa.column("body", sa.JSON))
    for aid, body in list(conn.execute(sa.select(alerts.c.id, alerts.c.body))):
        if not isinstance(body, dict) or not isinstance(body.get("findings"), list):
            continue
        for f in body["findings"]:
            if isinstance(f, dict) and isinstance(f.get("object"), str):
                f["object"] = _masked_object(body.get("location"), f["object"])
        conn.execute(sa.update(alerts).where(alerts.c.id == aid).values(body=body))


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete = ON")
    op.drop_table("watch_objects")
    _ledger(
        [
            sa.Column("key_fp", sa.String(length=64), nullable=False),
            sa.Column("shown_key", sa.Text(), nullable=False),
        ],
        ["key_fp"],
    )
    with op.batch_alter_table("watch_events", schema=None) as batch_op:
        batch_op.drop_column("key")
        batch_op.add_column(sa.Column("key_fp", sa.String(length=64), nullable=True))
    _scrub_rows(conn)


def downgrade() -> None:
    op.drop_table("watch_objects")
    _ledger([sa.Column("key", sa.Text(), nullable=False)], ["key"])
    with op.batch_alter_table("watch_events", schema=None) as batch_op:
        batch_op.drop_column("key_fp")
        batch_op.add_column(sa.Column("key", sa.Text(), nullable=True))
