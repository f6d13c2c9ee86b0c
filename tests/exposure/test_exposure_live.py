"""Integration: snapshot collection and probing against a real S3-protocol server (moto, loopback).

moto stores settings faithfully but does not enforce access like AWS: these tests check that settings
round-trip and that probe responses are classified, never that moto's answers are the truth.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from phiscope.exposure.evaluate import evaluate_snapshot
from phiscope.exposure.probe import classify, parse_target, probe_bucket
from phiscope.exposure.snapshot import SnapshotError, collect_snapshot, control_client
from phiscope.storage.s3 import make_client

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


@pytest.fixture
def owner(s3: Any) -> Any:
    return make_client("s3", endpoint_url=s3.endpoint_url, region="us-east-1")


def test_snapshot_round_trips_settings(s3: Any, owner: Any) -> None:
    b = s3.new_bucket("snap")
    owner.put_bucket_ownership_controls(
        Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    acl = owner.get_bucket_acl(Bucket=b)
    grants = acl["Grants"] + [
        {"Grantee": {"Type": "Group", "URI": AUTH_USERS}, "Permission": "READ"},
        {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ_ACP"},
    ]
    owner.put_bucket_acl(Bucket=b, AccessControlPolicy={"Owner": acl["Owner"], "Grants": grants})
    owner.put_object(Bucket=b, Key="pub/a.csv", Body=b"x", ACL="public-read")
    owner.put_object(Bucket=b, Key="priv/b.csv", Body=b"y", ACL="private")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Pub",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{b}/pub/*",
            }
        ],
    }
    owner.put_bucket_policy(Bucket=b, Policy=json.dumps(policy))
    owner.put_public_access_block(
        Bucket=b,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    )
    control = control_client(endpoint_url=s3.endpoint_url, region="us-east-1")
    control.put_public_access_block(
        AccountId=s3.account_id,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    snap = collect_snapshot(owner, b, s3control=control, account_id=s3.account_id)
    assert snap["errors"] == []
    assert snap["ownership"] == "BucketOwnerPreferred"
    assert snap["policy"] == policy
    assert snap["public_access_block"]["BlockPublicAcls"] is True
    assert snap["public_access_block"]["RestrictPublicBuckets"] is False
    assert snap["account_public_access_block"] == {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    uris = {(g["Grantee"].get("URI"), g["Permission"]) for g in snap["acl"]["Grants"]}
    assert (AUTH_USERS, "READ") in uris and (ALL_USERS, "READ_ACP") in uris
    assert set(snap["object_acls"]) == {"pub/a.csv", "priv/b.csv"}

    r = evaluate_snapshot(json.loads(json.dumps(snap)))  # the JSON form evaluates the same
    assert r["policy_is_public"] is True
    assert r["access"]["anonymous"] == {
        "admin": False,
        "list": False,
        "read": True,
        "write": False,
        "read_acl": True,
        "write_acl": False,
    }
    assert r["access"]["any_aws_account"]["list"] is True  # AuthenticatedUsers READ
    assert any("pub/a.csv" in x for x in r["reasons"])


def test_snapshot_account_bpa_and_enforced_ownership(s3: Any, owner: Any) -> None:
    b = s3.new_bucket("acct")
    owner.put_bucket_acl(Bucket=b, ACL="public-read")
    control = control_client(endpoint_url=s3.endpoint_url, region="us-east-1")
    control.put_public_access_block(
        AccountId=s3.account_id,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    try:
        snap = collect_snapshot(owner, b, s3control=control, account_id=s3.account_id, object_keys=[])
        assert snap["account_public_access_block"]["IgnorePublicAcls"] is True
        assert snap["public_access_block"] is None  # none configured: a real null, not an error
        assert snap["policy"] is None and snap["errors"] == []
        r = evaluate_snapshot(snap)
        assert r["public"] is False
        assert any("account level" in x for x in r["latent"])
    finally:
        control.delete_public_access_block(AccountId=s3.account_id)
    owner.put_bucket_ownership_controls(
        Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    snap = collect_snapshot(owner, b, s3control=control, account_id=s3.account_id, object_keys=[])
    assert snap["ownership"] == "BucketOwnerEnforced"


def test_snapshot_reports_what_it_could_not_read(s3: Any, owner: Any) -> None:
    b = s3.new_bucket("err")
    owner.put_object(Bucket=b, Key="k", Body=b"z")
    snap = collect_snapshot(owner, b, object_keys=["k", "missing-key"], max_object_acls=5)
    ops = {(e["operation"], e["code"]) for e in snap["errors"]}
    assert ("s3control:GetPublicAccessBlock", "NotCollected") in ops  # no account id: said, not hidden
    assert any(op == "GetObjectAcl" for op, _ in ops)
    assert "k" in snap["object_acls"]
    r = evaluate_snapshot(snap)
    assert any("object ACLs could not be read" in u for u in r["uncertain"])


def test_snapshot_missing_bucket_is_a_clear_error(s3: Any, owner: Any) -> None:
    with pytest.raises(SnapshotError, match="does not exist"):
        collect_snapshot(owner, "no-such-bucket-phiscope")


def test_snapshot_without_permission_never_reads_private(s3: Any) -> None:
    b = s3.new_bucket("anon")
    anon = make_client("s3", endpoint_url=s3.endpoint_url, anonymous=True, retries={"max_attempts": 1})
    snap = collect_snapshot(anon, b, max_object_acls=3)
    failed = {e["operation"] for e in snap["errors"]}
    assert "GetBucketAcl" in failed or snap["acl"] is not None  # moto may or may not refuse
    if "GetBucketAcl" in failed:
        assert any("bucket ACL could not be read" in u for u in evaluate_snapshot(snap)["uncertain"])


# ----------------------------------------------------------------------------------------- probe


def test_probe_public_bucket_reads_one_byte(s3: Any, owner: Any) -> None:
    b = s3.new_bucket("probe")
    owner.put_bucket_acl(Bucket=b, ACL="public-read")
    owner.put_object(Bucket=b, Key="a.csv", Body=b"0123456789" * 100, ACL="public-read")
    r = probe_bucket(b, endpoint_url=s3.endpoint_url)
    anon = r["audiences"]["anonymous"]
    assert anon["list"]["outcome"] == "allowed" and anon["list"]["keys_seen"] == 1
    assert anon["read"]["outcome"] == "allowed"
    assert anon["read"]["bytes_read"] == 1 and anon["read"]["object_size"] == 1000
    assert anon["write"]["outcome"] == "skipped"
    assert r["public"] is True and r["exists"] is True
    assert "0123456789" not in json.dumps(r)  # never content beyond one byte


def test_probe_write_leaves_no_marker(s3: Any, owner: Any) -> None:
    b = s3.new_bucket("pw")
    r = probe_bucket(f"s3://{b}", endpoint_url=s3.endpoint_url, test_write=True)
    w = r["audiences"]["anonymous"]["write"]
    assert w["key"].startswith("phiscope-probe-")
    keys = [o["Key"] for o in owner.list_objects_v2(Bucket=b).get("Contents", [])]
    if w["outcome"] == "allowed" and w["deleted"]:
        assert w["key"] not in keys
    elif w["outcome"] == "allowed":  # written but not deletable: the report must say so
        assert w["key"] in keys and w["delete_outcome"] and "could not be deleted" in w["warning"]
    else:
        assert w["key"] not in keys


def test_probe_no_such_bucket(s3: Any) -> None:
    r = probe_bucket("phiscope-definitely-missing", endpoint_url=s3.endpoint_url)
    assert r["audiences"]["anonymous"]["list"]["outcome"] == "NoSuchBucket"
    assert r["exists"] is False and r["public"] is False
    assert r["summary"] == "COULD NOT VERIFY: no such bucket" and r["verdict"] == "could_not_verify"


class _FakeS3(BaseHTTPRequestHandler):
    """Answers like AWS does in cases moto cannot reproduce."""

    def log_message(self, *a: Any) -> None:
        pass

    def _xml(self, status: int, code: str, extra: dict[str, str] | None = None) -> None:
        body = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>m</Message></Error>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        bucket = self.path.lstrip("/").split("/")[0].split("?")[0]
        if bucket == "disabled":
            self._xml(403, "AllAccessDisabled")
        elif bucket == "moved":
            self._xml(301, "PermanentRedirect", {"x-amz-bucket-region": "eu-west-3"})
        elif bucket == "badcreds":
            self._xml(403, "InvalidAccessKeyId")
        else:
            self._xml(403, "AccessDenied")

    def do_HEAD(self) -> None:
        self.do_GET()


@pytest.fixture
def fake_s3() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _FakeS3)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def test_probe_all_access_disabled(fake_s3: str) -> None:
    r = probe_bucket("disabled", endpoint_url=fake_s3)
    assert r["audiences"]["anonymous"]["list"]["outcome"] == "AllAccessDisabled"
    assert r["audiences"]["anonymous"]["read_acl"]["outcome"] == "AllAccessDisabled"
    assert r["public"] is False and r["exists"] is True


def test_probe_access_denied(fake_s3: str) -> None:
    r = probe_bucket("private", endpoint_url=fake_s3, key="k")
    anon = r["audiences"]["anonymous"]
    assert anon["list"]["outcome"] == "AccessDenied" and anon["list"]["http_status"] == 403
    assert anon["read"]["outcome"] == "AccessDenied"
    assert r["summary"].startswith("nothing allowed")


def test_probe_follows_region_redirect_once(fake_s3: str) -> None:
    r = probe_bucket("moved", endpoint_url=fake_s3)
    lst = r["audiences"]["anonymous"]["list"]
    assert lst["outcome"] == "WrongRegion" and lst["bucket_region"] == "eu-west-3"
    assert r["region"] == "eu-west-3"  # it retried in the bucket's region


def test_probe_target_forms() -> None:
    assert parse_target("s3://b/k/x.csv") == {
        "bucket": "b",
        "key": "k/x.csv",
        "endpoint_url": None,
        "region": None,
    }
    t = parse_target("https://b.s3.eu-west-1.amazonaws.com/dir/f.pdf")
    assert (t["bucket"], t["key"], t["region"]) == ("b", "dir/f.pdf", "eu-west-1")
    t = parse_target("https://s3.amazonaws.com/b/f.pdf")
    assert (t["bucket"], t["key"], t["endpoint_url"]) == ("b", "f.pdf", None)
    t = parse_target("http://127.0.0.1:9000/b/f.pdf")
    assert (t["bucket"], t["key"], t["endpoint_url"]) == ("b", "f.pdf", "http://127.0.0.1:9000")
    assert parse_target("plain")["bucket"] == "plain"


@pytest.mark.parametrize(
    ("code", "status", "want"),
    [
        ("AccessDenied", 403, "AccessDenied"),
        ("AllAccessDisabled", 403, "AllAccessDisabled"),
        ("NoSuchBucket", 404, "NoSuchBucket"),
        ("InvalidAccessKeyId", 403, "InvalidCredentials"),
        ("SignatureDoesNotMatch", 403, "InvalidCredentials"),
        ("ExpiredToken", 400, "InvalidCredentials"),
        ("PermanentRedirect", 301, "WrongRegion"),
        ("EndpointConnectionError", None, "unreachable"),
        ("403", 403, "AccessDenied"),
        ("InternalError", 500, "error"),
    ],
)
def test_classify(code: str, status: int | None, want: str) -> None:
    assert classify(code, status) == want


def test_probe_invalid_credentials_profile(
    fake_s3: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = tmp_path / "credentials"
    creds.write_text("[other]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    r = probe_bucket("badcreds", endpoint_url=fake_s3, aws_profile="other")
    assert r["audiences"]["any_aws_account"]["list"]["outcome"] == "InvalidCredentials"
    r = probe_bucket("badcreds", endpoint_url=fake_s3, aws_profile="no-such-profile")
    assert r["audiences"]["any_aws_account"]["error"]["outcome"] == "NoCredentials"
