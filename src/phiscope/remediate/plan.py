"""Plan the minimal changes that remove public exposure from a bucket snapshot (pure functions).

The planner reads the snapshot itself (snapshot v1, see docs/exposure.md) so that every change can
cite the exact grant, statement or flag it removes, and so that a plan can be reviewed offline. The
exposure engine's verdict is used twice: to decide which buckets are exposed at all, and to check
the planned "after" snapshot (a plan that would leave a bucket exposed says so before it is applied).

Rules (docs/remediation.md explains each):
- ACLs: remove only grants to the AllUsers / AuthenticatedUsers groups; keep owner, account and
  LogDelivery grants. Under BucketOwnerEnforced ACLs cannot be written and are ignored by S3.
- Policies: remove or narrow only the Allow statements that grant to everyone; keep Deny statements
  and non-public statements byte-for-byte; delete the policy only when no statement is left.
- Block Public Access: all four flags, bucket level (or account level when asked).
- Object Ownership: BucketOwnerEnforced only when, after the fix, no ACL grants anyone but the owner
  (and every object ACL in the bucket was read), because enforcing it silently drops such grants.
- Order: BPA first (closes at once), ACLs, policy, ownership last (AWS refuses BucketOwnerEnforced
  while the bucket ACL still grants outside the account).
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from phiscope.exposure.conditions import AUDIENCES, TRUSTED_KEYS
from phiscope.exposure.evaluate import CAPABILITIES

PLAN_SCHEMA = "phiscope/remediation-plan/v1"

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_GROUPS = {
    ALL_USERS: "AllUsers (anyone, including anonymous requests)",
    AUTHENTICATED_USERS: "AuthenticatedUsers (any principal of any AWS account)",
}
BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
FULL_BPA: dict[str, bool] = dict.fromkeys(BPA_FLAGS, True)

# Actions in execution order (see module docstring).
ACTION_ORDER = (
    "put_account_public_access_block",
    "put_public_access_block",
    "put_bucket_acl",
    "put_object_acl",
    "put_bucket_policy",
    "delete_bucket_policy",
    "put_bucket_ownership_controls",
)

# Condition keys AWS treats as restricting a statement to non-public principals (one list, the engine's).
TRUSTED_CONDITION_KEYS = TRUSTED_KEYS
POSITIVE_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
_WILDCARD = re.compile(r"[*?]|\$\{")
_ACCESS_POINT_ARN = re.compile(r"^arn:aws[\w-]*:s3:[\w-]*:(\d{12}):accesspoint/.+$")


# -- ACLs ---------------------------------------------------------------------------------------


def public_group(grant: dict[str, Any]) -> str | None:
    """The public group URI a grant names (AllUsers / AuthenticatedUsers), else None."""
    grantee = grant.get("Grantee") or {}
    uri = grantee.get("URI")
    return uri if uri in PUBLIC_GROUPS else None


def grant_label(grant: dict[str, Any]) -> str:
    """A short human name for a grant, e.g. 'READ to AllUsers'."""
    g = grant.get("Grantee") or {}
    who = g.get("URI", "").rsplit("/", 1)[-1] or g.get("ID") or g.get("EmailAddress") or "?"
    return f"{grant.get('Permission', '?')} to {who}"


def split_acl(acl: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the ACL without public grants, the public grants removed). Order of kept grants preserved."""
    kept: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    for g in acl.get("Grants") or []:
        (removed if public_group(g) else kept).append(g)
    out = {k: copy.deepcopy(v) for k, v in acl.items() if k != "Grants"}
    out["Grants"] = copy.deepcopy(kept)
    return out, removed


def only_owner_grants(acl: dict[str, Any] | None, owner_id: str | None) -> bool:
    """True when every grant goes to the owner's canonical id (so disabling ACLs loses nothing)."""
    if not acl:
        return True
    for g in acl.get("Grants") or []:
        grantee = g.get("Grantee") or {}
        if grantee.get("Type") != "CanonicalUser" or not owner_id or grantee.get("ID") != owner_id:
            return False
    return True


# -- policies -----------------------------------------------------------------------------------


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def _is_wildcard_principal(value: Any) -> bool:
    return isinstance(value, str) and ("*" in value or "?" in value)


def _cidr_is_narrow(value: str) -> bool:
    try:
        net = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return net.prefixlen >= (8 if net.version == 4 else 32)


def _value_is_fixed(key: str, value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if key == "aws:sourceip":
        return _cidr_is_narrow(value)
    if key == "s3:dataaccesspointarn":
        m = _ACCESS_POINT_ARN.match(value)
        if m:  # the access point name may be a wildcard when the account is fixed
            return not _WILDCARD.search(value[: m.end(1)])
    return not _WILDCARD.search(value)


def restricting_condition(condition: Any) -> str | None:
    """The first condition that pins a statement to non-public principals ('Op key=values'), if any.

    Conditions are ANDed, so one restricting key makes the whole statement non-public.
    """
    if not isinstance(condition, dict):
        return None
    for op, block in condition.items():
        if not isinstance(op, str) or not isinstance(block, dict):
            continue
        base = op.lower()
        if base.startswith("foranyvalue:"):
            base = base.split(":", 1)[1]
        if base.startswith("forallvalues:") or base.endswith("ifexists") or base not in POSITIVE_OPERATORS:
            continue
        for key, values in block.items():
            k = str(key).lower()
            vals = _as_list(values)
            if k in TRUSTED_CONDITION_KEYS and vals and all(_value_is_fixed(k, v) for v in vals):
                return f"{op} {key}={json.dumps(values)}"
    return None


def statement_label(stmt: dict[str, Any], index: int) -> str:
    sid = stmt.get("Sid")
    return f"statement #{index}" + (f" (Sid {sid!r})" if sid else "")


def public_principals(stmt: dict[str, Any]) -> list[str]:
    """The principal entries of an Allow statement that reach everyone ('*', {'AWS': '*'}, ...)."""
    if "NotPrincipal" in stmt:
        np = stmt.get("NotPrincipal")
        if np == "*" or (isinstance(np, dict) and any("*" in _as_list(v) for v in np.values())):
            return []  # "everyone except everyone" grants to nobody
        return ["NotPrincipal (everyone except the listed principals)"]
    p = stmt.get("Principal")
    if p is None:
        return []
    if isinstance(p, str):
        return [p] if _is_wildcard_principal(p) else []
    if not isinstance(p, dict):
        return []
    found = []
    for kind, values in p.items():
        for v in _as_list(values):
            if _is_wildcard_principal(v):
                found.append(f"{kind}:{v}")
    return found


def statement_is_public(stmt: Any) -> bool:
    """An Allow the exposure engine's policy status counts as public (exposure/policy.py decides;
    this module does not judge "public" again)."""
    if not isinstance(stmt, dict) or str(stmt.get("Effect", "")).lower() != "allow":
        return False
    return bool(exposure_public_statements({"Statement": [stmt]}))


def exposure_public_statements(policy: dict[str, Any]) -> set[int]:
    """Indexes of the statements exposure/policy.py's policy status counts as public."""
    from phiscope.exposure.policy import parse_policy, policy_status

    statements, _ = parse_policy(policy)
    return {st.index for st, _ in policy_status(statements).public_statements}


def narrow_statement(stmt: dict[str, Any]) -> dict[str, Any] | None:
    """The statement with its public principals dropped, or None when nothing non-public remains.

    {"AWS": ["*", "arn:aws:iam::111122223333:root"]} keeps the account; "*" alone, NotPrincipal and
    a principal map holding only wildcards mean the statement goes. Federated principals go too: the
    exposure engine counts them as public (they are not among AWS's fixed principals).
    """
    p = stmt.get("Principal")
    if "NotPrincipal" in stmt or not isinstance(p, dict):
        return None
    narrowed: dict[str, Any] = {}
    for kind, values in p.items():
        if kind == "Federated":
            continue
        keep = [v for v in _as_list(values) if not _is_wildcard_principal(v)]
        if not keep:
            continue
        narrowed[kind] = keep if isinstance(values, list) else keep[0]
    if not narrowed:
        return None
    out = copy.deepcopy(stmt)
    out["Principal"] = narrowed
    return out


def plan_policy(
    policy: dict[str, Any], engine_public: set[int] | None = None
) -> tuple[dict[str, Any] | None, list[str]]:
    """(the policy with public statements removed or narrowed, one explanation per edit).

    Returns (policy, []) unchanged when nothing is public, and (None, [...]) when no statement would
    be left. `engine_public` holds the statement indexes the exposure engine judged public; when
    given it decides (the engine also knows, e.g., an Allow pinned by a Deny guardrail is not
    public), and this module's own test is the fallback when no engine verdict is available.
    """
    if engine_public is None:  # no scan verdict at hand: ask the exposure engine's policy status
        engine_public = exposure_public_statements(policy)
    statements = policy.get("Statement")
    was_list = isinstance(statements, list)
    items = _as_list(statements)
    kept: list[Any] = []
    why: list[str] = []
    for i, stmt in enumerate(items):
        is_allow = isinstance(stmt, dict) and str(stmt.get("Effect", "")).lower() == "allow"
        public = (i in engine_public) if engine_public is not None else statement_is_public(stmt)
        if not is_allow or not public:
            kept.append(stmt)  # Deny guardrails and non-public statements stay untouched
            continue
        who = ", ".join(public_principals(stmt)) or json.dumps(stmt.get("Principal"))
        label = statement_label(stmt, i)
        actions = json.dumps(stmt.get("Action", stmt.get("NotAction")))
        cond = restricting_condition(stmt.get("Condition"))
        narrowed = narrow_statement(stmt)
        if narrowed is not None:
            kept.append(narrowed)
            why.append(
                f"narrow policy {label}: drop public principal {who} from Allow {actions} "
                f"(keeps {json.dumps(narrowed['Principal'])})"
            )
        else:
            because = "with no restricting condition" if cond is None else f"(condition {cond} not trusted)"
            why.append(f"remove policy {label}: Allow {actions} to {who} {because}")
    if not why:
        return policy, []
    if not kept:
        return None, why
    out = {k: copy.deepcopy(v) for k, v in policy.items() if k != "Statement"}
    out["Statement"] = kept if was_list or len(kept) != 1 else kept[0]
    return out, why


# -- exposure summary ---------------------------------------------------------------------------


def open_capabilities(evaluation: Mapping[str, Any] | None) -> list[str]:
    """'audience:capability' for every capability the evaluation grants, e.g. 'anonymous:read'."""
    access = (evaluation or {}).get("access") or {}
    return [
        f"{aud}:{cap}"
        for aud in AUDIENCES
        for cap in CAPABILITIES
        if (access.get(aud) or {}).get(cap) is True
    ]


def is_closed(evaluation: Mapping[str, Any] | None) -> bool:
    """Closed = no capability for anonymous users or any AWS account."""
    return evaluation is not None and not open_capabilities(evaluation)


def engine_public_statements(evaluation: Mapping[str, Any] | None) -> set[int] | None:
    """Indexes of the policy statements the exposure engine judged public (None: no engine verdict)."""
    if not isinstance(evaluation, dict) or not isinstance(evaluation.get("evidence"), list):
        return None
    out: set[int] = set()
    for e in evaluation["evidence"]:
        if isinstance(e, dict) and e.get("kind") == "policy_statement" and e.get("effect") == "grants":
            idx = e.get("index")
            if isinstance(idx, int):
                out.add(idx)
    return out


# -- the plan -----------------------------------------------------------------------------------


def _change(
    action: str, target: dict[str, Any], before: Any, after: Any, why: str, **extra: Any
) -> dict[str, Any]:
    return {"action": action, "target": target, "before": before, "after": after, "why": why, **extra}


def account_bpa_change(account_id: str, current: dict[str, Any] | None) -> dict[str, Any] | None:
    """Turn on the four account-level Block Public Access flags, or None when already on."""
    if current and all(current.get(f) is True for f in BPA_FLAGS):
        return None
    off = [f for f in BPA_FLAGS if not (current or {}).get(f)]
    return _change(
        "put_account_public_access_block",
        {"account_id": account_id},
        current,
        dict(FULL_BPA),
        f"account-level Block Public Access: {', '.join(off)} off; turning all four on overrides "
        "public ACLs and policies of every bucket in the account",
    )


def plan_bucket(
    snapshot: dict[str, Any],
    evaluation: Mapping[str, Any] | None,
    *,
    account_level: bool = False,
    object_acls_complete: bool = False,
) -> dict[str, Any]:
    """The ordered minimal changes for one bucket (a 'bucket plan' entry of the plan JSON)."""
    bucket = snapshot.get("bucket") or "?"
    ownership = snapshot.get("ownership")
    acl = snapshot.get("acl")
    owner_id = ((acl or {}).get("Owner") or {}).get("ID")
    changes: list[dict[str, Any]] = []
    notes: list[str] = []
    target = {"bucket": bucket}

    # ACLs (bucket, then objects). Under BucketOwnerEnforced S3 ignores and refuses ACLs.
    new_acl = acl
    new_object_acls: dict[str, Any] = {}
    if ownership == "BucketOwnerEnforced":
        if acl and any(public_group(g) for g in acl.get("Grants") or []):
            notes.append("public ACL grants are latent: BucketOwnerEnforced disables ACLs (left as is)")
    else:
        if acl:
            new_acl, removed = split_acl(acl)
            if removed:
                changes.append(
                    _change(
                        "put_bucket_acl",
                        dict(target),
                        acl,
                        new_acl,
                        "remove public bucket ACL grant(s) "
                        + "; ".join(
                            f"{g.get('Permission')} to {PUBLIC_GROUPS[public_group(g) or '']}"
                            for g in removed
                        )
                        + "; owner and non-public grants kept",
                        removed=removed,
                    )
                )
        for key, oacl in sorted((snapshot.get("object_acls") or {}).items()):
            if not isinstance(oacl, dict):
                continue
            fixed, removed = split_acl(oacl)
            new_object_acls[key] = fixed
            if removed:
                changes.append(
                    _change(
                        "put_object_acl",
                        {"bucket": bucket, "key": key},
                        oacl,
                        fixed,
                        f"remove public object ACL grant(s) on {key!r}: "
                        + "; ".join(grant_label(g) for g in removed)
                        + "; owner and non-public grants kept",
                        removed=removed,
                    )
                )

    # Policy.
    policy = snapshot.get("policy")
    if isinstance(policy, dict):
        new_policy, why = plan_policy(policy, engine_public_statements(evaluation))
        if why and new_policy is None:
            changes.append(_change("delete_bucket_policy", dict(target), policy, None, "; ".join(why)))
        elif why:
            changes.append(_change("put_bucket_policy", dict(target), policy, new_policy, "; ".join(why)))

    exposed = bool(changes) or bool(open_capabilities(evaluation))

    # Block Public Access (first in order), only for an exposed bucket.
    bpa = snapshot.get("public_access_block")
    if exposed and not account_level and not (bpa and all(bpa.get(f) is True for f in BPA_FLAGS)):
        off = [f for f in BPA_FLAGS if not (bpa or {}).get(f)]
        changes.insert(
            0,
            _change(
                "put_public_access_block",
                dict(target),
                bpa,
                dict(FULL_BPA),
                f"bucket-level Block Public Access: {', '.join(off)} off; IgnorePublicAcls and "
                "RestrictPublicBuckets neutralise public grants at once, BlockPublicAcls and "
                "BlockPublicPolicy stop them coming back",
            ),
        )

    # Object Ownership last: only when no ACL grants anyone but the owner after the fix.
    if exposed and ownership != "BucketOwnerEnforced":
        objects_ok = all(
            only_owner_grants(a, owner_id) and ((a.get("Owner") or {}).get("ID") in (None, owner_id))
            for a in new_object_acls.values()
        )
        if not only_owner_grants(new_acl, owner_id):
            notes.append("Object Ownership left as is: the bucket ACL still grants to non-owners")
        elif not objects_ok:
            notes.append("Object Ownership left as is: an object ACL grants to, or is owned by, a non-owner")
        elif not object_acls_complete:
            notes.append(
                "Object Ownership left as is: not every object ACL was read (BucketOwnerEnforced would "
                "silently drop any non-owner object grant); rerun with a larger --max-objects"
            )
        else:
            changes.append(
                _change(
                    "put_bucket_ownership_controls",
                    dict(target),
                    ownership,
                    "BucketOwnerEnforced",
                    f"Object Ownership {ownership or 'unset'} -> BucketOwnerEnforced: no ACL grants anyone "
                    "but the owner, so disabling ACLs loses nothing and no future ACL can make data public",
                )
            )

    changes.sort(key=lambda c: ACTION_ORDER.index(c["action"]))
    for i, c in enumerate(changes, 1):
        c["id"] = f"{bucket}#{i}"
    return {
        "bucket": bucket,
        "status": "planned" if changes else ("needs_review" if exposed else "not_exposed"),
        "exposure": open_capabilities(evaluation),
        "changes": changes,
        "notes": notes,
    }


def apply_to_snapshot(snapshot: dict[str, Any], changes: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The snapshot the changes would produce (used to predict the verdict before applying)."""
    out = copy.deepcopy(snapshot)
    for c in changes:
        a, after = c["action"], copy.deepcopy(c["after"])
        if a == "put_public_access_block":
            out["public_access_block"] = after
        elif a == "put_account_public_access_block":
            out["account_public_access_block"] = after
        elif a == "put_bucket_acl":
            out["acl"] = after
        elif a == "put_object_acl":
            out.setdefault("object_acls", {})[c["target"]["key"]] = after
        elif a in ("put_bucket_policy", "delete_bucket_policy"):
            out["policy"] = after
        elif a == "put_bucket_ownership_controls":
            out["ownership"] = after
    return out


def new_plan_id() -> str:
    return f"plan-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"


def build_plan(
    snapshots: list[dict[str, Any]],
    evaluate: Callable[[dict[str, Any]], Mapping[str, Any]],
    *,
    account_level: bool = False,
    account_id: str | None = None,
    muted: Callable[[str, list[str]], list[str]] | None = None,
    complete_acls: Callable[[str], bool] | None = None,
    scan_id: str | None = None,
    endpoint_url: str | None = None,
    profile: str | None = None,
) -> dict[str, Any]:
    """The plan JSON for several buckets. `muted(bucket, exposures)` returns the muted exposures."""
    plan: dict[str, Any] = {
        "schema": PLAN_SCHEMA,
        "id": new_plan_id(),
        "created_at": datetime.now(UTC).isoformat(),
        "scan_id": scan_id,
        "endpoint_url": endpoint_url,
        "profile": profile,
        "account_id": account_id,
        "account_level": account_level,
        "account_changes": [],
        "buckets": [],
        "skipped": [],
    }
    any_planned = False
    account_bpa = None
    for snap in snapshots:
        name = snap.get("bucket") or "?"
        evaluation = evaluate(snap)
        account_bpa = account_bpa or snap.get("account_public_access_block")
        exposures = open_capabilities(evaluation)
        silenced = muted(name, exposures or ["anonymous:read"]) if muted else []
        entry: dict[str, Any]
        if silenced and (not exposures or set(silenced) >= set(exposures)):
            entry = {
                "bucket": name,
                "status": "skipped",
                "exposure": exposures,
                "changes": [],
                "notes": [f"muted (intentionally public): {', '.join(silenced)}"],
            }
            plan["skipped"].append({"bucket": name, "reason": "mutelist", "exposure": exposures})
        elif silenced:
            entry = {
                "bucket": name,
                "status": "needs_review",
                "exposure": exposures,
                "changes": [],
                "notes": [
                    f"partly muted ({', '.join(silenced)}) but also exposed as "
                    f"{', '.join(sorted(set(exposures) - set(silenced)))}: fix by hand, a minimal automatic "
                    "fix cannot keep one and remove the other"
                ],
            }
        else:
            entry = plan_bucket(
                snap,
                evaluation,
                account_level=account_level,
                object_acls_complete=bool(complete_acls and complete_acls(name)),
            )
            any_planned = any_planned or entry["status"] == "planned" or bool(exposures)
        entry["snapshot_errors"] = list(snap.get("errors") or [])
        if entry["snapshot_errors"]:
            entry["notes"].append(
                "some settings could not be read (see snapshot_errors): the plan may be incomplete"
            )
        plan["buckets"].append(entry)
    if account_level and account_id and any_planned:
        ch = account_bpa_change(account_id, account_bpa)
        if ch:
            ch["id"] = "account#1"
            plan["account_changes"].append(ch)
    # Predict the verdict of each planned bucket from the simulated "after" snapshot.
    for snap, entry in zip(snapshots, plan["buckets"], strict=True):
        if entry["status"] != "planned":
            continue
        after = apply_to_snapshot(snap, [*plan["account_changes"], *entry["changes"]])
        predicted = evaluate(after)
        left = open_capabilities(predicted)
        entry["predicted"] = {"closed": not left, "still_open": left}
        if left:
            entry["notes"].append(f"after these changes the engine still sees: {', '.join(left)}")
    return plan


def plan_changes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every change of a plan in execution order (account first)."""
    out = list(plan.get("account_changes") or [])
    for b in plan.get("buckets") or []:
        out.extend(b.get("changes") or [])
    return out


def validate_plan(plan: Any) -> list[str]:
    """Problems that make a plan unsafe to apply (empty list = fine)."""
    if not isinstance(plan, dict) or plan.get("schema") != PLAN_SCHEMA:
        return [f"not a remediation plan (expected schema {PLAN_SCHEMA!r})"]
    problems = []
    for c in plan_changes(plan):
        if c.get("action") not in ACTION_ORDER:
            problems.append(f"unknown action {c.get('action')!r}")
        if not isinstance(c.get("target"), dict):
            problems.append(f"change {c.get('id')!r} has no target")
    return problems
