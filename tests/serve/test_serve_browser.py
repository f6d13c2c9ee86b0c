"""The dashboard in Debian's headless Chromium, served by uvicorn on a loopback port.

Operator: log in, see the demo's headline numbers, open a bucket's proof, filter findings, plan, apply
(typed confirmation) and roll back a fix on the loopback S3 server — checked on the server itself.
Viewer: sees everything, can act on nothing. A hostile object key stays text. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_helpers import PASSWORD, Demo, demo_env

from phiscope.db.store import Store, connect
from phiscope.report.summary import headline
from phiscope.scan.report import build_report
from phiscope.serve.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1800",
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("needs Debian's chromium and chromium-driver")
    with demo_env(tmp_path_factory.mktemp("serve-browser")) as d:
        yield d


@pytest.fixture(scope="module")
def base_url(demo: Demo) -> Iterator[str]:
    """uvicorn on a socket bound here (port 0), so the URL is known before the server starts accepting."""
    import uvicorn

    app = create_app(demo.url, mutelist=demo.mutelist, backup_dir=demo.tmp / "backups")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    t = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        t.join(timeout=30)
        sock.close()


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in FLAGS:
        opts.add_argument(f)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    d.set_page_load_timeout(60)
    try:
        yield d
    finally:
        d.quit()


def _shot(d: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / f"serve-{name}.png"))


def _login(d: Any, base: str, user: str) -> None:
    d.delete_all_cookies()
    d.get(base + "/")
    assert "/login" in d.current_url
    d.find_element("id", "username").send_keys(user)
    d.find_element("id", "password").send_keys(PASSWORD)
    d.find_element("id", "login-btn").click()
    _until(d, lambda d: d.find_elements("id", "who"))
    assert d.find_element("id", "who").text.startswith(user)


def _until(d: Any, cond: Any) -> Any:
    """Wait for a condition of the page (navigation after a click or a select), never a fixed sleep."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(d, 30).until(cond)


def _csp_violations(d: Any) -> list[str]:
    return [e["message"] for e in d.get_log("browser") if "Content Security Policy" in e.get("message", "")]


def test_operator_sees_acts_and_rolls_back(driver: Any, base_url: str, demo: Demo) -> None:
    from selenium.webdriver.support.ui import Select

    d = driver
    _login(d, base_url, "otto")
    h = headline(build_report(Store(connect(demo.url)), demo.scan_id))
    assert d.find_element("id", "h-exposed").text == f"{h['exposed_buckets']:,}"
    assert d.find_element("id", "h-people").text == f"{h['people_affected']:,}"
    assert d.find_element("id", "h-detections").text == f"{h['detections']:,}"
    assert d.find_element("id", "h-obligations").text == f"{h['obligations']:,}"
    # the deadline countdown is filled by the shipped script (CSP allows 'self' scripts only)
    countdown = d.find_element("css selector", "[data-deadline]").text
    assert countdown.startswith(("in ", "overdue by ")) and "min" in countdown
    _shot(d, "overview")

    # a bucket's proof: the policy statement that makes it public
    d.find_element("link text", "medcall-exports").click()
    _until(d, lambda d: d.find_elements("id", "proof"))
    proof = d.find_element("id", "proof").text
    assert "PublicRead" in proof and "Anyone on the internet" in proof
    _shot(d, "bucket-proof")

    # findings: filter by bucket and minimum severity (the selects submit the form themselves)
    d.get(base_url + "/findings")
    Select(d.find_element("id", "f-bucket")).select_by_visible_text("medcall-exports")
    _until(d, lambda d: "bucket=medcall-exports" in d.current_url)
    Select(d.find_element("id", "f-severity")).select_by_visible_text("critical+")
    _until(d, lambda d: "severity=critical" in d.current_url)
    rows = d.find_elements("css selector", "tr.finding")
    assert rows
    assert all(r.find_element("css selector", ".obj").text.startswith("medcall-exports/") for r in rows)
    assert all(r.find_element("css selector", ".sev").text == "CRITICAL" for r in rows)
    # the hostile key is shown as text and ran nothing
    d.get(base_url + "/findings?muted=all&prefix=" + "exports/%3Cscript%3E")
    assert "<script>document.title='pwned'</script>" in d.find_element("id", "findings-table").text
    assert d.title != "pwned"
    _shot(d, "findings-filtered")

    # plan, then apply with the typed bucket name
    policy_before = demo.s3.get_bucket_policy(Bucket="medcall-exports")["Policy"]
    d.get(base_url + "/buckets/medcall-exports")
    d.find_element("id", "plan-btn").click()
    _until(d, lambda d: "/plans/" in d.current_url)
    apply_btn = d.find_element("id", "apply-btn")
    assert not apply_btn.is_enabled()  # until the name is typed exactly
    d.find_element("id", "confirm").send_keys("medcall-export")
    assert not apply_btn.is_enabled()
    d.find_element("id", "confirm").send_keys("s")
    assert apply_btn.is_enabled()
    _shot(d, "plan")
    apply_btn.click()
    _until(d, lambda d: "/runs/" in d.current_url)
    assert d.find_element("id", "verify-status").text == "CLOSED"
    statements = _public_statements(demo)
    assert statements == []  # the public statement is gone on the server
    _shot(d, "applied")

    # roll back: the exact previous policy is back
    d.find_element("id", "confirm").send_keys("medcall-exports")
    d.find_element("id", "rollback-btn").click()
    _until(d, lambda d: d.find_elements("id", "rolled-back"))
    restored = demo.s3.get_bucket_policy(Bucket="medcall-exports")["Policy"]
    assert json.loads(restored) == json.loads(policy_before)
    _shot(d, "rolled-back")
    assert not _csp_violations(d)


def _public_statements(demo: Demo) -> list[Any]:
    try:
        pol = json.loads(demo.s3.get_bucket_policy(Bucket="medcall-exports")["Policy"])
    except demo.s3.exceptions.ClientError:
        return []
    return [s for s in pol.get("Statement", []) if s.get("Principal") in ("*", {"AWS": "*"})]


def test_viewer_is_refused(driver: Any, base_url: str, demo: Demo) -> None:
    d = driver
    _login(d, base_url, "vera")
    d.get(base_url + "/buckets/medcall-exports")
    assert d.find_element("id", "no-fix").is_displayed()
    assert not d.find_elements("id", "plan-btn")
    # even a hand-made form post from the viewer's session is refused
    token = d.find_element("css selector", "nav input[name=csrf]").get_attribute("value")
    d.execute_script(
        "var f=document.createElement('form');f.method='post';f.action='/buckets/medcall-exports/plan';"
        "var i=document.createElement('input');i.name='csrf';i.value=arguments[0];f.appendChild(i);"
        "document.body.appendChild(f);f.submit();",
        token,
    )
    _until(d, lambda d: d.find_elements("id", "error-text"))
    assert "403" in d.find_element("tag name", "h2").text
    assert "needs the operator role" in d.find_element("id", "error-text").text
    _shot(d, "viewer-refused")
    assert _public_statements(demo)  # still exposed: nothing changed
