"""Decide from a bucket snapshot v1 who can list, read and write, and why.

Pure: a snapshot in, a verdict out. ACL grants, policy statements, Block Public Access (account OR
bucket level) and Object Ownership combine exactly as AWS documents; every grant ends up either
effective (a reason), blocked by an explicit Deny (a reason), or switched off by a setting that
could be switched back on (a latent exposure). See docs/exposure.md.
"""

from __future__ import annotations

from typing import Any

from phiscope.exposure import acl as aclmod
from phiscope.exposure import block_public_access as bpamod
from phiscope.exposure import policy as pol
from phiscope.exposure.conditions import AUDIENCES, Audience
from phiscope.exposure.patterns import is_match_all
from phiscope.json_types import ExposureVerdict

CAPABILITIES = ("list", "read", "write", "read_acl", "write_acl", "admin")

# capability -> (action, resource kind) pairs; any one of them grants the capability.
CAP_ACTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "list": (("s3:ListBucket", "bucket"),),
    "read": (("s3:GetObject", "object"),),
    "write": (("s3:PutObject", "object"), ("s3:DeleteObject", "object")),
    "read_acl": (("s3:GetBucketAcl", "bucket"), ("s3:GetObjectAcl", "object")),
    "write_acl": (("s3:PutBucketAcl", "bucket"), ("s3:PutObjectAcl", "object")),
    # configuration writes: whoever can rewrite the policy, Block Public Access or ownership, or
    # delete the bucket, owns it (critical, like write_acl, which already covers PutBucketAcl)
    "admin": tuple(
        (a, "bucket")
        for a in (
            "s3:PutBucketPolicy",
            "s3:DeleteBucketPolicy",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketOwnershipControls",
            "s3:PutLifecycleConfiguration",
            "s3:PutEncryptionConfiguration",
            "s3:PutReplicationConfiguration",
            "s3:PutBucketVersioning",
            "s3:PutBucketObjectLockConfiguration",
            "s3:DeleteBucket",
        )
    ),
}
CRITICAL_CAPS = ("write_acl", "admin")
# What a capability granted by an ACL means as actions (for explicit Deny checks).
_ACL_ACTIONS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("bucket", "list"): (("s3:ListBucket", "bucket"),),
    ("bucket", "write"): (("s3:PutObject", "object"), ("s3:DeleteObject", "object")),
    ("bucket", "read_acl"): (("s3:GetBucketAcl", "bucket"),),
    ("bucket", "write_acl"): (("s3:PutBucketAcl", "bucket"),),
    ("object", "read"): (("s3:GetObject", "object"),),
    ("object", "read_acl"): (("s3:GetObjectAcl", "object"),),
    ("object", "write_acl"): (("s3:PutObjectAcl", "object"),),
}
_AUDIENCE_TEXT = {"anonymous": "anyone (anonymous)", "any_aws_account": "any AWS account"}
_SHARED = "anyone (anonymous, hence any AWS account too)"
_OWNERSHIP = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
_ERROR_SETTING = {
    "getbucketacl": "bucket ACL",
    "getbucketpolicy": "bucket policy",
    "getpublicaccessblock": "bucket-level Block Public Access",
    "s3control:getpublicaccessblock": "account-level Block Public Access",
    "getbucketownershipcontrols": "Object Ownership",
    "getobjectacl": "object ACLs",
    "listobjectsv2": "object sample",
}


class _Verdict:
    """Accumulates the verdict while grants are classified."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self.access: dict[str, dict[str, bool]] = {a: dict.fromkeys(CAPABILITIES, False) for a in AUDIENCES}
        self.reasons: list[str] = []
        self.latent: list[str] = []
        self.uncertain: list[str] = []
        self.evidence: list[dict[str, Any]] = []
        self.readable: dict[Audience, set[str]] = {a: set() for a in AUDIENCES}
        self.shared: set[tuple[str, str]] = set()  # (source, capability) granted to anonymous too

    def grant_reason(
        self, audience: Audience, source: str, cap: str, text: str, *, latent: bool = False
    ) -> None:
        """One line per grant: a grant to anonymous users covers any AWS account as well."""
        tag = (source + (":latent" if latent else ""), cap)
        if audience == "anonymous":
            self.shared.add(tag)
        elif tag in self.shared:
            return
        self.add(self.latent if latent else self.reasons, text)

    def add(self, lst: list[str], text: str) -> None:
        if text not in lst:
            lst.append(text)

    def ev(self, **kw: Any) -> None:
        item = {k: v for k, v in kw.items() if v is not None}
        if item not in self.evidence:
            self.evidence.append(item)


def _stmt_ev(st: pol.Statement) -> dict[str, Any]:
    return {"kind": "policy_statement", "level": "bucket", "index": st.index, "sid": st.sid}


def _acl_grant_blocked(
    g: aclmod.AclGrant, cap: str, audience: Audience, deny_cache: dict[Any, Any], bucket: str
) -> pol.PolicyDeny | None:
    """The always-applying Deny that cancels this ACL grant's capability, if one does."""
    pairs = _ACL_ACTIONS[(g.level, cap)]
    blocking: pol.PolicyDeny | None = None
    for action, kind in pairs:
        found = None
        for d in deny_cache[(audience, action, kind)]:
            if g.level == "object" and g.key is not None:
                if pol.deny_blocks_key(d, bucket, g.key):
                    found = d
                    break
            elif pol.deny_blocks(d, "" if kind == "bucket" else "*"):
                found = d
                break
        if found is None:
            return None  # one action of the capability survives
        blocking = found
    return blocking


def _fmt_patterns(pats: list[str]) -> str:
    if any(is_match_all(p) for p in pats):
        return "all objects"
    return "objects matching " + ", ".join(repr(p) for p in pats)


def evaluate_snapshot(snapshot: dict[str, Any]) -> ExposureVerdict:
    """Snapshot v1 -> the `exposure evaluate` object (see docs/exposure.md)."""
    if not isinstance(snapshot, dict):
        raise ValueError(f"snapshot must be a JSON object, got {type(snapshot).__name__}")
    bucket = str(snapshot.get("bucket") or "")
    if not bucket:
        raise ValueError("snapshot has no 'bucket'")
    v = _Verdict(bucket)
    owner_account = snapshot.get("owner_account")
    owner_account = str(owner_account) if owner_account else None

    # -- settings -------------------------------------------------------------------------------
    bpa = bpamod.effective(snapshot.get("account_public_access_block"), snapshot.get("public_access_block"))
    ownership = snapshot.get("ownership")
    if ownership is not None and ownership not in _OWNERSHIP:
        v.add(v.uncertain, f"unknown Object Ownership value {ownership!r}: ACLs assumed enabled")
    acls_disabled = ownership == "BucketOwnerEnforced"

    policy_doc = snapshot.get("policy")
    statements: list[pol.Statement] = []
    malformed: list[str] = []
    if policy_doc is not None:
        statements, problems = pol.parse_policy(policy_doc)
        for p in problems:
            v.add(v.uncertain, f"policy: {p}")
        malformed = [p for p in problems if "malformed" in p]
    status = pol.policy_status(statements) if policy_doc is not None else None
    policy_is_public: bool | None = status.is_public if status is not None else None
    if status is not None:
        for u in status.uncertain:
            v.add(v.uncertain, u)
        for st, why in status.public_statements:
            v.add(v.reasons, f"policy is public: {st.label} allows {why}")
            v.ev(**_stmt_ev(st), effect="grants", text=f"public statement: {why}")
    rpb = bool(policy_is_public) and bpa.on("RestrictPublicBuckets")

    # an unread ACL cannot grant outsiders anything while ACLs are off or ignored, nor a policy while
    # RestrictPublicBuckets is on
    unread = _report_errors(
        snapshot,
        v,
        acls_off=acls_disabled or bpa.on("IgnorePublicAcls"),
        policy_off=bpa.on("RestrictPublicBuckets"),
    )

    # -- policy grants and denies -------------------------------------------------------------------
    deny_cache: dict[tuple[Audience, str, str], list[pol.PolicyDeny]] = {}
    for audience in AUDIENCES:
        for pairs in list(CAP_ACTIONS.values()) + list(_ACL_ACTIONS.values()):
            for action, kind in pairs:
                k = (audience, action, kind)
                if k not in deny_cache:
                    ds, unc = pol.denies(statements, audience, action, kind, bucket)
                    deny_cache[k] = ds
                    for u in unc:
                        v.add(v.uncertain, u)

    sample_keys = sorted((snapshot.get("object_acls") or {}).keys())
    for audience in AUDIENCES:
        for cap, pairs in CAP_ACTIONS.items():
            for action, kind in pairs:
                grants, unc = pol.allows(statements, audience, action, kind, bucket)
                for u in unc:
                    v.add(v.uncertain, u)
                always = [d for d in deny_cache[(audience, action, kind)] if d.always]
                for g in grants:
                    _classify_policy_grant(v, g, always, audience, cap, action, kind, rpb, bpa, sample_keys)

    # -- ACL grants ---------------------------------------------------------------------------------
    bucket_acl = snapshot.get("acl")
    acl_grants, problems = aclmod.public_grants(bucket_acl, level="bucket")
    for p in problems:
        v.add(v.uncertain, p)
    obj_acls = snapshot.get("object_acls") or {}
    if not isinstance(obj_acls, dict):
        v.add(v.uncertain, "object_acls is not an object: ignored")
        obj_acls = {}
    for key in sorted(obj_acls):
        gs, problems = aclmod.public_grants(obj_acls[key], level="object", key=key)
        acl_grants.extend(gs)
        for p in problems:
            v.add(v.uncertain, p)
    for ag in acl_grants:
        for cap in ag.capabilities:
            for audience in ag.audiences:
                _classify_acl_grant(v, ag, cap, audience, deny_cache, acls_disabled, bpa, bucket)

    # -- cross-account, future-write-only flags --------------------------------------------------
    for st, acct in pol.cross_account_grants(statements, owner_account):
        if rpb:
            v.add(
                v.latent,
                f"cross-account grant to account {acct} in {st.label} is cut off by "
                f"{bpa.where('RestrictPublicBuckets')} because the policy is public",
            )
            v.ev(**_stmt_ev(st), effect="latent", grantee=acct, text="cross-account grant cut by RPB")
        else:
            v.add(v.reasons, f"{st.label} grants to another AWS account ({acct}): cross-account, not public")
    for flag in bpamod.FLAGS:
        if bpa.on(flag):
            v.ev(kind="bpa_flag", level="+".join(bpa.levels[flag]), flag=flag, effect="blocks")
    if bpa.on("BlockPublicPolicy") and policy_is_public and not rpb:
        v.add(
            v.reasons,
            f"{bpa.where('BlockPublicPolicy')} only rejects new public policies; the existing public "
            "policy keeps working (RestrictPublicBuckets is off)",
        )
    if bpa.on("BlockPublicAcls") and not bpa.on("IgnorePublicAcls") and not acls_disabled and acl_grants:
        v.add(
            v.reasons,
            f"{bpa.where('BlockPublicAcls')} only rejects new public ACLs; existing public grants keep "
            "working (IgnorePublicAcls is off)",
        )

    # anyone with an AWS account can also send unsigned requests
    for cap in CAPABILITIES:
        if v.access["anonymous"][cap]:
            v.access["any_aws_account"][cap] = True

    for audience in AUDIENCES:
        keys = sorted(v.readable[audience])
        if audience == "any_aws_account":
            keys = sorted(v.readable[audience] - v.readable["anonymous"])
        if keys and v.access[audience]["read"]:
            who = _SHARED if audience == "anonymous" else "any AWS account (in addition)"
            v.add(
                v.reasons,
                f"{who} can read sampled keys: "
                + ", ".join(repr(k) for k in keys[:10])
                + (f" (+{len(keys) - 10} more)" if len(keys) > 10 else ""),
            )

    public = any(any(caps.values()) for caps in v.access.values())
    if public and not snapshot.get("account_public_access_block") and _error_for(snapshot, "s3control"):
        v.add(
            v.uncertain,
            "account-level Block Public Access was not read; if it is on it may block what is reported",
        )
    if not public and not v.reasons:
        v.reasons.append("no ACL grant or policy statement reaches anonymous users or other AWS accounts")
    verdict: ExposureVerdict = {
        "bucket": bucket,
        "public": public,
        "policy_is_public": policy_is_public,
        "access": v.access,
        "uncertain": v.uncertain,
        "malformed": malformed,
        "latent": v.latent,
        "reasons": v.reasons,
        "evidence": v.evidence,
    }
    if unread:
        verdict["unread"] = unread
    return verdict


def _classify_policy_grant(
    v: _Verdict,
    g: pol.PolicyGrant,
    always: list[pol.PolicyDeny],
    audience: Audience,
    cap: str,
    action: str,
    kind: str,
    rpb: bool,
    bpa: bpamod.Effective,
    sample_keys: list[str],
) -> None:
    st = g.statement
    who = _SHARED if audience == "anonymous" else _AUDIENCE_TEXT[audience]
    cond = f" with {st.condition_text()}" if st.clauses else ""
    live: list[str] = []
    for p in g.patterns:
        blocker = next((d for d in always if pol.deny_blocks(d, p)), None)
        if blocker is not None:
            v.grant_reason(
                audience,
                f"deny{blocker.statement.index}:{st.index}:{action}:{p}",
                cap,
                f"{blocker.statement.label} (Deny, {blocker.statement.condition_text()}) overrides "
                f"{st.label} for {who}: {action}" + ("" if kind == "bucket" else f" on {p!r}"),
            )
            v.ev(**_stmt_ev(blocker.statement), effect="blocks", audience=audience, capability=cap)
        else:
            live.append(p)
    if not live:
        return
    target = "the bucket" if kind == "bucket" else _fmt_patterns(live)
    if cap == "admin" and v.access[audience]["admin"]:
        return  # one reason per statement is enough: the first configuration write found
    text = f"{st.label} allows {action} on {target} to {who}{cond}"
    if g.notes:
        text += " (" + "; ".join(g.notes) + ")"
    if rpb:
        v.grant_reason(
            audience,
            f"p{st.index}:{action}",
            cap,
            f"{text}; blocked now by {bpa.where('RestrictPublicBuckets')}",
            latent=True,
        )
        v.ev(**_stmt_ev(st), effect="latent", audience=audience, capability=cap, text=text)
        return
    partial = [d for d in always if kind == "object" and d.patterns and any(x != "" for x in d.patterns)]
    if partial and kind == "object":
        text += "; except where " + ", ".join(d.statement.label for d in partial) + " denies"
    severity = "critical" if cap in CRITICAL_CAPS else None
    v.grant_reason(audience, f"p{st.index}:{action}", cap, ("CRITICAL: " if severity else "") + text)
    v.ev(**_stmt_ev(st), effect="grants", audience=audience, capability=cap, text=text, severity=severity)
    v.access[audience][cap] = True
    if cap == "read":
        for k in sample_keys:
            if st.key_covered(f"arn:aws:s3:::{v.bucket}", k) and not any(
                pol.deny_blocks_key(d, v.bucket, k) for d in always
            ):
                v.readable[audience].add(k)


def _classify_acl_grant(
    v: _Verdict,
    g: aclmod.AclGrant,
    cap: str,
    audience: Audience,
    deny_cache: dict[Any, Any],
    acls_disabled: bool,
    bpa: bpamod.Effective,
    bucket: str,
) -> None:
    who = _SHARED if audience == "anonymous" else _AUDIENCE_TEXT[audience]
    base = {
        "kind": "acl_grant",
        "level": g.level,
        "key": g.key,
        "grantee": g.group,
        "permission": g.permission,
    }
    text = f"{g.text()}: {who} can {cap.replace('_', ' ')}"
    src = f"acl:{g.level}:{g.key}:{g.permission}"
    if acls_disabled:
        v.grant_reason(
            audience,
            src,
            cap,
            f"{text}; ineffective now: Object Ownership is BucketOwnerEnforced",
            latent=True,
        )
        v.ev(**base, effect="latent", audience=audience, capability=cap, text="ACLs disabled by ownership")
        return
    if bpa.on("IgnorePublicAcls"):
        v.grant_reason(
            audience, src, cap, f"{text}; ignored now by {bpa.where('IgnorePublicAcls')}", latent=True
        )
        v.ev(**base, effect="latent", audience=audience, capability=cap, text=bpa.where("IgnorePublicAcls"))
        return
    blocker = _acl_grant_blocked(g, cap, audience, deny_cache, bucket)
    if blocker is not None:
        v.grant_reason(
            audience,
            f"deny{blocker.statement.index}:{src}",
            cap,
            f"{blocker.statement.label} (Deny) overrides {g.text()} for {who}",
        )
        v.ev(**_stmt_ev(blocker.statement), effect="blocks", audience=audience, capability=cap)
        return
    critical = cap == "write_acl"
    v.grant_reason(audience, src, cap, ("CRITICAL: " if critical else "") + text)
    v.ev(
        **base, effect="grants", audience=audience, capability=cap, severity="critical" if critical else None
    )
    v.access[audience][cap] = True
    if cap == "read" and g.key is not None:
        v.readable[audience].add(g.key)


def _error_for(snapshot: dict[str, Any], needle: str) -> bool:
    return any(needle in str(e.get("operation", "")).lower() for e in _errors(snapshot))


def _errors(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    errs = snapshot.get("errors") or []
    out = []
    for e in errs if isinstance(errs, list) else []:
        out.append(e if isinstance(e, dict) else {"operation": "", "message": str(e)})
    return out


_ACL_READS = ("getbucketacl", "getobjectacl", "listobjectsv2")  # listing: the keys whose ACLs are sampled
_NOT_A_GAP = frozenset({"NoSuchKey"})  # an object deleted since the listing grants nothing


def _report_errors(
    snapshot: dict[str, Any], v: _Verdict, *, acls_off: bool = False, policy_off: bool = False
) -> list[str]:
    """A setting that could not be read never counts as private: say what the verdict may miss.
    Returns the settings that could grant outsiders access and were not read: with any of them,
    "no grant found" is not "not exposed" (scan/verdict.py)."""
    unread: list[str] = []
    for e in _errors(snapshot):
        op = str(e.get("operation", "")).lower()
        setting = _ERROR_SETTING.get(op, op or "a setting")
        code = e.get("code") or "error"
        if op in ("getbucketpolicy", *_ACL_READS):
            v.add(v.uncertain, f"{setting} could not be read ({code}): grants in it are unknown, not absent")
            off = acls_off if op in _ACL_READS else policy_off
            if code not in _NOT_A_GAP and not off:
                v.add(unread, f"{setting} could not be read ({code})")
        elif op in ("getpublicaccessblock", "s3control:getpublicaccessblock", "getbucketownershipcontrols"):
            v.add(v.uncertain, f"{setting} could not be read ({code}): assumed off (conservative)")
        elif e.get("message"):
            v.add(v.uncertain, f"snapshot error: {e.get('message')}")
    return unread
