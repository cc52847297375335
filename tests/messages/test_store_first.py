"""Storing never waits on handling: a young person's next message is stored at once while their last one is being
handled, and handled after, once, in order, by whichever worker takes it; a worrying text held up is screened on
its own.

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

from feedback.extensions import db
from feedback.messages import inbound, outbox
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.ops import runner as processes
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from feedback.surveys import web_responses
from feedback.surveys.models import Answer
from tests.conftest import Clock, TwilioWebhook, twiml_messages
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


# --- texts ----------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("postgresql")
def test_a_worrying_text_held_up_behind_a_lock_is_screened_on_its_own_and_gets_its_help(
    app: Any, twilio: TwilioWebhook, database_url: str, clock: Clock
) -> None:
    """Safeguarding first: a lock held on the young person delays the handling of their text, never its screen for
    longer than SCREEN_WAITING_AFTER, and no worker waits on the lock meanwhile."""
    twilio.replies("CHECKIN")
    sid = twilio.new_sid()
    with person_locked(database_url, young_person_id(), "NO KEY UPDATE"):
        assert twilio.text("my stepdad hits me and i cant go home", sid=sid, handle=False).status_code == 200
        assert worker_round(app) >= 0  # skipped, not waited on: the text is not claimable while the lock is held
        assert stored(sid).risk is None
        clock.advance(seconds=inbound.SCREEN_WAITING_AFTER.total_seconds())
        thread, _ = in_background(lambda: worker_round(app))
        thread.join(timeout=ANSWERED_WITHIN_SECONDS)
        assert not thread.is_alive(), "the worker waited for the lock to be released"
        message = stored(sid)
        assert message.status == inbound.RECEIVED and message.risk is True
        [help_text] = replies_to(message.id)
        assert "Childline 0800 1111" in help_text.body and help_text.status == outbox.SIMULATED  # sent already
    # Handled once the lock is free: the help is not given twice, and the alert is the one already raised.
    worker_round(app)
    message = stored(sid)
    assert message.status == inbound.PROCESSED
    assert [reply.body for reply in replies_to(message.id)] == [help_text.body]
    assert db.session.scalar(select(func.count()).select_from(SafeguardingAlert)) == 1


@pytest.mark.usefixtures("postgresql")
def test_a_text_is_stored_at_once_while_the_last_one_is_handled_and_handled_after_by_the_worker(
    app: Any, twilio: TwilioWebhook, database_url: str
) -> None:
    twilio.replies("CHECKIN")
    sid = twilio.new_sid()
    stored_after, answered, answered_while_locked = text_while_handling(
        database_url,
        lambda: twilio.text("4", sid=sid, handle=False),
        "SELECT id FROM inbound_message WHERE provider_sid = %s",
        sid,
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
    assert replies_to(message.id) == []

    # The lock is free: the worker's next round handles it, once, and sends its reply from the outbox.
    processes.work_once(outbox.SimulatedSender())
    message = stored(sid)
    assert (message.status, message.handling, message.handling_attempts) == (inbound.PROCESSED, "answer", 0)
    [reply] = replies_to(message.id)
    assert reply.status == outbox.SIMULATED and reply.attempts == 1  # sent by a sender
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1
    processes.work_once(outbox.SimulatedSender())
    assert len(replies_to(message.id)) == 1 and stored(sid).processed_at == message.processed_at


@pytest.mark.usefixtures("postgresql")
def test_a_text_is_stored_and_waits_its_turn_while_the_young_persons_last_text_is_being_handled(
    app: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first text's handling is paused in one worker (holding its locks) while the next arrives: the next is
    stored at once, and a second worker does not take it before the first is done (each person's texts in order)."""
    handling, go_on = threading.Event(), threading.Event()
    screen = inbound.screen_message

    def paused_screen(session: Any, body: str) -> Any:
        if body == "CHECKIN":
            handling.set()
            go_on.wait(timeout=10)
        return screen(session, body)

    monkeypatch.setattr(inbound, "screen_message", paused_screen)
    twilio = TwilioWebhook(app.test_client())
    first_sid, second_sid = "SM" + "a" * 32, "SM" + "b" * 32
    assert twilio.text("CHECKIN", sid=first_sid, handle=False).status_code == 200
    first_worker, _ = in_background(lambda: worker_round(app))
    try:
        assert handling.wait(timeout=10)
        started = time.monotonic()
        assert twilio.text("4", sid=second_sid, handle=False).status_code == 200
        stored_after = time.monotonic() - started
        second_worker, second_round = in_background(lambda: worker_round(app))
        second_worker.join(timeout=10)
        waiting = stored(second_sid).status
    finally:
        go_on.set()
        first_worker.join(timeout=10)
    assert stored_after < STORED_WITHIN_SECONDS, stored_after
    assert second_round["response"] == 0  # the second text waited behind the first
    assert waiting == inbound.RECEIVED
    worker_round(app)
    first, second = stored(first_sid), stored(second_sid)
    assert (first.handling, second.handling) == ("survey-start", "answer")
    assert [len(replies_to(first.id)), len(replies_to(second.id))] == [1, 1]


@pytest.mark.usefixtures("postgresql")
def test_the_old_lock_held_the_text_back(app: Any, twilio: TwilioWebhook, database_url: str) -> None:
    """A plain FOR UPDATE (what handling took before) blocks storing the next text, whose foreign key check needs
    the row: why handling takes FOR NO KEY UPDATE."""
    twilio.replies("CHECKIN")
    sid = twilio.new_sid()
    with person_locked(database_url, young_person_id(), "UPDATE") as holder:
        thread, answered = in_background(lambda: twilio.text("4", sid=sid, handle=False))
        held_back = seconds_until(
            database_url, "SELECT id FROM inbound_message WHERE provider_sid = %s", (sid,), timeout=1.5
        )
        holder.rollback()
    thread.join(timeout=10)
    assert held_back is None, "the text was stored while FOR UPDATE was held"
    assert answered["response"].status_code == 200
    processes.work_once(outbox.SimulatedSender())
    message = stored(sid)
    assert (message.status, message.handling) == (inbound.PROCESSED, "answer")
    assert [reply.status for reply in replies_to(message.id)] == [outbox.SIMULATED]


def test_every_reply_goes_through_the_outbox_and_is_sent_once(app: Any, twilio: TwilioWebhook) -> None:
    """Whatever the database: the webhook answers with nothing, the worker queues the reply and a sender sends it,
    and Twilio's retry of the webhook sends nothing twice."""
    sid = twilio.new_sid()
    response = twilio.text("CHECKIN", sid=sid)
    assert twiml_messages(response.get_data(as_text=True)) == []
    message = db.session.scalars(select(InboundMessage)).one()
    assert (message.status, message.handling) == (inbound.PROCESSED, "survey-start")
    [reply] = replies_to(message.id)
    assert reply.status == outbox.QUEUED
    processes.work_once(outbox.SimulatedSender())
    [reply] = replies_to(message.id)
    assert reply.status == outbox.SIMULATED
    assert twilio.text("CHECKIN", sid=sid).status_code == 200  # Twilio's retry: nothing twice
    processes.work_once(outbox.SimulatedSender())
    assert len(replies_to(message.id)) == 1


@pytest.mark.usefixtures("postgresql")
def test_the_worker_leaves_a_text_whose_young_person_is_locked_for_its_next_round(
    app: Any, twilio: TwilioWebhook, database_url: str
) -> None:
    """A held lock is not a failed attempt, and does not hold up the worker: it skips the text without waiting."""
    twilio.replies("CHECKIN")
    sid = twilio.new_sid()
    twilio.text("4", sid=sid, handle=False)
    with person_locked(database_url, young_person_id(), "NO KEY UPDATE"):
        thread, _ = in_background(lambda: worker_round(app))
        thread.join(timeout=5)
        done_while_locked = not thread.is_alive()
    thread.join(timeout=10)
    assert done_while_locked, "the worker waited for the lock to be released"
    message = stored(sid)
    assert (message.status, message.handling_attempts) == (inbound.RECEIVED, 0)
    assert processes.work_once(outbox.SimulatedSender()) >= 2  # handled, and its reply sent
    message = stored(sid)
    assert (message.status, message.handling_attempts) == (inbound.PROCESSED, 0)
    assert [reply.status for reply in replies_to(message.id)] == [outbox.SIMULATED]


@pytest.mark.usefixtures("postgresql")
def test_several_workers_handle_every_text_once_and_each_young_persons_in_order(app: Any) -> None:
    """Texts from six young people stored at once, four each, taken by three workers at the same time: each text
    handled once, and each young person's answers in the order they sent them (out of order, "not sure" would be
    asked again as an answer to a rating)."""
    twilio = TwilioWebhook(app.test_client())
    senders = [f"+4477009001{n:02d}" for n in range(6)]
    for words in ("CHECKIN", "4", "not sure", "yes"):
        for sender in senders:
            assert twilio.text(words, sender=sender, handle=False).status_code == 200
    start = threading.Barrier(3)

    def worker() -> int:
        start.wait(timeout=10)
        done = 0
        while handled := worker_round(app):
            done += handled
        return done

    threads = [in_background(worker) for _ in range(3)]
    for thread, _ in threads:
        thread.join(timeout=60)
    assert all(result["response"] > 0 for _, result in threads), "a worker did nothing"
    db.session.expire_all()
    handlings = db.session.scalars(select(InboundMessage.handling).order_by(InboundMessage.id)).all()
    assert handlings == ["survey-start"] * 6 + ["answer"] * 18
    per_text = db.session.execute(
        select(OutboundMessage.in_reply_to_id, func.count()).group_by(OutboundMessage.in_reply_to_id)
    ).all()
    assert len(per_text) == 24 and {n for _, n in per_text} == {1}
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 18


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
