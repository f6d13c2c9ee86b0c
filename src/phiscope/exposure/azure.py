"""Azure Blob Storage exposure: who can list, read and write one container, and why.

Pure: an Azure snapshot v1 in, the verdict shape of the S3 evaluator out (`access.anonymous` /
`access.any_account`, reasons, evidence, latent, uncertain). The rules follow Microsoft's
documentation ("Configure anonymous read access for containers and blobs", "Azure Storage firewall
rules", "Grant limited access with shared access signatures"), case by case in
tests/exposure/azure_cases.py:

- anonymous access needs BOTH the account's `allowBlobPublicAccess` and a container access level:
  `container` = list + read, `blob` = read of blobs whose names are known (no listing); `off` = none.
  The account setting overrides every container: when it is false the container level is latent.
- the network (publicNetworkAccess Disabled, or networkAcls defaultAction Deny) restricts who can
  send any request, anonymous ones included; IP rules wider than /8 do not restrict.
- SAS tokens are not visible in settings: account-key SAS can exist whenever shared-key access is on;
  stored access policies (visible) name what such tokens may do. Reported as uncertain/evidence.
- RBAC data roles assigned to broad principals (all users of a tenant, guests) are tenant-wide,
  not public: reasons with evidence, like S3's cross-account grants.

A setting that was not read is never taken as private: the verdict says what it may miss.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from phiscope.exposure.evaluate import CAPABILITIES

AUDIENCES = ("anonymous", "any_account")
LEVEL_CAPS = {"container": ("list", "read"), "blob": ("read",)}
LEVEL_TEXT = {
    "container": "container-level anonymous access (list and read every blob)",
    "blob": "blob-level anonymous access (read any blob whose name is known; no listing)",
}
# Built-in data-plane roles and what they let their holder do with blobs.
DATA_ROLES = {
    "Storage Blob Data Reader": ("list", "read"),
    "Storage Blob Data Contributor": ("list", "read", "write"),
    "Storage Blob Data Owner": ("list", "read", "write", "read_acl", "write_acl"),
    "Storage Blob Delegator": (),
    "Reader and Data Access": ("list", "read", "write"),  # can list account keys
    "Storage Account Contributor": ("list", "read", "write", "admin"),  # keys, hence everything
    "Contributor": ("list", "read", "write", "admin"),
    "Owner": ("list", "read", "write", "read_acl", "write_acl", "admin"),
}
_SAS_PERMS = {"r": "read", "l": "list", "w": "write", "c": "write", "a": "write", "d": "write"}


def _caps() -> dict[str, bool]:
    return dict.fromkeys(CAPABILITIES, False)


def _level(raw: Any) -> tuple[str | None, str | None]:
    """Container access level -> (off|blob|container, problem)."""
    if raw is None:
        return None, None
    v = str(getattr(raw, "value", raw)).strip().lower()
    if v in ("", "off", "none", "private"):
        return "off", None
    if v in ("blob", "container"):
        return v, None
    return "container", f"unknown container access level {raw!r}: assumed container (widest)"


def _network(settings: dict[str, Any]) -> tuple[str, list[str]]:
    """open | restricted | private, and the allowed public IP ranges when restricted."""
    if str(settings.get("publicNetworkAccess") or "").lower() == "disabled":
        return "private", []
    acls = settings.get("networkAcls") or settings.get("networkRuleSet") or {}
    if str(acls.get("defaultAction") or "Allow").lower() != "deny":
        return "open", []
    ranges = []
    for rule in acls.get("ipRules") or []:
        value = rule.get("value") or rule.get("ipAddressOrRange") if isinstance(rule, dict) else rule
        if value and str((rule.get("action") if isinstance(rule, dict) else "Allow") or "Allow") == "Allow":
            ranges.append(str(value))
    for r in ranges:
        try:
            net = ipaddress.ip_network(r, strict=False)
        except ValueError:
            continue
        if net.prefixlen < 8:
            return "open", ranges  # a rule this wide lets most of the internet in
    return "restricted", ranges


def evaluate_azure(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Azure snapshot v1 -> the exposure verdict (see docs/providers.md)."""
    if not isinstance(snapshot, dict):
        raise ValueError(f"snapshot must be a JSON object, got {type(snapshot).__name__}")
    account = str(snapshot.get("account") or "")
    container = str(snapshot.get("container") or "")
    if not account or not container:
        raise ValueError("Azure snapshot needs 'account' and 'container'")
    access = {a: _caps() for a in AUDIENCES}
    reasons: list[str] = []
    latent: list[str] = []
    uncertain: list[str] = []
    evidence: list[dict[str, Any]] = []

    def add(lst: list[str], text: str) -> None:
        if text not in lst:
            lst.append(text)

    for e in snapshot.get("errors") or []:
        op = e.get("operation") if isinstance(e, dict) else None
        code = (e.get("code") if isinstance(e, dict) else None) or "error"
        add(
            uncertain,
            f"{op or 'a setting'} could not be read ({code}): what it grants is unknown, not absent",
        )

    settings = snapshot.get("account_settings")
    csettings = snapshot.get("container_settings")
    level, problem = _level((csettings or {}).get("publicAccess")) if csettings is not None else (None, None)
    if problem:
        add(uncertain, problem)

    # -- anonymous access: account switch x container level x network ---------------------------------
    if csettings is None:
        add(uncertain, "container access level not read: anonymous access unknown, not absent")
    elif level in LEVEL_CAPS:
        caps = LEVEL_CAPS[level]
        grant = f"container {container} is set to {LEVEL_TEXT[level]}"
        ev: dict[str, Any] = {"kind": "container_access_level", "level": "container", "value": level}
        allow = None if settings is None else settings.get("allowBlobPublicAccess")
        network, ranges = ("open", []) if settings is None else _network(settings)
        if settings is not None and allow is False:
            add(latent, f"{grant}; blocked now: storage account {account} has allowBlobPublicAccess=false")
            evidence.append({**ev, "effect": "latent", "text": "allowBlobPublicAccess=false"})
        elif network == "private":
            add(
                latent,
                f"{grant}; unreachable from the internet now: public network access is disabled on "
                f"{account} (private endpoints only)",
            )
            evidence.append({**ev, "effect": "latent", "text": "publicNetworkAccess=Disabled"})
        elif network == "restricted":
            where = ", ".join(ranges) if ranges else "virtual networks and private endpoints only"
            add(
                reasons,
                f"{grant}, but the storage firewall denies by default: anonymous requests only from {where}",
            )
            add(latent, f"{grant}; would be public if the storage firewall's default action became Allow")
            evidence.append(
                {**ev, "effect": "restricted", "text": f"networkAcls defaultAction Deny: {where}"}
            )
        else:
            for cap in caps:
                access["anonymous"][cap] = True
            text = f"{grant}: anyone (anonymous, hence any account too) can {' and '.join(caps)}"
            if settings is None:
                add(
                    uncertain,
                    f"account settings of {account} not read (allowBlobPublicAccess, network rules): "
                    "if they disallow anonymous access, what is reported is blocked",
                )
            elif allow is None:
                add(
                    uncertain,
                    "allowBlobPublicAccess is not set on the account: Azure treats it as allowed on "
                    "accounts created before the 2023 default change",
                )
            if network == "open" and ranges:
                text += f" (firewall IP rules too wide to restrict: {', '.join(ranges)})"
            add(reasons, text)
            evidence.append({**ev, "effect": "grants", "audience": "anonymous", "capabilities": list(caps)})
    elif level == "off" and settings is not None and settings.get("allowBlobPublicAccess") is not False:
        evidence.append({"kind": "container_access_level", "level": "container", "value": "off"})

    # -- static website: $web is served anonymously by the web endpoint, whatever its access level ------
    website = snapshot.get("static_website")
    if container == "$web" and isinstance(website, dict) and website.get("enabled"):
        network, ranges = ("open", []) if settings is None else _network(settings)
        grant = (
            f"static website hosting is on for {account}: every blob in $web is served to anyone by the "
            "web endpoint (*.web.core.windows.net), whatever the container level and allowBlobPublicAccess"
        )
        ev = {"kind": "static_website", "level": "account", "value": "enabled"}
        if network == "private":
            add(latent, f"{grant}; unreachable from the internet now: public network access is disabled")
            evidence.append({**ev, "effect": "latent"})
        elif network == "restricted":
            add(
                reasons, f"{grant}, but the storage firewall denies by default: only from {', '.join(ranges)}"
            )
            evidence.append({**ev, "effect": "restricted"})
        else:
            access["anonymous"]["read"] = True
            add(reasons, grant)
            evidence.append({**ev, "effect": "grants", "audience": "anonymous", "capabilities": ["read"]})
    elif container == "$web" and website is None:
        add(uncertain, "static website setting not read: if it is on, $web is readable by anyone")

    # -- SAS: not visible, only its preconditions --------------------------------------------------
    if settings is not None and settings.get("allowSharedKeyAccess") is not False:
        add(
            uncertain,
            "shared key access is on: account-key SAS tokens may exist and cannot be listed from settings "
            "(each grants what it was signed for until it expires)",
        )
    for pol in (csettings or {}).get("storedAccessPolicies") or []:
        perms = sorted({_SAS_PERMS[c] for c in str(pol.get("permission") or "") if c in _SAS_PERMS})
        pid = pol.get("id") or "?"
        add(
            uncertain,
            f"stored access policy {pid!r} lets SAS tokens issued against it {', '.join(perms) or 'nothing'}"
            f" (expiry {pol.get('expiry') or 'none'}); who holds such tokens is not visible",
        )
        evidence.append({"kind": "stored_access_policy", "id": pid, "permission": pol.get("permission")})

    # -- RBAC: tenant-wide, not public -------------------------------------------------------------
    for ra in snapshot.get("role_assignments") or []:
        if not isinstance(ra, dict) or not ra.get("broad"):
            continue
        role = str(ra.get("role") or "")
        role_caps = DATA_ROLES.get(role)
        who = ra.get("principalName") or ra.get("principalId") or "a broad principal"
        if role_caps is None:
            add(uncertain, f"role {role!r} assigned to {who}: custom role, data permissions not modelled")
            continue
        if role_caps:
            add(
                reasons,
                f"RBAC: {role} assigned to {who} at {ra.get('scope') or 'this scope'}: "
                f"everyone it contains can {', '.join(role_caps)} (tenant-wide, not public)",
            )
            evidence.append({"kind": "role_assignment", "role": role, "principal": who, "effect": "grants"})
    if snapshot.get("role_assignments") is None and settings is not None:
        add(uncertain, "role assignments not read: Azure AD (RBAC) data access not checked")

    for cap in CAPABILITIES:
        access["any_account"][cap] = access["any_account"][cap] or access["anonymous"][cap]
    public = any(any(c.values()) for c in access.values())
    if not public and not reasons and not latent:
        reasons.append(
            "no anonymous access: container access level off"
            if level == "off"
            else "no setting read grants access to anonymous users"
        )
    return {
        "provider": "azure",
        "bucket": f"{account}/{container}",
        "public": public,
        "policy_is_public": None,
        "access": access,
        "uncertain": uncertain,
        "latent": latent,
        "reasons": reasons,
        "evidence": evidence,
    }
