"""What an operator can do from the dashboard: plan, apply and roll back a fix; mute a finding.

The fix uses the same engine as `phiscope fix plan|apply|rollback` (remediate/), with the same
backups, database records and outside verification. A mute is an entry in the mutelist YAML file that
`phiscope scan --mutelist` and the reports read, written under a file lock and replaced atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from phiscope.db import remediation as rdb


class ActionError(ValueError):
    """An action that cannot be done as asked (the message is safe to show)."""


def _s3(endpoint_url: str | None, profile: str | None) -> Any:
    from phiscope.storage.s3 import make_client

    return make_client("s3", endpoint_url=endpoint_url, profile=profile)


# -- fix ------------------------------------------------------------------------------------------


def plan_fix(engine: Engine, bucket: str, *, endpoint_url: str | None, scan_id: str | None) -> dict[str, Any]:
    """Plan the fix of one bucket (as `phiscope fix plan s3://bucket`) and store it."""
    from phiscope.remediate.cli import make_plan

    plan = make_plan([bucket], endpoint_url=endpoint_url, scan_id=scan_id)
    rdb.save_plan(engine, plan)
    return plan


def get_plan(engine: Engine, plan_id: str) -> dict[str, Any] | None:
    with engine.connect() as c:
        r = c.execute(
            select(rdb.remediation_plans.c.plan).where(rdb.remediation_plans.c.id == plan_id)
        ).scalar()
    return dict(r) if r else None


def plan_buckets(plan: dict[str, Any]) -> list[str]:
    return [b["bucket"] for b in plan.get("buckets") or [] if b.get("changes")]


def apply_fix(engine: Engine, plan: dict[str, Any], confirm: str, backup_dir: Path) -> dict[str, Any]:
    """Apply a stored plan after the typed confirmation matches its bucket; back up, change, verify."""
    from phiscope.remediate.apply import apply_plan, make_s3control
    from phiscope.remediate.plan import validate_plan
    from phiscope.remediate.verify import verify_bucket

    problems = validate_plan(plan)
    if problems:
        raise ActionError("; ".join(problems))
    names = plan_buckets(plan)
    if not names and not plan.get("account_changes"):
        raise ActionError("the plan has no change to apply")
    if confirm.strip() != " ".join(names):
        raise ActionError("the typed bucket name does not match; nothing was changed")
    endpoint_url, profile, account_id = plan.get("endpoint_url"), plan.get("profile"), plan.get("account_id")
    s3 = _s3(endpoint_url, profile)
    s3control = make_s3control(endpoint_url, profile) if account_id else None

    def verify(bucket: str, keys: list[str]) -> dict[str, Any]:
        return verify_bucket(
            s3,
            bucket,
            s3control=s3control,
            account_id=account_id,
            object_keys=keys or None,
            endpoint_url=endpoint_url,
        )

    log: list[str] = []
    run = apply_plan(
        plan,
        s3,
        s3control=s3control,
        yes=True,
        backup_dir=backup_dir,
        engine=engine,
        verify=verify,
        echo=log.append,
    )
    return {
        "run_id": run.run_id,
        "ok": run.ok and not run.skipped_buckets,
        "applied": len(run.applied),
        "failed": sum(1 for a in run.applied if a["status"] == "failed"),
        "skipped": run.skipped_buckets,
        "errors": run.errors,
        "verifications": [v.get("status") for v in run.verifications],
        "backup": run.backup_path,
        "log": log,
    }


def get_run(engine: Engine, run_id: str) -> dict[str, Any] | None:
    """A fix run: its backup, the changes and rollback steps recorded, and its verifications."""
    with engine.connect() as c:
        b = (
            c.execute(select(rdb.remediation_backups).where(rdb.remediation_backups.c.id == run_id))
            .mappings()
            .first()
        )
        if b is None:
            return None
        changes = [
            dict(r)
            for r in c.execute(
                select(rdb.remediation_changes)
                .where(rdb.remediation_changes.c.run_id == run_id)
                .order_by(rdb.remediation_changes.c.id)
            ).mappings()
        ]
        checks = [
            dict(r)
            for r in c.execute(
                select(rdb.remediation_verifications)
                .where(rdb.remediation_verifications.c.run_id == run_id)
                .order_by(rdb.remediation_verifications.c.id)
            ).mappings()
        ]
    backup = dict(b["backup"])
    return {
        "run_id": run_id,
        "plan_id": b["plan_id"],
        "created_at": b["created_at"],
        "backup_path": b["path"],
        "backup": backup,
        "buckets": sorted((backup.get("buckets") or {}).keys()),
        "changes": changes,
        "verifications": checks,
        "rolled_back": any(ch["action"] == "rollback" and ch["status"] == "rolled_back" for ch in changes),
    }


def list_runs(engine: Engine, bucket: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(
            select(
                rdb.remediation_backups.c.id,
                rdb.remediation_backups.c.created_at,
                rdb.remediation_backups.c.backup,
            )
            .order_by(rdb.remediation_backups.c.created_at.desc())
            .limit(limit * 4 if bucket else limit)
        ).mappings()
        out = []
        for r in rows:
            names = sorted((r["backup"] or {}).get("buckets") or {})
            if bucket and bucket not in names:
                continue
            out.append({"run_id": r["id"], "created_at": r["created_at"], "buckets": names})
        return out[:limit]


def rollback_fix(engine: Engine, run: dict[str, Any], confirm: str) -> dict[str, Any]:
    """Restore the exact previous configuration saved by a fix run (typed confirmation required)."""
    from phiscope.remediate.apply import make_s3control, rollback

    if confirm.strip() != " ".join(run["buckets"]):
        raise ActionError("the typed bucket name does not match; nothing was changed")
    backup = run["backup"]
    s3 = _s3(backup.get("endpoint_url"), backup.get("profile"))
    s3control = (
        make_s3control(backup.get("endpoint_url"), backup.get("profile")) if backup.get("account") else None
    )
    log: list[str] = []
    steps = rollback(backup, s3, s3control=s3control, yes=True, engine=engine, echo=log.append)
    return {
        "ok": not any(s["status"] == "rollback_failed" for s in steps),
        "steps": steps,
        "log": log,
    }


# -- mute -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def add_mute(
    path: Path,
    *,
    bucket: str,
    key: str | None,
    type: str | None,
    reason: str,
    owner: str,
    expires: str,
    today: date | None = None,
) -> dict[str, Any]:
    """Append one entry to the mutelist file; the whole file must still parse, or nothing is written."""
    import yaml

    from phiscope.report.mutelist import MutelistError, parse_mutelist

    reason, owner = reason.strip(), owner.strip()
    if not reason or not owner:
        raise ActionError("a mute needs a reason and an owner")
    try:
        exp = date.fromisoformat(expires.strip())
    except ValueError:
        raise ActionError("the expiry must be a date like 2027-06-30") from None
    if exp < (today or date.today()):
        raise ActionError("the expiry date is in the past")
    entry: dict[str, Any] = {"bucket": bucket}
    if key:
        entry["prefix"] = key
    if type:
        entry["types"] = [type]
    entry.update({"reason": reason, "owner": owner, "expires": exp.isoformat()})
    with _locked(path):
        data: Any = {"mutelist": []}
        if path.exists():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {"mutelist": []}
            except yaml.YAMLError:
                raise ActionError(
                    f"the mutelist {path.name} is not valid YAML; fix it by hand first"
                ) from None
        if not isinstance(data, dict):
            raise ActionError(f"the mutelist {path.name} is not a mapping; fix it by hand first")
        data.setdefault("mutelist", [])
        data["mutelist"].append(entry)
        try:
            parse_mutelist(data, source=path.name)
        except MutelistError as e:
            raise ActionError(str(e)) from None
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                yaml.safe_dump(data, f, sort_keys=False, allow_unicode=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return entry
