"""person_records: one row per person record (its keys space-separated) instead of one per key

Revision ID: 0010_person_records
Revises: 0009_watch_key_fingerprints
Create Date: 2026-12-02 13:30:00

Scans written before keep their rows in person_keys, which stays and is still read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_person_records"
down_revision = "0009_watch_key_fingerprints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_records",
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("record", sa.Integer(), nullable=False),
        sa.Column("key_set", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_person_records_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("object_id", "record", name=op.f("pk_person_records")),
    )


def downgrade() -> None:
    op.drop_table("person_records")
