"""`phiscope fix plan|apply|rollback` for az:// and gs:// targets: the Azure and GCS side of `fix`.

Same contract as the S3 fix: a plan JSON to review, a dry run unless --yes, a backup written before
the first change, verification from the owner's settings and (Azure) the anonymous probe after it,
and a rollback that restores the backup. Exit codes: 0 done/closed, 3 plan found exposure,
1 error or not closed after apply, 2 usage.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PLAN_SCHEMA = "phiscope/remediation-plan/v1"
BACKUP_SCHEMA = "phiscope/remediation-backup/v1"


def is_cloud_target(t: str) -> bool:
    return t.lower().startswith(("az://", "gs://"))


def _stores_and_buckets(targets: list[str]) -> list[tuple[Any, str]]:
    from phiscope.storage.targets import open_store, parse_url_target

    out: list[tuple[Any, str]] = []
    stores: dict[str, Any] = {}
    for t in targets:
        ut = parse_url_target(t)
        key = f"{ut.provider}:{ut.account or ''}"
        store = stores.setdefault(key, open_store(ut, anonymous=False))
        names = [ut.bucket_id] if ut.bucket else store.list_buckets()
        out.extend((store, n) for n in names)
    return out


def _snapshot(store: Any, bucket: str) -> dict[str, Any]:
    if store.provider == "azure":
        from phiscope.exposure.azure_live import collect_snapshot

        return collect_snapshot(store, bucket)
    from phiscope.exposure.gcs_live import collect_snapshot as gcs_snapshot

    keys = [r.key for _, r in zip(range(100), store.list_objects(bucket), strict=False)]
    return gcs_snapshot(store, bucket, object_keys=keys)


def make_cloud_plan(targets: list[str], *, account_level: bool = False) -> dict[str, Any]:
    from phiscope.remediate.azure import plan_container
    from phiscope.remediate.gcs import plan_bucket

    buckets = []
    for store, bucket in _stores_and_buckets(targets):
        snap = _snapshot(store, bucket)
        bp = (
            plan_container(snap, account_level=account_level)
            if store.provider == "azure"
            else plan_bucket(snap)
        )
        bp["snapshot_errors"] = snap.get("errors") or []
        buckets.append(bp)
    return {
        "schema": PLAN_SCHEMA,
        "plan_id": uuid.uuid4().hex[:12],
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "targets": targets,
        "buckets": buckets,
    }


def verify_cloud(store: Any, bucket: str) -> dict[str, Any]:
    """Re-read the settings and (Azure) probe anonymously: closed only if both say so."""
    from phiscope.scan.assess_cloud import assess_cloud

    a = assess_cloud(store, bucket, [])
    exp = a.exposure or {}
    return {
        "bucket": bucket,
        "closed": bool(a.exposure is not None and not exp.get("public") and not a.errors),
        "public": exp.get("public"),
        "errors": a.errors,
        "reasons": exp.get("reasons") or [],
    }


def _store_for(provider: str, bucket: str) -> Any:
    from phiscope.storage.targets import UrlTarget, open_store

    if provider == "azure":
        account, _, container = bucket.partition("/")
        return open_store(UrlTarget("azure", container, "", account), anonymous=False)
    return open_store(UrlTarget("gcs", bucket), anonymous=False)


def apply_cloud_plan(plan: dict[str, Any], *, yes: bool, backup_dir: Path, echo: Any = print) -> int:
    from phiscope.remediate import azure as raz
    from phiscope.remediate import gcs as rgcs

    todo = [b for b in plan.get("buckets") or [] if b.get("actions")]
    if not yes:
        for b in todo:
            for a in b["actions"]:
                echo(f"would {a['action']} on {b['bucket']}: {a.get('why', '')}")
        echo("dry run: nothing changed (add --yes to apply)")
        return 0
    backups: list[dict[str, Any]] = []
    code = 0
    for b in todo:
        store = _store_for(b["provider"], b["bucket"])
        try:
            backup = (raz.apply_container if b["provider"] == "azure" else rgcs.apply_bucket)(store, b)
        except Exception as e:
            echo(f"error: {b['bucket']}: apply failed ({type(e).__name__}); nothing after it was changed")
            code = 1
            break
        backups.append(backup)
        for a in b["actions"]:
            if a.get("manual"):
                echo(f"manual step for {b['bucket']}: {a['command']}")
        v = verify_cloud(store, b["bucket"])
        backup["verification"] = v
        why = "; ".join(v["errors"] or v["reasons"])
        echo(f"{b['bucket']}: " + ("closed (verified)" if v["closed"] else f"NOT closed: {why}"))
        code = code or (0 if v["closed"] else 1)
    if backups:
        backup_dir.mkdir(parents=True, exist_ok=True)
        path = backup_dir / f"phiscope-backup-{plan.get('plan_id', 'cloud')}.json"
        path.write_text(json.dumps({"schema": BACKUP_SCHEMA, "buckets": backups}, indent=2), encoding="utf-8")
        echo(f"backup: {path}\nroll back with: phiscope fix rollback {path} --yes")
    return code


def rollback_cloud(backup: dict[str, Any], *, yes: bool, echo: Any = print) -> int:
    from phiscope.remediate import azure as raz
    from phiscope.remediate import gcs as rgcs

    for b in backup.get("buckets") or []:
        if not yes:
            echo(f"would restore {b['provider']} {b['bucket']} to its settings of {b.get('taken_at')}")
            continue
        store = _store_for(b["provider"], b["bucket"])
        try:
            (raz.rollback_container if b["provider"] == "azure" else rgcs.rollback_bucket)(store, b)
        except Exception as e:
            echo(f"error: {b['bucket']}: rollback failed ({type(e).__name__})")
            return 1
        echo(f"{b['bucket']}: restored")
    return 0


def plan_exit_code(plan: dict[str, Any]) -> int:
    if any(b.get("snapshot_errors") for b in plan.get("buckets") or []):
        return 1  # a setting could not be read: never "nothing to fix"
    return 3 if any(b.get("exposed") for b in plan.get("buckets") or []) else 0


# -- the command faces (called from remediate/cli.py; they return the exit code) -------------------


def is_cloud_file(path: Path) -> bool:
    """True for a plan or backup written by this module (its buckets carry a provider)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    buckets = data.get("buckets") if isinstance(data, dict) else None
    if not isinstance(buckets, list) or not buckets:
        return False
    return all(isinstance(b, dict) and b.get("provider") in ("azure", "gcs") for b in buckets)


def _err(msg: str) -> None:
    import sys

    print(f"error: {msg}", file=sys.stderr)


def plan_command(targets: list[str], *, account_level: bool, output: Path | None) -> int:
    import sys

    if not all(is_cloud_target(t) for t in targets):
        _err("plan az:// and gs:// targets separately from s3:// ones")
        return 2
    try:
        plan = make_cloud_plan(targets, account_level=account_level)
    except ValueError as e:
        _err(str(e))
        return 2
    except Exception as e:
        _err(f"cannot read settings: {type(e).__name__}")
        return 1
    text = json.dumps(plan, indent=2, default=str)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        print(f"plan written to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")
    for b in plan["buckets"]:
        state = "EXPOSED" if b["exposed"] else "not exposed"
        extra = " (still public after the plan!)" if b["predicted_after_public"] else ""
        print(f"{b['bucket']}: {state}, {len(b['actions'])} action(s){extra}", file=sys.stderr)
        for err in b["snapshot_errors"]:
            print(f"  could not verify: {err.get('operation')}: {err.get('code')}", file=sys.stderr)
    return plan_exit_code(plan)


def apply_command(plan_file: Path, *, yes: bool, backup_dir: Path | None) -> int:
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    return apply_cloud_plan(plan, yes=yes, backup_dir=backup_dir or plan_file.resolve().parent)


def rollback_command(backup_file: Path, *, yes: bool) -> int:
    return rollback_cloud(json.loads(backup_file.read_text(encoding="utf-8")), yes=yes)
