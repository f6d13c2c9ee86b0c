"""Names checked per second by `phiscope discover` against a loopback endpoint, and requests per found bucket.

    .venv/bin/python bench/discover.py [--names 10000] [--concurrency 64] [--found 8]

The endpoint is phiscope.discover.loopback's AWS-like gateway in static mode, in its own process
(so client and server do not share one interpreter's lock): it knows `--found` random bucket names
(a mix of private, listable and readable) and answers 404 NoSuchBucket for every other name, as S3
does. Rate limits are lifted (--rate) so the number measures the client itself; a real run is
throttled by --rate and the provider. Bounded: at most --names names (and --max-seconds).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
import uuid

from phiscope.discover.probe import EXPOSED, Settings
from phiscope.discover.run import Plan, discover


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=10_000, help="about how many candidate names to check")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--found", type=int, default=8, help="buckets that exist among the candidates")
    ap.add_argument("--max-seconds", type=float, default=120.0)
    a = ap.parse_args()

    stem = "bench" + uuid.uuid4().hex[:6]
    # one stem gives ~1,700 names with the bundled words and 2 years; add stems until --names is reached
    stems = [stem] + [f"{stem}{i}" for i in range(1, max(1, a.names // 1600))]
    plan = Plan(names=stems, years=2, providers=["custom"], endpoint_templates=[])
    names = plan.candidates()[: a.names]
    rng = random.Random(7)
    seeded = rng.sample([n for n in names if "." not in n and "_" not in n], a.found)
    levels = ["private", "listable", "readable"]
    static = {n: levels[i % 3] for i, n in enumerate(seeded)}

    server = subprocess.Popen(
        [sys.executable, "-m", "phiscope.discover.loopback", *(f"{k}={v}" for k, v in static.items())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        plan = Plan(
            names=[],
            bundled_words=False,
            literal=names,
            years=0,
            providers=["custom"],
            endpoint_templates=[f"http://127.0.0.1:{port}/{{bucket}}"],
            settings=Settings(
                rate=1e6,
                per_host_rate=1e6,
                concurrency=a.concurrency,
                max_requests=len(names) * 3,
                timeout=a.max_seconds,
            ),
        )
        t: dict[str, float] = {}

        def on_start(n_names: int, counts: dict[str, int], n_checks: int) -> None:
            t["start"] = time.perf_counter()

        cpu0 = time.process_time()
        if os.environ.get("PHISCOPE_BENCH_PROFILE"):
            import cProfile
            import pstats

            with cProfile.Profile() as prof:
                run = discover(plan, on_start)
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        else:
            run = discover(plan, on_start)
        elapsed = time.perf_counter() - t["start"]
        cpu = time.process_time() - cpu0
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(30)
    server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu_s = server_cpu.ru_utime + server_cpu.ru_stime

    found = [b for b in run["buckets"] if b["state"] != "error"]
    exposed = [b for b in found if b["state"] in EXPOSED]
    errors = [b for b in run["buckets"] if b["state"] == "error"]
    on_found = sum(len(b["requests"]) for b in found)
    print(f"cores available: {len(os.sched_getaffinity(0))}; concurrency {a.concurrency}")
    print(f"names checked: {run['checked']} in {elapsed:.2f} s = {run['checked'] / elapsed:,.0f} names/s")
    print(
        f"CPU: client {cpu:.2f} s ({run['checked'] / cpu:,.0f} names per client CPU-second), "
        f"loopback server {server_cpu_s:.2f} s; load average {os.getloadavg()[0]:.1f} "
        "(other work on the machine lowers the wall-clock rate, not the CPU cost)"
    )
    print(f"requests: {run['requests']} ({run['requests'] / max(run['checked'], 1):.3f} per name)")
    print(
        f"found {len(found)} of {len(static)} seeded ({len(exposed)} listable/readable); "
        f"requests per found bucket: {on_found / max(len(found), 1):.2f} "
        f"(private 1, listable/readable 2: the listing and a 1-byte read)"
    )
    print(f"errors: {len(errors)}")
    states = {b["bucket"]: b["state"] for b in found}
    wrong = [n for n, lv in static.items() if not states.get(n, "").endswith(lv)]
    print("states right for every seeded bucket" if not wrong else f"WRONG states: {wrong}")
    if wrong or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
