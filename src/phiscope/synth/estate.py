"""A synthetic bucket with known truth, for checking the sampling estimates (docs/sampling.md).

Strata differ the way real estates do: a huge folder of logs where health data is rare, CSV exports
where a few objects hold thousands of people (heavy tail), forms and calls with one person each,
scans where one in twenty holds a patient. `shared` puts some people in two objects, which is what
the de-duplication ratio has to cope with. Everything is drawn from one seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from phiscope.model import ObjectRef
from phiscope.scan.estimate import Estimate, estimate_binary, estimate_people, group_strata
from phiscope.scan.sampling import Budget, select, stratum

# (prefix, extension, objects, share with health data, people in a positive object: (kind, a, b))
STRATA: tuple[tuple[str, str, int, float, tuple[str, float, float]], ...] = (
    ("logs", "log", 12_000, 0.002, ("uniform", 1, 3)),
    ("exports", "csv", 3_000, 0.30, ("lognormal", 4.0, 1.2)),
    ("forms", "pdf", 800, 0.60, ("uniform", 1, 1)),
    ("calls", "wav", 400, 0.80, ("uniform", 1, 1)),
    ("scans", "jpg", 2_000, 0.05, ("uniform", 1, 2)),
    ("api", "json", 1_800, 0.02, ("uniform", 1, 50)),
)


@dataclass(frozen=True, slots=True)
class SynthObject:
    ref: ObjectRef
    health: bool
    people: frozenset[int]


def synthetic_bucket(seed: int = 7, *, scale: float = 1.0, shared: float = 0.0) -> list[SynthObject]:
    """Objects with their truth. `shared`: chance that a person of a positive object also appears
    in another positive object (re-used id), so distinct people < people summed per object."""
    rng = random.Random(seed)
    out: list[SynthObject] = []
    next_id = 0
    seen: list[int] = []
    for prefix, ext, count, rate, (kind, a, b) in STRATA:
        for i in range(max(1, round(count * scale))):
            health = rng.random() < rate
            people: set[int] = set()
            if health:
                if kind == "lognormal":
                    k = max(1, min(20_000, round(rng.lognormvariate(a, b))))
                else:
                    k = rng.randint(int(a), int(b))
                for _ in range(k):
                    if seen and rng.random() < shared:
                        people.add(rng.choice(seen))
                    else:
                        people.add(next_id)
                        seen.append(next_id)
                        next_id += 1
            ref = ObjectRef("synthetic", f"{prefix}/{i:06d}.{ext}", 1000 + i % 5000)
            out.append(SynthObject(ref, health, frozenset(people)))
    return out


def sampled_estimates(objs: list[SynthObject], budget: Budget, seed: int) -> tuple[Estimate, Estimate]:
    """Sample the bucket as a scan would and estimate (health objects, people) from what was read."""
    chosen, _ = select((o.ref for o in objs), budget, seed=seed)
    by_key = {o.ref.key: o for o in objs}
    population: dict[tuple[str, str], int] = {}
    for o in objs:
        k = stratum(o.ref)
        population[k] = population.get(k, 0) + 1
    read = [by_key[r.key] for r in chosen]
    health = group_strata(population, ((stratum(o.ref), float(o.health)) for o in read))
    people = group_strata(population, ((stratum(o.ref), float(len(o.people))) for o in read))
    distinct = len(set().union(*(o.people for o in read))) if read else 0
    return estimate_binary(health), estimate_people(people, distinct)


@dataclass(slots=True)
class Coverage:
    runs: int
    health_truth: int
    people_truth: int
    health_covered: int
    people_covered: int
    health_mean_width: float
    people_mean_width: float

    @property
    def health_rate(self) -> float:
        return self.health_covered / self.runs

    @property
    def people_rate(self) -> float:
        return self.people_covered / self.runs


def coverage(
    runs: int = 200, *, budget: Budget, bucket_seed: int = 7, scale: float = 1.0, shared: float = 0.0
) -> Coverage:
    """How often the 95 % intervals contain the truth over `runs` independent samples."""
    objs = synthetic_bucket(bucket_seed, scale=scale, shared=shared)
    h_truth = sum(o.health for o in objs)
    p_truth = len(set().union(*(o.people for o in objs)))
    hc = pc = 0
    hw = pw = 0.0
    for run in range(runs):
        h, p = sampled_estimates(objs, budget, seed=1000 + run)
        hc += h.low <= h_truth <= h.high
        pc += p.low <= p_truth <= p.high
        hw += h.high - h.low
        pw += p.high - p.low
    return Coverage(runs, h_truth, p_truth, hc, pc, hw / runs, pw / runs)
