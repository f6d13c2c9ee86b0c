"""The dashboard's test bed: the demo's buckets on a loopback S3 server, scanned into a database.

`build_demo_db` does what `phiscope demo` does (same synthetic data, same exposures, same mutelist)
but against a server the tests keep running, so fixes can be applied and rolled back from the UI.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from phiscope.demo import DEMO_EXPOSURE, configure_bucket, upload_tree

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')

DEMO_MUTELIST = (
    "mutelist:\n"
    '  - bucket: "medcall-website"\n'
    '    exposure: ["anonymous:list", "anonymous:read"]\n'
    '    reason: "public marketing website (intentionally public)"\n'
    '    owner: "web-team@medcall.example"\n'
    "    expires: 2099-12-31\n"
)


def build_demo_db(endpoint_url: str, client: Any, tmp: Path, *, people: int = 60) -> tuple[str, str]:
    """Upload the demo's buckets, scan them into tmp/findings.db; returns (db url, scan id)."""
    from phiscope.db.store import Store
    from phiscope.scan.pipeline import ScanConfig, Scanner
    from phiscope.synth import telehealth

    data = tmp / "buckets"
    telehealth.build(data, people=people, audio=False, images=False, truth_path=tmp / "truth.json")
    public_acl = {b: "public-read" for b, k in DEMO_EXPOSURE.items() if k == "public-acl"}
    counts = upload_tree(client, data, object_acl=public_acl)
    for bucket in counts:
        configure_bucket(client, bucket, DEMO_EXPOSURE.get(bucket, "private"))
    (tmp / "mutelist.yaml").write_text(DEMO_MUTELIST, encoding="utf-8")
    url = f"sqlite:///{(tmp / 'findings.db').resolve()}"
    cfg = ScanConfig(
        targets=["s3://"],
        endpoint_url=endpoint_url,
        region="us-east-1",
        full=True,
        ocr=False,
        audio=False,
        anonymous=False,
    )
    scan_id = Scanner(cfg, Store.open(url)).run()
    return url, scan_id


def add_users(url: str) -> None:
    from phiscope.db.store import connect
    from phiscope.serve import auth

    engine = connect(url)
    for name, role in (("vera", "viewer"), ("otto", "operator"), ("ada", "admin")):
        auth.add_user(engine, name, PASSWORD, role)


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )
