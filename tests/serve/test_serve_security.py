"""Security of the dashboard: no route without a session, CSRF on every state change, roles, rate limit,
headers and cookies, hostile object keys rendered inert, no raw sensitive value served, API tokens.

The app runs for real (Starlette's TestClient drives the ASGI app in-process) over a database filled by
a real scan of the demo's buckets on a loopback S3 server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from serve_helpers import HOSTILE_KEY, PASSWORD, Demo, add_users, csrf_of, demo_env, login
from starlette.testclient import TestClient

from phiscope.db.store import connect
from phiscope.serve import auth
from phiscope.serve.app import create_app
from phiscope.synth.truth import GroundTruth


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with demo_env(tmp_path_factory.mktemp("serve-sec")) as d:
        yield d


@pytest.fixture(scope="module")
def app(demo: Demo) -> Any:
    return create_app(demo.url, mutelist=demo.mutelist, backup_dir=demo.tmp / "backups")


def _client(app: Any, user: str | None = None, **kw: Any) -> TestClient:
    c = TestClient(app, follow_redirects=False, **kw)
    if user:
        r = login(c, user)
        assert r.status_code == 303, r.text[:300]
    return c


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def _routes(app: Any) -> list[tuple[str, str]]:
    out = []
    for r in app.routes:
        if isinstance(r, APIRoute):
            for m in sorted(r.methods):
                out.append((m, r.path))
    return out


def test_every_route_needs_a_session(app: Any) -> None:
    routes = _routes(app)
    assert len(routes) >= 25  # the test really walks the app
    c = _client(app)
    seen = 0
    for method, path in routes:
        if path in ("/login", "/favicon.ico") or path.startswith("/static/"):
            continue
        url = _concrete(path)
        r = c.request(method, url)
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.headers["www-authenticate"].startswith("Bearer")
        elif method == "GET":
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), (method, path)
        else:
            assert r.status_code == 401, (method, path, r.status_code)
        assert "medcall" not in r.text  # nothing of the data leaks before login
        seen += 1
    assert seen == len(routes) - 4  # GET/POST /login, the public stylesheet and favicon
    # an unknown or forged session cookie is no session
    c.cookies.set("phiscope_session", "forged")
    assert c.get("/").status_code == 303
    # static assets are public, and carry no data
    assert c.get("/static/serve.js").status_code == 200
    assert c.get("/static/report.css").status_code == 200


def test_post_without_or_with_wrong_csrf_is_403(app: Any, demo: Demo) -> None:
    c = _client(app, "ada")  # admin: any refusal below is the CSRF check, not the role
    posts = [p for m, p in _routes(app) if m == "POST" and p != "/login"]
    actions = {"/buckets/{name}/plan", "/plans/{plan_id}/apply", "/runs/{run_id}/rollback", "/findings/mute"}
    assert actions <= set(posts)
    before = demo.mutelist.read_text()
    for path in posts:
        url = _concrete(path).replace("/x/", "/medcall-exports/")
        data = {"bucket": "medcall-exports", "reason": "r", "owner": "o", "expires": "2099-01-01"}
        data["confirm"] = "medcall-exports"
        for csrf in (None, "wrong-token"):
            body = dict(data, **({"csrf": csrf} if csrf else {}))
            r = c.post(url, data=body)
            assert r.status_code == 403, (path, csrf, r.status_code)
    assert demo.mutelist.read_text() == before  # nothing was written
    # the login form itself is protected by a double-submit token
    fresh = _client(app)
    r = fresh.post("/login", data={"username": "ada", "password": PASSWORD, "next": "/"})
    assert r.status_code == 403


def test_viewer_cannot_act(app: Any, demo: Demo) -> None:
    c = _client(app, "vera")
    page = c.get("/buckets/medcall-exports")
    assert page.status_code == 200
    assert 'id="no-fix"' in page.text and "plan-btn" not in page.text
    token = csrf_of(page.text)
    policy_before = demo.s3.get_bucket_policy(Bucket="medcall-exports")["Policy"]
    r = c.post("/buckets/medcall-exports/plan", data={"csrf": token, "scan": demo.scan_id})
    assert r.status_code == 403
    r = c.post(
        "/findings/mute",
        data={"csrf": token, "bucket": "medcall-exports", "reason": "x", "owner": "y", "expires": "2099-1-1"},
    )
    assert r.status_code == 403
    # a plan made by an operator cannot be applied or rolled back by a viewer either
    op = _client(app, "otto")
    op_token = csrf_of(op.get("/").text)
    r = op.post("/buckets/medcall-exports/plan", data={"csrf": op_token, "scan": demo.scan_id})
    assert r.status_code == 303
    plan_url = r.headers["location"]
    assert "apply-btn" not in c.get(plan_url).text
    r = c.post(plan_url + "/apply", data={"csrf": token, "confirm": "medcall-exports"})
    assert r.status_code == 403
    assert demo.s3.get_bucket_policy(Bucket="medcall-exports")["Policy"] == policy_before
    assert c.get("/audit").status_code == 403  # the audit log is for admins
    rows = auth.audit_rows(connect(demo.url))
    refused = [(a["username"], a["action"]) for a in rows if a["result"] == "refused"]
    for action in ("fix-plan", "mute", "fix-apply", "view-audit"):
        assert ("vera", action) in refused


def test_wrong_passwords_are_rate_limited(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rl.db'}"
    add_users(url)
    app = create_app(url)
    c = _client(app)
    for _ in range(auth.MAX_FAILURES):
        r = login(c, "vera", "not the password at all")
        assert r.status_code == 401
        assert "Wrong user name or password" in r.text
    r = login(c, "vera")  # even the right password is refused while throttled
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "phiscope_session" not in r.headers.get("set-cookie", "")
    # an unknown user name gets the same answer as a wrong password (no user enumeration)
    other = create_app(url)
    c2 = TestClient(other, follow_redirects=False, client=("10.0.0.9", 5000))
    r = login(c2, "nobody-here", "whatever password")
    assert r.status_code == 401 and "Wrong user name or password" in r.text


def test_headers_and_cookies(app: Any) -> None:
    c = _client(app)
    r = login(c, "vera")
    cookie = r.headers["set-cookie"]
    assert "phiscope_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback
    page = c.get("/")
    csp = page.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", csp)
    assert script_src and script_src.group(1).strip() == "'self'"
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text  # no inline script at all: only <script src=...>
    # over TLS the cookie is Secure
    tls = TestClient(app, base_url="https://testserver", follow_redirects=False)
    r = login(tls, "vera")
    assert "Secure" in r.headers["set-cookie"]
    # no open redirect after login
    c3 = _client(app)
    form = c3.get("/login")
    r = c3.post(
        "/login",
        data={"username": "vera", "password": PASSWORD, "csrf": csrf_of(form.text), "next": "//evil.example"},
    )
    assert r.headers["location"] == "/"


def test_hostile_object_key_renders_inert(app: Any, demo: Demo) -> None:
    c = _client(app, "vera")
    r = c.get("/findings", params={"scan": demo.scan_id, "prefix": "exports/<script>", "muted": "all"})
    assert r.status_code == 200
    assert "1 findings" in r.text or "findings ·" in r.text
    assert "<script>document.title" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in r.text
    params = {"prefix": "exports/<script>", "muted": "all"}
    api = c.get(f"/api/v1/scans/{demo.scan_id}/findings", params=params)
    keys = {f["key"] for f in api.json()["findings"]}
    assert keys == {HOSTILE_KEY}  # the API returns the key as data (JSON), the page escapes it


def test_no_raw_sensitive_value_is_served(app: Any, demo: Demo) -> None:
    truth = GroundTruth.load(demo.tmp / "truth.json")
    needles = {
        v.strip()
        for typ, vals in truth.sensitive_values.items()
        for v in vals
        if len(v.strip()) >= 6 and (typ != "PERSON_NAME" or " " in v.strip())
    }
    needles.add("078-05-1120")  # the hostile object's SSN
    assert len(needles) > 100
    c = _client(app, "ada")
    pages = ["/", "/buckets", "/incidents", "/scans", "/audit", f"/api/v1/scans/{demo.scan_id}"]
    pages += [f"/buckets/{b}" for b in ("medcall-exports", "medcall-forms", "medcall-website")]
    pages += [f"/findings?muted=all&per_page=200&page={p}" for p in (1, 2, 3)]
    pages += [f"/api/v1/scans/{demo.scan_id}/findings?muted=all&per_page=200&page={p}" for p in (1, 2, 3)]
    text = ""
    for p in pages:
        r = c.get(p)
        assert r.status_code == 200, p
        text += r.text
    assert "***" in text or "•" in text or "X" in text  # masked examples are there
    leaks = sorted({n[:3] + "…" for n in needles if n in text})
    assert not leaks, leaks


def test_api_tokens(app: Any, demo: Demo) -> None:
    c = _client(app, "vera")
    page = c.get("/tokens")
    r = c.post("/tokens", data={"csrf": csrf_of(page.text), "name": "ci"})
    token = re.search(r'id="new-token">([^<]+)<', r.text)
    assert token
    api = TestClient(app, follow_redirects=False)
    h = {"Authorization": f"Bearer {token.group(1)}"}
    scans = api.get("/api/v1/scans", headers=h)
    assert scans.status_code == 200 and scans.json()[0]["id"] == demo.scan_id
    b = api.get(f"/api/v1/scans/{demo.scan_id}/buckets", headers=h).json()
    assert {x["name"] for x in b} >= {"medcall-exports", "medcall-forms"}
    spec = api.get("/api/v1/openapi.json", headers=h).json()
    assert {"/api/v1/scans", "/api/v1/scans/{scan_id}/buckets", "/api/v1/scans/{scan_id}/findings"} <= set(
        spec["paths"]
    )
    assert api.get("/api/v1/scans", headers={"Authorization": "Bearer phs_forged"}).status_code == 401
    # a token is for reading: it cannot drive a state-changing form
    r = api.post("/findings/mute", headers=h, data={"bucket": "medcall-exports"})
    assert r.status_code == 403
    # a token does not open the HTML pages' session-only parts
    assert api.get("/tokens", headers=h).status_code == 403
