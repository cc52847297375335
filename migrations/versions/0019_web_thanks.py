"""A survey's own thanks for the web: `survey_version.web_thanks`, shown on the page after the last answer (the
texted `thanks` may speak of replying by text, which a web page should not). Empty means the general thank you,
so every version stored before this migration keeps the page it had.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-14

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('web_thanks', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('survey_version', schema=None) as batch_op:
        batch_op.drop_column('web_thanks')
