"""The typed shapes of the two objects that travel between stages: the exposure verdict and report v1.

`TypedDict`s, so the JSON stays exactly what docs/exposure.md and docs/report.md describe while mypy
checks the keys where the objects are built and read. Bottom layer: imports nothing from phiscope.
Keys that only some producers set (or that are attached after the build) are `NotRequired`; no
`from __future__ import annotations` here, or `__required_keys__` would not see them at run time.
"""

from typing import Any, NotRequired, TypedDict


class ExposureVerdict(TypedDict):
    """`exposure evaluate`'s object (exposure/evaluate.py; Azure, GCS and the anonymous probe alike)."""

    bucket: str
    public: bool
    policy_is_public: bool | None
    # audience ("anonymous", "any_aws_account") -> capability (CAPABILITIES) -> granted
    access: dict[str, dict[str, bool]]
    uncertain: list[str]
    latent: list[str]
    reasons: list[str]
    evidence: NotRequired[list[dict[str, Any]]]
    malformed: NotRequired[Any]
    probe: NotRequired[Any]
    owner_account: NotRequired[str]
    muted: NotRequired[Any]
    unread: NotRequired[list[str]]  # settings that can grant access and could not be read


class DetectionV1(TypedDict):
    """One identifier type found in one object (values never appear: counts and masked examples)."""

    type: str
    category: str
    count: int
    distinct: int
    confidence: float
    locations: Any
    masked_examples: list[str]
    muted: NotRequired[dict[str, Any]]  # set by report/mutelist.py


class ObjectV1(TypedDict):
    """One object read (or skipped, with its reason)."""

    bucket: str
    key: str
    size: int
    content_type: str | None
    storage_class: str | None
    status: str
    reason: str | None
    contains_phi: bool
    health: bool
    categories: list[str]
    detections: list[DetectionV1]


class BucketV1(TypedDict, total=False):
    """One bucket: where it is, who can reach it (exposure), what it holds and how severe that is."""

    name: str
    provider: str
    uri: str
    account_id: str | None
    account_name: str | None
    endpoint: str | None
    region: str | None
    exposure: dict[str, Any] | None  # an ExposureVerdict as stored (may carry extra keys)
    exposure_errors: Any
    exposure_level: str
    objects_total: int
    objects_selected: int
    objects_scanned: int
    bytes_scanned: int
    sampled: bool
    people_affected: int
    organisations: int
    severity: str
    contains_phi: bool
    health: bool
    categories: list[str]
    detections_by_type: dict[str, int]
    verdict: str
    verdict_cause: str | None
    verdict_hint: str | None
    health_objects_estimate: dict[str, Any] | None
    people_estimate: dict[str, Any] | None


class ScanV1(TypedDict, total=False):
    """The scan itself: when, what, how, and how much of it could be read."""

    id: str
    started_at: str | None
    finished_at: str | None
    state: str
    phiscope_version: str
    targets: Any
    endpoint: str | None
    mode: str
    options: dict[str, Any] | None
    coverage: dict[str, Any]
    status_counts: dict[str, int]
    accounts_unverified: int


class ImpactV1(TypedDict, total=False):
    """Who is affected across the scan, and what the law asks of the owner."""

    people_affected: int
    people_affected_range: list[int]
    people_exposed: int
    method: str
    people_affected_by_bucket: dict[str, int]
    organisations: int
    organisations_by_bucket: dict[str, int]
    data_categories: list[str]
    severity: str
    obligations: Any
    people_estimate: dict[str, Any] | None
    health_objects_estimate: dict[str, Any] | None


class ReportV1(TypedDict, total=False):
    """Report v1 (docs/report.md): what `build_report` returns and every renderer reads."""

    schema: str
    scan: ScanV1
    buckets: list[BucketV1]
    objects: list[ObjectV1]
    impact: ImpactV1
    accounts: list[dict[str, Any]]
