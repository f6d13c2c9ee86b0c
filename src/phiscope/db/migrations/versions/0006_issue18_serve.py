"""dashboard: users, sessions, API tokens, login attempts, audit log, scan summaries; explorer indexes

Revision ID: 0004_issue18
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_issue18"
down_revision = "0004_issue17"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "serve_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serve_users")),
        sa.UniqueConstraint("username", name=op.f("uq_serve_users_username")),
    )
    op.create_table(
        "serve_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["serve_users.id"],
            name=op.f("fk_serve_sessions_user_id_serve_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serve_sessions")),
    )
    op.create_index("ix_serve_sessions_user_id", "serve_sessions", ["user_id"])
    op.create_table(
        "serve_api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["serve_users.id"],
            name=op.f("fk_serve_api_tokens_user_id_serve_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serve_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_serve_api_tokens_token_hash")),
    )
    op.create_table(
        "serve_login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serve_login_attempts")),
    )
    op.create_index("ix_serve_login_attempts_username_at", "serve_login_attempts", ["username", "at"])
    op.create_index("ix_serve_login_attempts_client_at", "serve_login_attempts", ["client", "at"])
    op.create_table(
        "serve_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serve_audit")),
    )
    op.create_index("ix_serve_audit_at", "serve_audit", ["at"])
    op.create_table(
        "serve_scan_summaries",
        sa.Column("scan_id", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["scans.id"],
            name=op.f("fk_serve_scan_summaries_scan_id_scans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scan_id", name=op.f("pk_serve_scan_summaries")),
    )
    # the findings explorer's per-scan index (a million findings: index range scans with LIMIT)
    op.create_table(
        "serve_findings",
        sa.Column("detection_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scan_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("key", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sev", sa.Integer(), nullable=False),
        sa.Column("exposure", sa.String(length=48), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_serve_findings_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("detection_id", name=op.f("pk_serve_findings")),
    )
    for name, cols in _FINDINGS_INDEXES.items():
        op.create_index(name, "serve_findings", cols)


_FINDINGS_INDEXES = {
    "ix_serve_findings_sev": ["scan_id", "sev", "count", "detection_id"],
    "ix_serve_findings_bucket": ["scan_id", "bucket", "sev", "count", "detection_id"],
    "ix_serve_findings_type": ["scan_id", "type", "sev", "count", "detection_id"],
    "ix_serve_findings_exposure": ["scan_id", "exposure", "sev", "count", "detection_id"],
    "ix_serve_findings_count": ["scan_id", "count", "detection_id"],
    "ix_serve_findings_key": ["scan_id", "key", "detection_id"],
    "ix_serve_findings_bucket_key": ["scan_id", "bucket", "key", "detection_id"],
}


def downgrade() -> None:
    for name in _FINDINGS_INDEXES:
        op.drop_index(name, table_name="serve_findings")
    op.drop_table("serve_findings")
    op.drop_table("serve_scan_summaries")
    op.drop_index("ix_serve_audit_at", table_name="serve_audit")
    op.drop_table("serve_audit")
    op.drop_index("ix_serve_login_attempts_client_at", table_name="serve_login_attempts")
    op.drop_index("ix_serve_login_attempts_username_at", table_name="serve_login_attempts")
    op.drop_table("serve_login_attempts")
    op.drop_table("serve_api_tokens")
    op.drop_index("ix_serve_sessions_user_id", table_name="serve_sessions")
    op.drop_table("serve_sessions")
    op.drop_table("serve_users")
