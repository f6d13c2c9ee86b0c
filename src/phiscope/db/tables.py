"""Every table of the findings database, gathered on one MetaData for Alembic and create_all."""

from __future__ import annotations

import contextlib
import importlib

from sqlalchemy import MetaData

from phiscope.db.schema import metadata as _metadata

# Modules that add their own tables to the shared metadata (imported for that side effect).
_TABLE_MODULES = (
    "phiscope.db.remediation",
    "phiscope.db.discovery",
    "phiscope.db.watch",
    "phiscope.db.serve",
    "phiscope.db.estate",
)


def metadata() -> MetaData:
    for name in _TABLE_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    return _metadata
