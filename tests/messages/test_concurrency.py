"""Messages handled at the same moment: two texts from one young person, and the same text twice."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from feedback.extensions import current_session, db
from feedback.messages import inbound
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.surveys.models import Answer
from tests.conftest import YOUNG_PERSON, Clock, TwilioWebhook


def handle_at_once(app: Any, message_ids: list[int], clock: Clock) -> list[int]:
    """Handle each message in its own thread and session, all starting together; return those that failed."""
    policy = inbound.InboundPolicy.from_config(app.config)
    start = threading.Barrier(len(message_ids))
    failed: list[int] = []

    def work(message_id: int) -> None:
        with app.app_context():
            start.wait()
            try:
                inbound.process(current_session(), message_id, now=clock(), policy=policy)
            except OperationalError:
                # SQLite lets one writer win and refuses the other, which answers 500 so Twilio retries.
                failed.append(message_id)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(mid,)) for mid in message_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return failed


def store(app: Any, body: str, sid: str, clock: Clock) -> int:
    received = inbound.receive(
        current_session(), inbound.Arrival(channel="sms", provider_sid=sid, sender=YOUNG_PERSON, body=body), now=clock()
    )
    return received.message_id


def test_two_texts_at_once_answer_two_questions_in_turn(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    twilio.replies("CHECKIN")
    # "2" and "3" answer the rating and the choice alike, whichever is handled first.
    first, second = store(app, "2", "SMfirst", clock), store(app, "3", "SMsecond", clock)
    db.session.commit()
    for retry in handle_at_once(app, [first, second], clock):
        inbound.process(current_session(), retry, now=clock(), policy=inbound.InboundPolicy.from_config(app.config))
    db.session.expire_all()
    assert len(db.session.scalars(select(Answer)).all()) == 2
    statuses = db.session.scalars(select(InboundMessage.status)).all()
    assert statuses == ["processed"] * 3
    replies = db.session.scalars(select(OutboundMessage).where(OutboundMessage.in_reply_to_id.in_([first, second])))
    assert len(replies.all()) == 2


def test_the_same_message_handled_twice_at_once_is_handled_once(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    twilio.replies("CHECKIN")
    message = store(app, "4", "SMsame", clock)
    db.session.commit()
    for retry in handle_at_once(app, [message, message], clock):
        inbound.process(current_session(), retry, now=clock(), policy=inbound.InboundPolicy.from_config(app.config))
    db.session.expire_all()
    assert len(db.session.scalars(select(Answer)).all()) == 1
    replies = db.session.scalars(select(OutboundMessage).where(OutboundMessage.in_reply_to_id == message)).all()
    assert len(replies) == 1


def answer_at_once(app: Any, pages: list[tuple[str, str]], clock: Clock, person_id: int) -> list[str]:
    """Submit web pages (nonce, answer) to question 4 of the check-in, each in its own thread and session, all at
    once; return the nonces whose submit failed (SQLite refuses a second writer; the browser shows an error)."""
    from feedback.surveys import operations as surveys
    from feedback.surveys import web_responses

    policy = web_responses.WebPolicy.from_config(app.config)
    start = threading.Barrier(len(pages))
    failed: list[str] = []

    def work(nonce: str, answer: str) -> None:
        with app.app_context():
            session = current_session()
            start.wait()
            try:
                version = surveys.current_version(session, "monthly-checkin")
                web_responses.answer_page(
                    session, person_id, version, version.questions[3], answer, skip=False, nonce=nonce,
                    now=clock(), policy=policy,
                )  # fmt: skip
            except OperationalError:
                failed.append(nonce)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=page) for page in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return failed


def test_a_web_page_submitted_twice_at_once_records_one_answer_in_one_conversation(app: Any, clock: Clock) -> None:
    from feedback.people import operations as people
    from feedback.surveys.models import Conversation

    person_id = people.get_or_create_person(current_session(), YOUNG_PERSON).id
    db.session.commit()  # and no transaction left open here: on SQLite it would hold the write lock
    pages = [("same-nonce", "More youth workers"), ("same-nonce", "More youth workers"), ("other-tab", "Buses")]
    failed = answer_at_once(app, pages, clock, person_id)
    assert len(failed) < len(pages)
    db.session.expire_all()
    assert len(db.session.scalars(select(Conversation)).all()) == 1
    answers = db.session.scalars(select(Answer)).all()
    assert len(answers) == 1 and answers[0].raw_text in {"More youth workers", "Buses"}
    # The same page twice is one message; the other tab's is another (unless SQLite turned it away).
    sids = set(db.session.scalars(select(InboundMessage.provider_sid)).all())
    assert sids == {f"web-{nonce}" for nonce, _ in pages if nonce not in failed} or (
        sids < {"web-same-nonce", "web-other-tab"} and failed
    )
