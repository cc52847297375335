"""A statement becomes a thread: `statement_answer` puts a young person's answer to their worker's reply (an inbound
message on the web channel, stored and screened like any other) in the statement's thread, one row per message.

No new statement status: an answer moves the statement back to `sent` (waiting to be read), a value the CHECK from
0016 already allows.

Downgrading drops the table and loses no words: each answer stays an inbound message of the young person, on the
statement's conversation (subject access and erasure find it there); only its place in the thread goes.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-14

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'statement_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('inbound_message_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['statement_id'], ['statement.id'], name=op.f('fk_statement_answer_statement_id_statement'),
        ),
        sa.ForeignKeyConstraint(
            ['inbound_message_id'], ['inbound_message.id'],
            name=op.f('fk_statement_answer_inbound_message_id_inbound_message'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_answer')),
        sa.UniqueConstraint('inbound_message_id', name=op.f('uq_statement_answer_inbound_message_id')),
    )
    with op.batch_alter_table('statement_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_answer_statement_id'), ['statement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('statement_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_answer_statement_id'))
    op.drop_table('statement_answer')
