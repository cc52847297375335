"""Safeguarding that reaches a person: alerts in two tiers (risk, concern) ordered by severity and escalated up a
ladder; what staff did about an alert (texts, calls, notes); staff mobile numbers for urgent texts (encrypted, with
a keyed hash so a text back from staff is recognised at the webhook); a team's duty email; and the notification
outbox (emails and texts to staff and the out-of-hours service), each sent once.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('safeguarding_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier', sa.String(length=16), server_default='risk', nullable=False))
        batch_op.add_column(sa.Column('severity', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('escalation_step', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('ck_safeguarding_alert_tier', "tier IN ('risk', 'concern')")
        batch_op.create_index('ix_safeguarding_alert_open', ['acknowledged_at', 'severity', 'created_at'])
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('mobile_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_staff_user_mobile_hash', ['mobile_hash'], unique=True)
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    op.create_table(
        'alert_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('staff_user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('outbound_message_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('text', 'call', 'note')", name='ck_alert_step_kind'),
        sa.ForeignKeyConstraint(['alert_id'], ['safeguarding_alert.id']),
        sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id']),
        sa.ForeignKeyConstraint(['outbound_message_id'], ['outbound_message.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_alert_step_alert_id', 'alert_step', ['alert_id'])
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('recipient', sa.Text(), nullable=False),
        sa.Column('recipient_label', sa.String(length=120), nullable=False),
        sa.Column('staff_user_id', sa.Integer(), nullable=True),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('statement_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.Column('provider_id', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('email', 'sms')", name='ck_notification_channel'),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'stored', 'failed', 'unconfirmed')", name='ck_notification_status'
        ),
        sa.ForeignKeyConstraint(['alert_id'], ['safeguarding_alert.id']),
        sa.ForeignKeyConstraint(['statement_id'], ['statement.id']),
        sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', name='uq_notification_key'),
    )
    op.create_index('ix_notification_claim', 'notification', ['status', 'next_attempt_at', 'id'])
    op.create_index('ix_notification_alert_id', 'notification', ['alert_id'])


def downgrade():
    op.drop_index('ix_notification_alert_id', table_name='notification')
    op.drop_index('ix_notification_claim', table_name='notification')
    op.drop_table('notification')
    op.drop_index('ix_alert_step_alert_id', table_name='alert_step')
    op.drop_table('alert_step')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_user_mobile_hash')
        batch_op.drop_column('mobile_hash')
        batch_op.drop_column('mobile')
    with op.batch_alter_table('safeguarding_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_safeguarding_alert_open')
        batch_op.drop_constraint('ck_safeguarding_alert_tier', type_='check')
        batch_op.drop_column('escalation_step')
        batch_op.drop_column('severity')
        batch_op.drop_column('tier')
