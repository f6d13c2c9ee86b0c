"""IPv4 and IPv6 addresses (validators: network.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import network
from phiscope.detect.identifiers.unit import (
    HIGH,
    MID,
    NEG,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    Valid,
)


def v_ip(raw: str) -> Valid | None:
    s = raw.strip()
    if network.is_valid_ipv4(s) or (":" in s and network.is_valid_ipv6(s)):
        return network.IP, s.lower(), HIGH
    return None


def _ipv4(c: Candidate) -> Claimed | None:
    if not network.is_valid_ipv4(c.raw):
        return None
    ctx = c.context()
    if NEG in ctx and "IP_ADDRESS" not in ctx:
        return None
    return c.raw, HIGH if "IP_ADDRESS" in ctx else MID


IDENTIFIER = Identifier(
    network.IP,
    fragments=(Fragment("ip", r"\d{0,2}(?:\.\d{1,3}){3}", order=120),),
    shapes=(Shape("ip", _ipv4),),
    value_check=v_ip,
    headers=r"ip|ip ?address|client ?ip|remote ?addr|source ?ip|src ?ip|ipv4|ipv6|adresse ip",
    header_priority=240,
)
