"""Whole-bucket estimates with 95 % confidence intervals from a stratified sample.

The sample (scan/sampling.py) draws objects round-robin from strata (top-level prefix × extension),
uniformly at random inside each stratum. Each stratum h has N_h listed objects of which n_h were
read; the estimate of a total is Σ N_h·ȳ_h (stratified expansion estimator) and its variance
Σ N_h²·(1 − n_h/N_h)·s_h²/n_h (with the finite-population correction, so a stratum read in full
adds no uncertainty). The interval is the normal one, ±1.96·SE, made robust for the case that
matters here — rare findings in a small per-stratum sample, where the plain estimator sees zero
positives and claims zero variance — by flooring each stratum's variance with a smoothed
proportion ((x+1)/(n+2), Laplace) and the pooled size of positive objects. docs/sampling.md has the
method and the coverage simulation (bench/sampling_coverage.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from phiscope.json_types import ReportV1

Z95 = 1.959963984540054
MIN_POSITIVES = 5  # below this many objects with people, a stratum borrows the pooled log-size spread

METHOD_CENSUS = "census: every listed object was read; the count is exact (not an estimate)"
METHOD_STRATIFIED = (
    "stratified random sample by top-level prefix × file type; expansion estimator Σ N_h·ȳ_h with "
    "finite-population correction; 95 % normal interval with each stratum's variance floored by a "
    "Laplace-smoothed rate ((x+1)/(n+2)) so strata where nothing was found still carry uncertainty; "
    "people: per-object distinct people expanded the same way, times the sample's own "
    "within-sample de-duplication ratio (docs/sampling.md)"
)


@dataclass(frozen=True, slots=True)
class Estimate:
    value: int
    low: int
    high: int
    method: str

    def to_dict(self) -> dict[str, object]:
        return {"value": self.value, "low": self.low, "high": self.high, "method": self.method}


@dataclass(slots=True)
class StratumSample:
    """One stratum: how many objects it holds and what each object that was read contained."""

    population: int
    values: list[float]  # one per object read: 0/1 (health) or its number of people

    @property
    def n(self) -> int:
        return len(self.values)


def _mean_var(values: Sequence[float]) -> tuple[float, float]:
    n = len(values)
    if n == 0:
        return 0.0, 0.0
    mean = sum(values) / n
    if n == 1:
        return mean, 0.0
    return mean, sum((v - mean) ** 2 for v in values) / (n - 1)


def estimate_total(strata: Iterable[StratumSample]) -> tuple[float, float, float, float]:
    """(estimate, low, high, observed) of a non-negative total over all strata.

    A stratum with objects but none read cannot be estimated from itself: it borrows the pooled
    rate of the strata that were read (and its full variance), which is what a Macie-style sample
    of a bucket with more strata than budget amounts to.
    """
    strata = [s for s in strata if s.population > 0]
    read = [v for s in strata for v in s.values]
    pos = [v for v in read if v > 0]
    # pooled figures for the variance floor: size of a positive object, share of positives
    pos_mean, pos_var = _mean_var(pos)
    pooled_mean, pooled_var = _mean_var(read)
    total = var = observed = 0.0
    bound_low = bound_high = 0.0
    for s in strata:
        n, big_n = s.n, s.population
        observed += sum(s.values)
        if n == 0:
            total += big_n * pooled_mean
            floor = pooled_var + _smooth(len(pos), len(read)) * (pos_var + pos_mean**2)
            var += big_n**2 * max(pooled_var, floor)
            bound_high += math.inf
            continue
        mean, s2 = _mean_var(s.values)
        fpc = max(0.0, 1.0 - n / big_n)
        total += big_n * mean
        x = sum(1 for v in s.values if v > 0)
        p = _smooth(x, n)
        # variance of y = z·w: p·Var(w) + p(1−p)·E[w]² with w the size of a positive object
        w_mean, w_var = _mean_var([v for v in s.values if v > 0]) if x >= 2 else (pos_mean, pos_var)
        if x == 0 and not pos:
            w_mean, w_var = 1.0, 0.0  # nothing found anywhere: the binary floor
        floor = p * w_var + p * (1 - p) * w_mean**2
        var += big_n**2 * fpc * max(s2, floor) / n
        bound_low += sum(s.values)
        bound_high += math.inf if fpc > 0 else sum(s.values)
    half = Z95 * math.sqrt(var)
    low = max(total - half, bound_low)
    high = min(total + half, bound_high)
    return total, low, max(high, low), observed


def _smooth(x: int, n: int) -> float:
    return (x + 1) / (n + 2)


def estimate_binary(strata: Iterable[StratumSample]) -> Estimate:
    """Objects with a property (health data): the interval never leaves [found, N − not found]."""
    strata = list(strata)
    total, low, high, _ = estimate_total(strata)
    ceiling = sum(s.population - sum(1 for v in s.values if not v) for s in strata)
    return Estimate(round(total), math.floor(low), min(math.ceil(high), ceiling), METHOD_STRATIFIED)


def lognormal_interval(strata: Iterable[StratumSample]) -> tuple[float, float]:
    """95 % interval for a total of heavy-tailed per-object counts, from a lognormal model.

    People per object are very skewed (most exports hold a handful, a few hold thousands), and a
    sample that misses the few giants understates the total and its variance alike, so the normal
    interval falls short exactly when it matters. Per stratum: total = N·p·E[w], p the share of
    objects with people, w their count, log w ~ Normal(m, s²) so E[w] = exp(m + s²/2) with the Cox
    variance s²/k + s⁴/(2(k−1)) on the log scale; strata are summed by matching moments
    (Fenton–Wilkinson) and the interval is exp(log-total ± t·σ), t the Student quantile for the
    Welch–Satterthwaite degrees of freedom (few objects with people: a wider interval).
    """
    strata = [s for s in strata if s.population > 0]
    logs_all = [math.log(v) for s in strata for v in s.values if v > 0]
    m_pool, s2_pool = _mean_var(logs_all)
    mean_total = var_total = exact = df_den = 0.0
    for s in strata:
        pos = [math.log(v) for v in s.values if v > 0]
        n, k, big_n = s.n, len(pos), s.population
        if n and n >= big_n:
            exact += sum(s.values)  # read in full: known exactly
            continue
        m, s2 = _mean_var(pos) if k >= MIN_POSITIVES else (m_pool, s2_pool)
        kk = max(k, MIN_POSITIVES)
        p_hat = k / n if n else (len(logs_all) / max(1, sum(t.n for t in strata)))
        p_var = _smooth(k, n)
        fpc = max(0.0, 1.0 - n / big_n) if n else 1.0
        v_log = fpc * (1 - p_var) / (max(n, 1) * p_var) + s2 / kk + s2**2 / (2 * (kk - 1))
        mean_h = big_n * max(p_hat, p_var if k == 0 else 0.0) * math.exp(m + s2 / 2)
        if k == 0:
            mean_h = 0.0  # nothing seen: the centre stays at zero, the spread below still counts
            v_h = (big_n * p_var * math.exp(m + s2 / 2)) ** 2 * (math.exp(v_log) - 1)
        else:
            mean_total += mean_h
            v_h = mean_h**2 * (math.exp(v_log) - 1)
        var_total += v_h
        df_den += v_h**2 / (kk - 1)
    df = var_total**2 / df_den if df_den > 0 else math.inf
    q = t95(df)
    if mean_total <= 0:
        return exact, exact + q * math.sqrt(var_total)
    sigma = math.sqrt(math.log(1 + var_total / mean_total**2))
    return exact + mean_total * math.exp(-q * sigma), exact + mean_total * math.exp(q * sigma)


def t95(df: float) -> float:
    """Two-sided 95 % Student t quantile (Cornish–Fisher expansion; within 0.5 % for df ≥ 3)."""
    if math.isinf(df) or df > 1e6:
        return Z95
    df = max(df, 2.0)
    z = Z95
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def estimate_people(strata: Iterable[StratumSample], distinct_in_sample: int) -> Estimate:
    """People affected: per-object people expanded, scaled by the sample's de-duplication ratio
    (distinct people ÷ per-object people summed over the objects read); never below what was found.
    The interval is the hull of the design-based normal one and the lognormal-model one."""
    strata = list(strata)
    total, low, high, observed = estimate_total(strata)
    if any(s.n < s.population for s in strata):
        ln_low, ln_high = lognormal_interval(strata)
        low, high = min(low, max(ln_low, observed)), max(high, ln_high)
    ratio = distinct_in_sample / observed if observed else 1.0
    value = max(round(total * ratio), distinct_in_sample)
    lo = max(math.floor(low * ratio), distinct_in_sample)
    hi = max(math.ceil(high * ratio), value)
    return Estimate(value, min(lo, value), hi, METHOD_STRATIFIED)


def census(value: int) -> Estimate:
    return Estimate(value, value, value, METHOD_CENSUS)


def group_strata(population: Mapping[Any, int], read: Iterable[tuple[Any, float]]) -> list[StratumSample]:
    """Strata from listed counts per stratum and (stratum, value) per object read."""
    out = {k: StratumSample(n, []) for k, n in population.items()}
    for k, v in read:
        out.setdefault(k, StratumSample(0, [])).values.append(v)
    for s in out.values():  # an object read but missing from the counts (resumed scan): count it
        s.population = max(s.population, s.n)
    return list(out.values())


def attach_estimates(store: Any, scan_id: str, report: ReportV1) -> None:
    """Add `people_estimate` and `health_objects_estimate` to the report's impact and buckets.

    A bucket read in full gets the exact count (method "census"); a sampled one the stratified
    estimate from the strata populations recorded at listing time. Objects that could not be read
    (skipped) are left out of n_h: they are reported as not verified, never counted as clean.
    """
    from phiscope.db.estate import people_per_object, strata_rows

    impact = report.setdefault("impact", {})
    buckets = report.get("buckets") or []
    sampled = {b["name"] for b in buckets if b.get("sampled")}
    population: dict[tuple[str, str, str], int] = {}
    for row in strata_rows(store.engine, scan_id) if sampled else []:
        population[(row["bucket"], row["prefix"], row["ext"])] = row["objects_total"]
    people_of = {(b, k): n for b, k, n in people_per_object(store.engine, scan_id)} if sampled else {}
    per_bucket: dict[str, tuple[list[tuple[Any, float]], list[tuple[Any, float]]]] = {}
    for o in report.get("objects") or []:
        if o["bucket"] not in sampled or o["status"] == "skipped":
            continue
        k = (o["bucket"], *stratum_of_key(o["key"]))
        h, p = per_bucket.setdefault(o["bucket"], ([], []))
        h.append((k, float(bool(o["health"]))))
        p.append((k, float(people_of.get((o["bucket"], o["key"]), 0))))
    by_people = impact.get("people_affected_by_bucket") or {}
    health_in: dict[str, int] = {}
    for o in report.get("objects") or []:
        if o["health"]:
            health_in[o["bucket"]] = health_in.get(o["bucket"], 0) + 1
    all_h: list[StratumSample] = []
    all_p: list[StratumSample] = []
    for b in buckets:
        name = b["name"]
        if name not in sampled:
            health = health_in.get(name, 0)
            b["health_objects_estimate"] = census(health).to_dict()
            b["people_estimate"] = census(int(by_people.get(name, 0))).to_dict()
            all_h.append(StratumSample(health, [1.0] * health))
            all_p.append(StratumSample(1, [float(by_people.get(name, 0))]))
            continue
        pop = {k: n for k, n in population.items() if k[0] == name}
        if not pop:  # no strata recorded (a scan from before they were): cannot expand
            b["health_objects_estimate"] = b["people_estimate"] = None
            continue
        h_read, p_read = per_bucket.get(name, ([], []))
        hs, ps = group_strata(pop, h_read), group_strata(pop, p_read)
        b["health_objects_estimate"] = estimate_binary(hs).to_dict()
        b["people_estimate"] = estimate_people(ps, int(by_people.get(name, 0))).to_dict()
        all_h.extend(hs)
        all_p.extend(ps)
    if not sampled:
        health = sum(health_in.values())
        impact["health_objects_estimate"] = census(health).to_dict()
        impact["people_estimate"] = census(int(impact.get("people_affected", 0))).to_dict()
    elif any(b.get("people_estimate") is None for b in buckets):
        impact["health_objects_estimate"] = impact["people_estimate"] = None
    else:
        impact["health_objects_estimate"] = estimate_binary(all_h).to_dict()
        impact["people_estimate"] = estimate_people(all_p, int(impact.get("people_affected", 0))).to_dict()


def stratum_of_key(key: str) -> tuple[str, str]:
    from phiscope.model import ObjectRef
    from phiscope.scan.sampling import stratum

    return stratum(ObjectRef("", key, 0))
