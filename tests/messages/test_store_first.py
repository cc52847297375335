"""Storing never waits on handling: a young person's next message is stored at once while their last one is being
handled, and handled after, once; a reply too late for Twilio's answer goes through the outbox instead.

On PostgreSQL another connection holds the lock that handling takes (`SELECT ... FOR NO KEY UPDATE` on the young
person's row) while a message arrives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from feedback.channels.sms import views as sms_views
from feedback.extensions import db
from feedback.messages import inbound, outbox
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.ops import runner as processes
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from feedback.surveys import web_responses
from feedback.surveys.models import Answer
from tests.conftest import YOUNG_PERSON, Clock, TwilioWebhook, twiml_messages
from tests.web_client import Respondent

# Twilio gives up on an answer after 15 s; a message must be stored, and the webhook answer, well before.
STORED_WITHIN_SECONDS = 1.5
ANSWERED_WITHIN_SECONDS = 5.0
CHECKIN = "/s/monthly-checkin"


@pytest.fixture
def postgresql(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite takes one writer at a time)")


@contextmanager
def person_locked(database_url: str, person_id: int, mode: str) -> Iterator[psycopg.Connection[Any]]:
    """Another connection holds `SELECT ... FOR <mode>` on the person's row until the block ends (or it is rolled
    back sooner)."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as holder:
        locked = holder.execute(f"SELECT id FROM person WHERE id = %s FOR {mode}", (person_id,)).fetchone()  # noqa: S608
        assert locked == (person_id,)
        try:
            yield holder
        finally:
            holder.rollback()


def in_background(request: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start `request` in a thread (as another web worker or process would run it); the result says what it
    answered and how long it took."""
    result: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        result["response"] = request()
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def seconds_until(database_url: str, query: str, params: tuple[Any, ...], *, timeout: float) -> float | None:
    """How long until `query` (polled from a connection of its own) returns a row; None if not within `timeout`."""
    started = time.monotonic()
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as watcher:
        while time.monotonic() - started < timeout:
            if watcher.execute(query, params).fetchone() is not None:
                return time.monotonic() - started
            time.sleep(0.02)
    return None


def worker_round(app: Any) -> int:
    """One round of `feedback worker`, in an app context of its own (as the worker process has)."""
    with app.app_context():
        try:
            return processes.work_once(outbox.SimulatedSender())
        finally:
            db.session.remove()


def young_person_id() -> int:
    person_id = db.session.scalar(select(Person.id))
    assert person_id is not None
    return person_id


def replies_to(message_id: int) -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.in_reply_to_id == message_id)))


def stored(sid: str) -> InboundMessage:
    db.session.expire_all()
    message = db.session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
    assert message is not None
    return message


def text_while_handling(
    database_url: str, text: Callable[[], Any], query: str, sid: str
) -> tuple[float | None, dict[str, Any], bool]:
    """A young person's text arrives while their last one is being handled (the handling lock held from another
    connection): how long until `query` finds a row for it, what the webhook answered, and whether it answered
    while the lock was still held."""
    with person_locked(database_url, young_person_id(), "NO KEY UPDATE"):
        thread, answered = in_background(text)
        found_after = seconds_until(database_url, query, (sid,), timeout=10)
        thread.join(timeout=10)
        answered_while_locked = not thread.is_alive()
    return found_after, answered, answered_while_locked


# --- texts --------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("postgresql")
def test_a_worrying_text_raises_its_alert_and_gets_its_help_at_once_while_the_last_one_is_handled(
    app: Any, twilio: TwilioWebhook, database_url: str
) -> None:
    """Safeguarding first: a lock held on the young person delays the handling of their text, never its screen."""
    twilio.replies("CHECKIN")
    sid = twilio.new_sid()
    raised_after, answered, answered_while_locked = text_while_handling(
        database_url,
        lambda: twilio.text("my stepdad hits me and i cant go home", sid=sid),
        "SELECT a.id FROM safeguarding_alert a JOIN inbound_message m ON m.id = a.inbound_message_id"
        " WHERE m.provider_sid = %s",
        sid,
    )
    assert raised_after is not None and raised_after < ANSWERED_WITHIN_SECONDS, raised_after
    assert answered_while_locked
    [help_text] = twiml_messages(answered["response"].get_data(as_text=True))
    assert "Childline 0800 1111" in help_text
    message = stored(sid)
    assert message.status == inbound.RECEIVED and message.risk is True
    # Handled once the lock is free: the help is not given twice, and the alert is the one already raised.
    processes.work_once(outbox.SimulatedSender())
    message = stored(sid)
    assert message.status == inbound.PROCESSED
    replies = replies_to(message.id)
    assert [reply.body for reply in replies].count(help_text) == 1, [reply.body for reply in replies]
    assert db.session.scalar(select(func.count()).select_from(SafeguardingAlert)) == 1


@pytest.mark.usefixtures("postgresql")
def test_a_text_is_stored_at_once_while_the_last_one_is_handled_and_handled_after_by_the_worker(
    app: Any, twilio: TwilioWebhook, database_url: str
) -> None:
    twilio.replies("CHECKIN")
    sid = twilio.new_sid()
    stored_after, answered, answered_while_locked = text_while_handling(
        database_url, lambda: twilio.text("4", sid=sid), "SELECT id FROM inbound_message WHERE provider_sid = %s", sid
    )
    # Stored while the handling lock was held, and answered (with nothing) long before Twilio gives up.
    assert stored_after is not None and stored_after < STORED_WITHIN_SECONDS, stored_after
    assert answered_while_locked, "the webhook waited for the lock to be released"
    response = answered["response"]
    assert response.status_code == 200
    assert twiml_messages(response.get_data(as_text=True)) == []
    assert answered["seconds"] < ANSWERED_WITHIN_SECONDS, answered["seconds"]
    message = stored(sid)
    assert message.status == inbound.RECEIVED and message.handling_attempts == 0
    assert message.retry_after == message.received_at  # due for the worker at once, not after STRANDED_AFTER
    assert replies_to(message.id) == []

    # The lock is free: the worker's next round handles it, once, and sends its reply from the outbox.
    processes.work_once(outbox.SimulatedSender())
    message = stored(sid)
    assert (message.status, message.handling, message.handling_attempts) == (inbound.PROCESSED, "answer", 0)
    [reply] = replies_to(message.id)
    assert reply.status == outbox.SIMULATED and reply.attempts == 1  # sent by a sender, not inline
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1
    processes.work_once(outbox.SimulatedSender())
    assert len(replies_to(message.id)) == 1 and stored(sid).processed_at == message.processed_at


@pytest.mark.usefixtures("postgresql")
def test_a_text_is_stored_while_the_young_persons_last_text_is_still_being_handled(
    app: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock handling really takes: the first text's handling is paused (holding it) while the next arrives."""
    handling, go_on = threading.Event(), threading.Event()
    screen = inbound.screen_message

    def paused_screen(session: Any, body: str) -> Any:
        if body == "CHECKIN":
            handling.set()
            go_on.wait(timeout=10)
        return screen(session, body)

    monkeypatch.setattr(inbound, "screen_message", paused_screen)
    first, second = TwilioWebhook(app.test_client()), TwilioWebhook(app.test_client())
    first_sid, second_sid = "SM" + "a" * 32, "SM" + "b" * 32
    first_thread, first_answer = in_background(lambda: first.text("CHECKIN", sid=first_sid))
    try:
        assert handling.wait(timeout=10)
        second_thread, second_answer = in_background(lambda: second.text("hello", sid=second_sid))
        stored_after = seconds_until(
            database_url, "SELECT id FROM inbound_message WHERE provider_sid = %s", (second_sid,), timeout=3
        )
    finally:
        go_on.set()
        first_thread.join(timeout=10)
    second_thread.join(timeout=10)
    assert stored_after is not None and stored_after < STORED_WITHIN_SECONDS, stored_after
    assert len(twiml_messages(first_answer["response"].get_data(as_text=True))) == 1  # the survey's opening
    assert second_answer["response"].status_code == 200
    # Handled after the first, once: in its own answer if the lock came free in time, else by the worker.
    processes.work_once(outbox.SimulatedSender())
    message = stored(second_sid)
    assert message.status == inbound.PROCESSED
    assert len(replies_to(message.id)) == 1


@pytest.mark.usefixtures("postgresql")
def test_the_old_lock_held_the_text_back_so_its_reply_goes_through_the_outbox(
    app: Any, twilio: TwilioWebhook, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain FOR UPDATE (what handling took before) blocks storing the next text, whose foreign key check needs
    the row. Stored late, it is still handled, but its reply is no longer Twilio's to deliver."""
    monkeypatch.setattr(sms_views, "TWIML_BUDGET_SECONDS", 1.0)  # Twilio's 15 s, scaled down
    twilio.replies("CHECKIN")
    sid = twilio.new_sid()
    with person_locked(database_url, young_person_id(), "UPDATE") as holder:
        thread, answered = in_background(lambda: twilio.text("4", sid=sid))
        held_back = seconds_until(
            database_url, "SELECT id FROM inbound_message WHERE provider_sid = %s", (sid,), timeout=1.5
        )
        holder.rollback()
    thread.join(timeout=10)
    assert held_back is None, "the text was stored while FOR UPDATE was held"
    response = answered["response"]
    assert response.status_code == 200
    assert twiml_messages(response.get_data(as_text=True)) == []
    message = stored(sid)
    assert (message.status, message.handling) == (inbound.PROCESSED, "answer")
    [reply] = replies_to(message.id)
    assert reply.status == outbox.QUEUED
    processes.work_once(outbox.SimulatedSender())
    [reply] = replies_to(message.id)
    assert reply.status == outbox.SIMULATED


def test_a_reply_too_late_for_twilios_answer_is_queued_not_recorded_as_sent(
    app: Any, twilio: TwilioWebhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the database: past the budget, the webhook answers with nothing and the senders send the reply."""
    monkeypatch.setattr(sms_views, "TWIML_BUDGET_SECONDS", 0.0)
    assert twilio.replies("CHECKIN") == []
    message = db.session.scalars(select(InboundMessage)).one()
    assert (message.status, message.handling) == (inbound.PROCESSED, "survey-start")
    [reply] = replies_to(message.id)
    assert reply.status == outbox.QUEUED
    processes.work_once(outbox.SimulatedSender())
    [reply] = replies_to(message.id)
    assert reply.status == outbox.SIMULATED
    assert twilio.replies("CHECKIN", sid=message.provider_sid) == []  # Twilio's retry: nothing twice
    assert len(replies_to(message.id)) == 1


def test_a_reply_in_time_still_goes_back_inline(app: Any, twilio: TwilioWebhook) -> None:
    assert len(twilio.replies("CHECKIN")) == 1
    message = db.session.scalars(select(InboundMessage)).one()
    [reply] = replies_to(message.id)
    assert reply.status == outbox.REPLIED


@pytest.mark.usefixtures("postgresql")
def test_the_worker_leaves_a_message_whose_lock_is_held_for_its_next_round(
    app: Any, twilio: TwilioWebhook, database_url: str, clock: Clock
) -> None:
    """A held lock is not a failed attempt, and does not hold up the worker."""
    twilio.replies("CHECKIN")
    arrival = inbound.Arrival(channel="sms", provider_sid="SM" + "8" * 32, sender=YOUNG_PERSON, body="4")
    inbound.receive(db.session, arrival, now=clock())
    clock.advance(minutes=3)
    with person_locked(database_url, young_person_id(), "NO KEY UPDATE"):
        thread, worked = in_background(lambda: worker_round(app))
        thread.join(timeout=5)
        done_while_locked = not thread.is_alive()
    thread.join(timeout=10)
    assert done_while_locked, "the worker waited for the lock to be released"
    # It gave up after its half-second wait, not when the lock went (5 s): well under that on a busy machine too.
    assert worked["response"] == 0 and worked["seconds"] < 4
    message = stored(arrival.provider_sid)
    assert (message.status, message.handling_attempts) == (inbound.RECEIVED, 0)
    assert processes.work_once(outbox.SimulatedSender()) >= 2  # handled, and its reply sent
    message = stored(arrival.provider_sid)
    assert (message.status, message.handling_attempts) == (inbound.PROCESSED, 0)
    assert [reply.status for reply in replies_to(message.id)] == [outbox.SIMULATED]


# --- web answers ----------------------------------------------------------------------------------------------


# A second message of theirs is stored (the bodies are encrypted: they are counted, not read).
SECOND_MESSAGE = "SELECT 1 FROM inbound_message WHERE person_id = %s HAVING count(*) >= 2"


@pytest.mark.usefixtures("postgresql")
def test_a_web_answer_is_stored_at_once_while_the_young_persons_text_is_handled_and_recorded_after(
    app: Any, client: Any, database_url: str
) -> None:
    respondent = Respondent(client)
    assert respondent.submit(f"{CHECKIN}/q/1", "4").status_code == 302
    person_id = young_person_id()
    with person_locked(database_url, person_id, "NO KEY UPDATE") as holder:
        thread, answered = in_background(lambda: respondent.submit(f"{CHECKIN}/q/2", "not sure"))
        stored_after = seconds_until(database_url, SECOND_MESSAGE, (person_id,), timeout=2)
        holder.rollback()  # the text's handling ends within the answer's wait
    thread.join(timeout=10)
    assert stored_after is not None and stored_after < STORED_WITHIN_SECONDS, stored_after
    assert answered["response"].status_code == 302  # recorded once the lock was free: on to question 3
    assert answered["response"].headers["Location"].endswith(f"{CHECKIN}/q/3")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 2
    handlings = db.session.scalars(select(InboundMessage.handling).order_by(InboundMessage.id)).all()
    assert handlings == ["answer", "answer"]


@pytest.mark.usefixtures("postgresql")
def test_a_web_answer_kept_waiting_too_long_is_stored_and_the_page_asks_again(
    app: Any, client: Any, database_url: str
) -> None:
    respondent = Respondent(client)
    assert respondent.submit(f"{CHECKIN}/q/1", "4").status_code == 302
    person_id = young_person_id()
    with person_locked(database_url, person_id, "NO KEY UPDATE"):
        thread, answered = in_background(lambda: respondent.submit(f"{CHECKIN}/q/2", "not sure"))
        stored_after = seconds_until(database_url, SECOND_MESSAGE, (person_id,), timeout=2)
        thread.join(timeout=10)
    assert stored_after is not None and stored_after < STORED_WITHIN_SECONDS, stored_after
    response = answered["response"]
    assert response.status_code == 400 and answered["seconds"] < ANSWERED_WITHIN_SECONDS
    page = response.get_data(as_text=True)
    assert "saved what you wrote" in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1
    kept = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
    assert kept is not None and (kept.handling, kept.body) == ("try-again", "not sure")
    # Pressed again, with the lock free: recorded once.
    assert respondent.submit(f"{CHECKIN}/q/2", "not sure").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 2
    assert web_responses.LOCK_WAIT.total_seconds() < ANSWERED_WITHIN_SECONDS
