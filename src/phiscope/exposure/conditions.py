"""Policy `Condition` blocks: which ones pin a grant to the owner's world, and what an outsider can do.

Two questions, two answers:

* `pins(clause)` is AWS's syntactic rule from "The meaning of public": a statement that grants to
  everyone is non-public only if some condition fixes a *trusted* key to fixed values (no wildcard,
  no policy variable) with a positive operator. It drives `policy_is_public`.
* `may_hold(clause, audience)` / `must_hold(clause, audience)` are semantic: can an outsider make an
  Allow's condition true (then the Allow reaches them), and is a Deny's condition true for *every*
  request the outsider could send (only then does the Deny protect against them)?

Keys are case-insensitive, operators are matched case-insensitively, and several keys or operators
in one block are ANDed; several values for one key are ORed (NOR for negated operators).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Literal

from phiscope.exposure.patterns import has_wildcard, matches

Audience = Literal["anonymous", "any_aws_account"]
AUDIENCES: tuple[Audience, Audience] = ("anonymous", "any_aws_account")
# every audience a verdict may name: Azure/GCS verdicts (exposure/azure.py, gcs.py) say any_account
ALL_AUDIENCES: tuple[str, ...] = (*AUDIENCES, "any_account")

# Keys AWS lists as able to make a grant-to-everyone non-public when fixed (lower-cased).
TRUSTED_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",  # fixed paths restrict like aws:PrincipalOrgID
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn", "s3:dataaccesspointarn"})

# Keys whose value belongs to the caller's principal: absent on an anonymous request.
_PRINCIPAL_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:username",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:federatedprovider",
        "aws:tokenissuetime",
        "aws:sourceidentity",
        "aws:principalservicename",
        "aws:principalservicenameslist",
        "aws:viaawsservice",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
        "aws:ec2instancesourcevpc",
        "aws:ec2instancesourceprivateipv4",
    }
)
_PRINCIPAL_KEY_PREFIXES = ("aws:principaltag/",)

# Keys the sender chooses freely (headers, TLS, request parameters): they never restrict anyone.
_FREE_KEYS = frozenset(
    {
        "aws:referer",
        "aws:useragent",
        "aws:securetransport",
        "aws:requestedregion",
        "aws:currenttime",
        "aws:epochtime",
        "aws:tagkeys",
        "s3:prefix",
        "s3:delimiter",
        "s3:max-keys",
        "s3:x-amz-acl",
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-content-sha256",
        "s3:x-amz-storage-class",
        "s3:x-amz-metadata-directive",
        "s3:x-amz-copy-source",
        "s3:x-amz-website-redirect-location",
        "s3:signatureversion",
        "s3:signatureage",
        "s3:authtype",
        "s3:tlsversion",
        "s3:versionid",
        "s3:locationconstraint",
        "s3:object-lock-mode",
        "s3:object-lock-retain-until-date",
        "s3:object-lock-legal-hold",
        "s3:object-lock-remaining-retention-days",
        "s3:requestobjecttagkeys",
    }
)
_FREE_KEY_PREFIXES = ("aws:requesttag/", "s3:requestobjecttag/", "s3:x-amz-grant-")

# Keys naming something an outsider can own too (their VPC, their access point, their service
# resource) or leave absent: a fixed foreign value excludes them, a wildcard may not.
_FOREIGN_KEYS = TRUSTED_KEYS - {"aws:sourceip"}

_NEGATED = (
    "stringnotequals",
    "stringnotequalsignorecase",
    "stringnotlike",
    "numericnotequals",
    "datenotequals",
    "notipaddress",
    "arnnotequals",
    "arnnotlike",
)


_POSITIVE = {n: n.replace("not", "", 1) for n in _NEGATED}


@dataclass(frozen=True, slots=True)
class Clause:
    """One (operator, key, values) triple of a Condition block."""

    operator: str  # as written, e.g. "ForAnyValue:StringNotEqualsIfExists"
    key: str  # as written
    values: tuple[str, ...]
    base: str = field(default="")  # lower-case operator without qualifier or IfExists
    if_exists: bool = False
    qualifier: str | None = None  # "forallvalues" | "foranyvalue" | None

    @property
    def lkey(self) -> str:
        return self.key.lower()

    @property
    def negated(self) -> bool:
        return self.base in _NEGATED

    def text(self) -> str:
        vals = self.values[0] if len(self.values) == 1 else list(self.values)
        return f'{self.operator} {{"{self.key}": {_json(vals)}}}'


def _json(v: Any) -> str:
    import json

    return json.dumps(v)


def parse_operator(op: str) -> tuple[str, bool, str | None]:
    low = op.lower()
    qualifier = None
    for q in ("forallvalues:", "foranyvalue:"):
        if low.startswith(q):
            qualifier, low = q[:-1], low[len(q) :]
    if_exists = low.endswith("ifexists") and low != "ifexists"
    if if_exists:
        low = low[: -len("ifexists")]
    return low, if_exists, qualifier


def _as_values(v: Any) -> tuple[str, ...]:
    if isinstance(v, list):
        return tuple(_scalar(x) for x in v)
    return (_scalar(v),)


def _scalar(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    return str(x)


def parse_condition(cond: Any) -> tuple[list[Clause], list[str]]:
    """Condition block -> clauses, plus problems (malformed parts are reported, never dropped)."""
    if cond is None:
        return [], []
    if not isinstance(cond, dict):
        return [], [f"Condition is not an object ({type(cond).__name__})"]
    out: list[Clause] = []
    problems: list[str] = []
    for op, body in cond.items():
        if not isinstance(body, dict):
            problems.append(f"Condition operator {op!r} has no key/value object")
            continue
        base, if_exists, qualifier = parse_operator(str(op))
        for key, vals in body.items():
            out.append(Clause(str(op), str(key), _as_values(vals), base, if_exists, qualifier))
    return out, problems


# ---------------------------------------------------------------- AWS "meaning of public" (syntax)


def _cidr_ok(value: str) -> bool:
    """aws:SourceIp pins only with CIDRs no broader than /8 (IPv4) or /32 (IPv6)."""
    try:
        net = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return net.prefixlen >= (8 if net.version == 4 else 32)


def _arn_account(value: str) -> str | None:
    parts = value.split(":")
    if len(parts) >= 6 and parts[0].lower() == "arn" and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return None


def _access_point_arn_fixed(value: str) -> bool:
    """s3:DataAccessPointArn may wildcard the access point name when the account is fixed."""
    parts = value.split(":", 5)
    if len(parts) < 6 or _arn_account(value) is None or has_wildcard(":".join(parts[:5])):
        return False
    resource = parts[5]
    if not resource.lower().startswith("accesspoint/"):
        return not has_wildcard(resource)
    return "${" not in resource


def pins(clause: Clause) -> tuple[bool, str | None]:
    """Does this clause make a grant-to-everyone non-public (AWS's rule)? Plus an uncertainty note."""
    key = clause.lkey
    if key not in TRUSTED_KEYS:
        return False, None
    if clause.negated or clause.if_exists or clause.qualifier == "forallvalues" or not clause.values:
        return False, None
    if clause.base in ("null", "bool") or clause.base.startswith(("numeric", "date", "binary")):
        return False, None
    if key == "aws:sourceip":
        return (clause.base == "ipaddress" and all(_cidr_ok(v) for v in clause.values)), None
    if clause.base == "ipaddress":
        return False, None
    if key == "s3:dataaccesspointarn":
        return all(_access_point_arn_fixed(v) for v in clause.values), None
    if key == "aws:userid":
        role_pattern = [v for v in clause.values if v.endswith(":*") and not has_wildcard(v[:-2])]
        if role_pattern and all(not has_wildcard(v) or v in role_pattern for v in clause.values):
            return False, (
                f"aws:userid pattern {role_pattern[0]!r} (role id with any session): AWS's wording is "
                "ambiguous; treated as not fixed (public) for policy status"
            )
    return all(not has_wildcard(v) for v in clause.values), None


# ---------------------------------------------------------------- what an outsider can do (semantics)


def _model(key: str, audience: Audience) -> str:
    if audience == "anonymous":
        if key in _PRINCIPAL_KEYS or key.startswith(_PRINCIPAL_KEY_PREFIXES):
            return "absent"
        if key in ("aws:userid", "aws:principaltype", "aws:principalisawsservice"):
            return "fixed"
    if key == "aws:sourceip":
        return "ip"
    if key in _FOREIGN_KEYS:
        return "foreign"
    if key in _FREE_KEYS or key.startswith(_FREE_KEY_PREFIXES):
        return "free"
    if key in _PRINCIPAL_KEYS or key.startswith(_PRINCIPAL_KEY_PREFIXES):
        return "free"  # the outsider's own principal: they choose its name, tags, MFA
    if key in ("aws:principaltype", "aws:principalisawsservice"):
        return "free"
    return "unknown"


_ANON_FIXED = {
    "aws:userid": "anonymous",
    "aws:principaltype": "Anonymous",
    "aws:principalisawsservice": "false",
}


def _eval_fixed(clause: Clause, value: str) -> bool | None:
    """Evaluate a clause against a known single value; None when the operator is not modelled."""
    b = clause.base
    if b in ("stringequals", "stringnotequals", "bool"):
        hit = value in clause.values
    elif b in ("stringequalsignorecase", "stringnotequalsignorecase"):
        hit = value.lower() in {v.lower() for v in clause.values}
    elif b in ("stringlike", "stringnotlike", "arnlike", "arnnotlike", "arnequals", "arnnotequals"):
        hit = any(matches(v, value) for v in clause.values)
    elif b == "null":
        return any(v.lower() == "false" for v in clause.values)
    else:
        return None
    return (not hit) if clause.negated else hit


def _ip_broad(values: tuple[str, ...]) -> bool:
    return any(not _cidr_ok(v) for v in values)


def _covers_all_ips(values: tuple[str, ...]) -> bool:
    nets = []
    for v in values:
        try:
            nets.append(ipaddress.ip_network(v.strip(), strict=False))
        except ValueError:
            continue
    return any(n.prefixlen == 0 and n.version == 4 for n in nets) and any(
        n.prefixlen == 0 and n.version == 6 for n in nets
    )


def _foreign_can_match(clause: Clause) -> bool:
    """Can an outsider's own VPC/endpoint/resource/account value match a positive clause?"""
    base = _POSITIVE.get(clause.base, clause.base)
    for v in clause.values:
        if "${" in v:
            return True
        if base.startswith("stringequals"):
            continue  # StringEquals compares literally: "vpce-*" is just an odd string
        if not has_wildcard(v):
            continue
        if clause.lkey in ARN_KEYS and _arn_account(v) is not None:
            continue  # the account field is pinned: an unrelated account cannot match
        if clause.lkey == "aws:userid" and v.endswith(":*") and not has_wildcard(v[:-2]):
            continue  # a role's unique id: only that role's sessions
        return True
    return False


Verdict = tuple[bool, str | None]


def may_hold(clause: Clause, audience: Audience) -> Verdict:
    """Can a request from `audience` make this clause true (so that an Allow applies)?"""
    key = clause.lkey
    model = _model(key, audience)
    if clause.base == "null":
        return True, None  # an outsider can send or omit nearly every key
    if model == "absent":
        return (clause.negated or clause.if_exists or clause.qualifier == "forallvalues"), None
    if model == "fixed":
        r = _eval_fixed(clause, _ANON_FIXED[key])
        return (True, f"{clause.text()}: operator not modelled") if r is None else (r, None)
    if model == "ip":
        if clause.base == "ipaddress":
            return _ip_broad(clause.values), None
        if clause.base == "notipaddress":
            return not _covers_all_ips(clause.values), None
        return True, f"{clause.text()}: operator {clause.operator} on aws:SourceIp not modelled"
    if model == "foreign":
        if clause.negated or clause.if_exists or clause.qualifier == "forallvalues":
            return True, None
        return _foreign_can_match(clause), None
    if model == "free":
        return True, None
    return True, f"{clause.text()}: key {clause.key} not modelled; assumed satisfiable by an outsider"


def must_hold(clause: Clause, audience: Audience) -> Verdict:
    """Is this clause true for *every* request `audience` could send (so that a Deny always applies)?"""
    key = clause.lkey
    model = _model(key, audience)
    if clause.base == "null":
        if model == "absent":
            return any(v.lower() == "true" for v in clause.values), None
        return False, None
    if model == "absent":
        return (clause.negated or clause.if_exists or clause.qualifier == "forallvalues"), None
    if model == "fixed":
        r = _eval_fixed(clause, _ANON_FIXED[key])
        return (False, f"{clause.text()}: operator not modelled") if r is None else (r, None)
    if model == "ip":
        if clause.base == "notipaddress":
            return not _ip_broad(clause.values), None
        if clause.base == "ipaddress":
            return _covers_all_ips(clause.values), None
        return False, f"{clause.text()}: operator {clause.operator} on aws:SourceIp not modelled"
    if model == "foreign":
        if clause.negated:
            # True when the outsider's own value (or none) can never fall in the owner's set.
            return not _foreign_can_match(clause), None
        return False, None
    if model == "free":
        return False, None
    return False, f"{clause.text()}: key {clause.key} not modelled; assumed avoidable by an outsider"
