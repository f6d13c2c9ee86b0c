"""Apply a plan with a backup of the exact previous configuration, and roll it back.

Safety rules:
- Dry run unless asked: a dry run only reads (to show drift) and writes nothing anywhere.
- Before the first change to a bucket, the live settings the plan touches are read back and saved,
  verbatim (the policy as its original text), to a backup file and to the database. A bucket whose
  settings cannot be read, or no longer match the plan's `before` (someone changed them since), is
  left alone: a stale plan could undo someone else's fix.
- Rollback restores the backup in the order AWS accepts: relax Block Public Access (it rejects
  public ACLs and policies), re-enable ACLs if the fix disabled them, restore ACLs and the policy,
  then the exact previous ownership and Block Public Access.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phiscope.remediate.plan import BPA_FLAGS

BACKUP_SCHEMA = "phiscope/remediation-backup/v1"

# Errors that mean "this setting is absent", not "could not read it".
_ABSENT = {
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "OwnershipControlsNotFoundError",
}

SETTING_OF_ACTION = {
    "put_public_access_block": "public_access_block",
    "put_bucket_acl": "acl",
    "put_object_acl": "object_acls",
    "put_bucket_policy": "policy",
    "delete_bucket_policy": "policy",
    "put_bucket_ownership_controls": "ownership",
}


class ConfigReadError(RuntimeError):
    """A setting could not be read, so it cannot be backed up (never treated as 'absent')."""


def error_code(exc: BaseException) -> str:
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        return str((resp.get("Error") or {}).get("Code") or "")
    return ""


def _read(fn: Callable[[], Any], what: str) -> Any:
    try:
        return fn()
    except Exception as e:
        if error_code(e) in _ABSENT:
            return None
        raise ConfigReadError(f"cannot read {what}: {error_code(e) or type(e).__name__}") from e


def make_s3control(endpoint_url: str | None = None, profile: str | None = None) -> Any:
    """An S3 Control client that also works against a custom endpoint (the exposure engine's)."""
    from phiscope.exposure.snapshot import control_client

    return control_client(endpoint_url=endpoint_url, profile=profile)


# -- reading the live configuration ---------------------------------------------------------------


def _acl(resp: dict[str, Any]) -> dict[str, Any]:
    return {"Owner": resp.get("Owner"), "Grants": resp.get("Grants", [])}


def read_bpa(s3: Any, bucket: str) -> dict[str, Any] | None:
    r = _read(lambda: s3.get_public_access_block(Bucket=bucket), f"Block Public Access of {bucket}")
    return None if r is None else dict(r["PublicAccessBlockConfiguration"])


def read_account_bpa(s3control: Any, account_id: str) -> dict[str, Any] | None:
    r = _read(
        lambda: s3control.get_public_access_block(AccountId=account_id),
        f"account Block Public Access of {account_id}",
    )
    return None if r is None else dict(r["PublicAccessBlockConfiguration"])


def read_ownership(s3: Any, bucket: str) -> str | None:
    r = _read(lambda: s3.get_bucket_ownership_controls(Bucket=bucket), f"Object Ownership of {bucket}")
    if r is None:
        return None
    rules = (r.get("OwnershipControls") or {}).get("Rules") or []
    return str(rules[0]["ObjectOwnership"]) if rules else None


def read_policy_text(s3: Any, bucket: str) -> str | None:
    r = _read(lambda: s3.get_bucket_policy(Bucket=bucket), f"policy of {bucket}")
    return None if r is None else str(r["Policy"])


def read_bucket_config(s3: Any, bucket: str, object_keys: list[str]) -> dict[str, Any]:
    """Every setting a fix may touch, exactly as the store returns it."""
    policy_text = read_policy_text(s3, bucket)
    return {
        "acl": _acl(_read(lambda: s3.get_bucket_acl(Bucket=bucket), f"ACL of {bucket}")),
        "policy_text": policy_text,
        "policy": json.loads(policy_text) if policy_text else None,
        "public_access_block": read_bpa(s3, bucket),
        "ownership": read_ownership(s3, bucket),
        "object_acls": {k: read_object_acl(s3, bucket, k) for k in object_keys},
    }


def read_object_acl(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    return _acl(_read(lambda: s3.get_object_acl(Bucket=bucket, Key=key), f"ACL of {bucket}/{key}"))


# -- comparing (drift) ----------------------------------------------------------------------------


_GRANTEE_IDS = ("ID", "URI", "EmailAddress")


def _norm_acl(acl: Any) -> Any:
    if not isinstance(acl, dict):
        return acl
    grants = sorted(
        json.dumps(
            {
                "g": {
                    k: v for k, v in (g.get("Grantee") or {}).items() if k in ("ID", "URI", "EmailAddress")
                },
                "p": g.get("Permission"),
            },
            sort_keys=True,
        )
        for g in acl.get("Grants") or []
    )
    return {"owner": (acl.get("Owner") or {}).get("ID"), "grants": grants}


def _norm_bpa(bpa: Any) -> Any:
    if not isinstance(bpa, dict):
        return None
    return {f: bool(bpa.get(f)) for f in BPA_FLAGS}


def drift(change: dict[str, Any], live: dict[str, Any]) -> str | None:
    """Why the live setting no longer matches the plan's `before` (None = unchanged)."""
    a, before = change["action"], change.get("before")
    if a == "put_public_access_block":
        same = _norm_bpa(before) == _norm_bpa(live["public_access_block"])
    elif a == "put_account_public_access_block":
        same = _norm_bpa(before) == _norm_bpa(live.get("account_public_access_block"))
    elif a == "put_bucket_acl":
        same = _norm_acl(before) == _norm_acl(live["acl"])
    elif a == "put_object_acl":
        same = _norm_acl(before) == _norm_acl(live["object_acls"].get(change["target"]["key"]))
    elif a in ("put_bucket_policy", "delete_bucket_policy"):
        same = before == live["policy"]
    elif a == "put_bucket_ownership_controls":
        same = before == live["ownership"]
    else:
        return f"unknown action {a}"
    return None if same else f"{a}: live setting differs from the plan's 'before' (re-plan)"


# -- writing --------------------------------------------------------------------------------------


def _acl_body(acl: Any) -> dict[str, Any]:
    """An AccessControlPolicy with only the fields PutBucketAcl/PutObjectAcl accept."""
    if not isinstance(acl, dict):
        raise ValueError("an ACL (Owner, Grants) is required")
    owner = {k: v for k, v in (acl.get("Owner") or {}).items() if k in ("ID", "DisplayName")}
    grants = []
    for g in acl.get("Grants") or []:
        grantee = {
            k: v
            for k, v in (g.get("Grantee") or {}).items()
            if k in ("ID", "DisplayName", "Type", "URI", "EmailAddress")
        }
        grants.append({"Grantee": grantee, "Permission": g["Permission"]})
    return {"Owner": owner, "Grants": grants}


_GRANT_PARAM = {
    "FULL_CONTROL": "GrantFullControl",
    "READ": "GrantRead",
    "READ_ACP": "GrantReadACP",
    "WRITE": "GrantWrite",
    "WRITE_ACP": "GrantWriteACP",
}


def acl_grant_params(acl: dict[str, Any]) -> dict[str, str]:
    """The same ACL as x-amz-grant-* parameters (id="..", uri="..", emailAddress="..")."""
    out: dict[str, list[str]] = {}
    for g in acl.get("Grants") or []:
        who = g.get("Grantee") or {}
        if who.get("ID"):
            item = f'id="{who["ID"]}"'
        elif who.get("URI"):
            item = f'uri="{who["URI"]}"'
        elif who.get("EmailAddress"):
            item = f'emailAddress="{who["EmailAddress"]}"'
        else:
            continue
        out.setdefault(_GRANT_PARAM[g["Permission"]], []).append(item)
    return {k: ", ".join(v) for k, v in out.items()}


def put_object_acl_exact(s3: Any, bucket: str, key: str, acl: Any) -> None:
    """Write an object ACL and read it back; fall back to grant headers when the body is ignored.

    AWS honours the AccessControlPolicy body; some S3-compatible servers (moto 5) ignore it and
    only read x-amz-grant-* headers, which mean the same on AWS. Email grantees are resolved to
    canonical ids by S3, so they cannot be compared on read-back.
    """
    body = _acl_body(acl)
    s3.put_object_acl(Bucket=bucket, Key=key, AccessControlPolicy=body)
    if any("EmailAddress" in (g.get("Grantee") or {}) for g in body["Grants"]):
        return
    want = _norm_acl(body)
    if _norm_acl(_acl(s3.get_object_acl(Bucket=bucket, Key=key))) == want:
        return
    params = acl_grant_params(body)
    if params:
        s3.put_object_acl(Bucket=bucket, Key=key, **params)
    if _norm_acl(_acl(s3.get_object_acl(Bucket=bucket, Key=key))) != want:
        raise RuntimeError(f"the ACL of {key!r} did not take: the store returned a different ACL")


def put_bpa(s3: Any, bucket: str, bpa: dict[str, Any] | None) -> None:
    if bpa is None:
        s3.delete_public_access_block(Bucket=bucket)
    else:
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration={f: bool(bpa.get(f)) for f in BPA_FLAGS}
        )


def put_account_bpa(s3control: Any, account_id: str, bpa: dict[str, Any] | None) -> None:
    if bpa is None:
        s3control.delete_public_access_block(AccountId=account_id)
    else:
        s3control.put_public_access_block(
            AccountId=account_id, PublicAccessBlockConfiguration={f: bool(bpa.get(f)) for f in BPA_FLAGS}
        )


def put_ownership(s3: Any, bucket: str, ownership: str | None) -> None:
    if ownership is None:
        s3.delete_bucket_ownership_controls(Bucket=bucket)
    else:
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]}
        )


def put_policy_text(s3: Any, bucket: str, text: str | None) -> None:
    if text is None:
        s3.delete_bucket_policy(Bucket=bucket)
    else:
        s3.put_bucket_policy(Bucket=bucket, Policy=text)


def execute_change(s3: Any, s3control: Any, change: dict[str, Any]) -> None:
    """Perform one planned change against the store."""
    a, t, after = change["action"], change["target"], change.get("after")
    if a == "put_public_access_block":
        put_bpa(s3, t["bucket"], after)
    elif a == "put_account_public_access_block":
        if s3control is None:
            raise RuntimeError("account-level change needs an S3 Control client")
        put_account_bpa(s3control, t["account_id"], after)
    elif a == "put_bucket_acl":
        s3.put_bucket_acl(Bucket=t["bucket"], AccessControlPolicy=_acl_body(after))
    elif a == "put_object_acl":
        put_object_acl_exact(s3, t["bucket"], t["key"], after)
    elif a == "put_bucket_policy":
        s3.put_bucket_policy(Bucket=t["bucket"], Policy=json.dumps(after))
    elif a == "delete_bucket_policy":
        s3.delete_bucket_policy(Bucket=t["bucket"])
    elif a == "put_bucket_ownership_controls":
        put_ownership(s3, t["bucket"], after)
    else:
        raise ValueError(f"unknown action {a!r}")


# -- apply ----------------------------------------------------------------------------------------


@dataclass
class ApplyResult:
    run_id: str
    dry_run: bool
    backup_path: str | None = None
    applied: list[dict[str, Any]] = field(default_factory=list)  # change + status + error
    skipped_buckets: dict[str, str] = field(default_factory=dict)  # bucket -> why
    verifications: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        failed = any(a["status"] == "failed" for a in self.applied)
        still = any(v.get("status") != "closed" for v in self.verifications)
        return not failed and not still and not self.errors


def new_run_id() -> str:
    return f"fix-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write a file that is either complete or absent (a half-written backup is worse than none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, sort_keys=True, default=str)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _changes_by_bucket(plan: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for b in plan.get("buckets") or []:
        if b.get("changes"):
            out[b["bucket"]] = list(b["changes"])
    return out


def apply_plan(
    plan: dict[str, Any],
    s3: Any,
    *,
    s3control: Any = None,
    yes: bool = False,
    backup_dir: Path | None = None,
    engine: Any = None,
    verify: Callable[[str, list[str]], dict[str, Any]] | None = None,
    echo: Callable[[str], None] = print,
) -> ApplyResult:
    """Dry-run (default) or apply a plan; with `yes`, back up, change, then verify each bucket."""
    from phiscope.db import remediation as db

    run = ApplyResult(run_id=new_run_id(), dry_run=not yes)
    by_bucket = _changes_by_bucket(plan)
    account_changes = list(plan.get("account_changes") or [])
    account_id = plan.get("account_id")

    # 1. Read the live configuration of everything the plan touches, and check for drift.
    live: dict[str, dict[str, Any]] = {}
    for bucket, changes in by_bucket.items():
        keys = sorted({c["target"]["key"] for c in changes if c["action"] == "put_object_acl"})
        try:
            live[bucket] = read_bucket_config(s3, bucket, keys)
        except ConfigReadError as e:
            run.skipped_buckets[bucket] = str(e)
            continue
        stale = [d for c in changes if (d := drift(c, live[bucket]))]
        if stale:
            run.skipped_buckets[bucket] = "; ".join(stale)
            live.pop(bucket)
    account_live: dict[str, Any] | None = None
    if account_changes:
        try:
            if s3control is None or not account_id:
                raise ConfigReadError("account-level change needs --account-level with a known account id")
            account_live = {"account_public_access_block": read_account_bpa(s3control, account_id)}
            stale = [d for c in account_changes if (d := drift(c, account_live))]
            if stale:
                raise ConfigReadError("; ".join(stale))
        except ConfigReadError as e:
            run.errors.append(f"account: {e}")
            account_live, account_changes = None, []

    for bucket, why in run.skipped_buckets.items():
        echo(f"SKIP {bucket}: {why}")
    todo = [*account_changes, *(c for b in live for c in by_bucket[b])]
    for c in todo:
        echo(f"{'WOULD' if run.dry_run else 'WILL'} {c['action']} {_target_label(c['target'])}: {c['why']}")
    if run.dry_run or not todo:
        if run.dry_run:
            echo(f"dry run: {len(todo)} change(s) not applied; add --yes to apply")
        return run

    # 2. Back up the exact previous configuration, to a file and to the database, before any change.
    backup = {
        "schema": BACKUP_SCHEMA,
        "run_id": run.run_id,
        "plan_id": plan.get("id"),
        "scan_id": plan.get("scan_id"),
        "created_at": datetime.now(UTC).isoformat(),
        "endpoint_url": plan.get("endpoint_url"),
        "profile": plan.get("profile"),
        "account": None
        if account_live is None
        else {
            "account_id": account_id,
            "public_access_block": account_live["account_public_access_block"],
            "changed": ["public_access_block"],
        },
        "buckets": {
            b: {
                **{k: v for k, v in cfg.items() if k != "policy"},
                "changed": sorted({SETTING_OF_ACTION[c["action"]] for c in by_bucket[b]}),
            }
            for b, cfg in live.items()
        },
    }
    path = (backup_dir or Path.cwd()) / f"phiscope-backup-{run.run_id}.json"
    from phiscope.remediate.signing import sign

    backup = sign(backup)  # rollback refuses a backup changed after this point
    write_json_atomic(path, backup)
    run.backup_path = str(path)
    echo(f"backup of the previous configuration: {path}")
    if engine is not None:
        db.save_plan(engine, plan)
        db.save_backup(engine, backup, str(path))

    # 3. Apply, in plan order; a failed change stops that bucket (later steps assume earlier ones).
    failed_buckets: set[str] = set()
    for c in todo:
        bucket = c["target"].get("bucket")
        if bucket in failed_buckets:
            continue
        before = _before_from_backup(c, backup)
        try:
            execute_change(s3, s3control, c)
            status, err = "applied", None
        except Exception as e:
            status, err = "failed", f"{error_code(e) or type(e).__name__}: {e}"
            failed_buckets.add(bucket or "")
        run.applied.append({**c, "status": status, "error": err})
        if engine is not None:
            db.record_change(
                engine,
                run_id=run.run_id,
                plan_id=str(plan.get("id")),
                change=c,
                before=before,
                status=status,
                error=err,
            )
        echo(f"{status.upper()} {c['action']} {_target_label(c['target'])}" + (f": {err}" if err else ""))

    # 4. Verify each changed bucket from outside: re-collect, re-evaluate, probe.
    if verify is not None:
        for bucket in live:
            keys = sorted({c["target"]["key"] for c in by_bucket[bucket] if c["action"] == "put_object_acl"})
            result = verify(bucket, keys)
            result["run_id"] = run.run_id
            run.verifications.append(result)
            if engine is not None:
                db.record_verification(engine, run.run_id, result)
            echo(f"VERIFY {bucket}: {result['status'].upper()}")
            for line in result.get("evidence", [])[:10]:
                echo(f"  - {line}")
    return run


def _target_label(t: dict[str, Any]) -> str:
    if "account_id" in t:
        return f"account {t['account_id']}"
    return f"s3://{t['bucket']}" + (f"/{t['key']}" if t.get("key") else "")


def _before_from_backup(change: dict[str, Any], backup: dict[str, Any]) -> Any:
    a, t = change["action"], change["target"]
    if a == "put_account_public_access_block":
        return (backup.get("account") or {}).get("public_access_block")
    cfg = backup["buckets"].get(t.get("bucket"), {})
    if a == "put_object_acl":
        return cfg.get("object_acls", {}).get(t["key"])
    if a in ("put_bucket_policy", "delete_bucket_policy"):
        return cfg.get("policy_text")
    return cfg.get(SETTING_OF_ACTION[a])


# -- rollback -------------------------------------------------------------------------------------


def load_backup(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read backup {path}: {e}") from e
    if not isinstance(data, dict) or data.get("schema") != BACKUP_SCHEMA:
        raise ValueError(f"{path} is not a PHIscope backup (expected schema {BACKUP_SCHEMA!r})")
    from phiscope.remediate.signing import verify

    verify(data, f"backup {path}")
    return data


Step = tuple[str, str, str, dict[str, Any]]  # (label, where, operation, arguments)


def rollback_steps(backup: dict[str, Any]) -> list[Step]:
    """The restore steps in the order AWS accepts (see module docstring); data, so a dry run can show them."""
    steps: list[Step] = []
    acct = backup.get("account")
    acct_id = (acct or {}).get("account_id")
    if acct and acct_id:
        steps.append(
            (
                "relax account Block Public Access (restored at the end)",
                f"account {acct_id}",
                "account_bpa",
                {"account_id": acct_id, "bpa": None},
            )
        )
    for b, cfg in (backup.get("buckets") or {}).items():
        changed = set(cfg.get("changed") or [])
        prev_own = cfg.get("ownership")
        if "public_access_block" in changed:
            steps.append(("relax Block Public Access (restored at the end)", b, "bpa", {"bpa": None}))
        if "ownership" in changed and prev_own != "BucketOwnerEnforced":
            # ACLs must be enabled again before they can be written (AccessControlListNotSupported).
            steps.append(
                (f"restore Object Ownership {prev_own or '(none)'}", b, "ownership", {"ownership": prev_own})
            )
        if "acl" in changed and cfg.get("acl"):
            steps.append(("restore bucket ACL", b, "bucket_acl", {"acl": cfg["acl"]}))
        if "object_acls" in changed:
            for key, oacl in sorted((cfg.get("object_acls") or {}).items()):
                steps.append((f"restore object ACL of {key!r}", b, "object_acl", {"key": key, "acl": oacl}))
        if "policy" in changed:
            text = cfg.get("policy_text")
            label = "restore bucket policy" if text else "delete bucket policy (there was none)"
            steps.append((label, b, "policy", {"text": text}))
        if "ownership" in changed and prev_own == "BucketOwnerEnforced":
            steps.append(
                ("restore Object Ownership BucketOwnerEnforced", b, "ownership", {"ownership": prev_own})
            )
        if "public_access_block" in changed:
            prev = cfg.get("public_access_block")
            label = "restore Block Public Access" if prev else "remove Block Public Access (there was none)"
            steps.append((label, b, "bpa", {"bpa": prev}))
    if acct and acct_id:
        steps.append(
            (
                "restore account Block Public Access",
                f"account {acct_id}",
                "account_bpa",
                {"account_id": acct_id, "bpa": acct.get("public_access_block")},
            )
        )
    return steps


def run_step(s3: Any, s3control: Any, where: str, op: str, args: dict[str, Any]) -> None:
    if op == "account_bpa":
        if s3control is None:
            raise RuntimeError("restoring account settings needs an S3 Control client")
        put_account_bpa(s3control, args["account_id"], args["bpa"])
    elif op == "bpa":
        put_bpa(s3, where, args["bpa"])
    elif op == "ownership":
        put_ownership(s3, where, args["ownership"])
    elif op == "bucket_acl":
        s3.put_bucket_acl(Bucket=where, AccessControlPolicy=_acl_body(args["acl"]))
    elif op == "object_acl":
        put_object_acl_exact(s3, where, args["key"], args["acl"])
    elif op == "policy":
        put_policy_text(s3, where, args["text"])
    else:
        raise ValueError(f"unknown rollback step {op!r}")


def rollback(
    backup: dict[str, Any],
    s3: Any,
    *,
    s3control: Any = None,
    yes: bool = False,
    engine: Any = None,
    echo: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Restore the exact previous configuration (dry run unless `yes`). Returns one row per step."""
    from phiscope.db import remediation as db

    out: list[dict[str, Any]] = []
    for label, where, op, args in rollback_steps(backup):
        if not yes:
            echo(f"WOULD {label}: {where}")
            out.append({"step": label, "target": where, "status": "dry_run"})
            continue
        try:
            run_step(s3, s3control, where, op, args)
            status, err = "rolled_back", None
        except Exception as e:
            status, err = "rollback_failed", f"{error_code(e) or type(e).__name__}: {e}"
        echo(f"{'OK' if err is None else 'FAILED'} {label}: {where}" + (f": {err}" if err else ""))
        out.append({"step": label, "target": where, "status": status, "error": err})
        if engine is not None:
            bucket = None if where.startswith("account ") else where
            db.record_change(
                engine,
                run_id=str(backup.get("run_id")),
                plan_id=str(backup.get("plan_id")),
                change={"action": "rollback", "target": {"bucket": bucket, "step": label}, "after": None},
                before=None,
                status=status,
                error=err,
            )
    if not yes:
        echo(f"dry run: {len(out)} step(s) not applied; add --yes to roll back")
    return out
