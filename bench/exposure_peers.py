"""Run the exposure rule table through PHIscope and, when installed, through peers; print wrong verdicts.

    .venv/bin/python bench/exposure_peers.py [-v]

Peers (optional, not project dependencies): policyuniverse (`Policy(doc).is_internet_accessible()`)
and moto's `moto.s3.utils.bucket_policy_is_public`. Peers only judge a policy document, so they are
compared on the cases whose expectation says what GetBucketPolicyStatus would report
(`policy_is_public`); PHIscope is additionally checked on every capability of every case.

Caveat: the table (tests/exposure/exposure_cases.py) was written together with PHIscope's evaluator
from the AWS documentation; it is not an independent corpus.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "exposure"))

from exposure_cases import CASES

from phiscope.exposure.evaluate import evaluate_snapshot


def _peers() -> dict[str, Callable[[Any], bool]]:
    peers: dict[str, Callable[[Any], bool]] = {}
    try:
        from policyuniverse.policy import Policy

        peers["policyuniverse"] = lambda doc: bool(Policy(doc).is_internet_accessible())
    except Exception as e:  # not installed: say so
        print(f"policyuniverse: not available ({type(e).__name__})")
    try:
        from moto.s3.utils import bucket_policy_is_public

        peers["moto bucket_policy_is_public"] = lambda doc: bool(
            bucket_policy_is_public(doc if isinstance(doc, str) else json.dumps(doc))
        )
    except Exception as e:
        print(f"moto: not available ({type(e).__name__})")
    return peers


def main() -> int:
    verbose = "-v" in sys.argv
    policy_cases = [
        c
        for c in CASES
        if c["snapshot"].get("policy") is not None and c["expect"].get("policy_is_public") is not None
    ]
    rows: list[tuple[str, int, int, int, list[str]]] = []

    t0 = time.perf_counter()
    wrong_status: list[str] = []
    wrong_access: list[str] = []
    for c in CASES:
        r = evaluate_snapshot(c["snapshot"])
        e = c["expect"]
        if c in policy_cases and r["policy_is_public"] is not e["policy_is_public"]:
            wrong_status.append(c["id"])
        for aud, key in (("anonymous", "anon"), ("any_aws_account", "any")):
            if key in e and {k for k, v in r["access"][aud].items() if v} != e[key]:
                wrong_access.append(f"{c['id']}:{aud}")
    dt = time.perf_counter() - t0
    rows.append(("PHIscope", len(policy_cases), len(wrong_status), 0, wrong_status))

    for name, fn in _peers().items():
        wrong: list[str] = []
        errors = 0
        for c in policy_cases:
            try:
                got = fn(c["snapshot"]["policy"])
            except Exception:
                errors += 1
                wrong.append(c["id"] + " (raised)")
                continue
            if got is not c["expect"]["policy_is_public"]:
                wrong.append(c["id"])
        rows.append((name, len(policy_cases), len(wrong), errors, wrong))

    print(f"\nrule table: {len(CASES)} cases, {len(policy_cases)} with a policy-status expectation")
    print(f"{'tool':32} {'cases':>5} {'wrong':>5} {'raised':>6}")
    for name, n, w, err, ids in rows:
        print(f"{name:32} {n:5d} {w:5d} {err:6d}")
        if verbose and ids:
            print("    " + ", ".join(ids))
    print(
        f"\nPHIscope capability verdicts (2 audiences x 5 capabilities, all cases): {len(wrong_access)} wrong"
    )
    print(
        f"PHIscope evaluate_snapshot: {len(CASES)} snapshots in {dt * 1000:.1f} ms "
        f"({dt / len(CASES) * 1e6:.0f} us each)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
