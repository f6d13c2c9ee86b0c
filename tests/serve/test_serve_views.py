"""The dashboard's views against the reports' own code: same headline numbers, the SQL findings explorer
agrees with report.findings + the mutelist on every filter, scan diff, mute, incidents, watch, users CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from serve_helpers import PASSWORD, Demo, csrf_of, demo_env, login, rescan
from sqlalchemy import text
from starlette.testclient import TestClient

from phiscope.db.store import Store, connect
from phiscope.report.findings import LEVELS, iter_findings
from phiscope.report.mutelist import apply_mutelist, load_mutelist
from phiscope.report.summary import headline
from phiscope.scan.report import build_report
from phiscope.serve import queries
from phiscope.serve.app import create_app

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with demo_env(tmp_path_factory.mktemp("serve-views")) as d:
        yield d


@pytest.fixture(scope="module")
def client(demo: Demo) -> TestClient:
    app = create_app(demo.url, mutelist=demo.mutelist, backup_dir=demo.tmp / "backups")
    c = TestClient(app, follow_redirects=False)
    assert login(c, "ada").status_code == 303
    return c


def _report(demo: Demo, scan_id: str | None = None) -> dict[str, Any]:
    r = build_report(Store(connect(demo.url)), scan_id or demo.scan_id)
    return r


def test_overview_shows_the_reports_headline(client: TestClient, demo: Demo) -> None:
    h = headline(_report(demo))
    assert h["exposed_buckets"] >= 2 and h["people_affected"] > 0
    page = client.get("/").text
    for id_, key in (
        ("h-exposed", "exposed_buckets"),
        ("h-detections", "detections"),
        ("h-people", "people_affected"),
        ("h-people-exposed", "people_exposed"),
        ("h-obligations", "obligations"),
        ("h-phi-objects", "phi_objects"),
    ):
        assert f'id="{id_}">{h[key]:,}<' in page, id_
    assert "medcall-exports" in page and 'id="obligations"' in page
    api = client.get(f"/api/v1/scans/{demo.scan_id}").json()
    assert api["headline"] == h
    # severity counts (SQL over the findings index) = report.findings over the whole report
    counts = Counter(f.severity for f in iter_findings(_report(demo)))
    assert api["findings_by_severity"] == {s: counts.get(s, 0) for s in LEVELS}


def _reference(demo: Demo) -> list[Any]:
    report = _report(demo)
    apply_mutelist(report, load_mutelist(demo.mutelist))
    return list(iter_findings(report, exposure=False))


def _sql(client: TestClient, demo: Demo, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        r = client.get(
            f"/api/v1/scans/{demo.scan_id}/findings", params={**params, "page": page, "per_page": 200}
        ).json()
        out += r["findings"]
        assert r["total"] >= len(out)
        if page >= r["pages"]:
            assert r["total"] == len(out)
            return out
        page += 1


def test_findings_explorer_matches_the_reports(client: TestClient, demo: Demo) -> None:
    ref = _reference(demo)
    assert len(ref) > 50 and any(f.muted for f in ref)
    buckets = sorted({f.bucket for f in ref})
    types = sorted({f.kind for f in ref})
    cases: list[dict[str, Any]] = [{"muted": "all"}, {}, {"muted": "only"}]
    cases += [{"bucket": b, "muted": "all"} for b in buckets]
    cases += [{"type": t} for t in types[:4]]
    cases += [{"severity": s, "muted": "all"} for s in ("low", "medium", "high", "critical")]
    cases += [{"exposure": x, "muted": "all"} for x in sorted({f.exposure for f in ref})]
    cases += [{"category": "identity", "prefix": "exports/", "bucket": "medcall-exports"}]
    cases += [{"bucket": "medcall-website", "muted": m} for m in ("hide", "only")]
    for params in cases:
        want = [
            f
            for f in ref
            if (params.get("bucket") in (None, f.bucket))
            and (params.get("type") in (None, f.kind))
            and (params.get("category") in (None, f.category))
            and (not params.get("prefix") or (f.key or "").startswith(params["prefix"]))
            and (not params.get("severity") or LEVELS.index(f.severity) >= LEVELS.index(params["severity"]))
            and (params.get("exposure") in (None, f.exposure))
            and {"all": True, "hide": f.muted is None, "only": f.muted is not None}[
                params.get("muted", "hide")
            ]
        ]
        got = _sql(client, demo, **params)
        assert sorted((f.bucket, f.key, f.kind, f.severity, f.exposure) for f in want) == sorted(
            (g["bucket"], g["key"], g["type"], g["severity"], g["exposure"]) for g in got
        ), params
        mode = params.get("muted", "hide")
        if mode != "all":
            assert all((g["muted"] is not None) == (mode == "only") for g in got), params
    # the demo mutes its intentionally public website: the default view hides it, "only" shows it
    assert _sql(client, demo, bucket="medcall-website", muted="only")
    # sorting: by severity (default) is non-increasing; by count ascending is non-decreasing
    rows = _sql(client, demo, muted="all")
    ranks = [LEVELS.index(r["severity"]) for r in rows]
    assert ranks == sorted(ranks, reverse=True)
    counts = [r["count"] for r in _sql(client, demo, muted="all", sort="count", order="asc")]
    assert counts == sorted(counts)


def test_findings_page_filters_and_pages(client: TestClient, demo: Demo) -> None:
    r = client.get("/findings", params={"bucket": "medcall-exports", "per_page": 5, "muted": "all"})
    assert r.status_code == 200
    assert r.text.count('<tr class="finding">') == 5
    assert 'id="next"' in r.text and "page=2" in r.text
    r2 = client.get(
        "/findings", params={"bucket": "medcall-exports", "per_page": 5, "muted": "all", "page": 2}
    )
    assert r2.text.count('<tr class="finding">') >= 1
    bad = client.get("/findings", params={"sort": "nonsense", "severity": "extreme"})
    assert bad.status_code == 200 and "unknown sort" in bad.text and "unknown severity" in bad.text
    assert client.get("/api/v1/scans/nope/findings").status_code == 404
    assert client.get(f"/api/v1/scans/{demo.scan_id}/findings", params={"sort": "x"}).status_code == 422


def test_mute_writes_the_mutelist(client: TestClient, demo: Demo) -> None:
    row = _sql(client, demo, bucket="medcall-exports", type="US_SSN")[0]
    form = client.get(
        "/findings/mute", params={"bucket": row["bucket"], "key": row["key"], "type": row["type"]}
    )
    assert form.status_code == 200
    r = client.post(
        "/findings/mute",
        data={
            "csrf": csrf_of(form.text),
            "bucket": row["bucket"],
            "key": row["key"],
            "type": row["type"],
            "reason": "synthetic test file, accepted",
            "owner": "ada@example.org",
            "expires": "2099-06-30",
            "scan": demo.scan_id,
        },
    )
    assert r.status_code == 303
    entries = yaml.safe_load(demo.mutelist.read_text())["mutelist"]
    assert entries[-1] == {
        "bucket": row["bucket"],
        "prefix": row["key"],
        "types": [row["type"]],
        "reason": "synthetic test file, accepted",
        "owner": "ada@example.org",
        "expires": "2099-06-30",
    }
    load_mutelist(demo.mutelist)  # still a valid mutelist for scans and reports
    muted = _sql(client, demo, bucket="medcall-exports", type="US_SSN", muted="only")
    assert any(m["key"] == row["key"] and m["muted"]["owner"] == "ada@example.org" for m in muted)
    hidden = _sql(client, demo, bucket="medcall-exports", type="US_SSN")
    assert all(h["key"] != row["key"] for h in hidden)
    # a mute without reason, or already expired, is refused and writes nothing
    before = demo.mutelist.read_text()
    for bad in ({"reason": "", "expires": "2099-01-01"}, {"reason": "x", "expires": "2001-01-01"}):
        r = client.post(
            "/findings/mute",
            data={"csrf": csrf_of(form.text), "bucket": "medcall-exports", "owner": "o", **bad},
        )
        assert r.status_code == 400
    assert demo.mutelist.read_text() == before
    audit = client.get("/audit").text
    assert "mute" in audit and "ada" in audit


def test_buckets_proof_and_incidents(client: TestClient, demo: Demo) -> None:
    b = client.get("/buckets/medcall-exports").text
    assert "Evidence" in b and "PublicRead" in b  # the statement that makes it public, quoted
    assert "Anyone on the internet" in b
    assert client.get("/buckets/no-such-bucket").status_code == 404
    page = client.get("/buckets").text
    assert 'class="map"' in page and "medcall-forms" in page
    inc = client.get("/incidents").text
    assert 'id="incident-md"' in inc and "data-deadline=" in inc
    assert "HIPAA" in inc


def test_scan_diff(client: TestClient, demo: Demo) -> None:
    # between two scans: a new CSV with SSNs lands in the public bucket, and the website is made private
    demo.s3.put_object(
        Bucket="medcall-exports",
        Key="exports/new-batch.csv",
        Body=b"name,ssn,diagnosis\nJohn R Sample,219-09-9999,asthma\nMary T Sample,457-55-5462,COPD\n",
    )
    demo.s3.delete_bucket_policy(Bucket="medcall-website")
    try:
        new = rescan(demo.endpoint_url, demo.url)
    finally:
        from phiscope.demo import configure_bucket

        configure_bucket(demo.s3, "medcall-website", "public-policy")
        demo.s3.delete_object(Bucket="medcall-exports", Key="exports/new-batch.csv")
    d = queries.diff_scans(connect(demo.url), demo.scan_id, new)
    assert {(x["bucket"], x["key"]) for x in d["data_new"]} >= {("medcall-exports", "exports/new-batch.csv")}
    assert all(x["key"] == "exports/new-batch.csv" for x in d["data_new"])
    assert d["data_resolved_total"] == 0
    assert {x["bucket"] for x in d["exposure_resolved"]} == {"medcall-website"}
    assert d["exposure_new"] == []
    page = client.get("/scans/diff", params={"old": demo.scan_id, "new": new})
    assert page.status_code == 200 and f'id="d-data-new">{d["data_new_total"]:,}<' in page.text
    scans = client.get("/scans").text
    assert demo.scan_id in scans and new in scans
    # the overview's trend now has two points, and the newest scan is the default
    assert client.get("/").text.count("<circle") >= 2
    assert f'id="scan-id">{new}<' in client.get("/").text
    assert client.get("/scans/diff", params={"old": "nope", "new": new}).status_code == 404


def test_dashboard_diff_is_phiscope_diff(client: TestClient, demo: Demo) -> None:
    """The page's diff and `phiscope diff` are one comparison (scan/diff.py): same new and resolved
    findings, in both families, for the same two scans."""
    from phiscope.demo import configure_bucket

    gone = next(o for o in _report(demo)["objects"] if o["bucket"] == "medcall-forms" and o["detections"])
    body = demo.s3.get_object(Bucket="medcall-forms", Key=gone["key"])["Body"].read()
    demo.s3.put_object(
        Bucket="medcall-exports", Key="exports/late.csv", Body=b"name,ssn\nJohn R Sample,219-09-9999\n"
    )
    demo.s3.delete_object(Bucket="medcall-forms", Key=gone["key"])
    demo.s3.delete_bucket_policy(Bucket="medcall-website")
    configure_bucket(demo.s3, "medcall-forms", "public-policy")
    try:
        new = rescan(demo.endpoint_url, demo.url)
    finally:
        demo.s3.delete_bucket_policy(Bucket="medcall-forms")
        configure_bucket(demo.s3, "medcall-website", "public-policy")
        demo.s3.put_object(Bucket="medcall-forms", Key=gone["key"], Body=body)
        demo.s3.delete_object(Bucket="medcall-exports", Key="exports/late.csv")
    d = queries.diff_scans(connect(demo.url), demo.scan_id, new, limit=1_000_000)
    r = subprocess.run(
        [PHISCOPE, "diff", demo.scan_id, new, "--db", demo.url, "--json"], capture_output=True, timeout=300
    )
    assert r.returncode == 3, r.stderr  # something is new
    cli = json.loads(r.stdout)

    def page(group: str) -> set[tuple[str, str, str | None, str]]:
        exp = {("exposure", x["bucket"], None, x["kind"]) for x in d[f"exposure_{group}"]}
        return exp | {("data", x["bucket"], x["key"], x["type"]) for x in d[f"data_{group}"]}

    for group in ("new", "resolved"):
        assert page(group) == {(x["family"], x["bucket"], x["key"], x["kind"]) for x in cli[group]}, group
        assert len(d[f"exposure_{group}"]) + d[f"data_{group}_total"] == cli["counts"][group]
    assert d["exposure_new"] and d["exposure_resolved"] and d["data_new"] and d["data_resolved"]
    assert ("data", "medcall-forms", gone["key"], gone["detections"][0]["type"]) in page("resolved")
    html = client.get("/scans/diff", params={"old": demo.scan_id, "new": new}).text
    assert f'id="d-data-new">{d["data_new_total"]:,}<' in html
    assert f'id="d-exp-new">{len(d["exposure_new"])}<' in html


def test_watch_status_only_when_its_tables_exist(client: TestClient, demo: Demo) -> None:
    assert 'id="watch-none"' in client.get("/watch").text
    engine = connect(demo.url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE watch_events_test (id INTEGER PRIMARY KEY, bucket TEXT, event TEXT)"))
        c.execute(text("INSERT INTO watch_events_test (bucket, event) VALUES ('medcall-exports', 'exposed')"))
    try:
        page = client.get("/watch").text
        assert "watch_events_test" in page and "exposed" in page and 'id="watch-none"' not in page
    finally:
        with engine.begin() as c:
            c.execute(text("DROP TABLE watch_events_test"))


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PHISCOPE, *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_users_cli(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    r = _cli(
        "users", "add", "alice", "--role", "operator", "--password-stdin", "--db", db, stdin=PASSWORD + "\n"
    )
    assert r.returncode == 0, r.stderr
    assert (
        _cli("users", "add", "alice", "--password-stdin", "--db", db, stdin=PASSWORD + "\n").returncode == 1
    )
    assert _cli("users", "add", "bob", "--role", "root", "--password-stdin", "--db", db).returncode == 2
    short = _cli("users", "add", "bob", "--password-stdin", "--db", db, stdin="short\n")
    assert short.returncode == 1 and "12 characters" in short.stderr
    out = _cli("users", "list", "--db", db)
    assert out.returncode == 0 and "alice\toperator" in out.stdout
    assert _cli("users", "set-role", "alice", "admin", "--db", db).returncode == 0
    assert "alice\tadmin" in _cli("users", "list", "--db", db).stdout
    assert _cli("users", "set-role", "ghost", "admin", "--db", db).returncode == 1
    tok = _cli("users", "token", "alice", "--db", db)
    assert tok.returncode == 0 and tok.stdout.startswith("phs_")
    # the hash is argon2id, never the password
    with connect(db).connect() as c:
        h = c.execute(text("SELECT password_hash FROM serve_users WHERE username='alice'")).scalar()
    assert str(h).startswith("$argon2id$") and PASSWORD not in str(h)
    assert _cli("users", "remove", "alice", "--db", db).returncode == 0
    assert _cli("users", "remove", "alice", "--db", db).returncode == 1
    # serve refuses to start without any user (exit 1), and on bad options (exit 2)
    empty = _cli("serve", "--db", db, "--port", "0")
    assert empty.returncode == 1 and "users add" in empty.stderr
    assert _cli("serve", "--db", db, "--certfile", "x.pem").returncode == 2


def test_running_scan_path_matches_the_index(demo: Demo) -> None:
    """While a scan runs (no summary cached, no findings index) the explorer joins the raw tables:
    both paths must give the same pages."""
    engine = connect(demo.url)
    summ = queries.scan_summary(engine, demo.scan_id)
    assert summ["indexed"]
    ml = load_mutelist(demo.mutelist)
    cases: list[dict[str, Any]] = [{}, {"bucket": "medcall-exports", "severity": "high"}, {"muted": "only"}]
    for params in [*cases, {"sort": "count"}]:
        pages = []
        for indexed in (True, False):
            q = queries.FindingQuery(scan_id=demo.scan_id, per_page=500, **params)
            res = queries.find(engine, q, summ["buckets"], ml, indexed=indexed)
            pages.append([(r["id"], r["severity"], r["muted"] is None) for r in res["rows"]])
        assert pages[0] == pages[1], params


def test_mute_globs_and_case_match_the_mutelist_rules(demo: Demo, tmp_path: Path) -> None:
    """Entries with globs in prefix and types mute in SQL exactly what Mutelist.match mutes."""
    ml_path = tmp_path / "ml.yaml"
    ml_path.write_text(
        "mutelist:\n"
        '  - {bucket: medcall-exp*, prefix: "*.csv", types: [US_*, PHONE], reason: r, expires: 2099-12-31}\n'
        '  - {bucket: "medcall-forms", prefix: "FORMS/", reason: "case differs", expires: 2099-01-01}\n'
        '  - {bucket: "medcall-forms", types: ["EMAIL"], reason: "expired", expires: 2001-01-01}\n',
        encoding="utf-8",
    )
    ml = load_mutelist(ml_path)
    report = _report(demo)
    apply_mutelist(report, ml)
    want = sorted((f.bucket, f.key, f.kind) for f in iter_findings(report, exposure=False) if f.muted)
    assert want and all(b == "medcall-exports" for b, _, _ in want)
    engine = connect(demo.url)
    summ = queries.scan_summary(engine, demo.scan_id)
    for indexed in (True, False):
        q = queries.FindingQuery(scan_id=demo.scan_id, muted="only", per_page=200)
        got = queries.find(engine, q, summ["buckets"], ml, indexed=indexed)["rows"]
        assert sorted((r["bucket"], r["key"], r["type"]) for r in got) == want


def test_counts_are_capped(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = connect(demo.url)
    summ = queries.scan_summary(engine, demo.scan_id)
    monkeypatch.setattr(queries, "COUNT_CAP", 7)
    q = queries.FindingQuery(scan_id=demo.scan_id, muted="all", per_page=5)
    res = queries.find(engine, q, summ["buckets"], None, indexed=True)
    assert res["total"] == 7 and res["total_is_lower_bound"] and res["pages"] >= 2
    q = queries.FindingQuery(scan_id=demo.scan_id, muted="all", per_page=5, bucket="no-such-bucket")
    res = queries.find(engine, q, summ["buckets"], None, indexed=True)
    assert res["total"] == 0 and not res["total_is_lower_bound"]


def test_phiscope_serve_command(demo: Demo) -> None:
    """The real command: binds loopback, announces its address once listening, answers, stops on SIGTERM."""
    import signal
    import urllib.request

    proc = subprocess.Popen(
        [PHISCOPE, "serve", "--db", demo.url, "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = ""
        for line in proc.stderr:  # blocks until the server says where it listens
            if "dashboard on" in line:
                break
        url = line.split(" on ", 1)[1].split(" ")[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "login", timeout=30) as r:
            assert r.status == 200
            assert r.headers["X-Frame-Options"] == "DENY"
            assert "Log in" in r.read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
