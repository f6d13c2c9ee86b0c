"""Azure Blob exposure cases, each from Microsoft's documentation (the `doc` field names the page).

`expect`: anon / any = exact capability sets; latent / uncertain = list must be non-empty (True) or
empty (False); reason = substring of one reason or latent line.
"""

from __future__ import annotations

from typing import Any

ACCOUNT, CONTAINER = "clinicdata", "intake"
ANON_DOC = "learn.microsoft.com: Configure anonymous read access for containers and blobs"
FIREWALL_DOC = "learn.microsoft.com: Configure Azure Storage firewalls and virtual networks"
SAS_DOC = "learn.microsoft.com: Grant limited access to data with shared access signatures (SAS)"
RBAC_DOC = "learn.microsoft.com: Assign an Azure role for access to blob data"
WEB_DOC = "learn.microsoft.com: Static website hosting in Azure Storage (anonymous access to $web)"


def snap(
    level: Any = "off",
    allow: Any = True,
    *,
    settings: bool = True,
    network: dict[str, Any] | None = None,
    public_network: str | None = None,
    shared_key: bool | None = False,
    stored: list[dict[str, Any]] | None = None,
    roles: list[dict[str, Any]] | None = None,
    container_read: bool = True,
    container: str = CONTAINER,
    website: Any = None,
) -> dict[str, Any]:
    acct: dict[str, Any] | None = None
    if settings:
        acct = {"allowBlobPublicAccess": allow, "allowSharedKeyAccess": shared_key}
        if network is not None:
            acct["networkAcls"] = network
        if public_network is not None:
            acct["publicNetworkAccess"] = public_network
    out = {
        "provider": "azure",
        "account": ACCOUNT,
        "container": container,
        "account_settings": acct,
        "container_settings": {"publicAccess": level, "storedAccessPolicies": stored or []}
        if container_read
        else None,
        "role_assignments": roles if roles is not None else [],
        "errors": []
        if container_read
        else [{"operation": "GetContainerACL", "code": "AuthorizationFailure"}],
    }
    if website is not None:
        out["static_website"] = {"enabled": website}
    return out


LR = {"list", "read"}
R = {"read"}
NONE: set[str] = set()

CASES: list[dict[str, Any]] = [
    dict(
        id="container-level-allowed",
        doc=ANON_DOC,
        snapshot=snap("container"),
        expect=dict(anon=LR, any=LR, latent=False, reason="container-level anonymous access"),
    ),
    dict(
        id="blob-level-read-no-list",
        doc=ANON_DOC,
        snapshot=snap("blob"),
        expect=dict(anon=R, any=R, reason="no listing"),
    ),
    dict(
        id="off-private", doc=ANON_DOC, snapshot=snap("off"), expect=dict(anon=NONE, any=NONE, latent=False)
    ),
    dict(id="null-level-is-off", doc=ANON_DOC, snapshot=snap(None), expect=dict(anon=NONE, any=NONE)),
    dict(
        id="account-disallows-container",
        doc=ANON_DOC,
        snapshot=snap("container", False),
        expect=dict(anon=NONE, any=NONE, latent=True, reason="allowBlobPublicAccess=false"),
    ),
    dict(
        id="account-disallows-blob",
        doc=ANON_DOC,
        snapshot=snap("blob", False),
        expect=dict(anon=NONE, latent=True),
    ),
    dict(
        id="account-setting-unset-treated-allowed",
        doc=ANON_DOC,
        snapshot=snap("container", None),
        expect=dict(anon=LR, uncertain=True),
    ),
    dict(
        id="account-settings-not-read",
        doc=ANON_DOC,
        snapshot=snap("blob", settings=False),
        expect=dict(anon=R, uncertain=True),
    ),
    dict(
        id="container-acl-not-read-is-unknown",
        doc=ANON_DOC,
        snapshot=snap(container_read=False),
        expect=dict(anon=NONE, uncertain=True),
    ),
    dict(
        id="unknown-level-widest",
        doc=ANON_DOC,
        snapshot=snap("everything"),
        expect=dict(anon=LR, uncertain=True),
    ),
    dict(
        id="firewall-deny-with-ip-rules",
        doc=FIREWALL_DOC,
        snapshot=snap(
            "container",
            network={"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24", "action": "Allow"}]},
        ),
        expect=dict(anon=NONE, latent=True, reason="203.0.113.0/24"),
    ),
    dict(
        id="firewall-deny-vnet-only",
        doc=FIREWALL_DOC,
        snapshot=snap("blob", network={"defaultAction": "Deny", "ipRules": []}),
        expect=dict(anon=NONE, latent=True, reason="virtual networks"),
    ),
    dict(
        id="firewall-rule-too-wide",
        doc=FIREWALL_DOC,
        snapshot=snap("container", network={"defaultAction": "Deny", "ipRules": [{"value": "0.0.0.0/1"}]}),
        expect=dict(anon=LR, reason="too wide"),
    ),
    dict(
        id="firewall-allow-default",
        doc=FIREWALL_DOC,
        snapshot=snap("container", network={"defaultAction": "Allow", "ipRules": []}),
        expect=dict(anon=LR),
    ),
    dict(
        id="public-network-disabled",
        doc=FIREWALL_DOC,
        snapshot=snap("container", public_network="Disabled"),
        expect=dict(anon=NONE, latent=True, reason="private endpoints"),
    ),
    dict(
        id="shared-key-on-sas-invisible",
        doc=SAS_DOC,
        snapshot=snap("off", shared_key=True),
        expect=dict(anon=NONE, uncertain=True),
    ),
    dict(
        id="stored-access-policy-shown",
        doc=SAS_DOC,
        snapshot=snap("off", stored=[{"id": "partner", "permission": "rl", "expiry": "2030-01-01"}]),
        expect=dict(anon=NONE, uncertain=True),
    ),
    dict(
        id="static-website-web-public-whatever-level",
        doc=WEB_DOC,
        snapshot=snap("off", False, container="$web", website=True),
        expect=dict(anon=R, reason="web endpoint"),
    ),
    dict(
        id="static-website-off-web-private",
        doc=WEB_DOC,
        snapshot=snap("off", container="$web", website=False),
        expect=dict(anon=NONE, uncertain=False),
    ),
    dict(
        id="static-website-unknown-uncertain",
        doc=WEB_DOC,
        snapshot=snap("off", container="$web"),
        expect=dict(anon=NONE, uncertain=True),
    ),
    dict(
        id="static-website-behind-private-network",
        doc=WEB_DOC,
        snapshot=snap("off", container="$web", website=True, public_network="Disabled"),
        expect=dict(anon=NONE, latent=True),
    ),
    dict(
        id="rbac-broad-reader-tenant-wide",
        doc=RBAC_DOC,
        snapshot=snap(
            "off",
            roles=[
                {
                    "role": "Storage Blob Data Reader",
                    "principalName": "All Users",
                    "principalType": "Group",
                    "broad": True,
                }
            ],
        ),
        expect=dict(anon=NONE, any=NONE, reason="tenant-wide, not public"),
    ),
    dict(
        id="rbac-custom-role-uncertain",
        doc=RBAC_DOC,
        snapshot=snap("off", roles=[{"role": "Data Peeker", "principalName": "Guests", "broad": True}]),
        expect=dict(anon=NONE, uncertain=True),
    ),
    dict(
        id="rbac-narrow-principal-ignored",
        doc=RBAC_DOC,
        snapshot=snap(
            "off", roles=[{"role": "Storage Blob Data Owner", "principalName": "ops", "broad": False}]
        ),
        expect=dict(anon=NONE, uncertain=False),
    ),
]
