"""Table-driven: every rule of the exposure engine, one named case each (see exposure_cases.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from exposure_cases import CASES

from phiscope.exposure.evaluate import CAPABILITIES, evaluate_snapshot


def _caps(result: dict[str, Any], audience: str) -> set[str]:
    return {c for c, on in result["access"][audience].items() if on}


@pytest.mark.parametrize("c", CASES, ids=[c["id"] for c in CASES])
def test_rule(c: dict[str, Any]) -> None:
    r = evaluate_snapshot(c["snapshot"])
    e = c["expect"]
    why = f"[{c['rule']}] reasons={r['reasons']} latent={r['latent']} uncertain={r['uncertain']}"
    if "anon" in e:
        assert _caps(r, "anonymous") == e["anon"], why
    if "any" in e:
        assert _caps(r, "any_aws_account") == e["any"], why
    if "policy_is_public" in e:
        assert r["policy_is_public"] is e["policy_is_public"], why
    if "latent" in e:
        assert bool(r["latent"]) is e["latent"], why
    if "uncertain" in e:
        assert bool(r["uncertain"]) is e["uncertain"], why
    if "reason" in e:
        assert any(e["reason"] in x for x in r["reasons"] + r["latent"]), why
    # invariants that hold for every case
    assert r["public"] == any(any(v.values()) for v in r["access"].values())
    for cap in CAPABILITIES:
        assert isinstance(r["access"]["anonymous"][cap], bool)
        if r["access"]["anonymous"][cap]:
            assert r["access"]["any_aws_account"][cap], "any AWS account can do what anonymous can"
    json.dumps(r)  # JSON-able


def test_table_size_and_unique_ids() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 80
    assert all(c["rule"] for c in CASES)
