"""Close a GCS bucket's public access: plan (pure), apply with backup, verify, roll back.

Rules (docs/providers.md):
- Public access prevention goes to `enforced` first: it switches every allUsers/allAuthenticatedUsers
  grant off at once, IAM and ACLs alike.
- Then the public members are removed from each IAM binding (other members and bindings, conditions
  included, stay exactly as they were), and public entries from the bucket, default object and
  sampled object ACLs, so the bucket stays closed even if prevention is later relaxed.
- The backup keeps the whole IAM policy, the ACLs touched and the previous prevention setting.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from phiscope.exposure.gcs import MEMBER_AUDIENCE, evaluate_gcs


def _public(member: Any) -> bool:
    return str(member or "").strip().lower() in MEMBER_AUDIENCE


def plan_bucket(snapshot: dict[str, Any]) -> dict[str, Any]:
    verdict = evaluate_gcs(snapshot)
    bucket = snapshot["bucket"]
    actions: list[dict[str, Any]] = []
    pap = str((snapshot.get("iam_configuration") or {}).get("publicAccessPrevention") or "inherited")
    if pap.lower() != "enforced":
        actions.append(
            {
                "action": "set_public_access_prevention",
                "from": pap,
                "to": "enforced",
                "why": "blocks every allUsers/allAuthenticatedUsers grant at once",
            }
        )
    for b in (snapshot.get("iam_policy") or {}).get("bindings") or []:
        members = [m for m in b.get("members") or [] if _public(m)]
        if members:
            actions.append(
                {
                    "action": "remove_iam_members",
                    "role": b.get("role"),
                    "members": sorted(members),
                    "condition": b.get("condition"),
                    "why": f"{', '.join(sorted(members))} hold {b.get('role')}",
                }
            )
    for level, entries in (
        ("bucket", snapshot.get("acl")),
        ("default_object", snapshot.get("default_object_acl")),
    ):
        for e in entries or []:
            if _public(e.get("entity")):
                actions.append(
                    {
                        "action": "remove_acl_entry",
                        "level": level,
                        "entity": e["entity"],
                        "role": e.get("role"),
                        "why": f"{level} ACL grants {e.get('role')} to {e['entity']}",
                    }
                )
    for key, entries in sorted((snapshot.get("object_acls") or {}).items()):
        for e in entries or []:
            if _public(e.get("entity")):
                actions.append(
                    {
                        "action": "remove_acl_entry",
                        "level": "object",
                        "key": key,
                        "entity": e["entity"],
                        "role": e.get("role"),
                        "why": f"object ACL grants {e.get('role')} to {e['entity']}",
                    }
                )
    after = copy.deepcopy(snapshot)
    after.setdefault("iam_configuration", {})
    if after["iam_configuration"] is None:
        after["iam_configuration"] = {}
    after["iam_configuration"]["publicAccessPrevention"] = "enforced"
    predicted = evaluate_gcs(after)
    return {
        "provider": "gcs",
        "bucket": bucket,
        "exposed": bool(verdict["public"]),
        "before": {"access": verdict["access"], "reasons": verdict["reasons"]},
        "actions": actions,
        "predicted_after_public": bool(predicted["public"]),
    }


def apply_bucket(store: Any, bucket_plan: dict[str, Any]) -> dict[str, Any]:
    """Apply the plan's actions in order; returns the backup taken before the first change."""
    b = store.client.bucket(bucket_plan["bucket"])
    b.reload(projection="full")
    policy = b.get_iam_policy(requested_policy_version=3)
    backup: dict[str, Any] = {
        "provider": "gcs",
        "bucket": bucket_plan["bucket"],
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "public_access_prevention": b.iam_configuration.public_access_prevention,
        "iam_policy": {
            "version": policy.version,
            "bindings": [{**x, "members": sorted(x["members"])} for x in policy.bindings],
        },
        "acl_entries": [],
        "applied": [],
    }
    actions = bucket_plan["actions"]
    if any(a["action"] == "set_public_access_prevention" for a in actions):
        b.iam_configuration.public_access_prevention = "enforced"
        b.patch()
        backup["applied"].append("set_public_access_prevention")
    removals = [a for a in actions if a["action"] == "remove_iam_members"]
    if removals:
        for binding in policy.bindings:
            for a in removals:
                if binding["role"] == a["role"] and binding.get("condition") == a.get("condition"):
                    binding["members"] = {m for m in binding["members"] if m not in a["members"]}
        policy.bindings = [x for x in policy.bindings if x["members"]]
        b.set_iam_policy(policy)
        backup["applied"].append("remove_iam_members")
    for a in (a for a in actions if a["action"] == "remove_acl_entry"):
        acl = _acl(b, a)
        acl.reload()
        entity = acl.entity_from_dict({"entity": a["entity"], "role": a["role"]})
        entity.revoke(a["role"])
        acl.save()
        backup["acl_entries"].append({k: a.get(k) for k in ("level", "key", "entity", "role")})
        backup["applied"].append("remove_acl_entry")
    return backup


def _acl(b: Any, a: dict[str, Any]) -> Any:
    if a["level"] == "bucket":
        return b.acl
    if a["level"] == "default_object":
        return b.default_object_acl
    return b.blob(a["key"]).acl


def rollback_bucket(store: Any, backup: dict[str, Any]) -> None:
    """Put back the IAM policy, ACL entries and prevention setting recorded in the backup."""
    b = store.client.bucket(backup["bucket"])
    pap = backup.get("public_access_prevention")
    if pap:  # first: GCS refuses public grants while prevention is enforced
        b.reload()
        b.iam_configuration.public_access_prevention = pap
        b.patch()
    policy = b.get_iam_policy(requested_policy_version=3)
    policy.bindings = [{**x, "members": set(x["members"])} for x in backup["iam_policy"]["bindings"]]
    b.set_iam_policy(policy)
    for e in backup.get("acl_entries") or []:
        acl = _acl(b, e)
        acl.reload()
        acl.entity_from_dict({"entity": e["entity"], "role": e["role"]}).grant(e["role"])
        acl.save()
