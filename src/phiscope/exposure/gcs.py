"""Google Cloud Storage exposure: who can list, read and write one bucket, and why.

Pure: a GCS snapshot v1 in, the verdict shape of the S3 evaluator out. The rules follow Google's
documentation ("IAM roles for Cloud Storage", "Access control lists", "Uniform bucket-level access",
"Public access prevention", "IAM Conditions"), case by case in tests/exposure/gcs_cases.py:

- IAM bindings to `allUsers` reach anyone (anonymous); to `allAuthenticatedUsers` any Google account.
  What a role lets them do comes from the predefined roles' permissions (ROLE_CAPS); a custom or
  unknown role is reported as uncertain, never as nothing.
- ACLs (bucket, default object, object) count only while uniform bucket-level access is off.
- Public access prevention `enforced` switches every public grant off (latent); `inherited` defers to
  an organisation policy the bucket's settings do not show (uncertain).
- A conditional binding is kept, with its condition, and flagged: the condition may narrow it.
"""

from __future__ import annotations

from typing import Any

from phiscope.exposure.evaluate import CAPABILITIES

AUDIENCES = ("anonymous", "any_account")
MEMBER_AUDIENCE = {"allusers": "anonymous", "allauthenticatedusers": "any_account"}
WHO = {
    "anonymous": "anyone (allUsers, anonymous, hence any Google account too)",
    "any_account": "any Google account (allAuthenticatedUsers)",
}
# Predefined roles -> capabilities (storage.objects.list=list, .get=read, .create/.delete=write,
# objects.getIamPolicy/setIamPolicy=read_acl/write_acl, buckets.setIamPolicy/update=admin).
ROLE_CAPS: dict[str, tuple[str, ...]] = {
    "roles/storage.objectViewer": ("list", "read"),
    "roles/storage.objectCreator": ("write",),
    "roles/storage.objectUser": ("list", "read", "write"),
    "roles/storage.objectAdmin": ("list", "read", "write", "read_acl", "write_acl"),
    "roles/storage.admin": CAPABILITIES,
    "roles/storage.legacyBucketReader": ("list",),
    "roles/storage.legacyBucketWriter": ("list", "write"),
    "roles/storage.legacyBucketOwner": ("list", "write", "read_acl", "write_acl", "admin"),
    "roles/storage.legacyObjectReader": ("read",),
    "roles/storage.legacyObjectOwner": ("read", "read_acl", "write_acl"),
    "roles/storage.bucketViewer": (),
    "roles/storage.insightsCollectorService": (),
}
BUCKET_ACL_CAPS = {
    "READER": ("list",),
    "WRITER": ("list", "write"),
    "OWNER": ("list", "write", "read_acl", "write_acl"),
}
OBJECT_ACL_CAPS = {"READER": ("read",), "OWNER": ("read", "read_acl", "write_acl")}


class _V:
    def __init__(self) -> None:
        self.access = {a: dict.fromkeys(CAPABILITIES, False) for a in AUDIENCES}
        self.reasons: list[str] = []
        self.latent: list[str] = []
        self.uncertain: list[str] = []
        self.evidence: list[dict[str, Any]] = []
        self.readable: dict[str, set[str]] = {a: set() for a in AUDIENCES}

    def add(self, lst: list[str], text: str) -> None:
        if text not in lst:
            lst.append(text)


def _audience(member: Any) -> str | None:
    return MEMBER_AUDIENCE.get(str(member or "").strip().lower())


def _acl_entries(acl: Any, v: _V, where: str) -> list[tuple[str, str]]:
    """(audience, ROLE) for each public ACL entry."""
    out: list[tuple[str, str]] = []
    if acl is None:
        return out
    if not isinstance(acl, list):
        v.add(v.uncertain, f"{where} is not a list: ignored")
        return out
    for e in acl:
        if not isinstance(e, dict):
            continue
        aud = _audience(e.get("entity"))
        if aud:
            out.append((aud, str(e.get("role") or "").upper()))
    return out


def evaluate_gcs(snapshot: dict[str, Any]) -> dict[str, Any]:
    """GCS snapshot v1 -> the exposure verdict (see docs/providers.md)."""
    if not isinstance(snapshot, dict):
        raise ValueError(f"snapshot must be a JSON object, got {type(snapshot).__name__}")
    bucket = str(snapshot.get("bucket") or "")
    if not bucket:
        raise ValueError("snapshot has no 'bucket'")
    v = _V()
    for e in snapshot.get("errors") or []:
        op = e.get("operation") if isinstance(e, dict) else None
        code = (e.get("code") if isinstance(e, dict) else None) or "error"
        v.add(
            v.uncertain,
            f"{op or 'a setting'} could not be read ({code}): what it grants is unknown, not absent",
        )

    iam_cfg = snapshot.get("iam_configuration")
    if iam_cfg is None:
        v.add(
            v.uncertain,
            "bucket IAM configuration not read: public access prevention and uniform "
            "bucket-level access assumed off (conservative)",
        )
        iam_cfg = {}
    pap = str(iam_cfg.get("publicAccessPrevention") or "inherited").lower()
    ubla_cfg = iam_cfg.get("uniformBucketLevelAccess") or iam_cfg.get("bucketPolicyOnly") or {}
    ubla = bool(ubla_cfg.get("enabled"))
    enforced = pap == "enforced"
    if enforced:
        v.evidence.append({"kind": "public_access_prevention", "value": "enforced", "effect": "blocks"})

    def grant(aud: str, caps: tuple[str, ...], source: str, ev: dict[str, Any], *, acl: bool = False) -> None:
        text = f"{source}: {WHO[aud]} can {', '.join(c.replace('_', ' ') for c in caps)}"
        if enforced:
            v.add(v.latent, f"{text}; blocked now: public access prevention is enforced on the bucket")
            v.evidence.append({**ev, "effect": "latent", "audience": aud})
            return
        if acl and ubla:
            v.add(v.latent, f"{text}; ignored now: uniform bucket-level access is enabled (ACLs off)")
            v.evidence.append({**ev, "effect": "latent", "audience": aud})
            return
        critical = "write_acl" in caps or "admin" in caps
        v.add(v.reasons, ("CRITICAL: " if critical else "") + text)
        v.evidence.append({**ev, "effect": "grants", "audience": aud, "capabilities": list(caps)})
        for c in caps:
            v.access[aud][c] = True

    # -- IAM policy ---------------------------------------------------------------------------------
    policy = snapshot.get("iam_policy")
    if policy is None:
        v.add(v.uncertain, "bucket IAM policy not read: IAM grants unknown, not absent")
    for i, b in enumerate((policy or {}).get("bindings") or []):
        if not isinstance(b, dict):
            continue
        role = str(b.get("role") or "")
        auds = sorted({a for m in b.get("members") or [] if (a := _audience(m))})
        if not auds:
            continue
        caps = ROLE_CAPS.get(role)
        cond = b.get("condition")
        for aud in auds:
            if caps is None:
                v.add(
                    v.uncertain,
                    f"IAM binding {role} to {WHO[aud]}: custom or unknown role, permissions not modelled "
                    "(review it: it may grant list, read or write)",
                )
                v.evidence.append(
                    {"kind": "iam_binding", "index": i, "role": role, "audience": aud, "effect": "unknown"}
                )
                continue
            if not caps:
                continue
            source = f"IAM binding {role}"
            if isinstance(cond, dict):
                title = cond.get("title") or cond.get("expression") or "a condition"
                source += f" (condition {title!r})"
                v.add(
                    v.uncertain,
                    f"{source} is conditional: the condition was not evaluated and may narrow the grant",
                )
            grant(aud, caps, source, {"kind": "iam_binding", "index": i, "role": role})

    # -- ACLs ---------------------------------------------------------------------------------------
    for aud, role in _acl_entries(snapshot.get("acl"), v, "bucket ACL"):
        caps = BUCKET_ACL_CAPS.get(role)
        if caps is None:
            v.add(v.uncertain, f"bucket ACL role {role!r} for {WHO[aud]} not modelled")
            continue
        grant(
            aud, caps, f"bucket ACL {role}", {"kind": "acl_grant", "level": "bucket", "role": role}, acl=True
        )
    for aud, role in _acl_entries(snapshot.get("default_object_acl"), v, "default object ACL"):
        if role in OBJECT_ACL_CAPS and not ubla and not enforced:
            v.add(
                v.latent,
                f"default object ACL {role} for {WHO[aud]}: objects written from now on will be public",
            )
            v.evidence.append(
                {
                    "kind": "acl_grant",
                    "level": "default_object",
                    "role": role,
                    "audience": aud,
                    "effect": "future",
                }
            )
    obj_acls = snapshot.get("object_acls") or {}
    if not isinstance(obj_acls, dict):
        v.add(v.uncertain, "object_acls is not an object: ignored")
        obj_acls = {}
    for key in sorted(obj_acls):
        for aud, role in _acl_entries(obj_acls[key], v, f"object ACL of {key!r}"):
            caps = OBJECT_ACL_CAPS.get(role)
            if caps is None:
                continue
            grant(
                aud,
                caps,
                f"object ACL {role} on sampled objects",
                {"kind": "acl_grant", "level": "object", "role": role},
                acl=True,
            )
            if not enforced and not ubla:
                v.readable[aud].add(key)

    if not enforced and any(any(c.values()) for c in v.access.values()):
        v.add(
            v.uncertain,
            "public access prevention is 'inherited': an organisation policy "
            "(constraints/storage.publicAccessPrevention) not visible here may block what is reported",
        )

    for aud in AUDIENCES:
        keys = sorted(v.readable[aud])
        if keys:
            v.add(
                v.reasons,
                f"{WHO[aud]} can read sampled objects: "
                + ", ".join(repr(k) for k in keys[:10])
                + (f" (+{len(keys) - 10} more)" if len(keys) > 10 else ""),
            )
    for c in CAPABILITIES:
        v.access["any_account"][c] = v.access["any_account"][c] or v.access["anonymous"][c]
    public = any(any(c.values()) for c in v.access.values())
    if not public and not v.reasons and not v.latent:
        v.reasons.append("no IAM binding or ACL reaches allUsers or allAuthenticatedUsers")
    return {
        "provider": "gcs",
        "bucket": bucket,
        "public": public,
        "policy_is_public": None,
        "access": v.access,
        "uncertain": v.uncertain,
        "latent": v.latent,
        "reasons": v.reasons,
        "evidence": v.evidence,
    }
