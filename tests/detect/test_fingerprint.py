"""Keyed fingerprints: the compiled batch loop and the Python loop give HMAC-SHA256 exactly."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import sysconfig
from pathlib import Path

import pytest

from phiscope.detect import fingerprint
from phiscope.detect.fingerprint import Fingerprinter

SECRETS = [b"k", b"bench-secret-0123456789abcdef012", b"x" * 64, b"long-secret-" * 10]
VALUES = ["", "123456789", "jane.doe@example.org", "Zoë Ångström|1972-03-14", "中文名字", "9" * 1000]
PATHS = [False, pytest.param(True, marks=pytest.mark.skipif(not fingerprint._hmac_batch, reason="not built"))]


def reference(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:32]


@pytest.mark.parametrize("accelerated", PATHS)
@pytest.mark.parametrize("secret", SECRETS, ids=lambda s: f"{len(s)}B")
def test_fill_is_hmac_sha256(secret: bytes, accelerated: bool) -> None:
    fp = Fingerprinter(secret, accelerated=accelerated)
    assert fp.accelerated is accelerated
    cache: dict[str, str] = {}
    assert fp.fill(cache, iter(VALUES + VALUES), "US_SSN") == len(VALUES)  # repeats counted once
    assert cache == {v: reference(secret, "US_SSN", v) for v in VALUES}
    assert all(fp("US_SSN", v) == cache[v] for v in VALUES)


@pytest.mark.parametrize("accelerated", PATHS)
def test_fill_keeps_what_is_cached_and_separates_kinds(accelerated: bool) -> None:
    fp = Fingerprinter(b"s" * 32, accelerated=accelerated)
    cache = {"123456789": "cached"}
    assert fp.fill(cache, ["123456789", "987654321"], "US_SSN") == 1
    assert cache["123456789"] == "cached"
    other: dict[str, str] = {}
    fp.fill(other, ["987654321"], "PHONE")
    assert other["987654321"] != cache["987654321"]


@pytest.mark.parametrize("accelerated", PATHS)
@pytest.mark.parametrize(("bad", "error"), [(123, TypeError), ("\ud800", UnicodeEncodeError)])
def test_fill_rejects_what_is_not_text(accelerated: bool, bad: object, error: type[Exception]) -> None:
    fp = Fingerprinter(b"s" * 32, accelerated=accelerated)
    cache: dict[str, str] = {}
    with pytest.raises(error):
        fp.fill(cache, ["ok", bad], "US_SSN")  # type: ignore[list-item]


def test_accelerator_is_built_where_it_can_be() -> None:
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    can_build = bool(shutil.which("cc") or shutil.which("gcc")) and include.is_file()
    can_build = can_build and Path("/usr/include/openssl/sha.h").is_file()
    if not can_build:
        pytest.skip("no C compiler, Python headers or libssl-dev here")
    assert fingerprint._hmac_batch is not None, "setup.py should have built phiscope.detect._hmac_batch"


@pytest.mark.parametrize("accelerated", PATHS)
def test_fill_into_collects_every_values_fingerprint(accelerated: bool) -> None:
    fp = Fingerprinter(b"s" * 32, accelerated=accelerated)
    cache = {"a": reference(b"s" * 32, "EMAIL", "a")}
    into = {"already-there"}
    added = fp.fill(cache, ["a", "b", "b", "c"], "EMAIL", into=into)
    assert added == 2  # b and c; a was cached
    assert into == {"already-there"} | {reference(b"s" * 32, "EMAIL", v) for v in "abc"}


@pytest.mark.parametrize("accelerated", PATHS)
def test_person_keys_are_kind_and_fingerprint(accelerated: bool) -> None:
    secret = b"s" * 32
    fp = Fingerprinter(secret, accelerated=accelerated)
    cache = {"111223333": reference(secret, "US_SSN", "111223333")}
    keys = {"999887777": "kept"}
    added = fp.person_keys(cache, keys, ["111223333", "222334444", "222334444", "999887777"], "US_SSN")
    assert added == 3  # two keys, one new fingerprint
    assert keys == {
        "111223333": "US_SSN:" + reference(secret, "US_SSN", "111223333"),
        "222334444": "US_SSN:" + reference(secret, "US_SSN", "222334444"),
        "999887777": "kept",
    }
    assert cache["222334444"] == reference(secret, "US_SSN", "222334444")


@pytest.mark.parametrize("accelerated", PATHS)
def test_key_list_is_one_key_per_value(accelerated: bool) -> None:
    secret = b"s" * 32
    fp = Fingerprinter(secret, accelerated=accelerated)
    cache = {"111223333": reference(secret, "US_SSN", "111223333")}
    keys = {"999887777": "kept"}
    values = ["111223333", "", "222334444", "222334444", "999887777", ""]
    out, added = fp.key_list(cache, keys, values, "US_SSN")
    assert added == 3  # two keys, one new fingerprint
    k1 = "US_SSN:" + reference(secret, "US_SSN", "111223333")
    k2 = "US_SSN:" + reference(secret, "US_SSN", "222334444")
    assert out == [k1, None, k2, k2, "kept", None]  # "" is skipped: no key
    assert keys == {"111223333": k1, "222334444": k2, "999887777": "kept"}
    assert fp.key_list(cache, keys, values, "US_SSN") == (out, 0)  # all cached now


@pytest.mark.parametrize("accelerated", PATHS)
def test_key_list_without_a_key_cache(accelerated: bool) -> None:
    secret = b"s" * 32
    fp = Fingerprinter(secret, accelerated=accelerated)
    cache = {"111223333": reference(secret, "US_SSN", "111223333")}
    values = ["111223333", "", "222334444", "222334444"]
    out, added = fp.key_list(cache, None, values, "US_SSN")
    k1 = "US_SSN:" + reference(secret, "US_SSN", "111223333")
    k2 = "US_SSN:" + reference(secret, "US_SSN", "222334444")
    assert out == [k1, None, k2, k2] and added == 1  # one new fingerprint, cached
    assert cache["222334444"] == reference(secret, "US_SSN", "222334444")
    assert fp.key_list(cache, None, values, "US_SSN") == (out, 0)


@pytest.mark.parametrize("accelerated", PATHS)
def test_key_list_combo_skips_a_missing_half(accelerated: bool) -> None:
    secret = b"s" * 32
    fp = Fingerprinter(secret, accelerated=accelerated)
    cache: dict[str, str] = {}
    keys: dict[str, str] = {}
    values = ["ada quinn|1972-03-04", "|1972-03-04", "ada quinn|", "|", "Zoë|2000-01-01"]
    values.append(values[0])
    out, added = fp.key_list(cache, keys, values, "NAME_DOB", combo=True)
    want = {v: "NAME_DOB:" + reference(secret, "NAME_DOB", v) for v in (values[0], values[4])}
    assert out == [want[values[0]], None, None, None, want[values[4]], want[values[0]]]
    assert keys == want and added == 4


@pytest.mark.parametrize("accelerated", PATHS)
def test_key_list_rejects_what_is_not_text(accelerated: bool) -> None:
    fp = Fingerprinter(b"s" * 32, accelerated=accelerated)
    with pytest.raises(TypeError):
        fp.key_list({}, {}, ["ok", 123], "US_SSN")  # type: ignore[list-item]
