"""Imported by the scan's fork server (scan/workerpool.py) before it forks workers that read S3: boto3
imported and botocore's S3 model and endpoint rules parsed there once, into the process's shared
loader (storage/s3.share_loader), instead of in every worker (~0.3 s of CPU each, before its first
object). Nothing is looked up or sent: the client has placeholder keys (so no credential chain runs)
and a loopback address, and is never used."""

from __future__ import annotations

import contextlib

import botocore.config  # noqa: F401  (what make_client imports, imported here once)

from phiscope.storage.s3 import make_session

# A failure here must not take the fork server down (it only skips ImportError): the workers then
# parse the model themselves, as before.
with contextlib.suppress(Exception):
    make_session().client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id="placeholder",
        aws_secret_access_key="placeholder",
    )
