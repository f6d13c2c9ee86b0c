"""Mutelist (baseline): accepted findings, each with a reason, an owner and an expiry date.

Matching rule (docs/report-formats.md): every criterion an entry sets must be met by the finding, and a
finding that lacks the attribute does not meet it. A bucket-level exposure finding has no key and no
detection type, so an entry narrowed by `prefix` or `types` never mutes a bucket's exposure; a data
finding carries the way its bucket's data can be read (`anonymous:read`, `any_aws_account:read`,
`private`), so an entry with `exposure: ["anonymous:read"]` mutes data only while that stays true.
Expired entries match nothing and are reported as warnings, so an accepted risk cannot silently
outlive its review date.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from phiscope.json_types import ReportV1
from phiscope.report.findings import data_exposure_kind, exposure_findings

_ALLOWED = {"bucket", "prefix", "types", "exposure", "reason", "owner", "expires"}


class MutelistError(ValueError):
    """The mutelist file is unreadable or malformed (the message says where)."""


@dataclass(frozen=True, slots=True)
class MuteEntry:
    bucket: str
    reason: str
    prefix: str | None = None
    types: tuple[str, ...] | None = None
    exposure: tuple[str, ...] | None = None
    owner: str | None = None
    expires: date | None = None
    index: int = 0

    def is_expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def marker(self) -> dict[str, Any]:
        """What a muted finding carries in the report."""
        return {
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
        }

    def matches(self, bucket: str, key: str | None, type: str | None, exposure: str | None) -> bool:
        if not fnmatch.fnmatchcase(bucket, self.bucket):
            return False
        if self.prefix is not None:
            if key is None:
                return False
            if any(c in self.prefix for c in "*?["):
                if not fnmatch.fnmatchcase(key, self.prefix):
                    return False
            elif not key.startswith(self.prefix):
                return False
        if self.types is not None and (
            type is None or not any(fnmatch.fnmatchcase(type, t) for t in self.types)
        ):
            return False
        return not (
            self.exposure is not None
            and (exposure is None or not any(fnmatch.fnmatchcase(exposure, e) for e in self.exposure))
        )

    def describe(self) -> str:
        scope = self.bucket + (f"/{self.prefix}" if self.prefix else "")
        return f"entry #{self.index + 1} ({scope}: {self.reason})"


class Mutelist:
    def __init__(self, entries: list[MuteEntry], *, today: date | None = None) -> None:
        self.today = today or date.today()
        self.entries = entries
        self._live = [e for e in entries if not e.is_expired(self.today)]

    def match(
        self,
        bucket: str,
        key: str | None = None,
        type: str | None = None,
        exposure: str | None = None,
    ) -> MuteEntry | None:
        for e in self._live:
            if e.matches(bucket, key, type, exposure):
                return e
        return None

    def expired(self) -> list[str]:
        return [
            f"mutelist {e.describe()} expired on {e.expires}; its findings are reported again"
            for e in self.entries
            if e.is_expired(self.today)
        ]


def _str_list(v: Any, where: str, name: str) -> tuple[str, ...] | None:
    if v is None:
        return None
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
        raise MutelistError(f"{where}: '{name}' must be a non-empty list of strings")
    return tuple(v)


def _date(v: Any, where: str) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise MutelistError(f"{where}: 'expires' must be a date like 2027-06-30")


def parse_mutelist(data: Any, *, today: date | None = None, source: str = "mutelist") -> Mutelist:
    """The YAML document (already parsed) → Mutelist; a clear error names the bad entry."""
    if data is None:
        return Mutelist([], today=today)
    if not isinstance(data, dict) or not isinstance(data.get("mutelist", []), list):
        raise MutelistError(f"{source}: expected a mapping with a 'mutelist:' list of entries")
    entries: list[MuteEntry] = []
    for i, raw in enumerate(data.get("mutelist") or []):
        where = f"{source}: entry #{i + 1}"
        if not isinstance(raw, dict):
            raise MutelistError(f"{where}: must be a mapping")
        unknown = sorted(set(raw) - _ALLOWED)
        if unknown:
            raise MutelistError(f"{where}: unknown field(s) {', '.join(unknown)}")
        bucket = raw.get("bucket")
        if not isinstance(bucket, str) or not bucket:
            raise MutelistError(f"{where}: 'bucket' (a name or glob) is required")
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise MutelistError(f"{where}: 'reason' is required (why this finding is accepted)")
        prefix = raw.get("prefix")
        if prefix is not None and (not isinstance(prefix, str) or not prefix):
            raise MutelistError(f"{where}: 'prefix' must be a non-empty string")
        owner = raw.get("owner")
        if owner is not None and not isinstance(owner, str):
            raise MutelistError(f"{where}: 'owner' must be a string")
        entries.append(
            MuteEntry(
                bucket=bucket,
                reason=reason.strip(),
                prefix=prefix,
                types=_str_list(raw.get("types"), where, "types"),
                exposure=_str_list(raw.get("exposure"), where, "exposure"),
                owner=owner,
                expires=_date(raw.get("expires"), where),
                index=i,
            )
        )
    return Mutelist(entries, today=today)


def load_mutelist(path: Path, *, today: date | None = None) -> Mutelist:
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise MutelistError(f"cannot read mutelist {path}: {e.strerror or type(e).__name__}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise MutelistError(f"mutelist {path}: invalid YAML{at}") from None
    return parse_mutelist(data, today=today, source=str(path))


def apply_mutelist(report: ReportV1, mutelist: Mutelist) -> list[str]:
    """Mark muted findings in place and return warnings (expired entries, entries that muted nothing).

    Bucket exposure: `exposure["muted_kinds"][kind] = marker` per muted exposure kind, and
    `exposure["muted"] = marker` when every exposure finding of the bucket is muted. Detections:
    `detection["muted"] = marker`.
    """
    warnings = mutelist.expired()
    used: set[int] = set()
    exposure_kind: dict[str, str] = {}
    for b in report.get("buckets") or []:
        exp = b.get("exposure")
        if not isinstance(exp, dict):
            continue
        kinds = [f.kind for f in exposure_findings(b)]
        muted: dict[str, Any] = {}
        first: MuteEntry | None = None
        for kind in kinds:
            e = mutelist.match(b["name"], exposure=kind)
            if e is not None:
                muted[kind] = e.marker()
                used.add(e.index)
                first = first or e
        if muted:
            exp["muted_kinds"] = muted
        if first is not None and len(muted) == len(kinds):
            exp["muted"] = first.marker()
        exposure_kind[b["name"]] = data_exposure_kind(exp)
    for o in report.get("objects") or []:
        kind = exposure_kind.get(o["bucket"], "private")
        for d in o.get("detections") or ():
            e = mutelist.match(o["bucket"], key=o["key"], type=d["type"], exposure=kind)
            if e is not None:
                d["muted"] = e.marker()
                used.add(e.index)
    for e in mutelist.entries:
        if e.index not in used and not e.is_expired(mutelist.today):
            warnings.append(f"mutelist {e.describe()} matched no finding in this scan")
    return warnings
