"""The daily totals (`insight.daily`) give exactly the summaries a direct count of the filed rows gives, on random
messages, filters and periods, and stay so through everything that changes how messages are filed: analysis and
re-analysis, a member of staff's recodes, a merge of themes, a change in the register, erasure and retention."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.extensions import db
from feedback.insight import daily, filing
from feedback.insight import summary as summaries
from feedback.insight import themes as taxonomy
from feedback.insight.models import MessageAnalysis, MessageTheme, Recode, Theme, ThemeDay
from feedback.insight.summary import Quarter
from feedback.messages.models import InboundMessage
from feedback.people import privacy
from feedback.people.models import Person
from tests.conftest import TwilioWebhook
from tests.insight.test_disclosure import MESSAGES, THEMES, _expand, _insert

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
QUARTERS = [Quarter(2026, 2), Quarter(2026, 3), Quarter(2026, 4)]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CHANGES = st.lists(
    st.sampled_from(["recode", "merge", "locality", "erase", "reanalyse", "risk", "retention"]), max_size=4
)


def _known(app: Any) -> summaries.Choices:
    return summaries.choices(db.session, app.config["LOCALITIES"])


def _ids() -> list[int]:
    return [theme_id for (theme_id,) in db.session.execute(select(Theme.id).where(Theme.retired_at.is_(None)))]


def assert_the_same(app: Any) -> None:
    """Every dimension's cells, for runs of one to three quarters, from the totals and from the rows."""
    known, ids = _known(app), _ids()
    for dimension in summaries.BREAKDOWNS:
        for first in range(len(QUARTERS)):
            quarters = QUARTERS[first:]
            kept = summaries._read(db.session, quarters, dimension, known, ids)
            counted = summaries.read_directly(db.session, quarters, dimension, known, ids)
            assert kept == counted, (dimension, quarters)


def _change(app: Any, what: str, user: Any) -> None:
    message_id = db.session.scalar(select(func.min(MessageTheme.inbound_message_id)))
    if message_id is None:
        return
    if what == "recode":
        live = db.session.scalars(select(Theme.slug).where(Theme.slug.in_(THEMES), Theme.retired_at.is_(None))).all()
        filing.recode_themes(db.session, message_id, user, live[-2:], now=NOW)
    elif what == "merge":
        live = db.session.scalars(select(Theme.slug).where(Theme.slug.in_(THEMES), Theme.retired_at.is_(None))).all()
        if len(live) >= 2:
            taxonomy.merge(db.session, live[0], live[1], now=NOW)
    elif what == "locality":
        for person in db.session.scalars(select(Person)):
            person.locality = "Clydesdale"
        ids = db.session.scalars(select(InboundMessage.id)).all()
        filing.analyse_messages(db.session, list(ids), now=NOW)
    elif what == "erase":
        person = db.session.scalars(select(Person)).first()
        assert person is not None
        privacy.erase(db.session, person, now=NOW)
    elif what == "reanalyse":
        filing.reprocess(db.session, now=NOW, batch=7)
    elif what == "risk":
        filing.review_risk(db.session, message_id, user, confirmed=True, now=NOW)
    elif what == "retention":
        privacy.apply_retention(db.session, now=NOW, policy=privacy.Policy(message_days=100))
    db.session.flush()


@pytest.fixture
def user(app: Any) -> Any:
    made = staff.create_user(db.session, "coder@example.org", "a long enough password", "admin")
    db.session.commit()
    return made


@SETTINGS
@given(bunches=st.lists(st.tuples(MESSAGES, st.integers(min_value=1, max_value=6)), min_size=1, max_size=10),
       changes=CHANGES)  # fmt: skip
def test_the_totals_give_the_summaries_a_direct_count_gives(
    app: Any, user: Any, bunches: list[tuple[Any, int]], changes: list[str]
) -> None:
    messages = _expand(bunches)
    themes = _themes_now()
    try:
        _insert([replace(m, text=m.text or "the bus") for m in messages])
        assert_the_same(app)
        for what in changes:
            _change(app, what, user)
            assert_the_same(app)
        # And the pages' summaries themselves, for a few views.
        known = _known(app)
        for raw in ({}, {"by": "locality"}, {"locality": "Hamilton"}, {"period": "2026-Q3", "by": "month"}):
            filters = summaries.parse_filters(raw, known, today=date(2026, 11, 23))
            kept = summaries.overview(db.session, filters, known, threshold=4)
            assert kept == summaries.overview(db.session, filters, known, threshold=4, direct=True), raw
    finally:
        _clean(themes)


def _themes_now() -> list[dict[str, Any]]:
    return [
        {"id": t.id, "retired_at": t.retired_at, "merged_into_id": t.merged_into_id, "cues": list(t.cues or [])}
        for t in db.session.scalars(select(Theme))
    ]


def _clean(themes: list[dict[str, Any]]) -> None:
    """Put the database back as the example found it: some changes commit (analysis commits each batch)."""
    db.session.rollback()
    for model in (ThemeDay, Recode, MessageTheme, MessageAnalysis, InboundMessage, Person):
        db.session.execute(delete(model))
    db.session.execute(update(Theme), themes)
    db.session.commit()


def _totals() -> list[tuple[Any, ...]]:
    rows = db.session.execute(
        select(
            ThemeDay.day,
            ThemeDay.theme_id,
            ThemeDay.dimension,
            ThemeDay.value,
            ThemeDay.messages,
            ThemeDay.negative,
            ThemeDay.neutral,
            ThemeDay.positive,
        ).where(ThemeDay.messages != 0)
    )
    return sorted(tuple(row) for row in rows)


def test_the_totals_kept_as_texts_arrive_are_the_totals_rebuilt(app: Any, twilio: TwilioWebhook) -> None:
    for n, text in enumerate(["the bus is always late", "no money for the bus", "love my foster carers", "ok"]):
        twilio.replies(text, sender=f"+4477009{n:05d}")
    filing.analyse_pending(db.session, now=NOW)
    kept = _totals()
    assert kept and {row[2] for row in kept} == set(daily.DIMENSIONS)
    everyone = [row for row in kept if row[1] == daily.EVERYONE and row[2] == daily.ALL]
    assert sum(row[4] for row in everyone) == 4  # "ok" is a view too: it counts among all messages
    daily.rebuild(db.session)
    assert _totals() == kept


def test_a_recode_and_a_re_analysis_of_the_same_messages_at_once_keep_the_totals_right(
    app: Any, user: Any, twilio: TwilioWebhook, backend: str
) -> None:
    """Two transactions filing the same messages at once (a member of staff recoding while `feedback analyse
    --reprocess` or an import's analysis runs): each change is counted once. PostgreSQL, where both run together."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    for n, text in enumerate(["the bus is always late", "no money for the bus", "my carers are great", "school"]):
        twilio.replies(text, sender=f"+4477004{n:05d}")
    filing.analyse_pending(db.session, now=NOW)
    ids = list(db.session.scalars(select(InboundMessage.id).order_by(InboundMessage.id)))
    user_id = user.id
    db.session.commit()
    errors: list[BaseException] = []

    def reanalyse(start: threading.Barrier) -> None:
        with app.app_context():
            try:
                start.wait()
                filing.analyse_messages(db.session, ids, now=NOW)
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    def recode(start: threading.Barrier) -> None:
        with app.app_context():
            try:
                coder = db.session.get(StaffUser, user_id)
                start.wait()
                for message_id in ids:
                    filing.recode_themes(db.session, message_id, coder, ["money", "education"], now=NOW)
                    db.session.commit()
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    for _ in range(3):
        start = threading.Barrier(2)
        threads = [threading.Thread(target=reanalyse, args=(start,)), threading.Thread(target=recode, args=(start,))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    kept = _totals()
    daily.rebuild(db.session)
    assert _totals() == kept
