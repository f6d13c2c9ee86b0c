"""Shared fixtures: a real S3-protocol HTTP server (moto's server mode) on a free loopback port.

moto stores ACLs, policies, Block Public Access and ownership faithfully but does NOT enforce access
control like AWS: tests use it as a storage/API peer, never as the judge of exposure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from phiscope.storage.embedded import EmbeddedS3
from phiscope.storage.s3 import make_client

# Never let a test reach real AWS or pick up a developer's credentials.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)


class _Captured(Exception):
    pass


def boto3_request(client: Any, operation: str, method: str, **params: Any) -> Any:
    """The request boto3 would send for `client.method(**params)` (operation: its S3 name, e.g.
    GetObject), captured before it is sent: what the fast paths' requests are compared with."""
    seen: dict[str, Any] = {}

    def capture(request: Any, **_: Any) -> None:
        seen["request"] = request
        raise _Captured()

    event = f"before-send.s3.{operation}"
    client.meta.events.register(event, capture)
    try:
        with pytest.raises(_Captured):
            getattr(client, method)(**params)
    finally:
        client.meta.events.unregister(event, capture)
    return seen["request"]


@dataclass
class S3Server:
    endpoint_url: str
    client: Any  # boto3 S3 client bound to the server
    s3control: Any  # boto3 S3Control client bound to the server
    account_id: str

    def new_bucket(self, prefix: str = "t") -> str:
        """A fresh, uniquely named bucket (tests share one server)."""
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One moto server for the whole test session, on 127.0.0.1 and a free port."""
    with EmbeddedS3() as server:
        cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2, "mode": "standard"})
        client = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1", config=cfg)
        control = make_client("s3control", endpoint_url=server.endpoint_url, region="us-east-1")
        yield S3Server(server.endpoint_url, client, control, server.account_id)


@pytest.fixture
def s3(s3_server: S3Server) -> S3Server:
    return s3_server
