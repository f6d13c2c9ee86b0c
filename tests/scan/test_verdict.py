"""The three-valued bucket verdict: exposed / not exposed (verified) / could not verify (issue 22)."""

from __future__ import annotations

from typing import Any

import pytest

from phiscope.scan.verdict import bucket_verdict

PRIVATE = {"public": False, "access": {}, "reasons": [], "uncertain": []}
DENIED = {"outcome": "AccessDenied", "code": "AccessDenied"}


def _probe(**tests: Any) -> dict[str, Any]:
    return {"audiences": {"anonymous": tests}}


@pytest.mark.parametrize(
    ("bucket", "mode", "verdict", "cause"),
    [
        ({"exposure": {"public": True}}, "owner", "exposed", None),
        ({"exposure": PRIVATE, "exposure_errors": []}, "owner", "not_exposed", None),
        ({"exposure": None, "exposure_errors": []}, "local", "local", None),
        (
            {
                "exposure": None,
                "exposure_errors": ["could not read bucket settings: bucket 'x' does not exist"],
            },
            "owner",
            "could_not_verify",
            "no such bucket",
        ),
        (
            {"exposure": None, "exposure_errors": ["listing failed: read failed: EndpointConnectionError"]},
            "owner",
            "could_not_verify",
            "endpoint unreachable",
        ),
        (
            {
                "exposure": PRIVATE,
                "exposure_errors": [
                    {"operation": "GetBucketAcl", "code": "AccessDenied"},
                    {"operation": "GetBucketPolicy", "code": "AccessDenied"},
                ],
            },
            "owner",
            "could_not_verify",
            "every settings read was denied (AccessDenied)",
        ),
        (
            # settings denied, but the live probe got a definite denial: verified not exposed to anyone
            {
                "exposure": {**PRIVATE, "probe": _probe(list=DENIED, read=DENIED)},
                "exposure_errors": [
                    {"operation": "GetBucketAcl", "code": "AccessDenied"},
                    {"operation": "GetBucketPolicy", "code": "AccessDenied"},
                ],
            },
            "owner",
            "not_exposed",
            None,
        ),
        ({"exposure": {**PRIVATE, "probe": _probe(list=DENIED)}}, "anonymous", "not_exposed", None),
        (
            {"exposure": {**PRIVATE, "probe": _probe(list={"outcome": "error", "code": "500"})}},
            "anonymous",
            "could_not_verify",
            "no request got a definite answer",
        ),
        (
            {"exposure": {**PRIVATE, "probe": _probe(list={"outcome": "NoSuchBucket"})}},
            "anonymous",
            "could_not_verify",
            "no such bucket",
        ),
        (
            # an endpoint without the account-level API answers NoSuchBucket to it: the bucket exists
            {
                "exposure": PRIVATE,
                "exposure_errors": [
                    {
                        "operation": "s3control:GetPublicAccessBlock",
                        "code": "NoSuchBucket",
                        "message": "The specified bucket does not exist",
                    }
                ],
            },
            "owner",
            "not_exposed",
            None,
        ),
        (
            {
                "exposure": PRIVATE,
                "exposure_errors": [{"operation": "GetBucketPolicy", "code": "NoSuchBucketPolicy"}],
            },
            "owner",
            "not_exposed",
            None,
        ),
        (
            # a listing cut short: the objects after the failure were never checked
            {"exposure": PRIVATE, "exposure_errors": ["listing failed: read failed: AccessDenied"]},
            "owner",
            "could_not_verify",
            "listing failed: read failed: AccessDenied",
        ),
        (
            # one setting that can grant access could not be read: its grants are unknown
            {
                "exposure": {**PRIVATE, "unread": ["bucket policy could not be read (InvalidJSON)"]},
                "exposure_errors": [{"operation": "GetBucketPolicy", "code": "InvalidJSON"}],
            },
            "owner",
            "could_not_verify",
            "bucket policy could not be read (InvalidJSON)",
        ),
        (
            # ... unless the live probe got a definite answer
            {
                "exposure": {
                    **PRIVATE,
                    "unread": ["object ACLs could not be read (500)"],
                    "probe": _probe(read=DENIED),
                },
                "exposure_errors": [{"operation": "GetObjectAcl", "code": "500"}],
            },
            "owner",
            "not_exposed",
            None,
        ),
    ],
)
def test_verdict(bucket: dict[str, Any], mode: str, verdict: str, cause: str | None) -> None:
    v, c, hint = bucket_verdict(bucket, mode)
    assert v == verdict
    assert c == cause
    assert (hint is not None) == (verdict == "could_not_verify")
