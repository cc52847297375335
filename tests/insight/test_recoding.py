"""Staff recode how a message was filed: themes added or removed and risk flags confirmed or cleared, kept with who
and when, never undone by re-analysis; and phrases staff keep filing the same way are learned."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.analysis.safeguarding import LEARNED
from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.insight import themes
from feedback.insight.daily import FEELINGS
from feedback.insight.models import MessageAnalysis, Recode
from feedback.messages.models import InboundMessage
from feedback.people import operations as people
from tests.conftest import YOUNG_PERSON, TwilioWebhook
from tests.insight.test_message_analysis import message_with, themes_of
from tests.staff_client import signed_in

PASSWORD = "a long enough password"


def their_worker(app: Any) -> Any:
    """A test client signed in as the young person's named worker (only they, their manager and admins may read
    and recode the young person's messages)."""
    client = signed_in(app, "worker")
    young = people.find_person(db.session, YOUNG_PERSON)
    assert young is not None
    staff.assign(db.session, young, worker=staff.find_user(db.session, "worker@example.org"), team=None)
    db.session.commit()
    return client


def test_staff_see_why_and_recode_and_reanalysis_keeps_it(app: Any, twilio: TwilioWebhook, runner: Any) -> None:
    twilio.replies("the bus to college is never on time")
    analysis.analyse_pending(db.session, now=now())
    message = message_with("the bus to college is never on time")
    worker = their_worker(app)
    page = worker.get(f"/staff/messages/{message.id}").get_data(as_text=True)
    assert "by the analysis" in page and "bus" in page  # why it got the transport theme
    assert message.body in worker.get("/staff/messages").get_data(as_text=True)

    saved = worker.post(f"/staff/messages/{message.id}/themes", data={"theme": ["transport", "money"]})
    assert saved.status_code == 302
    assert themes_of(message.id) == {"transport": "auto", "money": "staff", "education": "removed"}
    actions = [(r.action, r.theme.slug if r.theme else None) for r in db.session.scalars(select(Recode))]
    assert sorted(actions) == [("add-theme", "money"), ("remove-theme", "education")]

    db.session.commit()  # the command runs in its own session: end this one's read first
    assert runner.invoke(args=["analyse", "--reprocess"]).exit_code == 0
    assert themes_of(message.id) == {"transport": "auto", "money": "staff", "education": "removed"}


def test_the_message_page_says_when_how_it_felt_and_who_changed_what_in_words(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("the bus to college is never on time")
    analysis.analyse_pending(db.session, now=now())
    message = message_with("the bus to college is never on time")
    worker = their_worker(app)
    worker.post(f"/staff/messages/{message.id}/themes", data={"theme": ["transport", "money"]})
    page = worker.get(f"/staff/messages/{message.id}").get_data(as_text=True)
    result = db.session.scalars(select(MessageAnalysis).where(MessageAnalysis.inbound_message_id == message.id)).one()
    assert result.sentiment_label in FEELINGS  # the summary's own words for a feeling
    assert f"<dt>Feeling</dt><dd>{result.sentiment_label}</dd>" in page
    assert f"{result.sentiment:.2f}" not in page  # a word, not a score
    assert "Received today at " in page and " by text." in page and "UTC" not in page
    assert "worker@example.org filed it under Money." in page
    assert "worker@example.org took it off School, college and learning." in page
    assert '<label for="theme-money">Money <span class="hint">(by staff)</span></label>' in page
    listing = worker.get("/staff/messages").get_data(as_text=True)
    assert re.search(r"<td>Today at \d{1,2}:\d{2}[ap]m</td>", listing)
    assert 'class="table-scroll" role="region"' in listing


def test_the_message_page_says_a_theme_retired_since_goes_when_the_themes_are_saved(
    app: Any, twilio: TwilioWebhook
) -> None:
    twilio.replies("the bus is late again")
    analysis.analyse_pending(db.session, now=now())
    message = message_with("the bus is late again")
    themes.retire(db.session, "transport", now=now())
    db.session.commit()
    page = their_worker(app).get(f"/staff/messages/{message.id}").get_data(as_text=True)
    assert 'value="transport"' not in page  # staff cannot file under a retired theme
    assert "Also filed under Getting around, retired since: saving the themes takes it off" in " ".join(page.split())


def test_a_risk_flag_is_confirmed_or_cleared_with_who_and_when(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("my dad hits me")
    message = db.session.scalars(select(InboundMessage).where(InboundMessage.risk.is_(True))).one()
    worker = their_worker(app)
    assert worker.post(f"/staff/messages/{message.id}/risk", data={"decision": "clear"}).status_code == 302
    db.session.refresh(message)
    assert message.risk is True and message.risk_confirmed is False  # the screen's verdict is kept beside it
    recode = db.session.scalars(select(Recode)).one()
    assert recode.action == "clear-risk" and recode.staff_user.email == "worker@example.org"
    assert worker.post(f"/staff/messages/{message.id}/risk", data={"decision": "maybe"}).status_code == 400


def test_an_unknown_theme_is_refused_and_nothing_changes(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("the bus is late again")
    analysis.analyse_pending(db.session, now=now())
    message = message_with("the bus is late again")
    worker = their_worker(app)
    assert worker.post(f"/staff/messages/{message.id}/themes", data={"theme": ["made-up"]}).status_code == 400
    assert themes_of(message.id) == {"transport": "auto"}
    assert worker.post("/staff/messages/999999/themes", data={"theme": []}).status_code == 404


def test_a_phrase_staff_keep_filing_the_same_way_is_learned(app: Any, twilio: TwilioWebhook) -> None:
    texts = ["going to the hub cafe tonight", "the hub cafe was shut", "love the hub cafe"]
    for n, text in enumerate(texts):
        twilio.replies(text, sender=f"+4477009001{n:02d}")
    analysis.analyse_pending(db.session, now=now())
    coder = staff.create_user(db.session, "coder@example.org", PASSWORD, "worker")
    for text in texts:
        analysis.recode_themes(db.session, message_with(text).id, coder, ["activities"], now=now())
    db.session.commit()
    assert analysis.learned_cues(db.session) == {"activities": ["hub cafe"]}
    twilio.replies("is the hub cafe open on sunday", sender="+447700900199")
    analysis.analyse_pending(db.session, now=now())
    assert themes_of(message_with("is the hub cafe open on sunday").id) == {"activities": "auto"}


@pytest.mark.parametrize("role", ["champions", "advocacy"])
def test_roles_without_access_never_see_messages(app: Any, twilio: TwilioWebhook, role: str) -> None:
    twilio.replies("my sw never calls back")
    message = db.session.scalars(select(InboundMessage)).first()
    assert message is not None
    other = signed_in(app, role)
    assert other.get("/staff/messages").status_code == 403
    page = other.get(f"/staff/messages/{message.id}")
    assert page.status_code == 403 and "never calls" not in page.get_data(as_text=True)
    assert other.post(f"/staff/messages/{message.id}/themes", data={"theme": []}).status_code == 403


def test_risks_staff_confirm_retrain_the_learned_screen(app: Any, twilio: TwilioWebhook) -> None:
    """Young people here say it in their own words; once staff have confirmed a few, the screen knows them."""
    taught = [
        "the team at the pitches keep sending me on the tick run",
        "doing the tick run for the team at the pitches again",
        "sent on the tick run by the team at the pitches",
    ]
    for n, text in enumerate(taught):
        twilio.replies(text, sender=f"+4477009002{n:02d}")
    assert not any(message_with(text).risk for text in taught)  # nothing the shipped screen knows
    worker = staff.create_user(db.session, "worker@example.org", PASSWORD, "worker")
    for text in taught:
        analysis.review_risk(db.session, message_with(text).id, worker, confirmed=True, now=now())
    db.session.commit()

    twilio.replies("the team at the pitches put me on the tick run", sender="+447700900299")
    flagged = message_with("the team at the pitches put me on the tick run")
    assert flagged.risk is True and flagged.risk_reason == LEARNED  # alerted, like any other risk
    twilio.replies("went to the skate park with my pals", sender="+447700900298")
    assert message_with("went to the skate park with my pals").risk is False
