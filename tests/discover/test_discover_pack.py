"""Disclosure pack formats (JSON, Markdown, HTML, OCSF 1.5.0): content present, hostile names escaped,
OCSF valid against the schema the report tests use. The end-to-end run (real loopback servers, raw
values absent from every pack file) is in test_discover_live.py."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from phiscope.cli import app
from phiscope.discover.pack import FORMATS, pack, parse_formats, render_html, to_ocsf, write_packs
from phiscope.discover.probe import READABLE, BucketResult

SCHEMA = Path(__file__).parents[1] / "report" / "schemas" / "ocsf-1.5.0-detection_finding.json"
HOSTILE = 'acme"<script>alert(1)</script>'
HOSTILE_KEY = "<img src=x onerror=alert(2)>/***-**-6789.csv"


def _result(bucket: str = HOSTILE, provider: str = "azure") -> BucketResult:
    return BucketResult(
        bucket=bucket,
        provider=provider,
        endpoint="http://127.0.0.1:1/devstoreaccount1",
        state=READABLE,
        region="eu-west-1",
        anon_list=True,
        anon_read=True,
        keys_seen=3,
        more_keys=True,
        example_keys=[HOSTILE_KEY, "patients/****.csv"],
        requests=[
            {
                "at": "2026-12-02T12:00:00+00:00",
                "url": f"http://127.0.0.1:1/{bucket}?max-keys=50",
                "status": 200,
            },
            {
                "at": "2026-12-02T12:00:01+00:00",
                "url": "http://127.0.0.1:1/x/y.csv",
                "range": "bytes=0-0",
                "status": 206,
            },
        ],
        checked_at="2026-12-02T12:00:01+00:00",
        classification={
            "objects_read": 2,
            "bytes_read": 900,
            "limits": {"objects": 5, "kib_per_object": 64},
            "types": {
                "US_SSN": {
                    "category": "identity",
                    "count": 4,
                    "objects": 2,
                    "masked_examples": ["***-**-6789"],
                }
            },
        },
    )


def _pack(**kw: Any) -> dict[str, Any]:
    contact = {
        "url": "http://127.0.0.1:1/.well-known/security.txt",
        "status": 200,
        "fields": {"contact": ["mailto:sec@example.test"], "policy": ["<b>policy</b>"]},
    }
    return pack(_result(**kw), {"id": "run-1", "started_at": "2026-12-02T12:00:00+00:00"}, contact)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_hostile_names_and_holds_the_content() -> None:
    page = render_html(_pack())
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags  # no tag came from the data
    text = "".join(parser.text)
    assert HOSTILE in text and HOSTILE_KEY in text and "<b>policy</b>" in text  # shown, as text
    for want in (
        "exists-readable",
        "Range: bytes=0-0",
        "206",
        "US_SSN",
        "***-**-6789",
        "mailto:sec@example.test",
    ):
        assert want in text, want
    assert "container's public access level" in text  # how to close it, per provider
    assert "default-src 'none'" in page and "<style>" in page and "http://" not in page.split("<body>")[0]


def test_ocsf_detection_finding_validates_against_ocsf_1_5_0() -> None:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    v = cls(schema, format_checker=cls.FORMAT_CHECKER)
    for p in (_pack(), _pack(bucket="acme-backup", provider="aws")):
        ev = to_ocsf(p)
        errs = [f"{e.json_path}: {e.message[:200]}" for e in v.iter_errors(ev)]
        assert not errs, errs
        assert ev["class_uid"] == 2004 and ev["severity"] == "Critical"  # readable, sensitive data inside
        assert ev["unmapped"]["classification"]["types"]["US_SSN"]["masked_examples"] == ["***-**-6789"]
        assert ev["evidences"][1]["data"]["status"] == 206
        assert ev["time"] > 0
    assert (
        to_ocsf(_pack(bucket="acme-backup", provider="aws"))["resources"][0]["uid"]
        == "arn:aws:s3:::acme-backup"
    )
    assert list(v.iter_errors(dict(to_ocsf(_pack()), not_an_ocsf_field=1)))  # the schema is strict


def test_write_packs_every_format_and_dotted_names(tmp_path: Path) -> None:
    packs = [_pack(bucket="acme.exports", provider="aws"), _pack(bucket="acme", provider="aws")]
    written = write_packs(tmp_path, packs)
    names = sorted(p.name for p in written)
    assert names == sorted(
        f"aws-{b}{s}" for b in ("acme.exports", "acme") for s in (".json", ".md", ".html", ".ocsf.json")
    )
    assert json.loads((tmp_path / "aws-acme.exports.json").read_text("utf-8"))["bucket"] == "acme.exports"
    ocsf = json.loads((tmp_path / "aws-acme.exports.ocsf.json").read_text("utf-8"))
    assert isinstance(ocsf, list) and ocsf[0]["resources"][0]["name"] == "acme.exports"
    only = write_packs(tmp_path / "only", packs[:1], ("html",))
    assert [p.name for p in only] == ["aws-acme.exports.html"]


def test_parse_formats() -> None:
    assert parse_formats("json,md,html,ocsf") == FORMATS
    assert parse_formats("all") == FORMATS
    assert parse_formats(" OCSF , json") == ("json", "ocsf")
    for bad in ("pdf", "", "json,xml"):
        with pytest.raises(ValueError):
            parse_formats(bad)


def test_cli_rejects_an_unknown_pack_format() -> None:
    r = CliRunner().invoke(app, ["discover", "acme", "--pack-format", "pdf", "--no-db"])
    assert r.exit_code == 2
    assert "pdf" in r.output
