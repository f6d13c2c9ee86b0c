"""discovery tables (phiscope discover)

Revision ID: 0004_issue20
Revises: 0003
Create Date: 2026-12-02 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_issue20"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discovery_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("unchecked", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_runs")),
    )
    op.create_table(
        "discovered_buckets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("anonymous_list", sa.Boolean(), nullable=True),
        sa.Column("anonymous_read", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovered_buckets")),
    )
    with op.batch_alter_table("discovered_buckets", schema=None) as batch_op:
        batch_op.create_index("ix_discovered_buckets_bucket", ["provider", "bucket"], unique=False)
        batch_op.create_index("ix_discovered_buckets_run", ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("discovered_buckets", schema=None) as batch_op:
        batch_op.drop_index("ix_discovered_buckets_run")
        batch_op.drop_index("ix_discovered_buckets_bucket")
    op.drop_table("discovered_buckets")
    op.drop_table("discovery_runs")
