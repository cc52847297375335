"""Filing stored messages against themes: the analysis of each free-text message kept beside it.

Analysis is not on the webhook's path: safeguarding screening is (it runs first, on every message), but themes,
sentiment and key phrases are worked out by the worker for messages not analysed yet, and by
`feedback analyse --reprocess` again for all of them after a change of rules or taxonomy. Re-analysis replaces the
analysis and the automatic themes; themes a member of staff gave stay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from feedback.accounts.models import StaffUser
from feedback.analysis.pipeline import analyse
from feedback.analysis.themes import DEFAULT_RULES, ThemeRules
from feedback.core import permissions
from feedback.core.clock import local_month
from feedback.core.dbutil import insert_or_ignore
from feedback.core.errors import Invalid
from feedback.core.permissions import Viewer
from feedback.core.transactions import commits
from feedback.insight import daily
from feedback.insight import themes as taxonomy
from feedback.insight.models import MessageAnalysis, MessageTheme, Origin, Recode, Theme, ThemeSource
from feedback.messages.models import ImportedMessage, InboundChannel, InboundMessage, InboundStatus
from feedback.people.models import Person
from feedback.safeguarding import screening
from feedback.surveys.models import Answer, Conversation, Question, Survey, SurveyPurpose, SurveyVersion

# Bumped when the rules change in a way that should re-file what is stored (`feedback analyse --reprocess`).
ANALYSER = "rules-1"
AUTO = ThemeSource.AUTO
QUESTION = ThemeSource.QUESTION
STAFF = ThemeSource.STAFF
REMOVED = ThemeSource.REMOVED  # staff said the message is not about this theme: re-analysis never gives it again
# A phrase staff have filed under the same theme in this many messages becomes a cue for that theme.
LEARN_AFTER = 3
# What a young person wrote in their own words: unprompted texts, answers and statements, and the texts answered
# with the safeguarding help or a worker's call to come (kept as free text, not as answers). Keywords, opt-outs and
# HELP are instructions, not views.
ANALYSED_HANDLING = ("feedback", "answer", "safeguarding", "help-request")
# What an erased message's text becomes (`people.privacy`: retention and erasure).
ERASED = ""
_ANALYSABLE = (InboundMessage.status == InboundStatus.PROCESSED, InboundMessage.handling.in_(ANALYSED_HANDLING))


def pending(session: Session, limit: int = 200) -> list[int]:
    """Handled messages with words worth analysing and no analysis yet, oldest first."""
    return list(
        session.scalars(
            select(InboundMessage.id)
            .outerjoin(MessageAnalysis, MessageAnalysis.inbound_message_id == InboundMessage.id)
            .where(MessageAnalysis.id.is_(None), *_ANALYSABLE)
            .order_by(InboundMessage.id)
            .limit(limit)
        )
    )


@commits("each batch of analyses is kept as it is done, so a long run that stops keeps what it did")
def analyse_messages(
    session: Session, message_ids: Sequence[int], *, now: datetime, rules: ThemeRules | None = None
) -> int:
    """Analyse these messages (again), replacing earlier analysis and automatic themes. Commits once."""
    if not message_ids:
        return 0
    if rules is None:
        extra_cues = taxonomy.cues(session)
        for slug, phrases in learned_cues(session).items():
            extra_cues.setdefault(slug, []).extend(phrases)
        rules = DEFAULT_RULES.with_cues(extra_cues)
    learned = screening.model(session)
    theme_ids = taxonomy.ids_by_slug(session)
    question_themes = _question_themes(session, message_ids)
    facts = report_facts(session, message_ids)
    found = session.scalars(select(InboundMessage).where(InboundMessage.id.in_(message_ids))).all()
    # A message whose words were erased (or removed by retention) keeps the analysis it had: its themes and feeling
    # are now the only, anonymous, record of it, and there is nothing left to read again.
    messages = [message for message in found if message.body != ERASED]
    message_ids = [message.id for message in messages]
    if not message_ids:
        return 0
    with daily.recount(session, message_ids):
        _file(
            session,
            messages,
            rules=rules,
            learned=learned,
            theme_ids=theme_ids,
            question_themes=question_themes,
            facts=facts,
            now=now,
        )
    session.commit()
    return len(messages)


def _file(
    session: Session,
    messages: Sequence[InboundMessage],
    *,
    rules: ThemeRules,
    learned: Any,
    theme_ids: dict[str, int],
    question_themes: dict[int, tuple[tuple[str, ...], bool]],
    facts: dict[int, dict[str, Any]],
    now: datetime,
) -> None:
    """Replace these messages' analysis and automatic themes (the daily totals are kept by the caller)."""
    message_ids = [message.id for message in messages]
    session.execute(delete(MessageAnalysis).where(MessageAnalysis.inbound_message_id.in_(message_ids)))
    session.execute(
        delete(MessageTheme).where(
            MessageTheme.inbound_message_id.in_(message_ids), MessageTheme.source.in_((AUTO, QUESTION))
        )
    )
    theme_rows = []
    feelings: dict[int, tuple[float, str]] = {}
    for message in messages:
        fixed, free_text = question_themes.get(message.id, ((), True))
        result = analyse(message.body if free_text else "", rules, learned)
        feelings[message.id] = (result.sentiment, result.sentiment_label)
        session.add(
            MessageAnalysis(
                inbound_message_id=message.id,
                sentiment=result.sentiment,
                sentiment_label=result.sentiment_label,
                key_phrases=list(result.key_phrases),
                why={slug: list(words) for slug, words in result.why.items()},
                redacted=result.redacted if free_text else "",
                analyser=ANALYSER,
                analysed_at=now,
                **facts[message.id],
            )
        )
        # A theme found in the young person's words is theirs, even where the question they answered was about it.
        given = {slug: (AUTO, True) for slug in result.themes}
        for slug in fixed:
            given.setdefault(slug, (QUESTION, True))
        theme_rows += [
            {
                "inbound_message_id": message.id,
                "theme_id": theme_ids[slug],
                "source": source,
                "strong": strong,
                "created_at": now,
                "sentiment": result.sentiment,
                "feeling": result.sentiment_label,
                **facts[message.id],
            }
            for slug, (source, strong) in given.items()
            if slug in theme_ids
        ]
    if theme_rows:
        # A theme staff already gave the message stays theirs.
        session.execute(insert_or_ignore(session, MessageTheme, ["inbound_message_id", "theme_id"]), theme_rows)
    # Their themes take the message's facts as they are now (a locality changed in the register, say).
    coded = session.scalars(
        select(MessageTheme.inbound_message_id)
        .where(MessageTheme.inbound_message_id.in_(message_ids), MessageTheme.source.in_((STAFF, REMOVED)))
        .distinct()
    ).all()
    for message_id in coded:
        sentiment, feeling = feelings[message_id]
        session.execute(
            update(MessageTheme)
            .where(MessageTheme.inbound_message_id == message_id, MessageTheme.source.in_((STAFF, REMOVED)))
            .values(sentiment=sentiment, feeling=feeling, **facts[message_id])
        )


def report_facts(session: Session, message_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What summaries filter and group by, for each message: copied onto its analysis and its theme rows. A message
    brought in from before the service (`messages.history`) has the locality, age band and care setting its row
    gave, and the register's where it gave none."""
    rows = session.execute(
        select(
            InboundMessage.id,
            InboundMessage.received_at,
            InboundMessage.channel,
            InboundMessage.risk,
            InboundMessage.risk_confirmed,
            Conversation.survey_id,
            func.coalesce(ImportedMessage.locality, Person.locality).label("locality"),
            func.coalesce(ImportedMessage.age_band, Person.age_band).label("age_band"),
            func.coalesce(ImportedMessage.care_setting, Person.care_setting).label("care_setting"),
        )
        .join(Person, Person.id == InboundMessage.person_id)
        .outerjoin(Conversation, Conversation.id == InboundMessage.conversation_id)
        .outerjoin(ImportedMessage, ImportedMessage.inbound_message_id == InboundMessage.id)
        .where(InboundMessage.id.in_(message_ids))
    ).all()
    origins = _origins(session, message_ids)
    return {
        row.id: {
            "origin": Origin.IMPORT if row.channel == InboundChannel.IMPORT else origins.get(row.id, Origin.TEXT),
            "received_at": row.received_at,
            "month": local_month(row.received_at),
            "channel": row.channel,
            "survey_id": row.survey_id,
            "locality": row.locality,
            "age_band": row.age_band,
            "care_setting": row.care_setting,
            # A member of staff's view of the flag wins over the screen's.
            "risk": bool(row.risk if row.risk_confirmed is None else row.risk_confirmed),
        }
        for row in rows
    }


def _origins(session: Session, message_ids: Sequence[int]) -> dict[int, Origin]:
    """What kind of message each answer is: words to a text question (a statement's line when the survey is a
    statement), or a pick from a rating, choice or yes/no. A message that answered nothing was sent unprompted."""
    rows = session.execute(
        select(Answer.inbound_message_id, Question.type, Survey.purpose)
        .join(Question, Answer.question_id == Question.id)
        .join(SurveyVersion, SurveyVersion.id == Question.survey_version_id)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .where(Answer.inbound_message_id.in_(message_ids))
    ).all()
    origins: dict[int, Origin] = {}
    for message_id, kind, purpose in rows:
        if message_id is None:
            continue
        if kind != "text":
            origins[message_id] = Origin.CHOICE
        else:
            origins[message_id] = Origin.STATEMENT if purpose == SurveyPurpose.STATEMENT else Origin.ANSWER
    return origins


def _question_themes(session: Session, message_ids: Sequence[int]) -> dict[int, tuple[tuple[str, ...], bool]]:
    """For messages that answered a question: the question's fixed themes, and whether it asked for free text (a
    rating of "4" has no words to analyse)."""
    rows = session.execute(
        select(Answer.inbound_message_id, Question.themes, Question.type)
        .join(Question, Answer.question_id == Question.id)
        .where(Answer.inbound_message_id.in_(message_ids))
    ).all()
    return {
        message_id: (tuple(themes or ()), kind == "text") for message_id, themes, kind in rows if message_id is not None
    }


def analyse_pending(session: Session, *, now: datetime, limit: int = 200) -> int:
    return analyse_messages(session, pending(session, limit), now=now)


def reprocess(
    session: Session, *, now: datetime, batch: int = 500, progress: Callable[[int], None] | None = None
) -> int:
    """Analyse every analysable message again, in batches (each committed), keeping staff codes."""
    done = 0
    last_id = 0
    while True:
        ids = list(
            session.scalars(
                select(InboundMessage.id)
                .where(InboundMessage.id > last_id, *_ANALYSABLE)
                .order_by(InboundMessage.id)
                .limit(batch)
            )
        )
        if not ids:
            return done
        done += analyse_messages(session, ids, now=now)
        last_id = ids[-1]
        if progress is not None:
            progress(len(ids))


def count_analysable(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(InboundMessage).where(*_ANALYSABLE)) or 0)


class RecodeError(Invalid):
    """A recode that cannot be done; the message says why."""


def recode_themes(
    session: Session, message_id: int, user: StaffUser, slugs: Iterable[str], *, now: datetime
) -> tuple[set[str], set[str]]:
    """Set the themes of a message as a member of staff sees them. Themes added are kept as theirs, themes taken
    away are remembered as removed, so re-analysis changes neither; each change is recorded with who and when.
    Returns the slugs added and removed."""
    wanted_slugs = set(slugs)
    themes = dict(session.execute(select(Theme.slug, Theme.id).where(Theme.retired_at.is_(None))).all())
    unknown = wanted_slugs - set(themes)
    if unknown:
        raise RecodeError(f"Unknown or retired theme: {', '.join(sorted(unknown))}.")
    if session.get(InboundMessage, message_id) is None:
        raise RecodeError("There is no such message.")
    with daily.recount(session, [message_id]):
        rows = {
            row.theme_id: row
            for row in session.scalars(select(MessageTheme).where(MessageTheme.inbound_message_id == message_id))
        }
        wanted = {themes[slug] for slug in wanted_slugs}
        current = {theme_id for theme_id, row in rows.items() if row.source != REMOVED}
        slug_of = {theme_id: slug for slug, theme_id in themes.items()}
        facts = report_facts(session, [message_id])[message_id]
        analysed = session.execute(
            select(MessageAnalysis.sentiment, MessageAnalysis.sentiment_label).where(
                MessageAnalysis.inbound_message_id == message_id
            )
        ).first()
        sentiment, feeling = analysed if analysed is not None else (None, None)
        for theme_id in wanted - current:
            if theme_id in rows:
                rows[theme_id].source = STAFF
            else:
                session.add(
                    MessageTheme(
                        inbound_message_id=message_id,
                        theme_id=theme_id,
                        source=STAFF,
                        created_at=now,
                        sentiment=sentiment,
                        feeling=feeling,
                        **facts,
                    )
                )
            session.add(
                Recode(
                    inbound_message_id=message_id,
                    staff_user_id=user.id,
                    action="add-theme",
                    theme_id=theme_id,
                    created_at=now,
                )
            )
        for theme_id in current - wanted:
            rows[theme_id].source = REMOVED
            session.add(
                Recode(
                    inbound_message_id=message_id,
                    staff_user_id=user.id,
                    action="remove-theme",
                    theme_id=theme_id,
                    created_at=now,
                )
            )
    session.flush()
    return {slug_of[t] for t in wanted - current}, {slug_of.get(t, "?") for t in current - wanted}


def review_risk(session: Session, message_id: int, user: StaffUser, *, confirmed: bool, now: datetime) -> None:
    """A member of staff confirms or clears the risk flag of a message; the screen's own verdict is kept too."""
    message = session.get(InboundMessage, message_id)
    if message is None:
        raise RecodeError("There is no such message.")
    message.risk_confirmed = confirmed
    for table in (MessageAnalysis, MessageTheme):  # summaries never quote a message staff say shows a risk
        session.execute(update(table).where(table.inbound_message_id == message_id).values(risk=confirmed))
    action = "confirm-risk" if confirmed else "clear-risk"
    session.add(Recode(inbound_message_id=message_id, staff_user_id=user.id, action=action, created_at=now))
    session.flush()


def learned_cues(session: Session, after: int = LEARN_AFTER) -> dict[str, list[str]]:
    """Phrases staff keep filing under the same theme: each key phrase of messages given a theme by staff, counted
    per theme; those reached in `after` messages or more become cues of the theme."""
    rows = session.execute(
        select(Theme.slug, MessageAnalysis.key_phrases)
        .join(MessageTheme, MessageTheme.theme_id == Theme.id)
        .join(MessageAnalysis, MessageAnalysis.inbound_message_id == MessageTheme.inbound_message_id)
        .where(MessageTheme.source == STAFF, Theme.retired_at.is_(None))
    ).all()
    counts: Counter[tuple[str, str]] = Counter()
    for slug, phrases in rows:
        counts.update((slug, phrase) for phrase in set(phrases or ()))
    learned: dict[str, list[str]] = {}
    for (slug, phrase), seen in sorted(counts.items()):
        if seen >= after and len(phrase) >= 3:
            learned.setdefault(slug, []).append(phrase)
    return learned


@dataclass(frozen=True)
class Filed:
    """One message as staff review it: the words, what the analysis read, its themes and its history."""

    message: InboundMessage
    analysis: MessageAnalysis | None
    themes: list[Any]  # rows of (slug, label, source), removed ones left out
    history: list[Recode]


def recent(session: Session, viewer: Viewer, limit: int = 50) -> Sequence[Any]:
    """The newest analysed messages this member of staff may read (`permissions.messages`), for them to review."""
    return session.execute(
        select(InboundMessage, MessageAnalysis)
        .join(MessageAnalysis, MessageAnalysis.inbound_message_id == InboundMessage.id)
        .where(permissions.messages(viewer))
        .order_by(InboundMessage.id.desc())
        .limit(limit)
    ).all()


def readable(session: Session, message_id: int, viewer: Viewer) -> bool:
    """Whether this message exists and this member of staff may read it (and so review how it was filed)."""
    found = session.scalar(
        select(InboundMessage.id).where(InboundMessage.id == message_id, permissions.messages(viewer))
    )
    return found is not None


def filed(session: Session, message_id: int, viewer: Viewer | None = None) -> Filed | None:
    """A message as staff review it; None when there is no such message, or `viewer` may not read it."""
    query = select(InboundMessage).where(InboundMessage.id == message_id)
    message = session.scalar(query.where(permissions.messages(viewer)) if viewer is not None else query)
    if message is None:
        return None
    result = session.scalar(select(MessageAnalysis).where(MessageAnalysis.inbound_message_id == message_id))
    themes = session.execute(
        select(Theme.slug, Theme.label, MessageTheme.source)
        .join(MessageTheme, MessageTheme.theme_id == Theme.id)
        .where(MessageTheme.inbound_message_id == message_id, MessageTheme.source != REMOVED)
        .order_by(Theme.id)
    ).all()
    history = session.scalars(
        select(Recode).where(Recode.inbound_message_id == message_id).order_by(Recode.created_at, Recode.id)
    ).all()
    return Filed(message, result, list(themes), list(history))
