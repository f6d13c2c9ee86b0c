"""Dashboard tables (`phiscope serve`): local users, sessions, API tokens, login attempts, audit log,
and a per-scan summary cache; plus the indexes the findings explorer needs at a million rows.

Secrets are stored only as hashes: argon2id for passwords, SHA-256 for session and API tokens (they
are 256-bit random values, so a fast hash is enough and lookups stay indexed). No column holds a raw
sensitive value from a scan: the summary cache is the report without its objects.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
)

from phiscope.db.schema import metadata

ROLES = ("viewer", "operator", "admin")

serve_users = Table(
    "serve_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id, PHC string
    Column("role", String(16), nullable=False),  # viewer | operator | admin
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=false()),
)

serve_sessions = Table(
    "serve_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the cookie value
    Column("user_id", Integer, ForeignKey("serve_users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_serve_sessions_user_id", "user_id"),
)

serve_api_tokens = Table(
    "serve_api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("serve_users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),  # first characters, to tell tokens apart
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
)

serve_login_attempts = Table(
    "serve_login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(128), nullable=False),
    Column("client", String(64), nullable=False),
    Column("ok", Boolean, nullable=False),
    Index("ix_serve_login_attempts_username_at", "username", "at"),
    Index("ix_serve_login_attempts_client_at", "client", "at"),
)

serve_audit = Table(
    "serve_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("client", String(64)),
    Column("action", String(64), nullable=False),
    Column("target", Text),
    Column("result", String(32), nullable=False),  # ok | refused | failed | ...
    Column("detail", JSON, nullable=False),
    Index("ix_serve_audit_at", "at"),
)

# The report of a finished scan without its objects (headline, buckets, impact, severity counts),
# computed once: a finished scan never changes, and a million findings take seconds to summarise.
serve_scan_summaries = Table(
    "serve_scan_summaries",
    metadata,
    Column("scan_id", String(64), ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("summary", JSON, nullable=False),
)

# The findings explorer's index of a finished scan: one row per data finding (object × type) with its
# derived severity rank and "readable by" kind, written once with the summary (INSERT ... SELECT), so
# filter + sort + page is an index range scan with LIMIT instead of a join and sort over every row.
serve_findings = Table(
    "serve_findings",
    metadata,
    Column("detection_id", Integer, primary_key=True, autoincrement=False),
    Column("scan_id", String(64), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("bucket", String(255), nullable=False),
    # bytewise order on PostgreSQL too, so a key prefix is an index range on both backends
    Column("key", Text().with_variant(Text(collation="C"), "postgresql"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("category", String(32), nullable=False),
    Column("count", Integer, nullable=False),
    Column("sev", Integer, nullable=False),  # index into report.findings.LEVELS
    Column("exposure", String(48), nullable=False),  # report.findings.data_exposure_kind
    Index("ix_serve_findings_sev", "scan_id", "sev", "count", "detection_id"),
    Index("ix_serve_findings_bucket", "scan_id", "bucket", "sev", "count", "detection_id"),
    Index("ix_serve_findings_type", "scan_id", "type", "sev", "count", "detection_id"),
    Index("ix_serve_findings_exposure", "scan_id", "exposure", "sev", "count", "detection_id"),
    Index("ix_serve_findings_count", "scan_id", "count", "detection_id"),
    Index("ix_serve_findings_key", "scan_id", "key", "detection_id"),
    Index("ix_serve_findings_bucket_key", "scan_id", "bucket", "key", "detection_id"),
)

TABLES = [
    serve_users,
    serve_sessions,
    serve_api_tokens,
    serve_login_attempts,
    serve_audit,
    serve_scan_summaries,
    serve_findings,
]
