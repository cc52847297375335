"""Covering indexes for summaries on PostgreSQL: a period's theme rows (with their source, sentiment, channel and
locality) and its message total are read from the index alone, without visiting the tables. SQLite keeps the plain
indexes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_message_theme_received_at_theme_id", table_name="message_theme")
    op.create_index(
        "ix_message_theme_received_at_theme_id",
        "message_theme",
        ["received_at", "theme_id"],
        postgresql_include=["source", "sentiment", "channel", "locality"],
    )
    op.drop_index("ix_message_analysis_received_at", table_name="message_analysis")
    op.create_index(
        "ix_message_analysis_received_at",
        "message_analysis",
        ["received_at"],
        postgresql_include=["channel", "locality"],
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_message_analysis_received_at", table_name="message_analysis")
    op.create_index("ix_message_analysis_received_at", "message_analysis", ["received_at"])
    op.drop_index("ix_message_theme_received_at_theme_id", table_name="message_theme")
    op.create_index("ix_message_theme_received_at_theme_id", "message_theme", ["received_at", "theme_id"])
