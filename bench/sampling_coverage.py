"""How often the sampled scan's 95 % intervals contain the truth (docs/sampling.md).

    .venv/bin/python bench/sampling_coverage.py [--runs 200] [--scale 1.0]

A synthetic bucket with known truth (phiscope.synth.estate: 20,000 objects in six strata, health
data from 0.2 % to 80 % of objects, people per object from 1 to thousands) is sampled `runs` times
with different seeds, exactly as `scan --sample` draws, and each run's estimate of objects with
health data and of people affected is checked against the truth. Prints coverage and mean interval
width per budget, with and without people shared between objects. Target: coverage ≥ 93 %.
"""

from __future__ import annotations

import argparse
import time

from phiscope.scan.sampling import parse_budget
from phiscope.synth.estate import coverage


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--budgets", default="10%,5%,3%,1000,300")
    args = ap.parse_args()
    print(
        f"{'budget':>8} {'shared':>6} {'health truth':>12} {'cover':>6} {'width':>7} "
        f"{'people truth':>12} {'cover':>6} {'width':>8} {'s':>5}"
    )
    for spec in args.budgets.split(","):
        for shared in (0.0, 0.1):
            t0 = time.perf_counter()
            c = coverage(args.runs, budget=parse_budget(spec), scale=args.scale, shared=shared)
            print(
                f"{spec:>8} {shared:>6.1f} {c.health_truth:>12} {c.health_rate:>6.1%} "
                f"{c.health_mean_width:>7.0f} {c.people_truth:>12} {c.people_rate:>6.1%} "
                f"{c.people_mean_width:>8.0f} {time.perf_counter() - t0:>5.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
