"""A bucket that could not be verified is never rendered as private (HTML, CSV) (issue 22)."""

from __future__ import annotations

import copy
import csv
import io

from phiscope.report.csvout import to_csv
from phiscope.report.html import render_html
from phiscope.report.sample import make_report


def _report() -> dict:
    r = copy.deepcopy(make_report(30))
    b = r["buckets"][-1]
    b.update(
        verdict="could_not_verify",
        verdict_cause="no such bucket",
        verdict_hint="check the bucket name",
        exposure=None,
        exposure_errors=["could not read bucket settings: bucket does not exist"],
    )
    return r


def test_html_says_could_not_verify() -> None:
    r = _report()
    html = render_html(r)
    name = r["buckets"][-1]["name"]
    section = html.split(f"<b>{name}</b>", 1)[1].split("</details>", 1)[0]
    assert "Could not verify" in section and "no such bucket" in section
    assert "No one outside the account" not in section and "Private" not in section


def test_csv_carries_the_verdict_of_an_unverified_bucket() -> None:
    r = _report()
    rows = list(csv.DictReader(io.StringIO(to_csv(r))))
    name = r["buckets"][-1]["name"]
    mine = [x for x in rows if x["family"] == "exposure" and x["bucket"] == name]
    assert mine and all(x["status"] == "could_not_verify" and x["type"] == "unverified" for x in mine)
