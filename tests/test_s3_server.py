"""The test endpoint is a real HTTP S3 peer: objects and settings round-trip over the wire."""

from __future__ import annotations

import json

from conftest import S3Server


def test_objects_round_trip_over_http(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    s3.client.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello")
    assert s3.client.get_object(Bucket=bucket, Key="a/b.txt")["Body"].read() == b"hello"
    keys = [o["Key"] for o in s3.client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["a/b.txt"]
    assert s3.endpoint_url.startswith("http://127.0.0.1:")


def test_policy_round_trips(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    s3.client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert json.loads(s3.client.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    s3.client.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.client.put_object(Bucket=bucket, Key="k", Body=b"x")
