"""Close an Azure container's anonymous access: plan (pure), apply with backup, verify, roll back.

Rules (docs/providers.md):
- The container's anonymous access level goes to `off`; its stored access policies are written back
  unchanged (the same call sets both, so they are read and re-sent, never dropped).
- The account's `allowBlobPublicAccess=false` closes every container at once but lives in Azure
  Resource Manager: it is planned as a manual step with the exact `az` command (not applied here).
- A plan whose predicted "after" is still public says so before anything is applied.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from phiscope.exposure.azure import evaluate_azure


def plan_container(snapshot: dict[str, Any], *, account_level: bool = False) -> dict[str, Any]:
    """Snapshot -> {bucket, exposed, actions, predicted_after}; no action when nothing is exposed."""
    verdict = evaluate_azure(snapshot)
    account, container = snapshot["account"], snapshot["container"]
    level = str((snapshot.get("container_settings") or {}).get("publicAccess") or "off")
    actions: list[dict[str, Any]] = []
    if level != "off":
        actions.append(
            {
                "action": "set_container_access",
                "container": container,
                "from": level,
                "to": "off",
                "why": f"container level {level!r} lets anonymous callers read"
                + (" and list" if level == "container" else ""),
            }
        )
    if account_level and (snapshot.get("account_settings") or {}).get("allowBlobPublicAccess") is not False:
        actions.append(
            {
                "action": "account_disallow_public_access",
                "manual": True,
                "command": f"az storage account update --name {account} --allow-blob-public-access false",
                "why": "closes anonymous access for every container of the account (Azure Resource Manager)",
            }
        )
    after = copy.deepcopy(snapshot)
    if after.get("container_settings") is not None:
        after["container_settings"]["publicAccess"] = "off"
    predicted = evaluate_azure(after)
    return {
        "provider": "azure",
        "bucket": f"{account}/{container}",
        "exposed": bool(verdict["public"]),
        "before": {"access": verdict["access"], "reasons": verdict["reasons"]},
        "actions": actions,
        "predicted_after_public": bool(predicted["public"]),
    }


def _identifiers(cc: Any) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """(level, signed identifiers for the SDK, their JSON backup)."""
    policy = cc.get_container_access_policy()
    ids: dict[str, Any] = {}
    backup = []
    for si in policy.get("signed_identifiers") or []:
        ap = si.access_policy
        ids[si.id] = ap
        backup.append(
            {
                "id": si.id,
                "permission": getattr(ap, "permission", None),
                "start": _iso(getattr(ap, "start", None)),
                "expiry": _iso(getattr(ap, "expiry", None)),
            }
        )
    return str(policy.get("public_access") or "off"), ids, backup


def _iso(v: Any) -> str | None:
    if v is None:
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def apply_container(store: Any, bucket_plan: dict[str, Any]) -> dict[str, Any]:
    """Apply the automatic actions; returns the backup (taken before any change)."""
    cc = store.container_client(bucket_plan["bucket"])
    level, ids, backup_ids = _identifiers(cc)
    backup = {
        "provider": "azure",
        "bucket": bucket_plan["bucket"],
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "container_settings": {"publicAccess": level, "storedAccessPolicies": backup_ids},
        "applied": [],
    }
    for a in bucket_plan["actions"]:
        if a.get("manual"):
            continue
        if a["action"] == "set_container_access":
            cc.set_container_access_policy(signed_identifiers=ids, public_access=None)
            backup["applied"].append(a["action"])
    return backup


def rollback_container(store: Any, backup: dict[str, Any]) -> None:
    """Restore the container's access level and stored access policies from a backup."""
    from azure.storage.blob import AccessPolicy

    cc = store.container_client(backup["bucket"])
    cs = backup["container_settings"]
    ids = {
        p["id"]: AccessPolicy(permission=p.get("permission"), start=p.get("start"), expiry=p.get("expiry"))
        for p in cs.get("storedAccessPolicies") or []
    }
    level = cs.get("publicAccess")
    cc.set_container_access_policy(signed_identifiers=ids, public_access=None if level == "off" else level)
