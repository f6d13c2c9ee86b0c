"""estate: sampling strata populations, bucket accounts and Organization accounts (issue 23)

Revision ID: 0004_issue23
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_issue23"
down_revision = "0004_issue18"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_strata",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scan_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=1024), nullable=False),
        sa.Column("ext", sa.String(length=64), nullable=False),
        sa.Column("objects_total", sa.Integer(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=False),
        sa.Column("objects_selected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_scan_strata_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_strata")),
    )
    op.create_index("ix_scan_strata_scan", "scan_strata", ["scan_id", "bucket"], unique=False)
    op.create_table(
        "bucket_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scan_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("account_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_bucket_accounts_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bucket_accounts")),
    )
    op.create_index("ix_bucket_accounts_scan", "bucket_accounts", ["scan_id", "bucket"], unique=False)
    op.create_table(
        "scan_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scan_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("account_name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("block_public_access", sa.JSON(), nullable=True),
        sa.Column("buckets", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_scan_accounts_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_accounts")),
    )
    op.create_index("ix_scan_accounts_scan", "scan_accounts", ["scan_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_scan_accounts_scan", table_name="scan_accounts")
    op.drop_table("scan_accounts")
    op.drop_index("ix_bucket_accounts_scan", table_name="bucket_accounts")
    op.drop_table("bucket_accounts")
    op.drop_index("ix_scan_strata_scan", table_name="scan_strata")
    op.drop_table("scan_strata")
