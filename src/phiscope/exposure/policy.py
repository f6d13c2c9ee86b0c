"""Bucket policy evaluation: which statements reach an outsider, for which action and which keys.

The evaluator never guesses a caller's identity: it asks, for two audiences (anonymous = unsigned
requests; any_aws_account = a principal of an unrelated AWS account), whether some Allow statement
applies to them and no Deny statement necessarily applies. Object grants carry the key globs they
cover (`public/*`), so a report can say *which* objects are readable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from phiscope.exposure.conditions import (
    Audience,
    Clause,
    may_hold,
    must_hold,
    parse_condition,
    pins,
)
from phiscope.exposure.patterns import covers, has_wildcard, is_match_all, matches, remainders

_PARTITION = re.compile(r"^arn:aws(-[a-z-]+)?:", re.IGNORECASE)
_ACCOUNT_ARN = re.compile(r"^arn:aws(?:-[a-z-]+)?:(?:iam|sts)::(\d{12}):", re.IGNORECASE)


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, list):
        return [str(x) for x in v]
    return [str(v)]


@dataclass(slots=True)
class Principals:
    """A Principal / NotPrincipal element, classified."""

    everyone: bool = False  # "*" or {"AWS": "*"}: anonymous included
    wildcard_aws: list[str] = field(default_factory=list)  # "arn:aws:iam::*:root" and similar
    accounts: set[str] = field(default_factory=set)  # 12-digit ids named directly or by ARN
    services: list[str] = field(default_factory=list)
    federated: list[str] = field(default_factory=list)
    canonical: list[str] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)

    @property
    def any_outsider(self) -> bool:
        return self.everyone or bool(self.wildcard_aws)


def parse_principal(p: Any) -> Principals:
    out = Principals()
    if p is None:
        return out
    if isinstance(p, str):
        if p.strip() == "*":
            out.everyone = True
        else:
            out.unparsed.append(p)
        return out
    if not isinstance(p, dict):
        out.unparsed.append(json.dumps(p))
        return out
    for kind, vals in p.items():
        k = str(kind).lower()
        for v in _as_list(vals):
            v = v.strip()
            if k == "aws":
                if v == "*":
                    out.everyone = True
                elif has_wildcard(v):
                    out.wildcard_aws.append(v)
                elif re.fullmatch(r"\d{12}", v):
                    out.accounts.add(v)
                elif m := _ACCOUNT_ARN.match(v):
                    out.accounts.add(m.group(1))
                else:
                    out.unparsed.append(v)  # e.g. a unique id (AIDA...) left after a role was deleted
            elif k == "service":
                out.services.append(v)
            elif k == "federated":
                out.federated.append(v)
            elif k == "canonicaluser":
                out.canonical.append(v)
            else:
                out.unparsed.append(f"{kind}:{v}")
    return out


@dataclass(slots=True)
class Statement:
    index: int
    sid: str | None
    effect: str  # "allow" | "deny" | other (reported)
    principal: Principals | None
    not_principal: Principals | None
    actions: list[str]
    not_actions: list[str] | None
    resources: list[str]
    not_resources: list[str] | None
    clauses: list[Clause]
    problems: list[str]
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        return f'statement {self.index} (Sid "{self.sid}")' if self.sid else f"statement {self.index}"

    def condition_text(self) -> str:
        return " AND ".join(c.text() for c in self.clauses) if self.clauses else "no condition"

    # -- matching ---------------------------------------------------------------------------------

    def applies_to(self, audience: Audience) -> bool:
        """Does the principal element name this audience?"""
        if self.principal is not None:
            p = self.principal
            return p.everyone or (audience == "any_aws_account" and bool(p.wildcard_aws))
        if self.not_principal is not None:
            return not self.not_principal.everyone  # everyone except a list that cannot name them
        return False

    def matches_action(self, action: str) -> bool:
        if self.not_actions is not None:
            return not any(matches(a, action, ignore_case=True) for a in self.not_actions)
        return any(matches(a, action, ignore_case=True) for a in self.actions)

    def bucket_covered(self, bucket_arn: str) -> bool:
        if self.not_resources is not None:
            return not any(matches(_part(r), bucket_arn) for r in self.not_resources)
        return any(matches(_part(r), bucket_arn) for r in self.resources)

    def object_patterns(self, bucket_arn: str) -> list[str]:
        """Key globs of this bucket's objects the Resource/NotResource covers ([] = none)."""
        prefix = bucket_arn + "/"
        if self.not_resources is not None:
            excluded = [rem for r in self.not_resources for rem in remainders(_part(r), prefix)]
            if any(is_match_all(x) for x in excluded):
                return []
            return ["*"]
        out: set[str] = set()
        for r in self.resources:
            out.update(x for x in remainders(_part(r), prefix) if x)
        if any(is_match_all(x) for x in out):
            return ["*"]
        return sorted(out)

    def object_excluded(self, bucket_arn: str) -> list[str]:
        if self.not_resources is None:
            return []
        prefix = bucket_arn + "/"
        return sorted({x for r in self.not_resources for x in remainders(_part(r), prefix) if x})

    def key_covered(self, bucket_arn: str, key: str) -> bool:
        arn = f"{bucket_arn}/{key}"
        if self.not_resources is not None:
            return not any(matches(_part(r), arn) for r in self.not_resources)
        return any(matches(_part(r), arn) for r in self.resources)


def _part(resource: str) -> str:
    """Compare ARNs across partitions (aws, aws-cn, aws-us-gov) as the bucket's own."""
    return _PARTITION.sub("arn:aws:", resource.strip())


def parse_policy(policy: Any) -> tuple[list[Statement], list[str]]:
    """Policy document (object or JSON text) -> statements + problems. Never raises on bad input."""
    problems: list[str] = []
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as e:
            return [], [f"policy is not valid JSON: {e}"]
    if not isinstance(policy, dict):
        return [], [f"policy is not a JSON object ({type(policy).__name__})"]
    raw = policy.get("Statement")
    if raw is None:
        return [], ["policy has no Statement"]
    items = raw if isinstance(raw, list) else [raw]
    out: list[Statement] = []
    for i, s in enumerate(items):
        if not isinstance(s, dict):
            problems.append(f"statement {i} is not an object")
            continue
        sp: list[str] = []
        clauses, cp = parse_condition(s.get("Condition"))
        sp.extend(cp)
        has_res = "Resource" in s or "NotResource" in s
        if not has_res:
            sp.append("no Resource/NotResource: treated as every resource")
        has_act = "Action" in s or "NotAction" in s
        if not has_act:
            sp.append("no Action/NotAction: matches nothing")
        st = Statement(
            index=i,
            sid=str(s["Sid"]) if s.get("Sid") not in (None, "") else None,
            effect=str(s.get("Effect", "")).strip().lower(),
            principal=parse_principal(s["Principal"]) if "Principal" in s else None,
            not_principal=parse_principal(s["NotPrincipal"]) if "NotPrincipal" in s else None,
            actions=_as_list(s.get("Action")),
            not_actions=_as_list(s["NotAction"]) if "NotAction" in s else None,
            resources=_as_list(s.get("Resource")) if has_res else ["*"],
            not_resources=_as_list(s["NotResource"]) if "NotResource" in s else None,
            clauses=clauses,
            problems=sp,
            raw=s,
        )
        if st.effect not in ("allow", "deny"):
            sp.append(f"Effect {s.get('Effect')!r} is neither Allow nor Deny: ignored")
        for elem in ("Principal", "NotPrincipal"):
            raw_p = s.get(elem)
            if isinstance(raw_p, str) and raw_p.strip() != "*":
                sp.append(
                    f'malformed {elem} {raw_p!r}: a bare string other than "*" is rejected by AWS '
                    f'(expected "*" or {{"AWS": ...}}); who this statement reaches is uncertain'
                )
        if st.principal is None and st.not_principal is None:
            sp.append("no Principal/NotPrincipal: a bucket policy statement without one applies to nobody")
        problems.extend(f"{st.label}: {p}" for p in sp)
        out.append(st)
    return out, problems


# ---------------------------------------------------------------------------------------- access


@dataclass(slots=True)
class PolicyGrant:
    statement: Statement
    action: str
    patterns: list[str]  # object key globs; [""] for the bucket itself
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PolicyDeny:
    statement: Statement
    action: str
    patterns: list[str]
    always: bool  # the Deny applies to every request of the audience
    notes: list[str] = field(default_factory=list)


def _clauses_verdict(st: Statement, audience: Audience, *, allow: bool) -> tuple[bool, list[str]]:
    notes: list[str] = []
    ok = True
    for c in st.clauses:
        v, note = may_hold(c, audience) if allow else must_hold(c, audience)
        if note:
            notes.append(f"{st.label}: {note}")
        if not v:
            ok = False
    return ok, notes


def allows(
    statements: list[Statement], audience: Audience, action: str, kind: str, bucket: str
) -> tuple[list[PolicyGrant], list[str]]:
    """Allow statements that reach `audience` for `action` on the bucket ("bucket") or its objects."""
    arn = f"arn:aws:s3:::{bucket}"
    out: list[PolicyGrant] = []
    uncertain: list[str] = []
    for st in statements:
        if st.effect != "allow" or not st.applies_to(audience) or not st.matches_action(action):
            continue
        pats = ([""] if st.bucket_covered(arn) else []) if kind == "bucket" else st.object_patterns(arn)
        if not pats:
            continue
        ok, notes = _clauses_verdict(st, audience, allow=True)
        if not ok:
            continue
        uncertain.extend(notes)
        g = PolicyGrant(st, action, pats)
        ex = st.object_excluded(arn) if kind == "object" else []
        if ex:
            g.notes.append("except keys matching " + ", ".join(ex))
        out.append(g)
    return out, uncertain


def denies(
    statements: list[Statement], audience: Audience, action: str, kind: str, bucket: str
) -> tuple[list[PolicyDeny], list[str]]:
    """Deny statements naming `audience` and `action`; `always` when no request can escape them."""
    arn = f"arn:aws:s3:::{bucket}"
    out: list[PolicyDeny] = []
    uncertain: list[str] = []
    for st in statements:
        if st.effect != "deny" or not st.matches_action(action):
            continue
        names_them = st.applies_to(audience)
        if st.principal is not None and not names_them:
            continue
        pats = ([""] if st.bucket_covered(arn) else []) if kind == "bucket" else st.object_patterns(arn)
        if not pats:
            continue
        always, notes = _clauses_verdict(st, audience, allow=False)
        uncertain.extend(notes)
        out.append(PolicyDeny(st, action, pats, always))
    return out, uncertain


def deny_blocks(d: PolicyDeny, pattern: str) -> bool:
    """Does an always-applying Deny cover every key of an Allow's key glob (or the bucket itself)?"""
    if not d.always:
        return False
    if pattern == "":
        return "" in d.patterns
    if d.statement.not_resources is not None:
        return False  # "all except ..." never proves full coverage of a glob
    return any(covers(dp, pattern) for dp in d.patterns if dp)


def deny_blocks_key(d: PolicyDeny, bucket: str, key: str) -> bool:
    return d.always and d.statement.key_covered(f"arn:aws:s3:::{bucket}", key)


# ----------------------------------------------------------------------- AWS policy status (public?)


@dataclass(slots=True)
class StatusResult:
    is_public: bool
    public_statements: list[tuple[Statement, str]]  # statement, why
    neutralised: list[tuple[Statement, Statement]]  # (public allow, deny that pins it)
    uncertain: list[str]


def _principal_public(st: Statement) -> tuple[bool, str | None, str | None]:
    """(public?, why, uncertainty) for the principal element of an Allow, per AWS's rule."""
    if st.not_principal is not None:
        if st.not_principal.everyone:
            return False, None, None
        return True, "NotPrincipal: everyone except the listed principals", None
    p = st.principal
    if p is None:
        return False, None, None
    if p.everyone:
        return True, 'Principal "*"', None
    if p.wildcard_aws:
        return True, f"wildcard principal {p.wildcard_aws[0]!r}", None
    if p.federated:
        return (
            True,
            f"Federated principal {p.federated[0]!r}",
            f"{st.label}: Federated principal {p.federated[0]!r} is not in AWS's list of fixed "
            "principals; counted as public (conservative)",
        )
    return False, None, None


def _deny_pins(deny: Statement, allow: Statement) -> bool:
    """A Deny for everyone whose condition is 'not from the owner's fixed world' pins the Allow."""
    if deny.effect != "deny" or deny.principal is None or not deny.principal.everyone:
        return False
    if not _actions_cover(deny, allow) or not _resources_cover(deny, allow):
        return False
    if not deny.clauses:
        return True
    for c in deny.clauses:
        if not c.negated:
            return False
        positive = Clause(c.operator, c.key, c.values, c.base.replace("not", "", 1), False, c.qualifier)
        ok, _ = pins(positive)
        if not ok:
            return False
    return True


def _actions_cover(deny: Statement, allow: Statement) -> bool:
    if deny.not_actions is not None:
        return False
    everything = any(a.strip().lower() in ("*", "s3:*") for a in deny.actions)
    if everything:
        return True
    if allow.not_actions is not None:
        return False
    return all(any(covers(d.lower(), a.lower()) for d in deny.actions) for a in allow.actions)


def _resources_cover(deny: Statement, allow: Statement) -> bool:
    if deny.not_resources is not None:
        return False
    if any(r.strip() == "*" for r in deny.resources):
        return True
    if allow.not_resources is not None:
        return False
    return all(any(covers(_part(d), _part(a)) for d in deny.resources) for a in allow.resources)


def policy_status(statements: list[Statement]) -> StatusResult:
    """What GetBucketPolicyStatus would report: public unless every grant to outsiders is pinned."""
    public: list[tuple[Statement, str]] = []
    neutral: list[tuple[Statement, Statement]] = []
    uncertain: list[str] = []
    for st in statements:
        if st.effect != "allow":
            continue
        pub, why, unc = _principal_public(st)
        if not pub:
            continue
        pinned = False
        for c in st.clauses:
            ok, note = pins(c)
            if note:
                uncertain.append(f"{st.label}: {note}")
            if ok:
                pinned = True
        if pinned:
            continue
        deny = next((d for d in statements if _deny_pins(d, st)), None)
        if deny is not None:
            neutral.append((st, deny))
            uncertain.append(
                f"{st.label} grants to everyone but {deny.label} denies every request outside fixed "
                f"trusted values ({deny.condition_text()}); AWS documents Allow conditions only, so "
                "policy status counts this as non-public by analogy"
            )
            continue
        if unc:
            uncertain.append(unc)
        public.append((st, f"{why}, {st.condition_text() if st.clauses else 'no condition'}"))
    return StatusResult(bool(public), public, neutral, uncertain)


def cross_account_grants(
    statements: list[Statement], owner_account: str | None
) -> list[tuple[Statement, str]]:
    """Allow statements naming other AWS accounts (not public, but cut by RestrictPublicBuckets)."""
    out: list[tuple[Statement, str]] = []
    for st in statements:
        if st.effect != "allow" or st.principal is None:
            continue
        for acct in sorted(st.principal.accounts):
            if owner_account is None or acct != owner_account:
                out.append((st, acct))
    return out
