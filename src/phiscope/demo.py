"""`phiscope demo`: the whole product on a laptop with no cloud account and no network.

Starts an S3-compatible endpoint on loopback, fills a few buckets with synthetic telehealth data
(never a real person's), gives each a different exposure (public ACL, public policy, private,
IP-restricted policy, an intentionally public website), scans them all and writes every report.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

# Exposure given to each demo bucket: what the scan must find out by itself.
DEMO_EXPOSURE = {
    "medcall-exports": "public-policy",
    "medcall-recordings": "public-acl",
    "medcall-forms": "private",
    "medcall-scans": "ip-restricted-policy",
    "medcall-website": "public-policy",
}


def _policy(bucket: str, *, condition: dict[str, Any] | None = None) -> str:
    stmt: dict[str, Any] = {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    if condition:
        stmt["Sid"] = "PartnerOffice"
        stmt["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]})


def configure_bucket(client: Any, bucket: str, kind: str) -> None:
    """Apply one demo exposure to an existing bucket."""
    if kind == "public-acl":
        client.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
        )
        client.put_bucket_acl(Bucket=bucket, ACL="public-read")
    elif kind == "public-policy":
        client.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket))
    elif kind == "ip-restricted-policy":
        cond = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}
        client.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, condition=cond))
    else:
        client.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )


def upload_tree(client: Any, root: Path, *, object_acl: dict[str, str] | None = None) -> dict[str, int]:
    """Create one bucket per top-level folder of `root` and upload its files; returns counts."""
    counts: dict[str, int] = {}
    for bdir in sorted(p for p in root.iterdir() if p.is_dir()):
        bucket = bdir.name
        client.create_bucket(Bucket=bucket)
        n = 0
        for path in sorted(bdir.rglob("*")):
            if not path.is_file():
                continue
            key = path.relative_to(bdir).as_posix()
            extra: dict[str, Any] = {}
            ctype = mimetypes.guess_type(path.name)[0]
            if ctype:
                extra["ContentType"] = ctype
            if object_acl and bucket in object_acl:
                extra["ACL"] = object_acl[bucket]
            client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), **extra)
            n += 1
        counts[bucket] = n
    return counts


def run_demo(
    *,
    output_dir: Path,
    formats: list[str],
    audio: bool = True,
    ocr: bool = True,
    people: int = 300,
    keep_running: bool = False,
    quiet: bool = False,
    providers: list[str] | None = None,
) -> int:
    from phiscope.db.store import Store
    from phiscope.scan.pipeline import ScanConfig
    from phiscope.scan.run import run_and_report
    from phiscope.storage.embedded import EmbeddedS3
    from phiscope.storage.s3 import make_client
    from phiscope.synth import telehealth

    console = Console(stderr=True, quiet=quiet)
    providers = providers or ["s3"]
    from phiscope.demo_cloud import missing_emulators

    if missing := missing_emulators(providers):
        console.print(f"[red]error:[/] --providers {','.join(providers)} needs: {'; '.join(missing)}")
        return 1
    t0 = time.perf_counter()
    output_dir.mkdir(parents=True, exist_ok=True)
    # The embedded endpoint accepts any credentials; never use the user's real ones here.
    os.environ["AWS_ACCESS_KEY_ID"] = "phiscope-demo"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "phiscope-demo"
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    with (
        contextlib.ExitStack() as stack,
        tempfile.TemporaryDirectory(prefix="phiscope-demo-") as tmp,
        EmbeddedS3() as server,
    ):
        console.print(f"[bold]PHIscope demo[/] — embedded S3 endpoint at {server.endpoint_url}")
        data = Path(tmp) / "buckets"
        console.print(f"generating synthetic telehealth data ({people} people, no real person's data)…")
        truth = telehealth.build(
            # The ground truth lists the raw synthetic values: it stays in the temp dir, never in the reports.
            data,
            people=people,
            audio=audio,
            images=ocr,
            truth_path=Path(tmp) / "ground-truth.json",
        )
        client = make_client("s3", endpoint_url=server.endpoint_url, region="us-east-1")
        public_acl = {b: "public-read" for b, k in DEMO_EXPOSURE.items() if k == "public-acl"}
        counts = upload_tree(client, data, object_acl=public_acl)
        for bucket in counts:
            configure_bucket(client, bucket, DEMO_EXPOSURE.get(bucket, "private"))
            console.print(
                f"  bucket [cyan]{bucket}[/]: {counts[bucket]} objects, set to "
                f"{DEMO_EXPOSURE.get(bucket, 'private')}"
            )
        cloud_targets: list[str] = []
        if set(providers) - {"s3"}:
            from phiscope.demo_cloud import start_cloud

            cloud_targets = start_cloud(providers, stack, data, console)
        mutelist = output_dir / "mutelist.yaml"
        mutelist.write_text(
            "mutelist:\n"
            '  - bucket: "medcall-website"\n'
            '    exposure: ["anonymous:list", "anonymous:read"]\n'
            '    reason: "public marketing website (intentionally public)"\n'
            '    owner: "web-team@medcall.example"\n'
            "    expires: 2099-12-31\n",
            encoding="utf-8",
        )
        cfg = ScanConfig(
            targets=(["s3://"] if "s3" in providers else []) + cloud_targets,
            endpoint_url=server.endpoint_url,
            region="us-east-1",
            full=True,
            ocr=ocr,
            audio=audio,
            anonymous=False,
            # the embedded endpoint (moto) stores ACLs and policies but answers every anonymous
            # request: a live probe against it would call every bucket public
            live_probe=False,
        )
        db = Store.open(f"sqlite:///{(output_dir / 'findings.db').resolve()}")
        has_mutelist = _mutelist_supported()
        code = run_and_report(
            cfg,
            db,
            output_dir=output_dir,
            formats=formats,
            quiet=quiet,
            mutelist=mutelist if has_mutelist else None,
        )
        console.print(
            f"ground truth: {getattr(truth, 'people_total', '?')} distinct people generated · "
            f"demo took {time.perf_counter() - t0:.0f} s · reports in {output_dir}/"
        )
        if keep_running:
            console.print(f"endpoint stays up at {server.endpoint_url} — Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    # One exit-code contract for every command (README): the demo data is exposed on purpose, so
    # a complete demo ends with 3 (findings at/above the threshold); 1 only if the run failed.
    if code == 3:
        console.print("exit code 3: findings at or above 'high', as planted in the demo data")
    return code


def _mutelist_supported() -> bool:
    try:
        import phiscope.report.mutelist  # noqa: F401
    except ImportError:
        return False
    return True
