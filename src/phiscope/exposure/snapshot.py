"""Collect a bucket snapshot v1 from a live store.

(Foundation stub; the exposure issue implements it, keeping `collect_snapshot`.)
"""

from __future__ import annotations

from typing import Any


def collect_snapshot(
    s3: Any,
    bucket: str,
    *,
    s3control: Any = None,
    account_id: str | None = None,
    object_keys: list[str] | None = None,
    max_object_acls: int = 100,
) -> dict[str, Any]:
    """Read ACL, policy, BPA (bucket and account), ownership and a sample of object ACLs."""
    return {
        "bucket": bucket,
        "owner_account": account_id,
        "account_public_access_block": None,
        "public_access_block": None,
        "ownership": None,
        "acl": None,
        "policy": None,
        "object_acls": {},
        "errors": ["snapshot collection not implemented yet"],
    }
