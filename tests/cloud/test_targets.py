"""Target URLs: az://ACCOUNT/CONTAINER[/prefix], gs://BUCKET[/prefix], and what is refused."""

from __future__ import annotations

import pytest

from phiscope.storage.targets import is_url_target, parse_url_target, split_bucket_id


@pytest.mark.parametrize(
    ("url", "provider", "bucket", "prefix", "account", "bucket_id"),
    [
        ("az://clinicdata/intake", "azure", "intake", "", "clinicdata", "clinicdata/intake"),
        ("az://clinicdata/intake/2024/q1/", "azure", "intake", "2024/q1/", "clinicdata", "clinicdata/intake"),
        ("az://clinicdata", "azure", "", "", "clinicdata", "clinicdata/"),
        ("AZ://clinicdata/$web", "azure", "$web", "", "clinicdata", "clinicdata/$web"),
        ("gs://medcall-exports", "gcs", "medcall-exports", "", None, "medcall-exports"),
        ("gs://medcall_exports.v2/hl7/", "gcs", "medcall_exports.v2", "hl7/", None, "medcall_exports.v2"),
        ("gs://", "gcs", "", "", None, ""),
        ("s3://b/k", "s3", "b", "k", None, "b"),
    ],
)
def test_parse(
    url: str, provider: str, bucket: str, prefix: str, account: str | None, bucket_id: str
) -> None:
    t = parse_url_target(url)
    assert (t.provider, t.bucket, t.prefix, t.account, t.bucket_id) == (
        provider,
        bucket,
        prefix,
        account,
        bucket_id,
    )
    assert is_url_target(url)


@pytest.mark.parametrize(
    "url",
    [
        "az://Clinic/intake",
        "az://ab/intake",
        "az://clinicdata/In_Take",
        "az://clinicdata/a--b",
        "gs://-x",
        "gs://A",
    ],
)
def test_malformed_targets_are_refused_with_the_expected_form(url: str) -> None:
    with pytest.raises(ValueError, match=r"expected|bad"):
        parse_url_target(url)


def test_not_url_targets() -> None:
    assert not is_url_target("/tmp/folder")
    assert not is_url_target("https://example.org/x")
    with pytest.raises(ValueError):
        parse_url_target("/tmp/folder")


def test_split_bucket_id() -> None:
    assert split_bucket_id("azure", "acct/cont") == ("acct", "cont")
    assert split_bucket_id("gcs", "b") == (None, "b")
