"""Provider-correct identifiers from a report bucket row (report/provider.py)."""

from __future__ import annotations

from phiscope.report.provider import (
    bucket_type,
    bucket_uid,
    bucket_url,
    cloud_provider,
    databucket_type,
    object_uid,
    object_uri,
)

S3 = {"name": "b", "provider": "s3", "endpoint": None}
OLD = {"name": "b", "endpoint": None}  # report of a scan before buckets.provider existed
AZ = {"name": "acct/cont", "provider": "azure", "endpoint": "https://acct.blob.core.windows.net"}
AZ_EMU = {
    "name": "devstoreaccount1/c",
    "provider": "azure",
    "endpoint": "http://127.0.0.1:1234/devstoreaccount1",
}
GS = {"name": "g", "provider": "gcs", "endpoint": "https://storage.googleapis.com"}


def test_uris() -> None:
    assert object_uri(S3, "b", "k/x.csv") == object_uri(OLD, "b", "k/x.csv") == "s3://b/k/x.csv"
    assert object_uri(GS, "g", "k/x.csv") == "gs://g/k/x.csv"
    assert object_uri(AZ, "acct/cont", "k/a b.csv") == "https://acct.blob.core.windows.net/cont/k/a%20b.csv"
    assert object_uri(AZ_EMU, "devstoreaccount1/c", "k") == "http://127.0.0.1:1234/devstoreaccount1/c/k"
    assert object_uri(None, "b", None) == "s3://b/"


def test_uids_types_and_ocsf_names() -> None:
    assert bucket_uid(S3, "b") == "arn:aws:s3:::b" and object_uid(S3, "b", "k") == "arn:aws:s3:::b/k"
    assert bucket_uid(GS, "g") == "//storage.googleapis.com/projects/_/buckets/g"
    assert object_uid(GS, "g", "k/x") == "//storage.googleapis.com/projects/_/buckets/g/objects/k/x"
    assert bucket_uid(AZ, "acct/cont") == "https://acct.blob.core.windows.net/cont"
    assert (
        bucket_type(AZ).startswith("Microsoft.Storage/")
        and bucket_type(GS) == "storage.googleapis.com/Bucket"
    )
    assert (cloud_provider(S3, None), cloud_provider(S3, "http://minio"), cloud_provider(AZ, None)) == (
        "AWS",
        "S3-compatible",
        "Azure",
    )
    assert cloud_provider(GS, "http://emu") == "GCP"
    assert databucket_type(AZ) == (2, "Azure Blob") and databucket_type(GS) == (3, "GCP Bucket")
    assert (bucket_url(AZ), bucket_url(GS), bucket_url(OLD)) == ("az://acct/cont", "gs://g", "s3://b")
