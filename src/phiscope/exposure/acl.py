"""ACL meaning: which grants are public, and what each permission lets the grantee do.

Bucket and object ACLs mean different things: bucket READ lists keys, object READ returns the
object; WRITE exists only on buckets (create, overwrite, delete any object). Objects never inherit
the bucket ACL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phiscope.exposure.conditions import Audience

ALL_USERS = "allusers"
AUTHENTICATED_USERS = "authenticatedusers"
LOG_DELIVERY = "logdelivery"

BUCKET_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "READ": ("list",),
    "WRITE": ("write",),
    "READ_ACP": ("read_acl",),
    "WRITE_ACP": ("write_acl",),
    "FULL_CONTROL": ("list", "write", "read_acl", "write_acl"),
}
OBJECT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "READ": ("read",),
    "WRITE": (),  # not applicable to objects
    "READ_ACP": ("read_acl",),
    "WRITE_ACP": ("write_acl",),
    "FULL_CONTROL": ("read", "read_acl", "write_acl"),
}


@dataclass(frozen=True, slots=True)
class AclGrant:
    """One grant of an ACL to a public group, with what it means on its resource."""

    level: str  # "bucket" | "object"
    key: str | None
    group: str  # "AllUsers" | "AuthenticatedUsers"
    permission: str
    capabilities: tuple[str, ...]

    @property
    def audiences(self) -> tuple[Audience, ...]:
        return ("anonymous", "any_aws_account") if self.group == "AllUsers" else ("any_aws_account",)

    def text(self) -> str:
        where = "bucket ACL" if self.level == "bucket" else f"object ACL of {self.key!r}"
        return f"{where} grants {self.permission} to {self.group}"


def group_of(grantee: Any) -> str | None:
    """'AllUsers' / 'AuthenticatedUsers' / 'LogDelivery' for a group grantee, else None."""
    if not isinstance(grantee, dict):
        return None
    uri = str(grantee.get("URI") or "").rstrip("/").lower()
    if not uri:
        return None
    tail = uri.rsplit("/", 1)[-1]
    return {
        ALL_USERS: "AllUsers",
        AUTHENTICATED_USERS: "AuthenticatedUsers",
        LOG_DELIVERY: "LogDelivery",
    }.get(tail)


def public_grants(acl: Any, *, level: str, key: str | None = None) -> tuple[list[AclGrant], list[str]]:
    """The public grants of one ACL (GetBucketAcl/GetObjectAcl shape), plus problems with its shape."""
    if acl is None:
        return [], []
    if not isinstance(acl, dict):
        return [], [f"{level} ACL is not an object"]
    grants = acl.get("Grants") or []
    if not isinstance(grants, list):
        return [], [f"{level} ACL Grants is not a list"]
    table = BUCKET_PERMISSIONS if level == "bucket" else OBJECT_PERMISSIONS
    out: list[AclGrant] = []
    problems: list[str] = []
    for g in grants:
        if not isinstance(g, dict):
            problems.append(f"{level} ACL has a malformed grant")
            continue
        group = group_of(g.get("Grantee"))
        if group not in ("AllUsers", "AuthenticatedUsers"):
            continue
        perm = str(g.get("Permission", "")).upper()
        if perm not in table:
            problems.append(f"{level} ACL grant to {group} has unknown permission {perm!r}")
            continue
        out.append(AclGrant(level, key, group, perm, table[perm]))
    return out, problems


def acl_is_public(acl: Any) -> bool:
    """AWS: an ACL is public if it grants anything to AllUsers or AuthenticatedUsers."""
    grants, _ = public_grants(acl, level="bucket")
    return bool(grants)
