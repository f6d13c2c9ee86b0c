"""The dashboard's test bed: the demo's buckets on a loopback S3 server, scanned into a database.

`build_demo_db` does what `phiscope demo` does (same synthetic data, same exposures, same mutelist)
but against a server the tests keep running, so fixes can be applied and rolled back from the UI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


# An object key an attacker who can write to a public bucket chooses: it must render inert everywhere.
HOSTILE_KEY = "exports/<script>document.title='pwned'</script><img src=x onerror=alert(1)>.csv"
HOSTILE_CSV = "name,ssn,diagnosis\nJane Q Example,078-05-1120,Type 2 diabetes mellitus\n"


def build_demo_db(
    endpoint_url: str, client: Any, tmp: Path, *, people: int = 60, url: str | None = None
) -> tuple[str, str]:
    """Upload the demo's buckets (plus one hostile key), scan them; returns (db url, scan id)."""
    from phiscope.db.store import Store
    from phiscope.scan.pipeline import ScanConfig, Scanner
    from phiscope.synth import telehealth

    data = tmp / "buckets"
    telehealth.build(data, people=people, audio=False, images=False, truth_path=tmp / "truth.json")
    public_acl = {b: "public-read" for b, k in DEMO_EXPOSURE.items() if k == "public-acl"}
    counts = upload_tree(client, data, object_acl=public_acl)
    for bucket in counts:
        configure_bucket(client, bucket, DEMO_EXPOSURE.get(bucket, "private"))
    client.put_object(Bucket="medcall-exports", Key=HOSTILE_KEY, Body=HOSTILE_CSV.encode())
    (tmp / "mutelist.yaml").write_text(DEMO_MUTELIST, encoding="utf-8")
    url = url or f"sqlite:///{(tmp / 'findings.db').resolve()}"
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


def rescan(endpoint_url: str, url: str) -> str:
    from phiscope.db.store import Store
    from phiscope.scan.pipeline import ScanConfig, Scanner

    cfg = ScanConfig(
        targets=["s3://"], endpoint_url=endpoint_url, region="us-east-1", full=True, ocr=False, audio=False
    )
    return Scanner(cfg, Store.open(url)).run()


@dataclass
class Demo:
    url: str
    scan_id: str
    endpoint_url: str
    s3: Any
    tmp: Path

    @property
    def mutelist(self) -> Path:
        return self.tmp / "mutelist.yaml"


@contextmanager
def demo_env(tmp: Path) -> Iterator[Demo]:
    """A private loopback S3 server holding the demo's buckets, scanned into a SQLite file; users added."""
    from phiscope.storage.embedded import EmbeddedS3
    from phiscope.storage.s3 import make_client

    with EmbeddedS3() as server:
        s3 = make_client("s3", endpoint_url=server.endpoint_url, region="us-east-1")
        url, sid = build_demo_db(server.endpoint_url, s3, tmp)
        add_users(url)
        yield Demo(url, sid, server.endpoint_url, s3, tmp)


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
