"""The findings database schema (SQLAlchemy Core). SQLite by default, PostgreSQL by URL.

All tables hang off one `metadata` so Alembic sees them together. Only masked excerpts and keyed
fingerprints are stored; no column ever holds a raw sensitive value. The objects table doubles as
the resume ledger: a row exists only once an object is finished, written in the same transaction as
its detections, so a killed scan never leaves half an object behind.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

scans = Table(
    "scans",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("state", String(16), nullable=False),  # running | finished | failed
    Column("targets", JSON, nullable=False),
    Column("endpoint", Text),
    Column("mode", String(16), nullable=False),  # owner | anonymous | local
    Column("options", JSON, nullable=False),
    Column("phiscope_version", String(32), nullable=False),
)

buckets = Table(
    "buckets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scan_id", String(64), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("endpoint", Text),
    Column("region", String(64)),
    Column("exposure", JSON),  # the `exposure evaluate` object
    Column("exposure_errors", JSON, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("objects_total", Integer, nullable=False),
    Column("bytes_total", BigInteger, nullable=False),
    Column("objects_selected", Integer, nullable=False),
    Column("sampled", Boolean, nullable=False),
    Column("provider", String(16)),  # s3 | azure | gcs (NULL: scans before 0004_issue19, all S3)
    UniqueConstraint("scan_id", "name"),
)

objects = Table(
    "objects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scan_id", String(64), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("bucket", String(255), nullable=False),
    Column("key", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(128)),
    Column("storage_class", String(32)),
    Column("content_type", String(128)),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("contains_phi", Boolean, nullable=False),
    Column("health", Boolean, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("organisations", JSON, nullable=False),  # fingerprints
    Column("bytes_read", BigInteger, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("scan_id", "bucket", "key"),
)

detections = Table(
    "detections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("object_id", Integer, ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("category", String(32), nullable=False),
    Column("count", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("locations", JSON, nullable=False),  # ≤ 15
    Column("masked_examples", JSON, nullable=False),  # ≤ 5
    Column("fingerprints", JSON, nullable=False),  # keyed HMACs of distinct values (capped)
    Column("distinct_values", Integer, nullable=False, server_default="0"),  # exact, or KMV past 50k
    Index("ix_detections_object_id", "object_id"),
)

# One row per identifying key of one person record (a table row, a form, a call): impact links
# records that share a key to count distinct people.
person_keys = Table(
    "person_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("object_id", Integer, ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
    Column("record", Integer, nullable=False),
    Column("key", String(96), nullable=False),
    Index("ix_person_keys_object_id", "object_id"),
)

# Since schema 0010: one row per person record, its keys space-separated. A 40 MB export
# holds ~110,000 keys in ~22,000 records; a row per key made the one database writer the slowest
# part of a scan. `person_keys` stays readable for scans written before.
person_records = Table(
    "person_records",
    metadata,
    Column("object_id", Integer, ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True),
    Column("record", Integer, primary_key=True),
    Column("key_set", Text, nullable=False),
)
