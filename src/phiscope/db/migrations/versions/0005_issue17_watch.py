"""watch tables (phiscope watch: state, object ledger, events, finding lifecycle, alert outbox)

Revision ID: 0004_issue17
Revises: 0003
Create Date: 2026-12-02 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_issue17"
down_revision = "0004_issue20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_state",
        sa.Column("watch_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("watch_id", "name", name=op.f("pk_watch_state")),
    )
    op.create_table(
        "watch_objects",
        sa.Column("watch_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("version", sa.String(length=160), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("watch_id", "bucket", "key", name=op.f("pk_watch_objects")),
    )
    op.create_table(
        "watch_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("watch_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=True),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("detail", sa.String(length=128), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_events")),
    )
    with op.batch_alter_table("watch_events", schema=None) as batch_op:
        batch_op.create_index("ix_watch_events_watch_id", ["watch_id"], unique=False)
    op.create_table(
        "watch_findings",
        sa.Column("watch_id", sa.String(length=64), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("exposure", sa.String(length=64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("alerted", sa.String(length=16), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("watch_id", "uid", name=op.f("pk_watch_findings")),
    )
    with op.batch_alter_table("watch_findings", schema=None) as batch_op:
        batch_op.create_index("ix_watch_findings_bucket", ["watch_id", "bucket"], unique=False)
    op.create_table(
        "watch_alerts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("watch_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_alerts")),
    )
    with op.batch_alter_table("watch_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_watch_alerts_bucket", ["watch_id", "bucket", "created_at"], unique=False)
    op.create_table(
        "watch_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["watch_alerts.id"],
            name=op.f("fk_watch_deliveries_alert_id_watch_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_deliveries")),
    )
    with op.batch_alter_table("watch_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_watch_deliveries_status", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    for name in ("watch_deliveries", "watch_alerts", "watch_findings", "watch_events", "watch_objects"):
        op.drop_table(name)
    op.drop_table("watch_state")
