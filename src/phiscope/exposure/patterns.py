"""IAM-style glob patterns (`*`, `?`) as small automata.

Policies name resources and actions with globs. To ask "can this pattern match *some* object of the
bucket, and which keys?" we run the pattern's automaton over the fixed prefix `arn:aws:s3:::BUCKET/`
and keep what is left of the pattern: those remainders are the key globs the statement covers.
"""

from __future__ import annotations

import functools
import re

_POLICY_VARIABLE = re.compile(r"\$\{[^}]*\}")


def has_wildcard(value: str) -> bool:
    """True for `*`, `?` or a policy variable: such a value is not "fixed" in AWS's sense."""
    return "*" in value or "?" in value or "${" in value


def normalise(pattern: str) -> str:
    """Policy variables stand for values we cannot know: treat each as `*` (conservative)."""
    return _POLICY_VARIABLE.sub("*", pattern)


def _closure(p: str, states: set[int]) -> set[int]:
    out: set[int] = set()
    stack = list(states)
    while stack:
        i = stack.pop()
        if i in out:
            continue
        out.add(i)
        if i < len(p) and p[i] == "*":
            stack.append(i + 1)
    return out


def remainders(pattern: str, prefix: str, *, ignore_case: bool = False) -> list[str]:
    """The suffixes of `pattern` still to match after it consumed `prefix` (empty: no match possible).

    `""` among them means the pattern matches `prefix` exactly.
    """
    p = normalise(pattern)
    if ignore_case:
        p, prefix = p.lower(), prefix.lower()
    states = _closure(p, {0})
    for c in prefix:
        nxt: set[int] = set()
        for i in states:
            if i < len(p):
                if p[i] == "*":
                    nxt.add(i)
                elif p[i] == "?" or p[i] == c:
                    nxt.add(i + 1)
        states = _closure(p, nxt)
        if not states:
            return []
    return sorted({p[i:] for i in states})


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in normalise(pattern))
    return re.compile(rx, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def is_match_all(pattern: str) -> bool:
    """A remainder made only of `*` matches every suffix."""
    return pattern != "" and set(pattern) == {"*"}


def literal_prefix(pattern: str) -> str:
    """The part before the first wildcard."""
    m = re.search(r"[*?]", pattern)
    return pattern if m is None else pattern[: m.start()]


def covers(outer: str, inner: str) -> bool:
    """Conservative test that glob `outer` matches every string glob `inner` matches.

    False means "not proven", never "proven not".
    """
    if is_match_all(outer) or outer == inner:
        return True
    lit = literal_prefix(outer)
    if outer == lit + "*" and "?" not in lit:
        return literal_prefix(inner).startswith(lit)
    if not has_wildcard(inner):
        return matches(outer, inner)
    return False


def overlaps(a: str, b: str) -> bool:
    """Conservative: True unless the literal prefixes prove the globs disjoint."""
    pa, pb = literal_prefix(a), literal_prefix(b)
    if not has_wildcard(a) and not has_wildcard(b):
        return a == b
    if not has_wildcard(a):
        return matches(b, a)
    if not has_wildcard(b):
        return matches(a, b)
    return pa.startswith(pb) or pb.startswith(pa)
