"""Plans and backups are signed, and a plan may only reduce exposure.

`fix apply` and `fix rollback` change live access settings from a JSON file: anyone who can edit
that file could turn a fix into an opening (Block Public Access off, AllUsers FULL_CONTROL, a
backup re-targeted at another bucket). Each file therefore carries an HMAC-SHA256 over its
canonical JSON, keyed with the installation secret (the fingerprint key, never shown); a file
whose signature is missing or wrong is refused before anything is read or changed. On top of that,
every change of a plan is checked to be reducing: its "after" may not open what its "before" closed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

ALG = "HMAC-SHA256"
_CONTEXT = b"phiscope remediation file v1"
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "acs.amazonaws.com/groups/global/Authenti",
)


class TamperedFile(ValueError):
    """A plan or backup whose signature does not match: refused, nothing changed."""


def _key(secret: bytes | None) -> bytes:
    if secret is None:
        from phiscope.detect.fingerprint import load_or_create_secret

        secret = load_or_create_secret()
    return hmac.new(secret, _CONTEXT, hashlib.sha256).digest()  # not the fingerprint key itself


def _mac(doc: dict[str, Any], secret: bytes | None) -> str:
    body = {k: v for k, v in doc.items() if k != "signature"}
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)
    return hmac.new(_key(secret), canon.encode(), hashlib.sha256).hexdigest()


def sign(doc: dict[str, Any], secret: bytes | None = None) -> dict[str, Any]:
    """The same document with its signature (over everything else in it)."""
    return {
        **{k: v for k, v in doc.items() if k != "signature"},
        "signature": {"alg": ALG, "value": _mac(doc, secret)},
    }


def verify(doc: dict[str, Any], what: str, secret: bytes | None = None) -> None:
    """Raise TamperedFile unless the document carries a valid signature of this installation."""
    sig = doc.get("signature")
    if not isinstance(sig, dict) or sig.get("alg") != ALG or not isinstance(sig.get("value"), str):
        raise TamperedFile(f"{what} is not signed by this installation: refused, nothing changed")
    if not hmac.compare_digest(sig["value"], _mac(doc, secret)):
        raise TamperedFile(
            f"{what} was modified after it was written (signature mismatch): refused, nothing changed"
        )


# -- a plan may only reduce exposure ----------------------------------------------------------------


def _public_grants(acl: Any) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for g in (acl or {}).get("Grants", []) if isinstance(acl, dict) else []:
        grantee = g.get("Grantee") or {}
        uri = str(grantee.get("URI") or "")
        if grantee.get("Type") == "Group" and any(p in uri for p in PUBLIC_GRANTEES):
            out.add((uri, str(g.get("Permission"))))
    return out


def _policy_statements(policy: Any) -> list[Any]:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    if not isinstance(policy, dict):
        return []
    st = policy.get("Statement") or []
    return st if isinstance(st, list) else [st]


def _opens_to_everyone(st: Any) -> bool:
    if not isinstance(st, dict) or st.get("Effect") != "Allow":
        return False
    p = st.get("Principal")
    return p == "*" or (
        isinstance(p, dict) and ("*" in (p.get("AWS"), p.get("CanonicalUser")) or p.get("AWS") == ["*"])
    )


def widening(change: dict[str, Any]) -> str | None:
    """Why this change would open access its "before" did not give (None: it only reduces)."""
    a, before, after = change.get("action"), change.get("before"), change.get("after")
    if a in ("put_public_access_block", "put_account_public_access_block"):
        was, will = before or {}, after or {}
        off = [f for f, v in was.items() if v is True and will.get(f) is not True]
        return f"turns Block Public Access off ({', '.join(sorted(off))})" if off else None
    if a in ("put_bucket_acl", "put_object_acl"):
        new = _public_grants(after) - _public_grants(before)
        return "grants access to everyone (" + ", ".join(p for _, p in sorted(new)) + ")" if new else None
    if a in ("put_bucket_policy", "delete_bucket_policy"):
        old = {json.dumps(s, sort_keys=True) for s in _policy_statements(before)}
        new_open = [
            s
            for s in _policy_statements(after)
            if _opens_to_everyone(s) and json.dumps(s, sort_keys=True) not in old
        ]
        return "adds a policy statement allowing everyone" if new_open else None
    if a == "put_bucket_ownership_controls":
        enforced = "BucketOwnerEnforced"
        return (
            "re-enables ACLs (ownership no longer enforced)"
            if before == enforced and after != enforced
            else None
        )
    return None


# -- rollback: bound to its run, diff shown first ---------------------------------------------------


def recorded_backup(engine: Any, run_id: str) -> dict[str, Any] | None:
    """The backup the database recorded for this apply run (None when it has none)."""
    from sqlalchemy import select

    from phiscope.db.remediation import ensure_tables, remediation_backups

    ensure_tables(engine)
    with engine.connect() as c:
        row = c.execute(
            select(remediation_backups.c.backup).where(remediation_backups.c.id == run_id)
        ).first()
    return dict(row[0]) if row else None


def bound_to_run(backup: dict[str, Any], engine: Any) -> str | None:
    """Why this backup may not be restored through this database (None: it is the one recorded)."""
    run_id = str(backup.get("run_id"))
    stored = recorded_backup(engine, run_id)
    if stored is None:
        return f"run {run_id} has no backup recorded in this database (use the --db of the apply)"
    if (stored.get("signature") or {}).get("value") != (backup.get("signature") or {}).get("value"):
        return f"the backup differs from the one recorded for run {run_id}"
    return None


def _summary(setting: str, value: Any) -> str:
    if value is None:
        return "(none)"
    if setting == "public_access_block" and isinstance(value, dict):
        on = [k for k, v in sorted(value.items()) if v is True]
        return f"{len(on)}/4 on" + (f" ({', '.join(on)})" if 0 < len(on) < 4 else "")
    if setting == "acl":
        public = sorted(p for _, p in _public_grants(value))
        return f"public grants: {', '.join(public) or 'none'}"
    if setting == "policy":
        st = _policy_statements(value)
        return f"{len(st)} statement(s), {sum(map(_opens_to_everyone, st))} open to everyone"
    if setting == "object_acls" and isinstance(value, dict):
        n_public = sum(bool(_public_grants(a)) for a in value.values())
        return f"{len(value)} object ACL(s), {n_public} with public grants"
    return str(value)


def rollback_diff(backup: dict[str, Any], live_of: Any) -> list[str]:
    """One line per setting a rollback would change: what is live now → what the backup restores.
    `live_of(bucket, object_keys)` reads a bucket's live settings (read_bucket_config)."""
    lines: list[str] = []
    for bucket, cfg in sorted((backup.get("buckets") or {}).items()):
        keys = sorted((cfg.get("object_acls") or {}).keys())
        try:
            live = live_of(bucket, keys)
        except Exception as e:
            lines.append(f"DIFF {bucket}: live settings unreadable ({type(e).__name__})")
            continue
        for setting in sorted(cfg.get("changed") or []):
            now_v = live.get("policy_text" if setting == "policy" else setting)
            then_v = cfg.get("policy_text" if setting == "policy" else setting)
            a, b = _summary(setting, now_v), _summary(setting, then_v)
            lines.append(f"DIFF {bucket} {setting}: now {a} -> restores {b}")
    return lines


def more_exposed_after(plan: dict[str, Any], s3: Any, s3control: Any, account_id: str | None) -> list[str]:
    """Evaluate each bucket's live settings before and after the plan's changes (simulated, nothing
    written): the audience:capability pairs the plan would open. A plan may only close access."""
    from phiscope.exposure.evaluate import evaluate_snapshot
    from phiscope.exposure.snapshot import collect_snapshot
    from phiscope.remediate.plan import apply_to_snapshot, open_capabilities

    account_changes = list(plan.get("account_changes") or [])
    out: list[str] = []
    for entry in plan.get("buckets") or []:
        changes = list(entry.get("changes") or [])
        if not changes:
            continue
        bucket = str(entry.get("bucket"))
        keys = sorted({str(c["target"].get("key")) for c in changes if c.get("action") == "put_object_acl"})
        try:
            snap = collect_snapshot(
                s3,
                bucket,
                s3control=s3control,
                account_id=account_id,
                object_keys=keys,
                max_object_acls=len(keys),
            )
        except Exception:
            continue  # unreadable bucket: apply reports it and changes nothing there
        pre = set(open_capabilities(evaluate_snapshot(snap)))
        post = set(
            open_capabilities(evaluate_snapshot(apply_to_snapshot(snap, [*account_changes, *changes])))
        )
        if post - pre:
            out.append(f"{bucket} would open {', '.join(sorted(post - pre))}")
    return out
