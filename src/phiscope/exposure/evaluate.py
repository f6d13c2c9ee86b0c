"""Decide from a bucket snapshot v1 who can list, read and write, and why.

(Foundation stub; the exposure issue implements the real semantics, keeping `evaluate_snapshot`.)
"""

from __future__ import annotations

from typing import Any

CAPABILITIES = ("list", "read", "write", "read_acl", "write_acl")


def evaluate_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Snapshot v1 -> the `exposure evaluate` object (see docs/exposure.md)."""
    none = dict.fromkeys(CAPABILITIES, False)
    return {
        "bucket": snapshot.get("bucket"),
        "public": False,
        "policy_is_public": None if snapshot.get("policy") is None else False,
        "access": {"anonymous": dict(none), "any_aws_account": dict(none)},
        "uncertain": ["exposure engine not implemented yet"],
        "latent": [],
        "reasons": [],
    }
