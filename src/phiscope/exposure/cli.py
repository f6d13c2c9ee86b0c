"""`phiscope exposure snapshot|evaluate` and `phiscope probe`.

Thin: parse options, call the package, print JSON or text. boto3 is imported only inside commands.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    help="Owner-side view: who can list, read and write a bucket, and why.", no_args_is_help=True
)


def _check_endpoint(value: str | None) -> str | None:
    from phiscope.scan.cli import check_endpoint

    return check_endpoint(value)


def _bucket_of(target: str) -> str:
    t = target.strip()
    if t.lower().startswith("s3://"):
        t = t[5:]
    name = t.split("/", 1)[0]
    if not name:
        raise typer.BadParameter(f"no bucket name in {target!r}; expected s3://BUCKET")
    return name


@app.command("snapshot")
def snapshot_command(
    target: str = typer.Argument(..., help="s3://BUCKET"),
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", help="S3-compatible endpoint", callback=_check_endpoint
    ),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile (owner credentials)"),
    region: str | None = typer.Option(None, "--region"),
    account_id: str | None = typer.Option(
        None, "--account-id", help="bucket owner's account id (reads account-level Block Public Access)"
    ),
    max_object_acls: int = typer.Option(100, "--max-object-acls", min=0, help="object ACLs to sample"),
    output: Path | None = typer.Option(None, "-o", "--output", help="write here instead of stdout"),
    account_settings: Path | None = typer.Option(
        None, "--account-settings", help="az:// only: JSON of `az storage account show` (ARM settings)"
    ),
) -> None:
    """Write a bucket snapshot v1 (ACLs, policy, Block Public Access, ownership) as JSON."""
    if target.lower().startswith(("az://", "gs://")):
        from phiscope.exposure.dispatch import cloud_snapshot_command

        raise typer.Exit(cloud_snapshot_command(target, account_settings, output))
    from phiscope.exposure.snapshot import SnapshotError, collect_snapshot, control_client
    from phiscope.storage.s3 import make_client

    bucket = _bucket_of(target)
    from phiscope.remediate.cli import require_credentials

    require_credentials([bucket], profile)
    try:
        s3 = make_client("s3", endpoint_url=endpoint_url, profile=profile, region=region)
        control = control_client(endpoint_url=endpoint_url, profile=profile, region=region)
        snap = collect_snapshot(
            s3, bucket, s3control=control, account_id=account_id, max_object_acls=max_object_acls
        )
    except SnapshotError as e:
        typer.echo(f"error: could not verify s3://{bucket}: {e}", err=True)
        raise typer.Exit(1) from None
    except Exception as e:  # credentials/profile problems: a clear message, not a traceback
        from phiscope.contract import describe_exception

        typer.echo(f"error: could not verify s3://{bucket}: {describe_exception(e)}", err=True)
        raise typer.Exit(1) from None
    text = json.dumps(snap, indent=2, sort_keys=False, default=str)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"snapshot of {bucket} written to {output} ({len(snap['errors'])} errors)", err=True)
    else:
        typer.echo(text)
    for err in snap["errors"]:
        typer.echo(f"warning: {err['operation']}: {err['code']}: {err['message']}", err=True)
    from phiscope.remediate.cli import settings_unreadable

    why = settings_unreadable(snap)
    if why:
        typer.echo(f"error: could not verify s3://{bucket}: {why}", err=True)
        raise typer.Exit(1)


def _render_text(r: Mapping[str, Any]) -> str:
    lines = [f"bucket {r['bucket']}: {'PUBLIC' if r['public'] else 'not public'}"]
    for m in r.get("malformed") or []:
        lines.append(f"  MALFORMED: {m}")
    lines.append(f"  policy_is_public: {r['policy_is_public']}")
    for aud, caps in r["access"].items():
        on = [c for c, v in caps.items() if v]
        lines.append(f"  {aud}: {', '.join(on) if on else 'nothing'}")
    for title, items in (("reasons", r["reasons"]), ("latent", r["latent"]), ("uncertain", r["uncertain"])):
        if items:
            lines.append(f"  {title}:")
            lines.extend(f"    - {x}" for x in items)
    return "\n".join(lines)


@app.command("evaluate")
def evaluate_command(
    snapshot: str = typer.Argument(..., help="SNAPSHOT.json ('-' for stdin)"),
    fmt: str = typer.Option("json", "--format", help="json | text"),
) -> None:
    """Evaluate a snapshot: who can list/read/write, with the settings that decide it."""
    from phiscope.exposure.dispatch import evaluate_any

    if fmt not in ("json", "text"):
        raise typer.BadParameter("--format must be json or text")
    try:
        raw = sys.stdin.read() if snapshot == "-" else Path(snapshot).read_text(encoding="utf-8")
        data = json.loads(raw)
        result = evaluate_any(data)
    except (OSError, ValueError) as e:
        typer.echo(f"error: cannot evaluate {snapshot}: {e}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result, indent=2) if fmt == "json" else _render_text(result))
    from phiscope.remediate.cli import settings_unreadable

    why = settings_unreadable(data)
    if why:
        typer.echo(f"error: could not verify {result['bucket']}: {why}", err=True)
        raise typer.Exit(1)
    if result["public"]:
        raise typer.Exit(3)


def _probe_text(r: dict[str, Any]) -> str:
    lines = [f"{r['target']}: {r.get('summary') or r.get('error')}"]
    if r.get("region"):
        lines.append(f"  region: {r['region']}")
    for aud, tests in (r.get("audiences") or {}).items():
        for name, res in tests.items():
            if not isinstance(res, dict):
                continue
            extra = {k: v for k, v in res.items() if k not in ("outcome",)}
            lines.append(f"  {aud:16} {name:9} {res.get('outcome')}  {json.dumps(extra) if extra else ''}")
    return "\n".join(lines)


def probe_command(
    targets: list[str] = typer.Argument(
        ..., help="bucket names or URLs, az://ACCOUNT/CONTAINER, gs://BUCKET"
    ),
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", help="S3-compatible endpoint", callback=_check_endpoint
    ),
    aws_profile: str | None = typer.Option(
        None, "--aws-profile", help="credentials of an UNRELATED account: tests the any-AWS-account audience"
    ),
    key: str | None = typer.Option(
        None, "--key", help="object key to test reading first (then listed keys, smallest first)"
    ),
    test_write: bool = typer.Option(
        False, "--test-write", help="also try to write (a uniquely named marker, deleted again)"
    ),
    region: str | None = typer.Option(None, "--region"),
    fmt: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """Attacker-side view: what anyone on the internet gets from these buckets, with no credentials.

    Exit codes: 0 nothing allowed (a definite denial), 3 something is exposed, 1 could not verify
    (no such bucket, unreachable, no definite answer), 2 usage."""
    from phiscope.exposure.dispatch import probe_target

    if fmt not in ("json", "text"):
        raise typer.BadParameter("--format must be json or text")
    results = [
        probe_target(
            t,
            endpoint_url=endpoint_url,
            aws_profile=aws_profile,
            key=key,
            test_write=test_write,
            region=region,
        )
        for t in targets
    ]
    if fmt == "json":
        typer.echo(json.dumps(results, indent=2, default=str))
    else:
        typer.echo("\n".join(_probe_text(r) for r in results))

    def _unverified(r: dict[str, Any]) -> bool:
        if str(r.get("target") or "").lower().startswith(("az://", "gs://")):  # exposure/dispatch.py
            return r.get("public") is None or r.get("exists") is None
        return r.get("verdict") == "could_not_verify" or bool(r.get("error"))

    unverified = [r for r in results if _unverified(r)]
    for r in unverified:
        typer.echo(f"error: could not verify {r['target']}: {r.get('cause') or r.get('error')}", err=True)
    if unverified:
        raise typer.Exit(1)
    if any(r.get("public") for r in results):
        raise typer.Exit(3)
