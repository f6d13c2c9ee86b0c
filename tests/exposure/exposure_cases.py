"""The exposure rule table: one case per rule, shared by the unit tests and bench/exposure_peers.py.

Each case names the rule it checks (AWS documentation: ACL overview, Object Ownership, Block Public
Access, "The meaning of public", policy evaluation logic). `expect` keys:
  anon / any        exact set of capabilities for anonymous / any AWS account (None: not checked)
  policy_is_public  what GetBucketPolicyStatus would say
  latent / uncertain  True: the list must be non-empty; False: must be empty
  reason            a substring one of the reasons (or latent lines) must contain
"""

from __future__ import annotations

from typing import Any

B = "b"
ARN = f"arn:aws:s3:::{B}"
OBJ = f"{ARN}/*"
OWNER = "111122223333"
OTHER = "444455556666"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
OWNER_ID = "c" * 64
KMS_KEY = f"arn:aws:kms:us-east-1:{OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALL5 = {"list", "read", "write", "read_acl", "write_acl"}
ALL6 = ALL5 | {"admin"}  # with configuration writes (PutBucketPolicy, DeleteBucket, ...)
NONE: set[str] = set()


def grant(uri: str, perm: str) -> dict[str, Any]:
    return {"Grantee": {"Type": "Group", "URI": uri}, "Permission": perm}


def acl(*grants: dict[str, Any]) -> dict[str, Any]:
    own = {"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"}
    return {"Owner": {"ID": OWNER_ID}, "Grants": [own, *grants]}


def st(
    action: Any = "s3:GetObject",
    resource: Any = OBJ,
    principal: Any = "*",
    effect: str = "Allow",
    condition: dict[str, Any] | None = None,
    sid: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": effect}
    if sid:
        s["Sid"] = sid
    if principal is not None:
        s["Principal"] = principal
    if action is not None:
        s["Action"] = action
    if resource is not None:
        s["Resource"] = resource
    if condition is not None:
        s["Condition"] = condition
    s.update(extra)
    return s


def pol(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def bpa(
    acls: bool = False, ignore: bool = False, policy: bool = False, restrict: bool = False
) -> dict[str, bool]:
    return {
        "BlockPublicAcls": acls,
        "IgnorePublicAcls": ignore,
        "BlockPublicPolicy": policy,
        "RestrictPublicBuckets": restrict,
    }


def snap(
    acl_: Any = None,
    policy: Any = None,
    bucket_bpa: Any = None,
    account_bpa: Any = None,
    ownership: str | None = "ObjectWriter",
    object_acls: dict[str, Any] | None = None,
    errors: list[Any] | None = None,
) -> dict[str, Any]:
    s: dict[str, Any] = {
        "bucket": B,
        "owner_account": OWNER,
        "account_public_access_block": account_bpa,
        "public_access_block": bucket_bpa,
        "ownership": ownership,
        "acl": acl_ if acl_ is not None else acl(),
        "policy": policy,
        "object_acls": object_acls or {},
    }
    if errors is not None:
        s["errors"] = errors
    return s


def case(cid: str, rule: str, snapshot: dict[str, Any], **expect: Any) -> dict[str, Any]:
    return {"id": cid, "rule": rule, "snapshot": snapshot, "expect": expect}


def _pc(cid: str, rule: str, cond: dict[str, Any], public: bool, any_read: bool | None = None, **kw: Any):
    """A grant-to-everyone GetObject statement restricted (or not) by one Condition block."""
    expect: dict[str, Any] = {
        "policy_is_public": public,
        "anon": {"read"} if public else NONE,
        "any": {"read"} if (public if any_read is None else any_read) else NONE,
    }
    expect.update(kw)
    return case(cid, rule, snap(policy=pol(st(condition=cond))), **expect)


OBJ_PUBLIC = {"data/p1.csv": acl(grant(ALL_USERS, "READ"))}

CASES: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- bucket ACLs
    case(
        "acl-allusers-read",
        "bucket ACL READ to AllUsers = list for anyone",
        snap(acl(grant(ALL_USERS, "READ"))),
        anon={"list"},
        any={"list"},
        policy_is_public=None,
    ),
    case(
        "acl-allusers-write",
        "bucket ACL WRITE = create/overwrite/delete objects",
        snap(acl(grant(ALL_USERS, "WRITE"))),
        anon={"write"},
        any={"write"},
    ),
    case(
        "acl-allusers-read-acp",
        "bucket ACL READ_ACP = read the ACL",
        snap(acl(grant(ALL_USERS, "READ_ACP"))),
        anon={"read_acl"},
        any={"read_acl"},
    ),
    case(
        "acl-allusers-write-acp",
        "bucket ACL WRITE_ACP = rewrite the ACL (critical escalation)",
        snap(acl(grant(ALL_USERS, "WRITE_ACP"))),
        anon={"write_acl"},
        any={"write_acl"},
        reason="CRITICAL",
    ),
    case(
        "acl-allusers-full-control",
        "bucket FULL_CONTROL = list, write, read/write ACL (not object reads)",
        snap(acl(grant(ALL_USERS, "FULL_CONTROL"))),
        anon=ALL5 - {"read"},
        any=ALL5 - {"read"},
    ),
    case(
        "acl-authusers-read",
        "AuthenticatedUsers = any AWS account, not anonymous",
        snap(acl(grant(AUTH_USERS, "READ"))),
        anon=NONE,
        any={"list"},
    ),
    case(
        "acl-authusers-full-control",
        "AuthenticatedUsers FULL_CONTROL reaches any AWS account",
        snap(acl(grant(AUTH_USERS, "FULL_CONTROL"))),
        anon=NONE,
        any=ALL5 - {"read"},
    ),
    case(
        "acl-logdelivery-not-public",
        "LogDelivery group is not public",
        snap(acl(grant(LOG_DELIVERY, "WRITE"), grant(LOG_DELIVERY, "READ_ACP"))),
        anon=NONE,
        any=NONE,
    ),
    case(
        "acl-canonical-user-not-public",
        "a grant to one canonical user is not public",
        snap(acl({"Grantee": {"Type": "CanonicalUser", "ID": "d" * 64}, "Permission": "READ"})),
        anon=NONE,
        any=NONE,
    ),
    case(
        "acl-owner-only",
        "the default owner-only ACL is private",
        snap(),
        anon=NONE,
        any=NONE,
        policy_is_public=None,
        latent=False,
    ),
    # ---------------------------------------------------------------- object ACLs
    case(
        "oacl-allusers-read",
        "object ACL READ to AllUsers = that object readable",
        snap(object_acls=OBJ_PUBLIC),
        anon={"read"},
        any={"read"},
        reason="data/p1.csv",
    ),
    case(
        "oacl-authusers-read",
        "object ACL READ to AuthenticatedUsers = any AWS account reads it",
        snap(object_acls={"k": acl(grant(AUTH_USERS, "READ"))}),
        anon=NONE,
        any={"read"},
    ),
    case(
        "oacl-allusers-full-control",
        "object FULL_CONTROL = read, read ACL, write ACL",
        snap(object_acls={"k": acl(grant(ALL_USERS, "FULL_CONTROL"))}),
        anon={"read", "read_acl", "write_acl"},
        any={"read", "read_acl", "write_acl"},
    ),
    case(
        "oacl-write-not-applicable",
        "object ACL WRITE has no meaning",
        snap(object_acls={"k": acl(grant(ALL_USERS, "WRITE"))}),
        anon=NONE,
        any=NONE,
    ),
    case(
        "oacl-read-acp",
        "object READ_ACP = read that object's ACL",
        snap(object_acls={"k": acl(grant(ALL_USERS, "READ_ACP"))}),
        anon={"read_acl"},
        any={"read_acl"},
    ),
    case(
        "oacl-no-inheritance",
        "objects do not inherit the bucket ACL",
        snap(acl(grant(ALL_USERS, "READ")), object_acls={"k": acl()}),
        anon={"list"},
        any={"list"},
    ),
    case(
        "oacl-public-object-private-bucket",
        "an object ACL can make one object public in a private bucket",
        snap(object_acls={"secret.pdf": acl(grant(ALL_USERS, "READ")), "x": acl()}),
        anon={"read"},
        any={"read"},
        reason="secret.pdf",
    ),
    # ---------------------------------------------------------------- Object Ownership
    case(
        "own-enforced-bucket-acl-latent",
        "BucketOwnerEnforced disables ACLs: public bucket ACL is latent",
        snap(acl(grant(ALL_USERS, "READ")), ownership="BucketOwnerEnforced"),
        anon=NONE,
        any=NONE,
        latent=True,
        reason="BucketOwnerEnforced",
    ),
    case(
        "own-enforced-object-acl-latent",
        "BucketOwnerEnforced disables object ACLs too",
        snap(object_acls=OBJ_PUBLIC, ownership="BucketOwnerEnforced"),
        anon=NONE,
        any=NONE,
        latent=True,
    ),
    case(
        "own-preferred-acls-active",
        "BucketOwnerPreferred keeps ACLs working",
        snap(acl(grant(ALL_USERS, "READ")), ownership="BucketOwnerPreferred"),
        anon={"list"},
    ),
    case(
        "own-null-acls-active",
        "no ownership controls = ACLs enabled",
        snap(acl(grant(ALL_USERS, "READ")), ownership=None),
        anon={"list"},
    ),
    case(
        "own-enforced-policy-unaffected",
        "BucketOwnerEnforced does not affect bucket policies",
        snap(policy=pol(st()), ownership="BucketOwnerEnforced"),
        anon={"read"},
        policy_is_public=True,
    ),
    case(
        "own-unknown-value",
        "an unknown ownership value is reported and ACLs assumed on",
        snap(acl(grant(ALL_USERS, "READ")), ownership="Weird"),
        anon={"list"},
        uncertain=True,
    ),
    # ---------------------------------------------------------------- Block Public Access
    case(
        "bpa-ignore-bucket",
        "IgnorePublicAcls (bucket) makes public ACLs ineffective -> latent",
        snap(acl(grant(ALL_USERS, "READ")), bucket_bpa=bpa(ignore=True)),
        anon=NONE,
        any=NONE,
        latent=True,
        reason="IgnorePublicAcls (bucket level)",
    ),
    case(
        "bpa-ignore-account",
        "IgnorePublicAcls at account level applies to every bucket",
        snap(acl(grant(ALL_USERS, "READ")), account_bpa=bpa(ignore=True)),
        anon=NONE,
        any=NONE,
        latent=True,
        reason="IgnorePublicAcls (account level)",
    ),
    case(
        "bpa-ignore-object-acl",
        "IgnorePublicAcls also ignores object ACLs",
        snap(object_acls=OBJ_PUBLIC, bucket_bpa=bpa(ignore=True)),
        anon=NONE,
        latent=True,
    ),
    case(
        "bpa-block-acls-future-only",
        "BlockPublicAcls only rejects new ACLs: existing ones work",
        snap(acl(grant(ALL_USERS, "READ")), bucket_bpa=bpa(acls=True)),
        anon={"list"},
        reason="only rejects new public ACLs",
    ),
    case(
        "bpa-block-policy-future-only",
        "BlockPublicPolicy only rejects new policies: existing one works",
        snap(policy=pol(st()), bucket_bpa=bpa(policy=True)),
        anon={"read"},
        policy_is_public=True,
        reason="only rejects new public policies",
    ),
    case(
        "bpa-restrict-bucket",
        "RestrictPublicBuckets (bucket) blocks a public policy -> latent",
        snap(policy=pol(st()), bucket_bpa=bpa(restrict=True)),
        anon=NONE,
        any=NONE,
        policy_is_public=True,
        latent=True,
        reason="RestrictPublicBuckets (bucket level)",
    ),
    case(
        "bpa-restrict-account",
        "RestrictPublicBuckets at account level",
        snap(policy=pol(st()), account_bpa=bpa(restrict=True)),
        anon=NONE,
        any=NONE,
        latent=True,
        reason="RestrictPublicBuckets (account level)",
    ),
    case(
        "bpa-restrict-nonpublic-policy",
        "RestrictPublicBuckets does nothing to a non-public policy",
        snap(policy=pol(st(principal={"AWS": f"arn:aws:iam::{OTHER}:root"})), bucket_bpa=bpa(restrict=True)),
        anon=NONE,
        any=NONE,
        policy_is_public=False,
        latent=False,
        reason="cross-account",
    ),
    case(
        "bpa-restrict-cuts-cross-account",
        "RestrictPublicBuckets cuts cross-account grants of a public policy",
        snap(policy=pol(st(), st(principal={"AWS": OTHER}, sid="Partner")), bucket_bpa=bpa(restrict=True)),
        anon=NONE,
        any=NONE,
        latent=True,
        reason=f"cross-account grant to account {OTHER}",
    ),
    case(
        "bpa-restrict-not-acls",
        "RestrictPublicBuckets does not touch ACLs",
        snap(acl(grant(ALL_USERS, "READ")), bucket_bpa=bpa(restrict=True)),
        anon={"list"},
    ),
    case(
        "bpa-ignore-not-policy",
        "IgnorePublicAcls does not touch policies",
        snap(policy=pol(st()), bucket_bpa=bpa(ignore=True)),
        anon={"read"},
    ),
    case(
        "bpa-all-on",
        "all four flags on: nothing public, grants latent",
        snap(acl(grant(ALL_USERS, "READ")), policy=pol(st()), bucket_bpa=bpa(True, True, True, True)),
        anon=NONE,
        any=NONE,
        latent=True,
    ),
    case(
        "bpa-levels-or",
        "account and bucket settings combine by OR",
        snap(
            acl(grant(ALL_USERS, "READ")),
            policy=pol(st()),
            account_bpa=bpa(ignore=True),
            bucket_bpa=bpa(restrict=True),
        ),
        anon=NONE,
        any=NONE,
        latent=True,
    ),
    case(
        "bpa-account-false-bucket-true",
        "a true flag at either level wins",
        snap(acl(grant(ALL_USERS, "READ")), account_bpa=bpa(), bucket_bpa=bpa(ignore=True)),
        anon=NONE,
    ),
    # ---------------------------------------------------------------- principals
    case(
        "pr-star",
        'Principal "*" is everyone',
        snap(policy=pol(st())),
        anon={"read"},
        any={"read"},
        policy_is_public=True,
    ),
    case(
        "pr-aws-star",
        '{"AWS": "*"} is everyone, anonymous included',
        snap(policy=pol(st(principal={"AWS": "*"}))),
        anon={"read"},
        policy_is_public=True,
    ),
    case(
        "pr-aws-list-with-star",
        "a principal list containing * is everyone",
        snap(policy=pol(st(principal={"AWS": [f"arn:aws:iam::{OTHER}:root", "*"]}))),
        anon={"read"},
        policy_is_public=True,
    ),
    case(
        "pr-other-account",
        "a named other account is cross-account, not public",
        snap(policy=pol(st(principal={"AWS": OTHER}))),
        anon=NONE,
        any=NONE,
        policy_is_public=False,
    ),
    case(
        "pr-owner-root",
        "the owner account's root is not public",
        snap(policy=pol(st(principal={"AWS": f"arn:aws:iam::{OWNER}:root"}))),
        anon=NONE,
        policy_is_public=False,
    ),
    case(
        "pr-role-arn",
        "a fixed role ARN is not public",
        snap(policy=pol(st(principal={"AWS": f"arn:aws:iam::{OTHER}:role/reader"}))),
        anon=NONE,
        any=NONE,
        policy_is_public=False,
    ),
    case(
        "pr-service",
        "a service principal is fixed, not public",
        snap(policy=pol(st(principal={"Service": "cloudfront.amazonaws.com"}))),
        anon=NONE,
        any=NONE,
        policy_is_public=False,
    ),
    case(
        "pr-canonical-user",
        "a CanonicalUser principal is fixed, not public",
        snap(policy=pol(st(principal={"CanonicalUser": "e" * 64}))),
        anon=NONE,
        any=NONE,
        policy_is_public=False,
    ),
    case(
        "pr-federated",
        "Federated principal: not in AWS's fixed list -> conservative public, uncertain",
        snap(policy=pol(st(principal={"Federated": "cognito-identity.amazonaws.com"}))),
        anon=NONE,
        policy_is_public=True,
        uncertain=True,
    ),
    case(
        "pr-wildcard-arn",
        "a wildcard principal ARN reaches any AWS account, not anonymous",
        snap(policy=pol(st(principal={"AWS": "arn:aws:iam::*:root"}))),
        anon=NONE,
        any={"read"},
        policy_is_public=True,
    ),
    case(
        "pr-notprincipal-allow",
        "Allow with NotPrincipal = everyone else, public",
        snap(policy=pol(st(principal=None, NotPrincipal={"AWS": OTHER}))),
        anon={"read"},
        any={"read"},
        policy_is_public=True,
    ),
    case(
        "pr-notprincipal-deny",
        "Deny with NotPrincipal denies everyone outside the list",
        snap(
            policy=pol(
                st(),
                st(
                    effect="Deny",
                    principal=None,
                    NotPrincipal={"AWS": OWNER},
                    action="s3:*",
                    resource=[ARN, OBJ],
                ),
            )
        ),
        anon=NONE,
        any=NONE,
    ),
    case(
        "pr-missing",
        "a statement without Principal applies to nobody (reported)",
        snap(policy=pol(st(principal=None))),
        anon=NONE,
        any=NONE,
        policy_is_public=False,
        uncertain=True,
    ),
    # ---------------------------------------------------------------- actions
    case(
        "act-s3-star-objects",
        "s3:* on object ARNs: read, write, object ACLs; not list",
        snap(policy=pol(st(action="s3:*"))),
        anon={"read", "write", "read_acl", "write_acl"},
    ),
    case(
        "act-star-both",
        "* on bucket and objects: everything",
        snap(policy=pol(st(action="*", resource=[ARN, OBJ]))),
        anon=ALL6,
        any=ALL6,
        reason="CRITICAL",
    ),
    case(
        "act-get-star",
        "s3:Get* covers GetObject and GetObjectAcl",
        snap(policy=pol(st(action="s3:Get*"))),
        anon={"read", "read_acl"},
    ),
    case(
        "act-case-insensitive",
        "action names are case-insensitive",
        snap(policy=pol(st(action="S3:getobject"))),
        anon={"read"},
    ),
    case(
        "act-list-star",
        "s3:List* on the bucket ARN = list",
        snap(policy=pol(st(action="s3:List*", resource=ARN))),
        anon={"list"},
    ),
    case(
        "act-notaction",
        "NotAction grants every other action",
        snap(policy=pol(st(action=None, resource="*", NotAction="s3:GetObject"))),
        anon=ALL6 - {"read"},
    ),
    case(
        "act-question-mark",
        "? matches one character",
        snap(policy=pol(st(action="s3:GetObjec?"))),
        anon={"read"},
    ),
    case(
        "act-putobject", "s3:PutObject = write", snap(policy=pol(st(action="s3:PutObject"))), anon={"write"}
    ),
    case(
        "act-deleteobject",
        "s3:DeleteObject = write (destructive)",
        snap(policy=pol(st(action="s3:DeleteObject"))),
        anon={"write"},
    ),
    case(
        "act-harmless-still-public",
        "a grant to everyone of a harmless action is still a public policy",
        snap(policy=pol(st(action="s3:GetBucketLocation", resource=ARN))),
        anon=NONE,
        policy_is_public=True,
    ),
    case(
        "act-statement-object",
        "Statement given as a single object",
        snap(policy={"Version": "2012-10-17", "Statement": st()}),
        anon={"read"},
        policy_is_public=True,
    ),
    case(
        "act-putbucketacl",
        "s3:PutBucketAcl = write_acl (critical)",
        snap(policy=pol(st(action="s3:PutBucketAcl", resource=ARN))),
        anon={"write_acl"},
        reason="CRITICAL",
    ),
    # ---------------------------------------------------------------- resources
    case(
        "res-list-on-object-arn",
        "ListBucket applies to the bucket ARN, not object ARNs",
        snap(policy=pol(st(action="s3:ListBucket"))),
        anon=NONE,
    ),
    case(
        "res-get-on-bucket-arn",
        "GetObject applies to object ARNs, not the bucket ARN",
        snap(policy=pol(st(resource=ARN))),
        anon=NONE,
    ),
    case(
        "res-prefix",
        "a prefix resource makes matching objects readable, named in reasons",
        snap(policy=pol(st(resource=f"{ARN}/public/*"))),
        anon={"read"},
        reason="'public/*'",
    ),
    case(
        "res-other-bucket",
        "a statement about another bucket grants nothing here",
        snap(policy=pol(st(resource="arn:aws:s3:::other/*"))),
        anon=NONE,
        any=NONE,
    ),
    case(
        "res-star",
        "Resource * covers the bucket and its objects",
        snap(policy=pol(st(action=["s3:GetObject", "s3:ListBucket"], resource="*"))),
        anon={"list", "read"},
    ),
    case(
        "res-bucket-glob",
        "arn:aws:s3:::b* covers bucket and objects",
        snap(policy=pol(st(action=["s3:GetObject", "s3:ListBucket"], resource=f"{ARN}*"))),
        anon={"list", "read"},
    ),
    case(
        "res-notresource",
        "NotResource grants everything except the listed keys",
        snap(policy=pol(st(resource=None, NotResource=f"{ARN}/private/*"))),
        anon={"read"},
        reason="except keys matching",
    ),
    case(
        "res-partition",
        "ARNs in other partitions compare the same way",
        snap(policy=pol(st(resource="arn:aws-cn:s3:::b/*"))),
        anon={"read"},
    ),
    case(
        "res-policy-variable",
        "a policy variable in Resource counts as a wildcard (conservative)",
        snap(policy=pol(st(resource=f"{ARN}/home/${{aws:username}}/*"))),
        anon={"read"},
    ),
    case(
        "res-sample-keys",
        "readable sampled keys are named",
        snap(policy=pol(st(resource=f"{ARN}/pub/*")), object_acls={"pub/a.csv": acl(), "priv/b.csv": acl()}),
        anon={"read"},
        reason="'pub/a.csv'",
    ),
    # ---------------------------------------------------------------- explicit Deny
    case(
        "deny-same",
        "explicit Deny overrides Allow",
        snap(policy=pol(st(), st(effect="Deny"))),
        anon=NONE,
        any=NONE,
    ),
    case(
        "deny-all-overrides-acl",
        "a Deny in the policy overrides ACL grants",
        snap(
            acl(grant(ALL_USERS, "FULL_CONTROL")),
            policy=pol(st(effect="Deny", action="s3:*", resource=[ARN, OBJ])),
        ),
        anon=NONE,
        any=NONE,
    ),
    case(
        "deny-prefix-partial",
        "a Deny on a sub-prefix leaves the rest readable",
        snap(policy=pol(st(), st(effect="Deny", resource=f"{ARN}/private/*"))),
        anon={"read"},
        reason="except where",
    ),
    case(
        "deny-prefix-covers",
        "a Deny covering the allowed prefix removes it",
        snap(policy=pol(st(resource=f"{ARN}/public/*"), st(effect="Deny", resource=f"{ARN}/public/*"))),
        anon=NONE,
    ),
    case(
        "deny-securetransport",
        "Deny when SecureTransport=false does not stop HTTPS attackers",
        snap(
            policy=pol(
                st(),
                st(
                    effect="Deny",
                    action="s3:*",
                    resource=[ARN, OBJ],
                    condition={"Bool": {"aws:SecureTransport": "false"}},
                ),
            )
        ),
        anon={"read"},
    ),
    case(
        "deny-not-vpce",
        "Deny unless from a fixed VPC endpoint blocks outsiders",
        snap(
            policy=pol(
                st(),
                st(
                    effect="Deny",
                    action="s3:*",
                    resource=[ARN, OBJ],
                    condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
                ),
            )
        ),
        anon=NONE,
        any=NONE,
        policy_is_public=False,
        uncertain=True,
    ),
    case(
        "deny-not-ip",
        "Deny outside a narrow IP range blocks outsiders",
        snap(
            policy=pol(
                st(), st(effect="Deny", condition={"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}})
            )
        ),
        anon=NONE,
    ),
    case(
        "deny-list-overrides-acl",
        "Deny ListBucket overrides an ACL READ grant",
        snap(
            acl(grant(ALL_USERS, "READ")), policy=pol(st(effect="Deny", action="s3:ListBucket", resource=ARN))
        ),
        anon=NONE,
    ),
    case(
        "deny-overrides-object-acl",
        "Deny GetObject overrides a public object ACL",
        snap(object_acls=OBJ_PUBLIC, policy=pol(st(effect="Deny"))),
        anon=NONE,
        any=NONE,
    ),
    case(
        "deny-other-account-only",
        "a Deny naming another account does not protect against anonymous",
        snap(policy=pol(st(), st(effect="Deny", principal={"AWS": OTHER}))),
        anon={"read"},
    ),
    case(
        "deny-not-principal-account",
        "Deny unless PrincipalAccount=owner blocks anonymous (key absent)",
        snap(
            policy=pol(
                st(), st(effect="Deny", condition={"StringNotEquals": {"aws:PrincipalAccount": OWNER}})
            )
        ),
        anon=NONE,
        any=NONE,
    ),
    case(
        "deny-referer-avoidable",
        "a Deny keyed on Referer is avoidable",
        snap(
            policy=pol(
                st(), st(effect="Deny", condition={"StringNotLike": {"aws:Referer": "https://ex.com/*"}})
            )
        ),
        anon={"read"},
    ),
    # ---------------------------------------------------------------- conditions (meaning of public)
    _pc("c-ip-24", "aws:SourceIp /24 pins", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, False),
    _pc(
        "c-ip-8",
        "aws:SourceIp /8 is the broadest IPv4 that pins",
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        False,
    ),
    _pc(
        "c-ip-7",
        "aws:SourceIp broader than /8 is public",
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/7"}},
        True,
    ),
    _pc("c-ip-0", "aws:SourceIp 0.0.0.0/0 is public", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, True),
    _pc("c-ip6-32", "IPv6 /32 pins", {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, False),
    _pc(
        "c-ip6-31", "IPv6 broader than /32 is public", {"IpAddress": {"aws:SourceIp": "2001:db8::/31"}}, True
    ),
    _pc(
        "c-ip-mixed",
        "one broad CIDR in the list makes it public",
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/4"]}},
        True,
    ),
    _pc(
        "c-notip",
        "NotIpAddress does not restrict",
        {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        True,
    ),
    _pc("c-vpce", "fixed aws:SourceVpce pins", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, False),
    _pc(
        "c-vpce-wildcard",
        "wildcard aws:SourceVpce is public",
        {"StringLike": {"aws:SourceVpce": "vpce-*"}},
        True,
    ),
    _pc("c-vpc", "fixed aws:SourceVpc pins", {"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}}, False),
    _pc(
        "c-sourcearn",
        "fixed aws:SourceArn pins",
        {"ArnEquals": {"aws:SourceArn": f"arn:aws:cloudfront::{OWNER}:distribution/E1"}},
        False,
    ),
    _pc(
        "c-sourcearn-wild",
        "wildcard aws:SourceArn with no account is public",
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
        True,
    ),
    _pc(
        "c-sourceaccount",
        "fixed aws:SourceAccount pins",
        {"StringEquals": {"aws:SourceAccount": OWNER}},
        False,
    ),
    _pc("c-sourceowner", "fixed aws:SourceOwner pins", {"StringEquals": {"aws:SourceOwner": OWNER}}, False),
    _pc(
        "c-orgid",
        "fixed aws:PrincipalOrgID pins",
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        False,
    ),
    _pc(
        "c-orgid-wild",
        "wildcard aws:PrincipalOrgID: public; anonymous has no org",
        {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
        True,
        any_read=True,
        anon=NONE,
    ),
    _pc(
        "c-principalaccount",
        "fixed aws:PrincipalAccount pins",
        {"StringEquals": {"aws:PrincipalAccount": OTHER}},
        False,
    ),
    _pc(
        "c-principalarn",
        "fixed aws:PrincipalArn pins",
        {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER}:role/r"}},
        False,
    ),
    case(
        "c-principalarn-wild-account-fixed",
        "wildcard aws:PrincipalArn is public per AWS, but an unrelated account cannot match a fixed account",
        snap(policy=pol(st(condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWNER}:role/*"}}))),
        policy_is_public=True,
        anon=NONE,
        any=NONE,
    ),
    _pc("c-userid", "fixed aws:userid pins", {"StringEquals": {"aws:userid": "AIDAEXAMPLEID"}}, False),
    case(
        "c-userid-role-pattern",
        "aws:userid AROLEID:* is ambiguous: public (uncertain), unreachable",
        snap(policy=pol(st(condition={"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}))),
        policy_is_public=True,
        anon=NONE,
        any=NONE,
        uncertain=True,
    ),
    _pc(
        "c-kms",
        "fixed s3:x-amz-server-side-encryption-aws-kms-key-id pins",
        {"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY}},
        False,
    ),
    _pc(
        "c-ap-account",
        "fixed s3:DataAccessPointAccount pins",
        {"StringEquals": {"s3:DataAccessPointAccount": OWNER}},
        False,
    ),
    _pc(
        "c-ap-arn-wild-name",
        "s3:DataAccessPointArn may wildcard the access point name",
        {"StringLike": {"s3:DataAccessPointArn": f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/*"}},
        False,
    ),
    _pc(
        "c-ap-arn-wild-account",
        "s3:DataAccessPointArn with a wildcard account is public",
        {"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-east-1:*:accesspoint/*"}},
        True,
    ),
    _pc(
        "c-negated",
        "negated operators do not restrict",
        {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        True,
    ),
    _pc(
        "c-ifexists",
        "...IfExists does not restrict",
        {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        True,
    ),
    _pc(
        "c-forallvalues",
        "ForAllValues: does not restrict",
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        True,
    ),
    _pc(
        "c-foranyvalue",
        "ForAnyValue: with fixed values restricts",
        {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        False,
    ),
    _pc(
        "c-securetransport",
        "aws:SecureTransport is not a trusted key",
        {"Bool": {"aws:SecureTransport": "true"}},
        True,
    ),
    _pc(
        "c-referer",
        "aws:Referer is not a trusted key (forgeable)",
        {"StringLike": {"aws:Referer": "https://www.example.com/*"}},
        True,
    ),
    _pc(
        "c-useragent",
        "aws:UserAgent is not a trusted key",
        {"StringEquals": {"aws:UserAgent": "app/1.0"}},
        True,
    ),
    case(
        "c-prefix",
        "s3:prefix is not a trusted key: listing under the prefix is public",
        snap(
            policy=pol(
                st(
                    action="s3:ListBucket",
                    resource=ARN,
                    condition={"StringEquals": {"s3:prefix": ["public/"]}},
                )
            )
        ),
        policy_is_public=True,
        anon={"list"},
    ),
    _pc(
        "c-key-case",
        "condition keys are case-insensitive",
        {"StringEquals": {"AWS:SOURCEVPCE": "vpce-1a2b3c4d"}},
        False,
    ),
    _pc(
        "c-and",
        "several keys are ANDed: one trusted fixed key is enough",
        {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}, "StringLike": {"aws:Referer": "*"}},
        False,
    ),
    _pc(
        "c-variable",
        "a policy variable is not a fixed value",
        {"StringEquals": {"aws:SourceVpce": "${aws:username}"}},
        True,
    ),
    _pc("c-null", "a Null check does not restrict", {"Null": {"aws:SourceVpce": "false"}}, True),
    _pc(
        "c-unknown-key",
        "an untrusted, unmodelled key: public and flagged uncertain",
        {"StringEquals": {"s3:ExistingObjectTag/classification": "public"}},
        True,
        uncertain=True,
    ),
    _pc(
        "c-mfa",
        "MFA condition: public policy; anonymous requests never carry MFA",
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        True,
        any_read=True,
        anon=NONE,
    ),
    _pc(
        "c-ip-not-cidr",
        "an unparsable aws:SourceIp value does not pin",
        {"IpAddress": {"aws:SourceIp": "not-an-ip"}},
        True,
    ),
    # ---------------------------------------------------------------- unreadable or malformed input
    case(
        "err-policy-unreadable",
        "a setting that could not be read is uncertain, never private",
        snap(errors=[{"operation": "GetBucketPolicy", "code": "AccessDenied", "message": "denied"}]),
        anon=NONE,
        uncertain=True,
    ),
    case(
        "err-policy-invalid-json",
        "an invalid policy text is reported, not a crash",
        snap(policy="{not json"),
        anon=NONE,
        uncertain=True,
    ),
    case(
        "err-statement-not-object",
        "a malformed statement is reported and skipped",
        snap(policy={"Statement": ["oops", st()]}),
        anon={"read"},
        uncertain=True,
    ),
    case(
        "err-bad-acl-shape",
        "a malformed ACL is reported",
        snap(acl_={"Grants": "nope"}),
        anon=NONE,
        uncertain=True,
    ),
    case(
        "mixed-policy-and-acl",
        "ACL and policy grants add up",
        snap(acl(grant(ALL_USERS, "READ")), policy=pol(st(resource=f"{ARN}/pub/*"))),
        anon={"list", "read"},
    ),
    # ---------------------------------------------------------------- configuration writes (admin)
    # AWS "Amazon S3 actions": PutBucketPolicy, PutBucketAcl, PutBucketPublicAccessBlock, ... act on
    # the bucket ARN; granting them to everyone hands over the bucket (issue 22).
    *[
        case(
            f"admin-{action.split(':')[1].lower()}",
            f"Principal * allowed {action} on the bucket = configuration write, critical",
            snap(policy=pol(st(action=action, resource=ARN))),
            anon=caps,
            any=caps,
            policy_is_public=True,
            reason="CRITICAL",
        )
        for action, caps in (
            ("s3:PutBucketPolicy", {"admin"}),
            ("s3:PutBucketAcl", {"write_acl"}),  # rewriting the ACL: write_acl, critical as well
            ("s3:PutBucketPublicAccessBlock", {"admin"}),
            ("s3:PutLifecycleConfiguration", {"admin"}),
            ("s3:PutEncryptionConfiguration", {"admin"}),
            ("s3:PutBucketOwnershipControls", {"admin"}),
            ("s3:DeleteBucket", {"admin"}),
        )
    ],
    case(
        "admin-wildcard-root",
        "arn:aws:iam::*:root allowed s3:PutBucket* = admin for any AWS account, not anonymous",
        snap(policy=pol(st(action="s3:PutBucket*", resource=ARN, principal={"AWS": "arn:aws:iam::*:root"}))),
        anon=NONE,
        any={"admin", "write_acl"},
        policy_is_public=True,
    ),
    case(
        "admin-object-arn-only",
        "PutBucketPolicy on object ARNs only matches no resource: not admin",
        snap(policy=pol(st(action="s3:PutBucketPolicy", resource=OBJ))),
        anon=NONE,
        any=NONE,
    ),
    case(
        "admin-restricted-by-rpb",
        "RestrictPublicBuckets cuts a public PutBucketPolicy grant (latent)",
        snap(policy=pol(st(action="s3:PutBucketPolicy", resource=ARN)), bucket_bpa=bpa(restrict=True)),
        anon=NONE,
        any=NONE,
        latent=True,
    ),
    case(
        "admin-denied",
        "an explicit Deny of s3:PutBucketPolicy to everyone overrides the Allow",
        snap(
            policy=pol(
                st(action="s3:PutBucketPolicy", resource=ARN),
                st(effect="Deny", action="s3:PutBucketPolicy", resource=ARN),
            )
        ),
        anon=NONE,
        any=NONE,
    ),
    case(
        "admin-owner-account-only",
        "PutBucketPolicy granted to one named account is not public",
        snap(policy=pol(st(action="s3:PutBucketPolicy", resource=ARN, principal={"AWS": OTHER}))),
        anon=NONE,
        any=NONE,
        policy_is_public=False,
    ),
    # ---------------------------------------------------------------- malformed principal
    case(
        "pr-bare-string-arn",
        'a bare-string Principal other than "*" is rejected by AWS: malformed, uncertain',
        snap(policy=pol(st(principal=f"arn:aws:iam::{OTHER}:root"))),
        anon=NONE,
        any=NONE,
        uncertain=True,
    ),
    case(
        "pr-bare-string-account",
        "a bare 12-digit account id as Principal string is malformed too",
        snap(policy=pol(st(principal=OTHER))),
        anon=NONE,
        uncertain=True,
    ),
    # ---------------------------------------------------------------- aws:PrincipalOrgPaths
    _pc(
        "c-orgpaths-fixed",
        "fixed aws:PrincipalOrgPaths pins, like aws:PrincipalOrgID",
        {"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"]}},
        False,
    ),
    _pc(
        "c-orgpaths-wild",
        "wildcard aws:PrincipalOrgPaths: public (any AWS account), anonymous has no org",
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-*"]}},
        True,
        any_read=True,
        anon=NONE,
    ),
]
