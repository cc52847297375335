"""One reminder for a survey left unfinished: after REMINDER_HOURS of silence, a young person part-way through a
survey by text is sent the question they are on again, and someone sent a survey to do online is sent a fresh
link. Never more than one per conversation: the conversation is marked in the same UPDATE that picks it, so two
runs at once, or a run repeated, remind nobody twice. Statements are never chased, nor is anyone who may not be
texted. The reminders are bulk sends: quiet hours hold them until the morning.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, joinedload

from feedback.messages import outbox
from feedback.messages.models import OutboundMessage
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.surveys import conversations, sending
from feedback.surveys.models import Conversation, Survey, SurveyVersion
from feedback.surveys.operations import SURVEY

log = logging.getLogger(__name__)

KIND = "reminder"
# An invitation counts as having reached them once it left (a web survey is chased only after its link went).
_GONE = (outbox.SENT, outbox.SIMULATED, outbox.UNCONFIRMED, "delivered")


def send_reminders(
    session: Session, *, now: datetime, after: timedelta, links_to: sending.LinkSettings | None = None
) -> int:
    """Queue the one reminder for each conversation silent for `after` (flushed; the caller commits)."""
    silent_since = now - after
    invited = exists().where(
        OutboundMessage.conversation_id == Conversation.id,
        OutboundMessage.kind == sending.INVITATION,
        OutboundMessage.status.in_(_GONE),
    )
    by_text = (Conversation.channel == conversations.SMS) & (Conversation.status == conversations.ACTIVE)
    online = (
        (Conversation.channel == conversations.WEB)
        & Conversation.status.in_((conversations.INVITED, conversations.ACTIVE))
        & invited
    )
    due = (
        select(Conversation.id)
        .join(Survey, Survey.id == Conversation.survey_id)
        .join(Person, Person.id == Conversation.person_id)
        .where(
            Conversation.reminded_at.is_(None),
            Conversation.last_activity_at <= silent_since,
            Survey.purpose == SURVEY,
            Survey.closed_at.is_(None),
            people.may_be_texted(),
            by_text | online,
        )
    )
    picked = list(
        session.execute(
            update(Conversation)
            .where(Conversation.id.in_(due.scalar_subquery()), Conversation.reminded_at.is_(None))
            .values(reminded_at=now)
            .returning(Conversation.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    if not picked:
        return 0
    chosen = session.scalars(
        select(Conversation)
        .where(Conversation.id.in_(picked))
        .options(joinedload(Conversation.version).joinedload(SurveyVersion.questions))
        .order_by(Conversation.id)
    ).unique()
    messages = []
    for conversation in chosen:
        body = _body(session, conversation, now=now, links_to=links_to)
        if body is not None:
            messages.append(outbox.Outgoing(conversation.person_id, body, KIND, conversation_id=conversation.id))
    outbox.record(session, messages, now=now)
    log.info("queued %s reminders", len(messages))
    return len(messages)


def _body(
    session: Session, conversation: Conversation, *, now: datetime, links_to: sending.LinkSettings | None
) -> str | None:
    if conversation.channel == conversations.SMS:
        return f"Just a reminder: {conversations.current_question(conversation).text}"
    if links_to is None or not links_to.base_url:
        log.warning("conversation %s: no PUBLIC_BASE_URL for a reminder's link; not reminded", conversation.id)
        return None
    token = links.issue(session, conversation.person_id, now=now, valid_for=links_to.valid_for)
    url = links.survey_url(links_to.base_url, conversation.version.survey.slug, token)
    return f"Just a reminder: you can still do {conversation.version.title} online: {url}"
