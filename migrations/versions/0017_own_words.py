"""Own words first, and daily totals: each filed row says what kind of message it is (`origin`: text, answer,
choice, statement or import), each theme row its feeling in words, and `theme_day` holds the daily totals the
theme summary reads, filled here from what is already filed.

The backfill is written out here (UK local days, the labels' thresholds as they were at this revision), so the
migration never changes when the code does.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

"""
from collections import Counter
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ORIGINS = ('text', 'answer', 'choice', 'statement', 'import')
OWN_WORDS = ('text', 'answer', 'statement', 'import')
DIMENSIONS = ('all', 'channel', 'survey', 'locality', 'age_band', 'care_setting')
LOCAL = ZoneInfo("Europe/London")
BATCH = 5000


def _origin_sql(table: str) -> str:
    answer = (
        "SELECT 1 FROM answer a JOIN question q ON q.id = a.question_id "
        f"WHERE a.inbound_message_id = {table}.inbound_message_id"
    )
    statement = (
        "SELECT 1 FROM answer a JOIN question q ON q.id = a.question_id "
        "JOIN survey_version v ON v.id = q.survey_version_id JOIN survey s ON s.id = v.survey_id "
        f"WHERE a.inbound_message_id = {table}.inbound_message_id AND s.purpose = 'statement'"
    )
    return (
        f"UPDATE {table} SET origin = CASE "
        f"WHEN EXISTS ({answer} AND q.type <> 'text') THEN 'choice' "
        f"WHEN EXISTS ({statement}) THEN 'statement' "
        f"WHEN EXISTS ({answer}) THEN 'answer' "
        "ELSE 'text' END"
    )


def upgrade():
    for table in ("message_analysis", "message_theme"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('origin', sa.String(length=16), server_default='text', nullable=False))
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_origin"), "origin IN (" + ", ".join(f"'{o}'" for o in ORIGINS) + ")"
            )
    with op.batch_alter_table('message_theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feeling', sa.String(length=16), nullable=True))
    op.create_table(
        'theme_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('dimension', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=64), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('negative', sa.Integer(), nullable=False),
        sa.Column('neutral', sa.Integer(), nullable=False),
        sa.Column('positive', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_day')),
        sa.UniqueConstraint('dimension', 'day', 'theme_id', 'value', name=op.f('uq_theme_day_dimension_day_theme_id_value')),
    )
    op.create_index(
        'ix_theme_day_dimension_month',
        'theme_day',
        ['dimension', 'month'],
        unique=False,
        postgresql_include=['theme_id', 'value', 'messages', 'negative', 'neutral', 'positive'],
    )
    bind = op.get_bind()
    for table in ("message_analysis", "message_theme"):
        bind.execute(sa.text(_origin_sql(table)))
    bind.execute(sa.text(
        "UPDATE message_theme SET feeling = (SELECT a.sentiment_label FROM message_analysis a "
        "WHERE a.inbound_message_id = message_theme.inbound_message_id)"
    ))
    _backfill(bind)


def _backfill(bind):
    """The daily totals of what is filed: all own-words messages (theme 0) and each theme a young person raised
    (filed by the analysis or by staff)."""
    totals = Counter()
    own = ", ".join(f"'{o}'" for o in OWN_WORDS)
    queries = (
        "SELECT 0, received_at, channel, survey_id, locality, age_band, care_setting, sentiment_label "
        f"FROM message_analysis WHERE origin IN ({own}) AND received_at IS NOT NULL",
        "SELECT theme_id, received_at, channel, survey_id, locality, age_band, care_setting, feeling "
        f"FROM message_theme WHERE origin IN ({own}) AND source IN ('auto', 'staff') AND received_at IS NOT NULL",
    )
    for query in queries:
        for theme_id, moment, channel, survey_id, locality, age_band, care_setting, feeling in bind.execute(
            sa.text(query)
        ):
            if isinstance(moment, str):
                from datetime import datetime

                moment = datetime.fromisoformat(moment)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            day = moment.astimezone(LOCAL).date()
            values = {
                'all': '',
                'channel': channel or '',
                'survey': '' if survey_id is None else str(survey_id),
                'locality': locality or '',
                'age_band': age_band or '',
                'care_setting': care_setting or '',
            }
            felt = (feeling == 'negative', feeling == 'neutral', feeling == 'positive')
            for dimension in DIMENSIONS:
                key = (day, int(theme_id), dimension, values[dimension])
                before = totals.get(key, (0, 0, 0, 0))
                totals[key] = (before[0] + 1, before[1] + felt[0], before[2] + felt[1], before[3] + felt[2])
    table = sa.table(
        'theme_day',
        sa.column('day', sa.Date), sa.column('month', sa.String), sa.column('theme_id', sa.Integer),
        sa.column('dimension', sa.String), sa.column('value', sa.String), sa.column('messages', sa.Integer),
        sa.column('negative', sa.Integer), sa.column('neutral', sa.Integer), sa.column('positive', sa.Integer),
    )
    rows = [
        {
            'day': day, 'month': day.strftime('%Y-%m'), 'theme_id': theme_id, 'dimension': dimension,
            'value': value, 'messages': n, 'negative': neg, 'neutral': neu, 'positive': pos,
        }
        for (day, theme_id, dimension, value), (n, neg, neu, pos) in sorted(totals.items(), key=lambda i: i[0])
    ]
    for start in range(0, len(rows), BATCH):
        op.bulk_insert(table, rows[start:start + BATCH])


def downgrade():
    op.drop_index('ix_theme_day_dimension_month', table_name='theme_day')
    op.drop_table('theme_day')
    with op.batch_alter_table('message_theme', schema=None) as batch_op:
        batch_op.drop_column('feeling')
    for table in ("message_theme", "message_analysis"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_origin"), type_='check')
            batch_op.drop_column('origin')
