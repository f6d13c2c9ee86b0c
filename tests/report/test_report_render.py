"""write_reports, the terminal summary, compliance data, and that no renderer leaks unknown fields."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from phiscope.report.compliance import compliance_status, load_frameworks, requirements_for
from phiscope.report.html import render_html
from phiscope.report.render import write_reports
from phiscope.report.sample import make_report
from phiscope.report.summary import headline, print_summary

ALL = ["json", "ocsf", "sarif", "csv", "html", "summary"]


def test_write_reports_names_and_contents(tmp_path: Path) -> None:
    r = make_report(150)
    out = io.StringIO()
    paths = write_reports(r, tmp_path / "out", ALL, csv_delimiter=";", console=Console(file=out, width=120))
    sid = r["scan"]["id"]
    assert {k: p.name for k, p in paths.items()} == {
        "json": f"phiscope-{sid}.json",
        "ocsf": f"phiscope-{sid}.ocsf.json",
        "sarif": f"phiscope-{sid}.sarif",
        "csv": f"phiscope-{sid}.csv",
        "html": f"phiscope-{sid}.html",
        "report": "phiscope-report.json",
    }
    assert json.loads(paths["report"].read_text()) == json.loads(paths["json"].read_text()) == r
    assert paths["csv"].read_text().splitlines()[0].startswith("scan_id;severity;")
    assert isinstance(json.loads(paths["ocsf"].read_text()), list)
    assert json.loads(paths["sarif"].read_text())["version"] == "2.1.0"
    assert "Obligations triggered" in out.getvalue()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temp files left


def test_write_reports_always_writes_stable_json_and_rejects_unknown(tmp_path: Path) -> None:
    r = make_report(10)
    r["scan"]["id"] = "../../etc/evil id"
    paths = write_reports(r, tmp_path, ["csv"])
    assert paths["csv"].parent == tmp_path and paths["csv"].name == "phiscope-etc_evil_id.csv"
    assert (tmp_path / "phiscope-report.json").exists()
    with pytest.raises(ValueError, match="unknown report format"):
        write_reports(r, tmp_path, ["pdf"])


def test_summary_shows_every_section() -> None:
    r = make_report(300)
    buf = io.StringIO()
    print_summary(r, Console(file=buf, width=160))
    text = buf.getvalue()
    h = headline(r)
    for needle in (
        f"{h['exposed_buckets']} of {h['buckets']} bucket(s) exposed",
        f"{h['people_affected']:,}",
        "anyone: list, read",  # how it is exposed (per audience)
        "Sensitive data found, by type",
        "Top objects",
        "Coverage:",
        "Not fully scanned",
        "HIPAA-164.404",
    ):
        assert needle in text, needle


def test_summary_of_a_clean_scan() -> None:
    r = make_report(0, n_buckets=1)
    buf = io.StringIO()
    print_summary(r, Console(file=buf, width=120))
    assert "No notification obligation triggered" in buf.getvalue()


def test_frameworks_cover_the_required_articles() -> None:
    fws = {f.id: {r.id for r in f.requirements} for f in load_frameworks()}
    assert {"HIPAA", "GDPR", "HDS"} <= set(fws)
    assert {"164.308(a)(1)(ii)(A)", "164.312(a)(1)", "164.404", "164.406", "164.408"} <= fws["HIPAA"]
    assert {"Art. 5(1)(f)", "Art. 25", "Art. 32", "Art. 33", "Art. 34"} <= fws["GDPR"]
    assert "HDS-LOC" in fws["HDS"]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (
            ["exposure", "exposure:anonymous:read", "exposure:anonymous:*"],
            {"HIPAA": "164.312(d)", "GDPR": "Art. 25"},
        ),
        (["exposure", "exposure:any_aws_account:write"], {"HIPAA": "164.312(c)(1)"}),
        (["obligation:GDPR-ART33"], {"GDPR": "Art. 33"}),
        (["obligation:HDS-V2-EEA"], {"HDS": "HDS-LOC"}),
        (["data", "data:health"], {"HDS": "ISO27001-A.5.12"}),
    ],
)
def test_requirements_for(tags: list[str], expected: dict[str, str]) -> None:
    got = requirements_for(tags)
    for fw, rid in expected.items():
        assert rid in got.get(fw, []), (fw, rid, got)


def test_requirements_for_unrelated_tags_is_empty() -> None:
    assert requirements_for(["data:type:US_NPI", "data:provider"]) == {}


def test_every_pattern_in_the_framework_files_can_match_a_finding_kind() -> None:
    vocabulary = re.compile(
        r"^(exposure:(anonymous|any_aws_account|\*):(list|read|write|read_acl|write_acl|admin|\*)|exposure:latent|"
        r"exposure:unverified|data:(identity|contact|financial|health|exposed)|phi-exposed|coverage:incomplete|"
        r"obligation:[A-Z0-9.*-]+)$"
    )
    for fw in load_frameworks():
        for r in fw.requirements:
            for p in r.findings:
                assert vocabulary.match(p), (fw.id, r.id, p)


def test_compliance_status_counts_unmuted_findings() -> None:
    r = make_report(200)
    st = {fw["framework"]: {x["id"]: x for x in fw["requirements"]} for fw in compliance_status(r)}
    assert (
        st["HIPAA"]["164.312(a)(1)"]["status"] == "triggered" and st["HIPAA"]["164.312(a)(1)"]["findings"] > 0
    )
    assert st["HIPAA"]["164.404"]["status"] == "triggered" and st["HIPAA"]["164.404"]["scan_level"]
    r["impact"]["obligations"] = []
    for b in r["buckets"]:
        b["exposure"]["muted_kinds"] = {}
    st2 = {fw["framework"]: {x["id"]: x for x in fw["requirements"]} for fw in compliance_status(r)}
    assert st2["HIPAA"]["164.404"]["status"] == "clear"


SENTINELS = ("123-45-6789", "SECRET-FINGERPRINT-abc", "Jane Q. Patient")


def _poisoned() -> dict[str, Any]:
    """A report whose rows carry fields no renderer should copy (a raw value, fingerprints)."""
    r = make_report(60)
    for o in r["objects"]:
        o["raw_text"] = SENTINELS[2]
        for d in o["detections"]:
            d["value"] = SENTINELS[0]
            d["fingerprints"] = [SENTINELS[1]]
    return r


def test_no_renderer_copies_fields_it_does_not_know(tmp_path: Path) -> None:
    r = _poisoned()
    paths = write_reports(copy.deepcopy(r), tmp_path, ["ocsf", "sarif", "csv", "html"])
    for fmt in ("ocsf", "sarif", "csv", "html"):
        text = paths[fmt].read_text(encoding="utf-8")
        for s in SENTINELS:
            assert s not in text, (fmt, s)


def test_html_is_self_contained_and_escapes_keys() -> None:
    r = make_report(50)
    r["objects"][1]["key"] = "</script><img src=x onerror=alert(1)>.pdf"
    r["objects"][1]["status"] = "skipped"
    r["objects"][1]["reason"] = "<b>bold</b> reason"
    r["buckets"][0]["exposure"]["reasons"].append("<script>alert(2)</script>")
    page = render_html(r)
    assert "<img src=x" not in page and "<script>alert(2)" not in page and "<b>bold</b>" not in page
    assert page.count("</script>") == 2  # the data island and the inline script, nothing else
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert "default-src 'none'" in page  # the page may not fetch anything


def test_report_json_reads_back_whole_with_one_line_per_object(tmp_path: Path) -> None:
    """The report JSON is indented except the items of its long lists, one per line (issue 23: the
    indenting encoder was most of the time spent writing a report of 20,000 objects)."""
    r = make_report(150)
    r["scan"]["note"] = 'a "quoted"\nline and ünïcode'  # a raw newline in a string stays escaped
    paths = write_reports(r, tmp_path / "out", ["json"], console=Console(file=io.StringIO()))
    text = paths["json"].read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(r, default=str))
    lines = text.splitlines()
    start = lines.index('  "objects": [')
    object_lines = lines[start + 1 : start + 1 + len(r["objects"])]
    assert [json.loads(line.strip().rstrip(",")) for line in object_lines] == r["objects"]
    assert lines[start + 1 + len(r["objects"])] == "  ],"
    assert '  "scan": {' in lines and "ünïcode" in text  # short values still indented, UTF-8 kept


@pytest.mark.parametrize(
    "value", [{}, [], {"a": []}, {"a": [1] * 51, "b": {"c": [1, 2]}}, [1] * 60, "x", None]
)
def test_pretty_json_is_json(value: Any) -> None:
    from phiscope.report.render import pretty_json

    assert json.loads(pretty_json(value)) == value
