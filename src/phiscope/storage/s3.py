"""Talk to AWS S3 or any S3-compatible endpoint (MinIO, Ceph RGW, OVH, Scaleway, moto).

One place builds clients so every command honours the same options: the standard boto3 credential
chain, a profile, a custom endpoint, path-style addressing, anonymous (unsigned) mode, and the SDK's
retry modes for throttling (503 SlowDown) and transient errors.
"""

from __future__ import annotations

from typing import Any

DEFAULT_RETRIES = {"max_attempts": 8, "mode": "adaptive"}


def make_session(profile: str | None = None, region: str | None = None) -> Any:
    import boto3

    return boto3.session.Session(profile_name=profile, region_name=region)


def make_client(
    service: str = "s3",
    *,
    endpoint_url: str | None = None,
    profile: str | None = None,
    region: str | None = None,
    anonymous: bool = False,
    path_style: bool | None = None,
    retries: dict[str, Any] | None = None,
    max_pool_connections: int = 32,
    connect_timeout: float = 5.0,
    read_timeout: float = 60.0,
) -> Any:
    """A boto3 client. `anonymous=True` sends unsigned requests (the attacker's view).

    Path-style addressing defaults to on for custom endpoints (MinIO, Ceph and moto need it) and to
    the SDK's choice for AWS itself.
    """
    import botocore
    from botocore.config import Config

    if path_style is None:
        path_style = endpoint_url is not None
    cfg = Config(
        signature_version=botocore.UNSIGNED if anonymous else None,
        s3={"addressing_style": "path" if path_style else "auto"},
        retries=retries or DEFAULT_RETRIES,  # type: ignore[arg-type]
        max_pool_connections=max_pool_connections,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    session = make_session(profile, region)
    return session.client(
        service, endpoint_url=endpoint_url, region_name=region or session.region_name or "us-east-1", config=cfg
    )


def has_credentials(profile: str | None = None) -> bool:
    """True when the standard credential chain yields credentials (else: anonymous mode)."""
    try:
        return make_session(profile).get_credentials() is not None
    except Exception:
        return False
