"""Who may see whom, tried as an insider would: every kind of record about a young person (their messages, a
statement, a safeguarding alert, their register record, an advocacy offer and a conversation) is listed, opened and
changed by each member of staff who must not see it, and by those who must. Those who must not get nothing: no
words, no reference, no pseudonym, nothing changed, and every refusal is in the audit log with their account.

The young person, Robin (`SL-100`), has Ben in Clydesdale as their named worker. Amy is a worker in Hamilton and
Hana manages Hamilton: both are another team. Champions see only aggregates; advocacy workers see the register and
the advocacy log, never what a young person wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from feedback.accounts import operations as staff
from feedback.advocacy.models import AdvocacyOffer
from feedback.audit.models import AuditEvent
from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.insight.models import Recode
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding.models import AlertStep, SafeguardingAlert
from feedback.statements.models import Statement, StatementReply
from feedback.surveys.models import Conversation
from tests.conftest import YOUNG_PERSON, TwilioWebhook
from tests.staff_client import signed_in
from tests.web_client import Respondent

WORDS = "my foster dad hits me when he has been drinking"  # a text that raises an alert
WORRY = "I am scared about moving placement again"  # a statement to Ben
REF = "SL-100"


@dataclass(frozen=True)
class World:
    person: int
    pseudonym: str
    message: int
    alert: int
    statement: int
    offer: int
    conversation: int


@pytest.fixture
def world(app: Any, twilio: TwilioWebhook, client: Any) -> World:
    ben = staff.create_user(db.session, "ben@example.org", "a long enough password", "worker", team="Clydesdale")
    db.session.commit()
    robin = people.get_or_create_person(db.session, YOUNG_PERSON)
    robin.ref = REF
    robin.locality = "Clydesdale"
    robin.date_of_birth = date(2009, 4, 1)
    staff.assign(db.session, robin, worker=ben, team=None)
    token = links.issue(db.session, robin.id, now=now(), valid_for=timedelta(days=90))
    db.session.commit()
    twilio.replies(WORDS)
    twilio.replies("CHECKIN")  # a survey by text: a conversation
    Respondent(client).complete(f"/s/statement-worried/{token}", [WORRY, "Tell me what is happening"])
    analysis.analyse_pending(db.session, now=now())
    offer = AdvocacyOffer(
        person_id=robin.id,
        offered_on=date(2026, 11, 2),
        offered_by="IRO",
        context="looked-after-review",
        response="thinking",
        created_at=now(),
    )
    db.session.add(offer)
    db.session.commit()
    message = db.session.scalars(select(InboundMessage).where(InboundMessage.risk.is_(True))).one()
    return World(
        person=robin.id,
        pseudonym=robin.pseudonym,
        message=message.id,
        alert=db.session.scalars(
            select(SafeguardingAlert.id).where(SafeguardingAlert.inbound_message_id == message.id)
        ).one(),
        statement=db.session.scalars(select(Statement.id)).one(),
        offer=offer.id,
        conversation=db.session.scalars(
            select(Conversation.id).where(Conversation.person_id == robin.id, Conversation.channel == "sms")
        ).one(),
    )


# Who must not see what. Every role is here; advocacy may see the register record and the offer.
OUTSIDERS = {
    "a worker in another team": ("worker", "amy@example.org", "Hamilton"),
    "a manager of another team": ("manager", "hana@example.org", "Hamilton"),
    "the champions role": ("champions", "champ@example.org", None),
    "an advocacy worker": ("advocacy", "ava@example.org", None),
}
# Those who must see Robin's messages, alert and conversation (the positive control: the checks can fail).
INSIDERS = {
    "their named worker": ("worker", "ben@example.org", "Clydesdale"),
    "their team's manager": ("manager", "cara@example.org", "Clydesdale"),
    "an admin": ("admin", "root@example.org", None),
}


def _client(app: Any, who: tuple[str, str, str | None]) -> Any:
    role, email, team = who
    return signed_in(app, role, email, team=team)


def _secrets(world: World) -> list[str]:
    return [WORDS, WORRY, world.pseudonym]


def _shows_nothing(response: Any, world: World, *, ref_too: bool = True) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 403, 404), response.status_code
    for secret in [*_secrets(world), *([REF] if ref_too else [])]:
        assert secret not in page, f"{secret!r} shown"


def _refused(response: Any) -> None:
    assert response.status_code in (403, 404), response.status_code


def _nothing_changed(world: World) -> None:
    db.session.expire_all()
    message = db.session.get(InboundMessage, world.message)
    alert = db.session.get(SafeguardingAlert, world.alert)
    statement = db.session.get(Statement, world.statement)
    offer = db.session.get(AdvocacyOffer, world.offer)
    person = db.session.get(Person, world.person)
    assert message is not None and message.risk_confirmed is None
    assert db.session.scalar(select(func.count()).select_from(Recode)) == 0
    assert alert is not None and alert.acknowledged_at is None
    assert statement is not None and statement.read_at is None and statement.status == "sent"
    assert db.session.scalar(select(func.count()).select_from(StatementReply)) == 0
    assert offer is not None and offer.response == "thinking" and offer.closed_on is None and not offer.sessions
    assert person is not None and person.locality == "Clydesdale" and person.worker is not None
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 2  # the survey and the statement


def _messages(client: Any, world: World, *, readable: bool) -> None:
    listed = client.get("/staff/messages")
    page = client.get(f"/staff/messages/{world.message}")
    if readable:
        assert WORDS in listed.get_data(as_text=True) and WORDS in page.get_data(as_text=True)
        return
    _shows_nothing(listed, world)
    _shows_nothing(page, world)
    _refused(page)
    _refused(client.post(f"/staff/messages/{world.message}/themes", data={"theme": ["money"]}))
    _refused(client.post(f"/staff/messages/{world.message}/risk", data={"decision": "clear"}))


def _statement(client: Any, world: World, *, readable: bool) -> None:
    listed = client.get("/staff/inbox")
    page = client.get(f"/staff/statements/{world.statement}")
    if readable:
        assert WORRY in page.get_data(as_text=True) and page.status_code == 200
        return
    _shows_nothing(listed, world)
    _shows_nothing(page, world)
    _refused(page)
    _refused(client.post(f"/staff/statements/{world.statement}/acknowledge"))
    _refused(client.post(f"/staff/statements/{world.statement}/reply", data={"body": "I saw this"}))


def _alert(client: Any, world: World, *, readable: bool) -> None:
    listed = client.get("/staff/alerts")
    home = client.get("/staff/")
    page = client.get(f"/staff/alerts/{world.alert}")
    history = client.get(f"/staff/people/{world.person}/history")
    if readable:
        assert WORDS in listed.get_data(as_text=True) and "1 safeguarding alert waiting" in home.get_data(as_text=True)
        assert WORDS in page.get_data(as_text=True) and WORDS in history.get_data(as_text=True)
        return
    for response in (listed, page, history, client.get("/staff/alerts/history")):
        _shows_nothing(response, world)
    assert "alert waiting" not in home.get_data(as_text=True)
    _refused(page)
    _refused(history)
    before = _sent_and_received()
    _refused(client.post(f"/staff/alerts/{world.alert}/acknowledge", data={"note": "Called them"}))
    _refused(client.post(f"/staff/alerts/{world.alert}/text", data={"text-body": "Are you safe?"}))
    _refused(client.post(f"/staff/alerts/{world.alert}/call", data={"call-note": "Called them"}))
    assert _sent_and_received() == before
    assert db.session.scalar(select(func.count()).select_from(AlertStep)) == 0


def _person(client: Any, world: World, *, readable: bool) -> None:
    listed = client.get("/staff/people")
    page = client.get(f"/staff/people/{world.person}/edit")
    if readable:
        assert REF in listed.get_data(as_text=True) and REF in page.get_data(as_text=True)
        return
    _shows_nothing(listed, world)
    _shows_nothing(page, world)
    _refused(page)
    _refused(client.post(f"/staff/people/{world.person}/edit", data={"ref": REF, "locality": "Hamilton"}))


def _offer(client: Any, world: World, *, readable: bool) -> None:
    listed = client.get("/staff/advocacy/offers")
    report = client.get("/staff/advocacy")
    page = client.get(f"/staff/advocacy/offers/{world.offer}")
    if readable:
        assert REF in listed.get_data(as_text=True) and REF in page.get_data(as_text=True)
        return
    for response in (listed, report, page):
        _shows_nothing(response, world)
    _refused(page)
    offer = f"/staff/advocacy/offers/{world.offer}"
    _refused(client.post(offer, data={"update-response": "declined"}))
    _refused(client.post(f"{offer}/sessions", data={"session-held_on": "2026-11-20"}))
    _refused(client.post(f"{offer}/close", data={"close-outcome": "needs-met", "close-closed_on": "2026-11-20"}))
    new = client.post(
        "/staff/advocacy/offers/new",
        data={"ref": REF, "offered_on": "2026-11-20", "offered_by": "IRO", "context": "other", "response": "declined"},
    )
    assert new.status_code in (400, 403, 404)
    assert db.session.scalar(select(func.count()).select_from(AdvocacyOffer)) == 1


def _conversation(client: Any, world: World, *, readable: bool) -> None:
    page = client.get(f"/staff/simulator?p={world.pseudonym}")
    if readable:
        assert WORDS in page.get_data(as_text=True)
        return
    _shows_nothing(page, world)
    _refused(page)
    before = _sent_and_received()
    _refused(client.post(f"/staff/simulator/send/{world.pseudonym}", data={"survey": "monthly-checkin"}))
    _refused(client.post("/staff/simulator/text", data={"phone": YOUNG_PERSON, "body": "hello"}))
    assert _sent_and_received() == before


def _sent_and_received() -> tuple[int, int]:
    db.session.expire_all()
    sent = db.session.scalar(select(func.count()).select_from(OutboundMessage)) or 0
    received = db.session.scalar(select(func.count()).select_from(InboundMessage)) or 0
    return sent, received


CHECKS = {
    "message": _messages,
    "statement": _statement,
    "alert": _alert,
    "person": _person,
    "offer": _offer,
    "conversation": _conversation,
}
# What an advocacy worker may see of Robin: their register record and their advocacy offers, never their words.
ADVOCACY_SEES = {"person", "offer"}
# Every outsider and every kind of record, but what an advocacy worker may see (tried as an insider below).
REFUSED = [
    (kind, outsider)
    for kind in CHECKS
    for outsider, (role, _, _) in OUTSIDERS.items()
    if not (role == "advocacy" and kind in ADVOCACY_SEES)
]


@pytest.mark.parametrize(("kind", "outsider"), REFUSED)
def test_nobody_lists_opens_or_changes_a_young_persons_records_unless_they_may(
    app: Any, world: World, outsider: str, kind: str
) -> None:
    who = OUTSIDERS[outsider]
    client = _client(app, who)
    CHECKS[kind](client, world, readable=False)
    _nothing_changed(world)
    refusals = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "refused", AuditEvent.actor == who[1])
    ).all()
    assert refusals, "every refusal is audited with the account"
    assert all(event.detail.get("endpoint") for event in refusals)


@pytest.mark.parametrize("insider", INSIDERS)
@pytest.mark.parametrize("kind", ["message", "alert", "person", "conversation"])
def test_those_who_care_for_them_see_everything(app: Any, world: World, insider: str, kind: str) -> None:
    CHECKS[kind](_client(app, INSIDERS[insider]), world, readable=True)


def test_their_worker_and_their_manager_read_the_statement_and_advocacy_sees_the_offer(app: Any, world: World) -> None:
    _statement(_client(app, INSIDERS["their named worker"]), world, readable=True)
    _statement(_client(app, INSIDERS["their team's manager"]), world, readable=True)
    _statement(_client(app, INSIDERS["an admin"]), world, readable=True)
    _offer(_client(app, OUTSIDERS["an advocacy worker"]), world, readable=True)
    _offer(_client(app, INSIDERS["their team's manager"]), world, readable=True)
    _person(_client(app, OUTSIDERS["an advocacy worker"]), world, readable=True)


def test_with_no_named_worker_their_teams_duty_workers_see_them_and_other_teams_do_not(app: Any, world: World) -> None:
    ben = staff.find_user(db.session, "ben@example.org")
    ben.active = False  # Ben has left: Robin is routed to Clydesdale's duty inbox
    db.session.commit()
    colleague = signed_in(app, "worker", "cleo@example.org", team="Clydesdale")
    _messages(colleague, world, readable=True)
    _alert(colleague, world, readable=True)
    _messages(_client(app, OUTSIDERS["a worker in another team"]), world, readable=False)
