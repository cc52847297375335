"""Wake the workers the moment a text is stored: on PostgreSQL, a trigger NOTIFYs the channel `inbound_message`
after each insert of a text still to be handled, in the same transaction (so a worker is woken only for a text it
can see). The webhook only stores a text; a worker LISTENing on the channel screens and handles it at once, and
polls as well, so a missed notification delays a text by the worker's interval at most, never loses it.

SQLite (one machine, `make run`) has no NOTIFY: its worker polls.

A partial index holds the texts still to be handled, oldest first: the workers' claim finds them at once among
every text ever kept, whatever the planner's statistics say (a new database has none until autovacuum runs).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

CHANNEL = 'inbound_message'


def upgrade():
    op.create_index(
        'ix_inbound_message_to_handle', 'inbound_message', ['received_at', 'id'],
        postgresql_where=sa.text("status = 'received'"), sqlite_where=sa.text("status = 'received'"),
    )
    if op.get_bind().dialect.name != 'postgresql':
        return
    # An empty payload: notifications alike in one transaction are sent once, and a worker takes whatever is due.
    op.execute(
        f"""
        CREATE FUNCTION inbound_message_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER inbound_message_notify AFTER INSERT ON inbound_message
        FOR EACH ROW WHEN (NEW.channel = 'sms' AND NEW.status = 'received')
        EXECUTE FUNCTION inbound_message_notify()
        """
    )


def downgrade():
    op.drop_index('ix_inbound_message_to_handle', table_name='inbound_message')
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER IF EXISTS inbound_message_notify ON inbound_message")
    op.execute("DROP FUNCTION IF EXISTS inbound_message_notify()")
