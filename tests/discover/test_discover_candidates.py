"""Candidate names: stems, permutations, de-duplication and each provider's naming rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from phiscope.discover import candidates as C


@pytest.mark.parametrize(
    "name",
    ["abc", "medcall-backup", "medcall.exports", "a" * 63, "my.bucket-2024", "0ab"],
)
def test_s3_accepts_valid_names(name: str) -> None:
    assert C.s3_name_ok(name)


@pytest.mark.parametrize(
    "name",
    [
        "ab",  # too short
        "a" * 64,  # too long
        "Medcall",  # upper case
        "medcall_backup",  # underscore
        "-medcall",  # must start with a letter or digit
        "medcall-",  # must end with one
        "med..call",  # adjacent periods
        "med.-call",  # a label ending in a hyphen
        "192.168.5.4",  # formatted as an IP address
        "xn--medcall",  # reserved prefix
        "sthree-medcall",
        "medcall-s3alias",  # reserved suffix
        "medcall--ol-s3",
    ],
)
def test_s3_rejects_impossible_names(name: str) -> None:
    assert not C.s3_name_ok(name)


def test_gcs_rules_differ_from_s3() -> None:
    assert C.gcs_name_ok("medcall_records") and not C.s3_name_ok("medcall_records")
    assert not C.gcs_name_ok("goog-medcall")
    assert not C.gcs_name_ok("medcall-google-data")
    assert not C.gcs_name_ok("medcall-g00gle")
    dotted = ".".join(["a" * 60] * 3)  # 182 characters, components under 63: allowed with dots
    assert C.gcs_name_ok(dotted) and not C.s3_name_ok(dotted)
    assert not C.gcs_name_ok("a" * 64)


def test_other_providers_rules() -> None:
    assert C.azure_account_ok("medcallbackup") and not C.azure_account_ok("medcall-backup")
    assert not C.azure_account_ok("a" * 25)
    assert C.dash_name_ok("medcall-backup") and not C.dash_name_ok("medcall.backup")
    assert C.b2_name_ok("medcall-backup") and not C.b2_name_ok("mc-b2")  # 5 characters: too short
    assert not C.b2_name_ok("b2-medcall")


def test_name_stems_drop_legal_suffixes() -> None:
    assert C.name_stems("Medcall Health, Inc.") == ["medcallhealth", "medcall-health", "medcall"]
    assert C.name_stems("Clínica Saúde") == ["clinicasaude", "clinica-saude", "clinica"]
    assert C.name_stems("ACME") == ["acme"]
    assert C.name_stems("Acme Digital Health LLC")[-1] == "adh"  # acronym of 3+ letters


def test_domain_stems_and_literal_names() -> None:
    stems, literal = C.domain_stems("https://www.medcall.co.uk/contact")
    assert stems == ["medcall"]
    assert literal == ["medcall.co.uk", "www.medcall.co.uk", "medcall-co-uk"]
    stems, _ = C.domain_stems("app.medcall.com")
    assert stems == ["medcall", "app-medcall"]


def test_generate_deduplicates_and_keeps_literal_first() -> None:
    out = C.generate(["Medcall", "medcall"], "medcall.com", words=["backup", "prod"], years=1)
    assert len(out) == len(set(out))
    assert out[:2] == ["medcall.com", "www.medcall.com"]
    year = str(datetime.now(UTC).year)
    for expected in (
        "medcall",
        "medcall-backup",
        "backup-medcall",
        "medcall.prod",
        "medcallbackup",
        f"medcall-{year}",
        f"medcall-backup-{year}",
        "medcall_backup",
    ):
        assert expected in out
    # one stem, 2 words, 4 separators, 1 year: 1 + 4 * (2*2 + 1 + 2) = 29, plus 3 literal names
    assert len(out) == 29 + 3


def test_for_provider_filters_impossible_names() -> None:
    out = C.generate(["Medcall"], words=["backup"], years=0)
    aws = C.for_provider(out, "s3")
    assert "medcall_backup" in out and "medcall_backup" not in aws
    assert "medcall_backup" in C.for_provider(out, "gcs")
    assert all(C.s3_name_ok(n) for n in aws)


def test_wordlist_file_extends_and_normalises(tmp_path: Path) -> None:
    f = tmp_path / "words.txt"
    f.write_text("# comment\nTelehealth\nrecords  # trailing\n\nrecords\nbad word!\n", "utf-8")
    assert C.load_wordlist(f) == ["telehealth", "records", "badword"]
    assert "backup" in C.bundled_words() and "calls" in C.bundled_words()
    assert len(C.bundled_words()) > 80
