"""The dashboard on PostgreSQL (a real server started here, as the DB tests do): migrations, login,
overview = the report's headline, the SQL explorer = report.findings on every filter, fix plan/apply/
rollback recorded, audit log.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_helpers import add_users, build_demo_db, csrf_of, login
from starlette.testclient import TestClient

from phiscope.db.store import Store, connect
from phiscope.report.findings import LEVELS, iter_findings
from phiscope.report.mutelist import apply_mutelist, load_mutelist
from phiscope.report.summary import headline
from phiscope.scan.report import build_report
from phiscope.serve import auth
from phiscope.serve.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "db"))
from pg import TempPostgres, pg_bin


@pytest.fixture(scope="module")
def pg_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian package postgresql)")
    from phiscope.storage.embedded import EmbeddedS3
    from phiscope.storage.s3 import make_client

    tmp = tmp_path_factory.mktemp("serve-pg")
    pg = TempPostgres().start()
    try:
        with EmbeddedS3() as server:
            s3 = make_client("s3", endpoint_url=server.endpoint_url, region="us-east-1")
            url, sid = build_demo_db(server.endpoint_url, s3, tmp, url=pg.url)
            add_users(url)
            yield {"url": url, "scan_id": sid, "tmp": tmp, "s3": s3}
    finally:
        pg.stop()


@pytest.fixture(scope="module")
def client(pg_demo: dict[str, Any]) -> TestClient:
    app = create_app(pg_demo["url"], mutelist=pg_demo["tmp"] / "mutelist.yaml", backup_dir=pg_demo["tmp"])
    c = TestClient(app, follow_redirects=False)
    assert login(c, "otto").status_code == 303
    return c


def test_overview_and_explorer_on_postgresql(client: TestClient, pg_demo: dict[str, Any]) -> None:
    engine = connect(pg_demo["url"])
    assert engine.dialect.name == "postgresql"
    report = build_report(Store(engine), pg_demo["scan_id"])
    h = headline(report)
    page = client.get("/").text
    assert f'id="h-people">{h["people_affected"]:,}<' in page
    assert f'id="h-exposed">{h["exposed_buckets"]:,}<' in page
    apply_mutelist(report, load_mutelist(pg_demo["tmp"] / "mutelist.yaml"))
    ref = list(iter_findings(report, exposure=False))
    sid = pg_demo["scan_id"]
    for params in (
        {"muted": "all"},
        {},
        {"muted": "only"},
        {"bucket": "medcall-exports", "severity": "critical"},
        {"prefix": "exports/", "muted": "all"},
        {"type": "US_SSN"},
    ):
        got: list[dict[str, Any]] = []
        page_no = 1
        while True:
            r = client.get(
                f"/api/v1/scans/{sid}/findings", params={**params, "per_page": 200, "page": page_no}
            ).json()
            got += r["findings"]
            if page_no >= r["pages"]:
                break
            page_no += 1
        mode = params.get("muted", "hide")
        want = [
            f
            for f in ref
            if params.get("bucket") in (None, f.bucket)
            and params.get("type") in (None, f.kind)
            and (not params.get("prefix") or (f.key or "").startswith(params["prefix"]))
            and (not params.get("severity") or LEVELS.index(f.severity) >= LEVELS.index(params["severity"]))
            and {"all": True, "hide": f.muted is None, "only": f.muted is not None}[mode]
        ]
        assert sorted((f.bucket, f.key, f.kind, f.severity) for f in want) == sorted(
            (g["bucket"], g["key"], g["type"], g["severity"]) for g in got
        ), params
        assert want or params.get("muted") == "only" or params.get("type")
    # sorted by severity on the server
    ranks = [
        LEVELS.index(g["severity"]) for g in client.get(f"/api/v1/scans/{sid}/findings").json()["findings"]
    ]
    assert ranks == sorted(ranks, reverse=True)


def test_fix_apply_and_rollback_on_postgresql(client: TestClient, pg_demo: dict[str, Any]) -> None:
    s3 = pg_demo["s3"]
    before = s3.get_bucket_policy(Bucket="medcall-exports")["Policy"]
    page = client.get("/buckets/medcall-exports")
    r = client.post(
        "/buckets/medcall-exports/plan", data={"csrf": csrf_of(page.text), "scan": pg_demo["scan_id"]}
    )
    assert r.status_code == 303
    plan_page = client.get(r.headers["location"])
    r = client.post(
        r.headers["location"] + "/apply", data={"csrf": csrf_of(plan_page.text), "confirm": "medcall-exports"}
    )
    assert r.status_code == 303, r.text[:500]
    run = client.get(r.headers["location"])
    assert 'id="verify-status">CLOSED<' in run.text
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_bucket_policy(Bucket="medcall-exports")
    r = client.post(
        r.headers["location"] + "/rollback", data={"csrf": csrf_of(run.text), "confirm": "medcall-exports"}
    )
    assert r.status_code == 303
    assert json.loads(s3.get_bucket_policy(Bucket="medcall-exports")["Policy"]) == json.loads(before)
    actions = [(a["action"], a["result"]) for a in auth.audit_rows(connect(pg_demo["url"]))]
    assert (
        ("fix-plan", "ok") in actions and ("fix-apply", "ok") in actions and ("fix-rollback", "ok") in actions
    )
