"""Every status, role and source column holds one of its known values and nothing else: a CHECK constraint on
each, from the StrEnums beside each feature's models (the values are written out here, as they were at this revision, so
the migration never changes when the code does).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

CHECKS = (
    ("survey", "purpose", ('survey', 'statement',)),
    ("survey_version", "status", ('draft', 'published',)),
    ("conversation", "status", (
        'invited', 'active', 'completed', 'expired', 'replaced', 'stopped', 'cancelled',
    )),
    ("conversation", "channel", ('sms', 'web',)),
    ("inbound_message", "status", ('received', 'processed',)),
    ("inbound_message", "channel", ('sms', 'web',)),
    ("answer", "status", ('answered', 'skipped', 'unanswered',)),
    ("outbound_message", "status", (
        'queued', 'sending', 'sent', 'simulated', 'skipped', 'failed', 'unconfirmed', 'replied',
        'accepted', 'scheduled', 'delivered', 'undelivered', 'read', 'canceled',
    )),
    ("outbound_message", "channel", ('sms', 'web',)),
    ("staff_user", "role", ('admin', 'champions', 'worker', 'advocacy', 'manager',)),
    ("statement", "status", ('sent', 'read', 'replied',)),
    ("message_theme", "source", ('auto', 'question', 'staff', 'removed',)),
    ("action", "status", ('planned', 'in-progress', 'done',)),
    ("advocacy_offer", "response", ('accepted', 'declined', 'thinking',)),
)


def upgrade():
    for table, column, values in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            listed = ", ".join(f"'{value}'" for value in values)
            batch_op.create_check_constraint(op.f(f"ck_{table}_{column}"), f"{column} IN ({listed})")


def downgrade():
    for table, column, _ in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
