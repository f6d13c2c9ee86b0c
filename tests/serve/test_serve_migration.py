"""Migration 0004 creates exactly the dashboard tables and indexes the models declare."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from phiscope.db import tables
from phiscope.db.serve import TABLES
from phiscope.db.store import connect


def test_migration_matches_the_models(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'm.db'}")
    ours = {t.name for t in TABLES}
    with engine.connect() as c:
        diffs = compare_metadata(MigrationContext.configure(c), tables.metadata())

    def touches_ours(d: object) -> bool:
        text = repr(d)
        return any(name in text for name in ours)

    assert not [d for d in diffs if touches_ours(d)]
    with engine.connect() as c:
        names = set(engine.dialect.get_table_names(c))
    assert ours <= names
