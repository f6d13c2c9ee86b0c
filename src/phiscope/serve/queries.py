"""What the dashboard reads: scan summaries (cached), the findings explorer in SQL, scan diffs, watch status.

A finished scan's summary is the report v1 object without its objects, built once by the same code
as every report (scan.report.build_report) and cached in serve_scan_summaries, so the overview is one
row read however many findings the scan holds. The findings explorer never loads a scan into memory:
filters, sort and pagination run in SQL; severity and "readable by" are derived from the bucket's
exposure exactly as report.findings does, turned into SQL over the few (bucket, category, health)
combinations that decide them.
"""

from __future__ import annotations

import fnmatch
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    and_,
    case,
    false,
    func,
    insert,
    inspect,
    literal,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from phiscope.db.schema import detections, objects, scans
from phiscope.db.serve import serve_findings, serve_scan_summaries
from phiscope.db.store import Store
from phiscope.impact.severity import bucket_severity
from phiscope.json_types import ReportV1
from phiscope.model import PERSON_CATEGORIES
from phiscope.report.findings import (
    LEVELS,
    Finding,
    data_exposure_kind,
    exposure_findings,
)
from phiscope.report.mutelist import Mutelist

SUMMARY_VERSION = 2
SORTS = ("severity", "count", "bucket", "key", "type", "category")
# Counting a filter's matches stops here ("10,000+"): an exact count of 500,000 rows costs more than
# the page itself; narrower filters get exact totals.
COUNT_CAP = 10_000
MAX_PER_PAGE = 200


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat(timespec="seconds")


# -- scans and summaries --------------------------------------------------------------------------


def list_scans(engine: Engine, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(
            select(
                scans.c.id,
                scans.c.started_at,
                scans.c.finished_at,
                scans.c.state,
                scans.c.mode,
                scans.c.targets,
            )
            .order_by(scans.c.started_at.desc())
            .limit(limit)
            .offset(offset)
        ).mappings()
        return [dict(r) for r in rows]


def latest_finished_scan(engine: Engine) -> str | None:
    with engine.connect() as c:
        sid = c.execute(
            select(scans.c.id).where(scans.c.state == "finished").order_by(scans.c.started_at.desc()).limit(1)
        ).scalar()
        if sid is None:
            sid = c.execute(select(scans.c.id).order_by(scans.c.started_at.desc()).limit(1)).scalar()
        return str(sid) if sid is not None else None


def build_summary(report: ReportV1, data_by_sev: dict[int, int], categories: list[str]) -> dict[str, Any]:
    """The report without objects, plus the counts the overview and the filter menus show.

    Data-finding counts come from SQL (`data_stats`): the same severity rule as report.findings,
    without building a Python object per finding.
    """
    from phiscope.report.summary import headline

    sev: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for b in report.get("buckets") or []:
        for f in exposure_findings(b):
            sev[f.severity] += 1
        types.update(b.get("detections_by_type") or {})
    for rank, n in data_by_sev.items():
        sev[LEVELS[int(rank)]] += n
    return {
        "scan": report.get("scan") or {},
        "buckets": report.get("buckets") or [],
        "impact": report.get("impact") or {},
        "headline": headline(report),
        "findings_by_severity": {s: sev.get(s, 0) for s in LEVELS},
        "findings_total": sum(sev.values()),
        "data_findings": sum(data_by_sev.values()),
        "detections_by_type": dict(types.most_common()),
        "categories": categories,
    }


def data_stats(
    c: Any, scan_id: str, buckets: Sequence[Mapping[str, Any]], indexed: bool
) -> tuple[dict[int, int], list[str]]:
    """Data findings per severity rank, and the categories present, for one scan."""
    col = _cols(indexed, buckets)
    src = serve_findings if indexed else detections.join(objects, detections.c.object_id == objects.c.id)
    by_sev = {
        int(r[0]): int(r[1])
        for r in c.execute(
            select(col.sev, func.count()).select_from(src).where(col.scan_id == scan_id).group_by(col.sev)
        )
    }
    cats = sorted(
        r[0]
        for r in c.execute(select(col.category).select_from(src).where(col.scan_id == scan_id).distinct())
    )
    return by_sev, cats


def scan_summary(engine: Engine, scan_id: str) -> dict[str, Any]:
    """The summary of one scan: cached (with its findings index) once the scan is finished.

    `indexed` in the result says whether serve_findings holds the scan's findings.
    """
    cached = _cached_summary(engine, scan_id)
    if cached is not None:
        return cached
    with _building:
        cached = _cached_summary(engine, scan_id)  # built meanwhile by another request
        if cached is not None:
            return cached
        from phiscope.scan.report import build_report

        report = build_report(_SummaryStore(engine), scan_id)
        buckets = report.get("buckets") or []
        if (report.get("scan") or {}).get("state") != "finished":
            with engine.connect() as c:
                by_sev, cats = data_stats(c, scan_id, buckets, indexed=False)
            return {**build_summary(report, by_sev, cats), "indexed": False}
        # the findings index and the summary in one transaction: a cached summary implies an index
        with engine.begin() as c:
            c.execute(serve_findings.delete().where(serve_findings.c.scan_id == scan_id))
            c.execute(serve_scan_summaries.delete().where(serve_scan_summaries.c.scan_id == scan_id))
            # Bulk load: when the new rows outnumber those indexed already, dropping the indexes and
            # building them once after the insert is several times faster than updating each
            # B-tree row by row; otherwise the insert keeps them (the cost stays linear).
            existing = int(c.execute(select(func.count()).select_from(serve_findings)).scalar() or 0)
            incoming = int(
                c.execute(
                    select(func.count())
                    .select_from(detections.join(objects, detections.c.object_id == objects.c.id))
                    .where(objects.c.scan_id == scan_id)
                ).scalar()
                or 0
            )
            rebuild = incoming > max(existing, 50_000)
            if rebuild:
                for ix in serve_findings.indexes:
                    ix.drop(c)
            c.execute(_index_insert(scan_id, buckets))
            if rebuild:
                for ix in serve_findings.indexes:
                    ix.create(c)
            c.execute(text("ANALYZE serve_findings"))  # fresh statistics, or the planner guesses
            by_sev, cats = data_stats(c, scan_id, buckets, indexed=True)
            summary = build_summary(report, by_sev, cats)
            c.execute(
                insert(serve_scan_summaries).values(
                    scan_id=scan_id, computed_at=datetime.now(UTC), version=SUMMARY_VERSION, summary=summary
                )
            )
    return {**summary, "indexed": True}


def _cached_summary(engine: Engine, scan_id: str) -> dict[str, Any] | None:
    with engine.connect() as c:
        row = c.execute(
            select(serve_scan_summaries.c.summary, serve_scan_summaries.c.version).where(
                serve_scan_summaries.c.scan_id == scan_id
            )
        ).first()
    if row is not None and row.version == SUMMARY_VERSION:
        return {**row.summary, "indexed": True}
    return None


class _SummaryStore(Store):
    """The findings store without the per-detection JSON (locations, examples, fingerprints) that a
    summary does not use: decoding it is most of the cost of summarising a million findings."""

    def detection_rows(self, scan_id: str) -> Iterator[dict[str, Any]]:
        cols = [detections.c[n] for n in ("id", "object_id", "type", "category", "count", "confidence")]
        with self.engine.connect() as c:
            rows = c.execute(
                select(*cols, detections.c.distinct_values, objects.c.bucket, objects.c.key)
                .join(objects, detections.c.object_id == objects.c.id)
                .where(objects.c.scan_id == scan_id)
                .order_by(detections.c.object_id, detections.c.id)
            )
            for r in rows.mappings():
                yield {**r, "locations": [], "masked_examples": []}


_building = threading.Lock()  # one summary at a time: a second request waits, then reads the cache


def _index_insert(scan_id: str, buckets: Sequence[Mapping[str, Any]]) -> Any:
    """INSERT ... SELECT of a scan's data findings with their derived severity and exposure kind."""
    kinds: dict[str, list[str]] = {}
    for b in buckets:
        kinds.setdefault(data_exposure_kind(b.get("exposure")), []).append(b["name"])
    exposure = case(
        *[(objects.c.bucket.in_(names), literal(k)) for k, names in sorted(kinds.items())],
        else_=literal("private"),
    )
    sel = (
        select(
            detections.c.id,
            objects.c.scan_id,
            objects.c.bucket,
            objects.c.key,
            detections.c.type,
            detections.c.category,
            detections.c.count,
            severity_expr(buckets),
            exposure,
        )
        .select_from(detections.join(objects, detections.c.object_id == objects.c.id))
        .where(objects.c.scan_id == scan_id)
    )
    return insert(serve_findings).from_select(
        ["detection_id", "scan_id", "bucket", "key", "type", "category", "count", "sev", "exposure"], sel
    )


def trend(engine: Engine, limit: int = 12) -> list[dict[str, Any]]:
    """Headline numbers of the last finished scans, oldest first: those already summarised (a page
    never waits for old scans; `phiscope serve` summarises them in the background)."""
    with engine.connect() as c:
        ids = [
            r[0]
            for r in c.execute(
                select(scans.c.id)
                .where(scans.c.state == "finished")
                .order_by(scans.c.started_at.desc())
                .limit(limit)
            )
        ]
    out = []
    for sid in reversed(ids):
        s = _cached_summary(engine, sid)
        if s is None:
            continue
        out.append({"scan_id": sid, "started_at": s["scan"].get("started_at"), **s["headline"]})
    return out


def bucket_history(engine: Engine, name: str, limit: int = 20) -> list[dict[str, Any]]:
    """The bucket's verdict in each of the last (summarised) scans that covered it."""
    from phiscope.db.schema import buckets

    with engine.connect() as c:
        ids = [
            r[0]
            for r in c.execute(
                select(scans.c.id)
                .join(buckets, buckets.c.scan_id == scans.c.id)
                .where(buckets.c.name == name, scans.c.state == "finished")
                .order_by(scans.c.started_at.desc())
                .limit(limit)
            )
        ]
    out = []
    for sid in ids:
        s = _cached_summary(engine, sid)
        if s is None:
            continue
        for b in s["buckets"]:
            if b["name"] == name:
                out.append(
                    {
                        "scan_id": sid,
                        "started_at": s["scan"].get("started_at"),
                        "level": b.get("exposure_level"),
                        "severity": b.get("severity"),
                        "people": b.get("people_affected"),
                        "kinds": [f.kind for f in exposure_findings(b)],
                    }
                )
    return out


def warm(engine: Engine, limit: int = 12) -> int:
    """Summarise (and index) the last finished scans ahead of the first visit; returns how many."""
    with engine.connect() as c:
        ids = [
            r[0]
            for r in c.execute(
                select(scans.c.id)
                .where(scans.c.state == "finished")
                .order_by(scans.c.started_at.desc())
                .limit(limit)
            )
        ]
    for sid in ids:
        scan_summary(engine, sid)
    return len(ids)


# -- findings explorer ----------------------------------------------------------------------------


@dataclass
class FindingQuery:
    scan_id: str
    bucket: str | None = None
    prefix: str | None = None
    type: str | None = None
    category: str | None = None
    severity: str | None = None  # minimum severity
    exposure: str | None = None  # a data_exposure_kind value (anonymous:read, private, ...)
    muted: str = "hide"  # hide | only | all
    sort: str = "severity"
    desc: bool = True
    page: int = 1
    per_page: int = 50
    errors: list[str] = field(default_factory=list)

    def normalised(self) -> FindingQuery:
        if self.sort not in SORTS:
            self.errors.append(f"unknown sort {self.sort!r}")
            self.sort = "severity"
        if self.muted not in ("hide", "only", "all"):
            self.errors.append(f"unknown muted filter {self.muted!r}")
            self.muted = "hide"
        if self.severity and self.severity not in LEVELS:
            self.errors.append(f"unknown severity {self.severity!r}")
            self.severity = None
        self.page = max(1, int(self.page))
        self.per_page = min(MAX_PER_PAGE, max(1, int(self.per_page)))
        return self


def _is_phi() -> ColumnElement[bool]:
    return detections.c.category.in_(sorted(PERSON_CATEGORIES))


def severity_expr(buckets: Sequence[Mapping[str, Any]]) -> ColumnElement[int]:
    """SQL for a data finding's severity rank, as report.findings._BucketCtx.data_severity computes it."""
    whens = []
    for phi in (True, False):
        for health in (True, False):
            by_rank: dict[int, list[str]] = {}
            for b in buckets:
                sev = bucket_severity(b.get("exposure"), contains_phi=phi, health=health, people=0)
                by_rank.setdefault(LEVELS.index(sev), []).append(b["name"])
            # a bucket missing from the scan's rows has no exposure: the "no exposure" severity
            default = LEVELS.index(bucket_severity(None, contains_phi=phi, health=health, people=0))
            inner = case(
                *[(objects.c.bucket.in_(names), literal(rank)) for rank, names in sorted(by_rank.items())],
                else_=literal(default),
            )
            cond = and_(
                _is_phi() if phi else not_(_is_phi()), objects.c.health.is_(true() if health else false())
            )
            whens.append((cond, inner))
    return case(*whens, else_=literal(0))


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def glob_to_like(pattern: str) -> str:
    """fnmatch glob → SQL LIKE (escape '\\'). A character class becomes '_' (one character, any)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch == "[" and "]" in pattern[i + 2 :]:
            out.append("_")
            i = pattern.index("]", i + 2)
        else:
            out.append(_like_escape(ch))
        i += 1
    return "".join(out)


def glob_cond(col: Any, pattern: str, dialect: str) -> ColumnElement[bool]:
    """fnmatch.fnmatchcase(col, pattern) in SQL: SQLite's GLOB (case-sensitive, same wildcards and
    classes); elsewhere LIKE, case-sensitive on PostgreSQL (a [class] widens to any one character)."""
    if dialect == "sqlite":
        return col.op("GLOB")(pattern.replace("[!", "[^"))
    return col.like(glob_to_like(pattern), escape="\\")


def prefix_cond(col: Any, prefix: str, binary_order: bool = False) -> ColumnElement[bool]:
    """key starts with prefix, case-sensitively on every backend.

    Where the column sorts bytewise (SQLite; serve_findings.key on PostgreSQL, collation "C") the
    prefix is also a key range, which an index serves; elsewhere a collation may not keep a prefix's
    extensions together, so LIKE narrows instead.
    """
    exact = func.substr(col, 1, len(prefix)) == prefix
    if binary_order:
        return and_(col >= prefix, col < prefix + "\U0010ffff", exact)
    return and_(col.like(_like_escape(prefix) + "%", escape="\\"), exact)


def mute_cond(
    mutelist: Mutelist | None, buckets: list[dict[str, Any]], col: Any, dialect: str = ""
) -> ColumnElement[bool] | None:
    """SQL true for a data finding that a live mutelist entry matches (same rule as Mutelist.match);
    None when no entry can match this scan."""
    if mutelist is None:
        return None
    names = [b["name"] for b in buckets]
    kind = {b["name"]: data_exposure_kind(b.get("exposure")) for b in buckets}
    ors = []
    for e in mutelist.entries:
        if e.is_expired(mutelist.today):
            continue
        bs = [n for n in names if fnmatch.fnmatchcase(n, e.bucket)]
        if e.exposure is not None:
            bs = [n for n in bs if any(fnmatch.fnmatchcase(kind[n], x) for x in e.exposure)]
        if not bs:
            continue
        parts: list[ColumnElement[bool]] = [col.bucket.in_(bs)]
        if e.prefix is not None:
            if any(ch in e.prefix for ch in "*?["):
                parts.append(glob_cond(col.key, e.prefix, dialect))
            else:
                parts.append(prefix_cond(col.key, e.prefix))
        if e.types is not None:
            parts.append(
                or_(
                    *[
                        col.type == t if not any(ch in t for ch in "*?[") else glob_cond(col.type, t, dialect)
                        for t in e.types
                    ]
                )
            )
        ors.append(and_(*parts))
    return or_(*ors) if ors else None


@dataclass(frozen=True)
class _Cols:
    """Where each finding attribute lives: the findings index, or the raw tables while a scan runs."""

    id: Any
    bucket: Any
    key: Any
    type: Any
    category: Any
    count: Any
    sev: Any
    exposure: Any | None  # None: derive from the bucket list
    scan_id: Any
    source: Any


def _cols(indexed: bool, buckets: Sequence[Mapping[str, Any]]) -> _Cols:
    if indexed:
        f = serve_findings.c
        src = serve_findings.join(detections, detections.c.id == serve_findings.c.detection_id)
        return _Cols(
            f.detection_id, f.bucket, f.key, f.type, f.category, f.count, f.sev, f.exposure, f.scan_id, src
        )
    return _Cols(
        detections.c.id,
        objects.c.bucket,
        objects.c.key,
        detections.c.type,
        detections.c.category,
        detections.c.count,
        severity_expr(buckets),
        None,
        objects.c.scan_id,
        detections.join(objects, detections.c.object_id == objects.c.id),
    )


def _where(
    q: FindingQuery, buckets: list[dict[str, Any]], mutelist: Mutelist | None, col: _Cols, dialect: str = ""
) -> list[Any]:
    conds: list[Any] = [col.scan_id == q.scan_id]
    if q.bucket:
        conds.append(col.bucket == q.bucket)
    if q.prefix:
        binary = dialect == "sqlite" or (dialect == "postgresql" and col.exposure is not None)
        conds.append(prefix_cond(col.key, q.prefix, binary))
    if q.type:
        conds.append(col.type == q.type)
    if q.category:
        conds.append(col.category == q.category)
    if q.exposure:
        if col.exposure is not None:
            conds.append(col.exposure == q.exposure)
        else:
            names = [b["name"] for b in buckets if data_exposure_kind(b.get("exposure")) == q.exposure]
            conds.append(col.bucket.in_(names) if names else false())
    if q.severity:
        conds.append(col.sev >= LEVELS.index(q.severity))
    if q.muted != "all":
        m = mute_cond(mutelist, buckets, col, dialect)
        if m is not None:
            conds.append(m if q.muted == "only" else not_(m))
        elif q.muted == "only":
            conds.append(false())
    return conds


def find(
    engine: Engine,
    q: FindingQuery,
    buckets: list[dict[str, Any]],
    mutelist: Mutelist | None,
    *,
    indexed: bool = False,
) -> dict[str, Any]:
    """One page of data findings (masked examples only) and the total that match the filters."""
    q.normalised()
    col = _cols(indexed, buckets)
    conds = _where(q, buckets, mutelist, col, engine.dialect.name)
    sort_cols: dict[str, list[Any]] = {
        "severity": [col.sev, col.count],
        "count": [col.count],
        "bucket": [col.bucket, col.key],
        "key": [col.key],
        "type": [col.type, col.sev, col.count],
        "category": [col.category, col.sev, col.count],
    }
    # one direction for every sort column and the tie-breaker, so an index can be walked either way
    order = [c.desc() if q.desc else c.asc() for c in [*sort_cols[q.sort], col.id]]
    stmt = (
        select(
            col.id.label("id"),
            col.type.label("type"),
            col.category.label("category"),
            col.count.label("count"),
            detections.c.confidence,
            detections.c.locations,
            detections.c.masked_examples,
            col.bucket.label("bucket"),
            col.key.label("key"),
            col.sev.label("sev"),
        )
        .select_from(col.source)
        .order_by(*order)
    )
    offset = (q.page - 1) * q.per_page
    if indexed:
        # page through the index alone, then fetch the page's rows: a deep OFFSET skips index
        # entries instead of whole joined rows
        ids = (
            select(serve_findings.c.detection_id)
            .where(*conds)
            .order_by(*order)
            .limit(q.per_page)
            .offset(offset)
            .subquery()
        )
        stmt = stmt.where(serve_findings.c.detection_id.in_(select(ids.c.detection_id)))
    else:
        stmt = stmt.where(*conds).limit(q.per_page).offset(offset)
    count_from = serve_findings if indexed else col.source
    capped = select(literal(1)).select_from(count_from).where(*conds).limit(COUNT_CAP + 1).subquery()
    with engine.connect() as c:
        total = int(c.execute(select(func.count()).select_from(capped)).scalar() or 0)
        rows = [dict(r) for r in c.execute(stmt).mappings()]
    at_least = total > COUNT_CAP
    pages = max(1, -(-total // q.per_page))
    if at_least:
        total = COUNT_CAP
        pages = max(q.page + (len(rows) == q.per_page), COUNT_CAP // q.per_page)
    kind = {b["name"]: data_exposure_kind(b.get("exposure")) for b in buckets}
    for r in rows:
        r["severity"] = LEVELS[int(r.pop("sev"))]
        r["exposure"] = kind.get(r["bucket"], "private")
        m = (
            mutelist.match(r["bucket"], key=r["key"], type=r["type"], exposure=r["exposure"])
            if mutelist
            else None
        )
        r["muted"] = m.marker() if m else None
    return {
        "total": total,
        "total_is_lower_bound": at_least,
        "page": q.page,
        "per_page": q.per_page,
        "pages": pages,
        "rows": rows,
        "errors": q.errors,
    }


# -- scan diff ------------------------------------------------------------------------------------


def diff_scans(engine: Engine, old: str, new: str, limit: int = 200) -> dict[str, Any]:
    """New and resolved findings from scan `old` to scan `new`: scan/diff.py's comparison, the one
    `phiscope diff` and `phiscope watch` make, shaped for the page (the first `limit` data rows)."""
    from phiscope.scan.diff import diff_reports, findings_in
    from phiscope.scan.report import build_report

    so, sn = scan_summary(engine, old), scan_summary(engine, new)
    reports = (build_report(_SummaryStore(engine), sid) for sid in (old, new))
    d, everything = diff_reports(*reports)
    opened, resolved = findings_in(d, everything, "new"), findings_in(d, everything, "resolved")
    data_new, data_resolved = _data_rows(opened), _data_rows(resolved)
    return {
        "old": old,
        "new": new,
        "exposure_new": _exposure_rows(opened),
        "exposure_resolved": _exposure_rows(resolved),
        "data_new_total": len(data_new),
        "data_new": data_new[:limit],
        "data_resolved_total": len(data_resolved),
        "data_resolved": data_resolved[:limit],
        "headline_old": so["headline"],
        "headline_new": sn["headline"],
    }


def _exposure_rows(found: Sequence[Finding]) -> list[dict[str, Any]]:
    rows = [
        {"bucket": f.bucket, "kind": f.kind, "severity": f.severity} for f in found if f.family == "exposure"
    ]
    return sorted(rows, key=lambda r: (r["bucket"], r["kind"]))


def _data_rows(found: Sequence[Finding]) -> list[dict[str, Any]]:
    """One row per object and type, by object (bucket, key), then type."""
    rows = [
        {"bucket": f.bucket, "key": f.key, "type": f.kind, "count": f.count}
        for f in found
        if f.family == "data"
    ]
    return sorted(rows, key=lambda r: (r["bucket"], r["key"] or "", r["type"]))


# -- watch status (tables owned by `phiscope watch`, read only when present) ----------------------


def watch_status(engine: Engine, limit: int = 20) -> list[dict[str, Any]] | None:
    """Recent rows of each `watch*` table when `phiscope watch` has used this database, else None
    (its tables are part of the schema, so "used" means: some row in one of them).

    The watcher's schema is its own; this reads whatever tables it created, newest rows first,
    without depending on their columns.
    """
    names = [t for t in inspect(engine).get_table_names() if t.startswith("watch")]
    if not names:
        return None
    from sqlalchemy import MetaData, Table

    md = MetaData()
    out = []
    with engine.connect() as c:
        for name in sorted(names):
            t = Table(name, md, autoload_with=c)
            n = int(c.execute(select(func.count()).select_from(t)).scalar() or 0)
            pk = list(t.primary_key.columns)
            stmt = select(t).limit(limit)
            if pk:
                stmt = stmt.order_by(*[col.desc() for col in pk])
            rows = [
                {
                    k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v))
                    for k, v in r.items()
                }
                for r in c.execute(stmt).mappings()
            ]
            out.append(
                {"table": name, "rows_total": n, "columns": [col.name for col in t.columns], "rows": rows}
            )
    return out if any(t["rows_total"] for t in out) else None


def scan_ids(engine: Engine) -> set[str]:
    with engine.connect() as c:
        return {r[0] for r in c.execute(select(scans.c.id))}


def iso(dt: datetime | None) -> str | None:
    return _iso(dt)
