"""IP addresses (v4 by shape + octet range; v6 through the standard library)."""

from __future__ import annotations

import ipaddress
import re

from phiscope.detect.identifiers.base import Kind
from phiscope.detect.mask import mask_ip

IPV6_HINT = re.compile(r":[0-9A-Fa-f]{0,4}:")
IPV6_RE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|::)[0-9A-Fa-f:]{2,38}(?![\w:])")
IP_CONTEXT = (
    "ip",
    "ip address",
    "ipv4",
    "ipv6",
    "client",
    "host",
    "remote",
    "src",
    "dst",
    "adresse ip",
    "login",
    "logged in",
    "connection",
    "connected",
    "session",
)


def is_valid_ipv4(raw: str) -> bool:
    parts = raw.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        if not p.isdigit() or len(p) > 3 or int(p) > 255 or (len(p) > 1 and p[0] == "0"):
            return False
    return raw not in ("0.0.0.0", "255.255.255.255")


def is_valid_ipv6(raw: str) -> bool:
    if raw.count(":") < 2:
        return False
    try:
        ipaddress.IPv6Address(raw)
    except ValueError:
        return False
    return raw != "::" and raw != "::1"


IP = Kind("IP_ADDRESS", "network", lambda r: r.lower(), mask_ip, False, IP_CONTEXT)
