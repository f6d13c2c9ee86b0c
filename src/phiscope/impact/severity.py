"""Severity of a bucket from exposure × sensitivity × volume (public + PHI = critical)."""

from __future__ import annotations

from typing import Any

from phiscope.exposure.evaluate import CAPABILITIES

# The one severity scale (lowest first): findings, exit codes, the web app and the renderers import it.
LEVELS = ("info", "low", "medium", "high", "critical")
SEV_RANK = {s: i for i, s in enumerate(LEVELS)}


def sev_rank(s: str | None) -> int:
    """A severity name -> its rank on LEVELS (unknown or None: info, 0)."""
    return SEV_RANK.get(s or "info", 0)


def exposure_level(exposure: dict[str, Any] | None) -> str:
    """none | latent | authenticated | public — the widest audience that can reach data."""
    if not exposure:
        return "none"
    access = exposure.get("access", {})
    anon = access.get("anonymous", {})
    anyacct = access.get("any_aws_account") or access.get("any_account") or {}
    if any(anon.get(k) for k in CAPABILITIES):
        return "public"
    if any(anyacct.get(k) for k in CAPABILITIES):
        return "authenticated"
    if exposure.get("latent"):
        return "latent"
    return "none"


def bucket_severity(exposure: dict[str, Any] | None, *, contains_phi: bool, health: bool, people: int) -> str:
    """Table: exposure (rows) × sensitivity (identity+health > identity > health-only > none)."""
    level = exposure_level(exposure)
    writable = bool(
        exposure
        and (
            exposure.get("access", {}).get("anonymous", {}).get("write")
            or exposure.get("access", {}).get("anonymous", {}).get("write_acl")
            or exposure.get("access", {}).get("anonymous", {}).get("admin")
        )
    )
    sensitivity = 3 if contains_phi and health else 2 if contains_phi else 1 if health else 0
    if level == "public":
        sev = ["medium", "high", "critical", "critical"][sensitivity]
        if writable and sev != "critical":
            sev = "high"  # anyone can plant or delete data
    elif level == "authenticated":
        sev = ["low", "high", "high", "critical"][sensitivity]
    elif level == "latent":
        sev = ["info", "low", "medium", "medium"][sensitivity]
    else:
        sev = ["info", "info", "low", "low"][sensitivity]
    # Volume: many people raise an exposed bucket one step.
    if level in ("public", "authenticated") and people >= 500 and sev == "high":
        sev = "critical"
    return sev


def max_severity(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index) if levels else "info"
