"""Endpoint shapes of each provider and --endpoint-template parsing (pure: no request is sent)."""

from __future__ import annotations

import pytest

from phiscope.discover.probe import mask_key, object_url
from phiscope.discover.providers import PROVIDERS, parse_endpoint_templates


def test_aws_virtual_hosted_and_path_style_for_dotted_names() -> None:
    aws = PROVIDERS["aws"]
    assert aws.url("medcall-backup") == "https://medcall-backup.s3.amazonaws.com/"
    assert aws.url("medcall.exports") == "https://s3.amazonaws.com/medcall.exports/"
    assert (
        aws.regional_url("medcall-backup", "eu-west-3")
        == "https://medcall-backup.s3.eu-west-3.amazonaws.com/"
    )
    assert aws.regional_url("a.b.c", "eu-west-3") == "https://s3.eu-west-3.amazonaws.com/a.b.c/"
    assert aws.host_key() == "s3.amazonaws.com"  # one rate limit for the whole service host


def test_region_providers_shapes() -> None:
    assert PROVIDERS["do"].url("mc-data", "ams3") == "https://mc-data.ams3.digitaloceanspaces.com/"
    assert PROVIDERS["scaleway"].url("mc-data", "fr-par") == "https://mc-data.s3.fr-par.scw.cloud/"
    assert PROVIDERS["ovh"].url("mc-data", "gra") == "https://mc-data.s3.gra.io.cloud.ovh.net/"
    assert (
        PROVIDERS["linode"].url("mc-data", "eu-central-1")
        == "https://mc-data.eu-central-1.linodeobjects.com/"
    )
    assert PROVIDERS["b2"].url("mc-data", "us-west-004") == "https://mc-data.s3.us-west-004.backblazeb2.com/"
    assert PROVIDERS["gcs"].url("mc_data") == "https://storage.googleapis.com/mc_data/"
    assert PROVIDERS["azure"].url("mcdata") == "https://mcdata.blob.core.windows.net/"
    assert len(PROVIDERS["do"].regions) > 3 and PROVIDERS["aws"].regions == (None,)


def test_endpoint_templates() -> None:
    out = parse_endpoint_templates(
        [
            "http://127.0.0.1:9000/{bucket}",
            "gcs=http://127.0.0.1:9001/{bucket}",
            "aws=http://127.0.0.1:9002/{region}/{bucket}",
        ],
        ["us-east-1", "eu-west-3"],
    )
    assert out["custom"].url("x-y") == "http://127.0.0.1:9000/x-y/"
    assert out["gcs"].rule == "gcs"  # the provider's naming rules stay
    assert out["aws"].regions == ("us-east-1", "eu-west-3")
    assert out["aws"].regional_url("b", "eu-west-3") == "http://127.0.0.1:9002/eu-west-3/b/"
    assert out["custom"].host_key() == "127.0.0.1:9000"


@pytest.mark.parametrize(
    "bad",
    [
        "http://127.0.0.1:9000/",
        "nope=http://127.0.0.1/{bucket}",
        "ftp://127.0.0.1/{bucket}",
        "http://h/{bucket}/{x}",
    ],
)
def test_bad_templates_are_usage_errors(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_endpoint_templates([bad])


def test_object_url_and_key_masking() -> None:
    assert object_url("http://h/b/", "dir/a b.csv") == "http://h/b/dir/a%20b.csv"
    assert object_url("http://h/acct/c", "x") == "http://h/acct/c/x"
    assert mask_key("exports/ssn-123-45-6789.csv") == "exports/ssn-###-45-####.csv"
    assert mask_key("patients/2024/report.pdf") == "patients/####/report.pdf"


def test_objects_picked_for_reading_favour_formats_readable_from_their_start() -> None:
    from phiscope.discover.probe import pick_objects

    keys = [("dir/", 0), ("a.xlsx", 900), ("b.csv", 10), ("c.bin", 50), ("d.csv", 500), ("empty.csv", 0)]
    assert [k for k, _ in pick_objects(keys, 4)] == ["d.csv", "b.csv", "c.bin", "a.xlsx"]


def test_token_bucket_holds_the_rate() -> None:
    import asyncio
    import time

    from phiscope.discover.probe import TokenBucket

    async def take(n: int) -> float:
        tb = TokenBucket(rate=50, burst=1)
        t0 = time.monotonic()
        for _ in range(n):
            await tb.acquire()
        return time.monotonic() - t0

    # 1 token at once, then one every 1/50 s: 11 acquisitions cannot take less than 0.2 s
    assert asyncio.run(take(11)) >= 0.2 - 1e-3
