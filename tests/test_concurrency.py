"""Messages handled at the same moment: two texts from one young person, and the same text twice."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from feedback.extensions import current_session, db
from feedback.models import Answer, InboundMessage, OutboundMessage
from feedback.services import inbound
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
