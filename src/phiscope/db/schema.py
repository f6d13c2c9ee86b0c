"""The findings database schema (SQLAlchemy Core). SQLite by default, PostgreSQL by URL.

All tables hang off one `metadata` so Alembic sees them together. Only masked excerpts and keyed
fingerprints are stored; no column ever holds a raw sensitive value.
"""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
