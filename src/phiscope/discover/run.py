"""One discovery run: plan the (name, provider) checks, run them, classify, fetch security.txt, report.

The orchestration only; naming rules live in candidates.py, endpoint shapes in providers.py, the
HTTP behaviour in probe.py.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from phiscope.discover import candidates as C
from phiscope.discover.classify import ClassifyLimits
from phiscope.discover.pack import SECURITY_TXT_MAX, pack, parse_security_txt
from phiscope.discover.probe import (
    ERROR,
    EXPOSED,
    READABLE,
    USER_AGENT,
    BucketResult,
    BudgetExhausted,
    Prober,
    Settings,
    new_session,
    run_checks,
)
from phiscope.discover.providers import NAMES, PROVIDERS, Provider, host_key, parse_endpoint_templates


@dataclass
class Plan:
    names: list[str]
    domain: str | None = None
    wordlist: Path | None = None
    bundled_words: bool = True
    literal: list[str] = field(default_factory=list)  # exact bucket names to try as well
    years: int = 2
    providers: list[str] = field(default_factory=lambda: ["aws"])
    endpoint_templates: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    classify: ClassifyLimits | None = None
    security_txt_url: str | None = None

    def resolve_providers(self) -> list[Provider]:
        """Providers by name, with their endpoints replaced by --endpoint-template where given."""
        overrides = parse_endpoint_templates(self.endpoint_templates, self.regions or None)
        names = list(dict.fromkeys(self.providers))
        out = []
        for n in names:
            if n in overrides:
                out.append(overrides[n])
            elif n in PROVIDERS:
                out.append(PROVIDERS[n])
            elif n == "custom":
                raise ValueError("--providers custom needs --endpoint-template URL")
            else:
                raise ValueError(f"unknown provider {n!r} (one of {', '.join(NAMES)})")
        return out

    def words(self) -> list[str]:
        words = list(C.bundled_words()) if self.bundled_words else []
        if self.wordlist is not None:
            words += C.load_wordlist(self.wordlist)
        return list(dict.fromkeys(words))

    def candidates(self) -> list[str]:
        return C.generate(self.names, self.domain, self.words(), self.years, self.literal)


def work_items(
    cands: list[str], providers: list[Provider]
) -> tuple[list[tuple[str, Provider]], dict[str, int]]:
    """Every (name, provider) a provider's rules allow, interleaved across providers so per-host limits
    do not serialise the run on one host."""
    per: dict[str, list[str]] = {p.name: C.for_provider(cands, p.rule) for p in providers}
    counts = {p.name: len(per[p.name]) for p in providers}
    items: list[tuple[str, Provider]] = []
    longest = max((len(v) for v in per.values()), default=0)
    for i in range(longest):
        for p in providers:
            names = per[p.name]
            if i < len(names):
                items.append((names[i], p))
    return items, counts


async def fetch_security_txt(prober: Prober, url: str) -> dict[str, Any]:
    """RFC 9116 contact of the organisation: one GET, no redirect followed (it is reported instead)."""
    ev: list[dict[str, Any]] = []
    out: dict[str, Any] = {"url": url, "requests": ev}
    try:
        rep = await prober.request(url, host_key(url), ev, max_body=SECURITY_TXT_MAX, purpose="security.txt")
    except BudgetExhausted:
        out["status"] = "not fetched: request budget spent"
        return out
    except (aiohttp.ClientError, TimeoutError) as e:
        out["status"] = f"no answer ({type(e).__name__})"
        return out
    if rep.status == 200:
        out["status"] = "found"
        out["fields"] = parse_security_txt(rep.body.decode("utf-8", "replace"))
    elif rep.status in (301, 302, 307, 308):
        out["status"] = f"redirect to {rep.headers.get('location', '?')} (not followed)"
    else:
        out["status"] = f"HTTP {rep.status}"
    return out


async def _run(plan: Plan, items: list[tuple[str, Provider]], on_result: Any) -> dict[str, Any]:
    session = new_session(plan.settings)
    async with session:
        prober = Prober(plan.settings, session)
        found, checked, unchecked = await run_checks(items, plan.settings, prober, on_result)
        if plan.classify is not None:
            from phiscope.discover.classify import Classifier, classify_bucket

            readable = [r for r in found if r.state == READABLE]
            if readable:
                classifier = await asyncio.to_thread(Classifier, plan.classify)
                for r in readable:
                    try:
                        await classify_bucket(r, prober, classifier)
                    except BudgetExhausted:
                        r.reason = "classification stopped: request budget spent"
                    except (aiohttp.ClientError, TimeoutError) as e:
                        r.reason = f"classification stopped: no HTTP answer ({type(e).__name__})"
        contact = None
        if plan.domain:
            url = plan.security_txt_url or f"https://{_host(plan.domain)}/.well-known/security.txt"
            contact = await fetch_security_txt(prober, url)
        return {
            "found": found,
            "checked": checked,
            "unchecked": unchecked,
            "requests": prober.requests,
            "by_status": prober.by_status,
            "unreachable": sorted(prober.dead),
            "contact": contact,
        }


def _host(domain: str) -> str:
    d = domain.strip()
    d = d.split("://", 1)[-1]
    return d.split("/", 1)[0]


def discover(plan: Plan, on_start: Any = None, on_result: Any = None) -> dict[str, Any]:
    """Run the plan; returns the run record (JSON-ready) with every existing or unverifiable bucket."""
    providers = plan.resolve_providers()
    cands = plan.candidates()
    items, counts = work_items(cands, providers)
    if on_start is not None:
        on_start(len(cands), counts, sum(len(p.regions) * counts[p.name] for p in providers))
    started = datetime.now(UTC)
    out = asyncio.run(_run(plan, items, on_result))
    found: list[BucketResult] = sorted(out["found"], key=lambda r: (r.provider, r.bucket))
    exposed = [r for r in found if r.state in EXPOSED]
    errors = [r for r in found if r.state == ERROR]
    status = "exposed" if exposed else "incomplete" if (errors or out["unchecked"]) else "clean"
    run = {
        "id": started.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3),
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "user_agent": USER_AGENT,
        "inputs": {
            "names": plan.names,
            "domain": plan.domain,
            "providers": [p.name for p in providers],
            "endpoints": {p.name: p.template for p in providers},
            "years": plan.years,
            "wordlist": str(plan.wordlist) if plan.wordlist else None,
            "classify": None if plan.classify is None else vars(plan.classify),
            "max_requests": plan.settings.max_requests,
            "rate": plan.settings.rate,
            "per_host_rate": plan.settings.per_host_rate,
        },
        "candidates": len(items),
        "candidate_names": len(cands),
        "per_provider": counts,
        "checked": out["checked"],
        "unchecked": out["unchecked"],
        "requests": out["requests"],
        "responses_by_status": out["by_status"],
        "unreachable_endpoints": out["unreachable"],
        "status": status,
        "contact": out["contact"],
    }
    run["buckets"] = [r.to_json() for r in found]
    run["packs"] = [pack(r, run, out["contact"]) for r in exposed]
    return run
