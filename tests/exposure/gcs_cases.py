"""GCS exposure cases, each from Google's documentation (the `doc` field names the page).

`expect` keys as in azure_cases.py.
"""

from __future__ import annotations

from typing import Any

B = "clinic-exports"
ROLES_DOC = "cloud.google.com/storage/docs/access-control/iam-roles"
ACL_DOC = "cloud.google.com/storage/docs/access-control/lists"
UBLA_DOC = "cloud.google.com/storage/docs/uniform-bucket-level-access"
PAP_DOC = "cloud.google.com/storage/docs/public-access-prevention"
COND_DOC = "cloud.google.com/storage/docs/access-control/iam#conditions"


def snap(
    bindings: list[dict[str, Any]] | None = None,
    *,
    pap: str = "inherited",
    ubla: bool = False,
    acl: list[dict[str, Any]] | None = None,
    default_acl: list[dict[str, Any]] | None = None,
    object_acls: dict[str, Any] | None = None,
    policy_read: bool = True,
    config_read: bool = True,
) -> dict[str, Any]:
    return {
        "provider": "gcs",
        "bucket": B,
        "iam_configuration": {"publicAccessPrevention": pap, "uniformBucketLevelAccess": {"enabled": ubla}}
        if config_read
        else None,
        "iam_policy": {"version": 3, "bindings": bindings or []} if policy_read else None,
        "acl": acl if acl is not None else [{"entity": "project-owners-123", "role": "OWNER"}],
        "default_object_acl": default_acl or [],
        "object_acls": object_acls or {},
        "errors": [] if policy_read else [{"operation": "buckets.getIamPolicy", "code": "Forbidden"}],
    }


def bind(role: str, *members: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {"role": role, "members": list(members)}
    if condition:
        b["condition"] = condition
    return b


ALL6 = {"list", "read", "write", "read_acl", "write_acl", "admin"}
NONE: set[str] = set()
AU, AA = "allUsers", "allAuthenticatedUsers"

CASES: list[dict[str, Any]] = [
    dict(
        id="objectViewer-allUsers",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.objectViewer", AU)]),
        expect=dict(anon={"list", "read"}, any={"list", "read"}),
    ),
    dict(
        id="objectViewer-allAuthenticatedUsers",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.objectViewer", AA)]),
        expect=dict(anon=NONE, any={"list", "read"}),
    ),
    dict(
        id="legacyBucketReader-list-only",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.legacyBucketReader", AU)]),
        expect=dict(anon={"list"}),
    ),
    dict(
        id="legacyObjectReader-read-only",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.legacyObjectReader", AU)]),
        expect=dict(anon={"read"}),
    ),
    dict(
        id="legacyBucketWriter",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.legacyBucketWriter", AU)]),
        expect=dict(anon={"list", "write"}),
    ),
    dict(
        id="objectCreator-write-only",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.objectCreator", AA)]),
        expect=dict(anon=NONE, any={"write"}),
    ),
    dict(
        id="objectAdmin",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.objectAdmin", AU)]),
        expect=dict(anon={"list", "read", "write", "read_acl", "write_acl"}, reason="CRITICAL"),
    ),
    dict(
        id="storage-admin-all",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.admin", AU)]),
        expect=dict(anon=ALL6, reason="CRITICAL"),
    ),
    dict(
        id="legacyBucketOwner-admin",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.legacyBucketOwner", AA)]),
        expect=dict(anon=NONE, any={"list", "write", "read_acl", "write_acl", "admin"}),
    ),
    dict(
        id="bucketViewer-metadata-only",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.bucketViewer", AU)]),
        expect=dict(anon=NONE, any=NONE),
    ),
    dict(
        id="custom-role-uncertain",
        doc=ROLES_DOC,
        snapshot=snap([bind("projects/p/roles/peek", AU)]),
        expect=dict(anon=NONE, uncertain=True),
    ),
    dict(
        id="private-members-only",
        doc=ROLES_DOC,
        snapshot=snap([bind("roles/storage.objectViewer", "user:a@example.com", "domain:example.com")]),
        expect=dict(anon=NONE, any=NONE, latent=False),
    ),
    dict(
        id="pap-enforced-blocks-iam",
        doc=PAP_DOC,
        snapshot=snap([bind("roles/storage.objectViewer", AU)], pap="enforced"),
        expect=dict(anon=NONE, any=NONE, latent=True, reason="public access prevention"),
    ),
    dict(
        id="pap-inherited-uncertain",
        doc=PAP_DOC,
        snapshot=snap([bind("roles/storage.objectViewer", AU)]),
        expect=dict(anon={"list", "read"}, uncertain=True),
    ),
    dict(
        id="bucket-acl-reader",
        doc=ACL_DOC,
        snapshot=snap(acl=[{"entity": "allUsers", "role": "READER"}]),
        expect=dict(anon={"list"}),
    ),
    dict(
        id="bucket-acl-writer",
        doc=ACL_DOC,
        snapshot=snap(acl=[{"entity": "allAuthenticatedUsers", "role": "WRITER"}]),
        expect=dict(anon=NONE, any={"list", "write"}),
    ),
    dict(
        id="bucket-acl-owner",
        doc=ACL_DOC,
        snapshot=snap(acl=[{"entity": "allUsers", "role": "OWNER"}]),
        expect=dict(anon={"list", "write", "read_acl", "write_acl"}),
    ),
    dict(
        id="ubla-disables-acl",
        doc=UBLA_DOC,
        snapshot=snap(ubla=True, acl=[{"entity": "allUsers", "role": "READER"}]),
        expect=dict(anon=NONE, latent=True, reason="uniform bucket-level access"),
    ),
    dict(
        id="ubla-keeps-iam",
        doc=UBLA_DOC,
        snapshot=snap([bind("roles/storage.objectViewer", AU)], ubla=True),
        expect=dict(anon={"list", "read"}),
    ),
    dict(
        id="object-acl-sampled",
        doc=ACL_DOC,
        snapshot=snap(object_acls={"a/b.csv": [{"entity": "allUsers", "role": "READER"}], "c.csv": []}),
        expect=dict(anon={"read"}, reason="'a/b.csv'"),
    ),
    dict(
        id="object-acl-ignored-under-ubla",
        doc=UBLA_DOC,
        snapshot=snap(ubla=True, object_acls={"a.csv": [{"entity": "allUsers", "role": "READER"}]}),
        expect=dict(anon=NONE, latent=True),
    ),
    dict(
        id="default-object-acl-future",
        doc=ACL_DOC,
        snapshot=snap(default_acl=[{"entity": "allUsers", "role": "READER"}]),
        expect=dict(anon=NONE, latent=True, reason="from now on"),
    ),
    dict(
        id="conditional-binding-flagged",
        doc=COND_DOC,
        snapshot=snap(
            [
                bind(
                    "roles/storage.objectViewer",
                    AU,
                    condition={"title": "only reports", "expression": "resource.name.startsWith('x')"},
                )
            ],
            ubla=True,
        ),
        expect=dict(anon={"list", "read"}, uncertain=True, reason="only reports"),
    ),
    dict(
        id="policy-not-read-unknown",
        doc=ROLES_DOC,
        snapshot=snap(policy_read=False),
        expect=dict(anon=NONE, uncertain=True),
    ),
    dict(
        id="config-not-read-conservative",
        doc=PAP_DOC,
        snapshot=snap([bind("roles/storage.objectViewer", AU)], config_read=False),
        expect=dict(anon={"list", "read"}, uncertain=True),
    ),
]
