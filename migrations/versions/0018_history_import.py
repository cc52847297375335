"""Views collected before the service (`feedback messages import`): stored messages may come in on the channel
`import` (inbound messages only: nothing is ever sent, nor a survey run, on it), and `imported_message` keeps, for
each, where it came from (source, the import's batch and time, its row in the file) and the locality, age band and
care setting its row gave.

Downgrading is refused while imported messages are stored: the older schema has no place for them, and deleting
them (with their analysis, themes, recodes and safeguarding alerts) is a decision for a person, not a migration.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

BEFORE = ('sms', 'web')
AFTER = ('sms', 'web', 'import')


def _channels(values):
    listed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_inbound_message_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_inbound_message_channel'), f"channel IN ({listed})")


def upgrade():
    _channels(AFTER)
    op.create_table(
        'imported_message',
        sa.Column('inbound_message_id', sa.Integer(), nullable=False),
        sa.Column('batch', sa.String(length=32), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('file_row', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=32), nullable=True),
        sa.Column('locality', sa.String(length=64), nullable=True),
        sa.Column('age_band', sa.String(length=16), nullable=True),
        sa.Column('care_setting', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ['inbound_message_id'], ['inbound_message.id'],
            name=op.f('fk_imported_message_inbound_message_id_inbound_message'),
        ),
        sa.PrimaryKeyConstraint('inbound_message_id', name=op.f('pk_imported_message')),
    )
    with op.batch_alter_table('imported_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_message_batch'), ['batch'], unique=False)


def downgrade():
    stored = op.get_bind().execute(sa.text("SELECT count(*) FROM inbound_message WHERE channel = 'import'")).scalar()
    if stored:
        raise RuntimeError(
            f"{stored} messages brought in by `feedback messages import` are stored; the schema before 0018 has no "
            "place for them. Downgrading would lose them, so it is refused: delete them by hand if that is meant."
        )
    with op.batch_alter_table('imported_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_message_batch'))
    op.drop_table('imported_message')
    _channels(BEFORE)
