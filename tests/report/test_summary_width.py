"""The terminal summary stays readable at 80 and 160 columns (issue 22): no line wider than the
terminal, no word cut in half, a short "how" per bucket, could-not-verify shown as such."""

from __future__ import annotations

import copy
import io
import re

import pytest
from rich.console import Console

from phiscope.report.sample import make_report
from phiscope.report.summary import print_summary, short_how


def _render(report: dict, width: int) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None, record=False)
    print_summary(report, console)
    return buf.getvalue()


@pytest.fixture(scope="module")
def report() -> dict:
    r = copy.deepcopy(make_report(60))
    r["buckets"][-1]["verdict"] = "could_not_verify"
    r["buckets"][-1]["verdict_cause"] = "no such bucket"
    return r


@pytest.mark.parametrize("width", [80, 160])
def test_summary_fits_the_terminal(report: dict, width: int) -> None:
    text = _render(report, width)
    lines = text.splitlines()
    assert max(len(ln) for ln in lines) <= width
    # words of the data categories and exposure words are never cut ("conta/ct")
    words = set(re.findall(r"[a-z]+", text))
    for w in ("contact", "identity", "health", "public", "private", "anonymous", "unverified", "setting"):
        for cut in range(2, len(w) - 1):
            assert not (w[:cut] in words and w[cut:] in words), (w, cut)
    assert "UNVERIFIED" in text and "no such" in text
    assert "COULD NOT BE VERIFIED" in text


def test_summary_how_is_short_at_80_columns(report: dict) -> None:
    text = _render(report, 80)
    table = text.split("Buckets", 1)[1].split("Sensitive data found", 1)[0]
    rows = [ln for ln in table.splitlines() if ln.strip() and not set(ln.strip()) <= set("━─┏┓┗┛┃│┡┩└┘╇╈═ ")]
    # a bounded number of lines per bucket: no policy sentence stacked down the screen
    assert len(rows) <= 5 * len(report["buckets"]) + 2, len(rows)
    assert "statement 0 allows" not in table  # the long explanation stays in the reports


def test_short_how_names_the_source() -> None:
    exp = {
        "evidence": [
            {"kind": "policy_statement", "effect": "grants", "text": "statement 0 allows ... to anyone"},
            {"kind": "acl_grant", "effect": "grants", "grantee": "AllUsers", "permission": "READ"},
        ],
        "reasons": [],
    }
    assert short_how(exp) == "policy: Principal *; ACL: AllUsers READ"


def test_narrow_terminal_keeps_long_sentences_in_the_reports(report: dict) -> None:
    narrow, wide = _render(report, 80), _render(report, 160)
    assert "┃ Why" not in narrow.split("Obligations triggered", 1)[1]
    assert "┃ Why" in wide.split("Obligations triggered", 1)[1]
    top = narrow.split("Top objects", 1)[1].split("Coverage", 1)[0]
    assert "more" in top or top.count("×") <= 3 * 10  # at most 3 types per object, the rest counted
