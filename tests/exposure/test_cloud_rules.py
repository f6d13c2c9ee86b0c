"""Azure and GCS evaluators against their documentation case tables (azure_cases.py, gcs_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from azure_cases import CASES as AZURE_CASES
from gcs_cases import CASES as GCS_CASES

from phiscope.exposure.azure import evaluate_azure
from phiscope.exposure.gcs import evaluate_gcs
from phiscope.impact.severity import exposure_level


def _check(result: dict[str, Any], expect: dict[str, Any]) -> None:
    on = {aud: {c for c, v in caps.items() if v} for aud, caps in result["access"].items()}
    if "anon" in expect:
        assert on["anonymous"] == expect["anon"], result["reasons"] + result["latent"]
    if "any" in expect:
        assert on["any_account"] == expect["any"]
    assert on["anonymous"] <= on["any_account"], "any account can do whatever anonymous users can"
    for key in ("latent", "uncertain"):
        if key in expect:
            assert bool(result[key]) is expect[key], result[key]
    if "reason" in expect:
        assert any(expect["reason"] in t for t in result["reasons"] + result["latent"]), result
    assert result["public"] == any(bool(v) for v in on.values())
    assert result["reasons"] or result["latent"], "a verdict always says why"


@pytest.mark.parametrize("case", AZURE_CASES, ids=[c["id"] for c in AZURE_CASES])
def test_azure_cases(case: dict[str, Any]) -> None:
    r = evaluate_azure(case["snapshot"])
    assert r["provider"] == "azure" and r["bucket"] == f"clinicdata/{case['snapshot']['container']}"
    _check(r, case["expect"])


@pytest.mark.parametrize("case", GCS_CASES, ids=[c["id"] for c in GCS_CASES])
def test_gcs_cases(case: dict[str, Any]) -> None:
    r = evaluate_gcs(case["snapshot"])
    assert r["provider"] == "gcs"
    _check(r, case["expect"])


def test_any_account_reaches_severity() -> None:
    """allAuthenticatedUsers is 'authenticated' exposure for the severity table, as any_aws_account is."""
    r = evaluate_gcs(GCS_CASES[1]["snapshot"])
    assert exposure_level(r) == "authenticated"
    assert exposure_level(evaluate_gcs(GCS_CASES[0]["snapshot"])) == "public"


@pytest.mark.parametrize("bad", [{}, {"account": "a"}, []])
def test_malformed_snapshots_raise(bad: Any) -> None:
    with pytest.raises(ValueError):
        evaluate_azure(bad)
    with pytest.raises(ValueError):
        evaluate_gcs(bad if bad != {"account": "a"} else {"bucket": ""})
