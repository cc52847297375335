"""Filing stored messages against themes: the analysis of each free-text message kept beside it.

Analysis is not on the webhook's path: safeguarding screening is (it runs first, on every message), but themes,
sentiment and key phrases are worked out by the worker for messages not analysed yet, and by
`feedback analyse --reprocess` again for all of them after a change of rules or taxonomy. Re-analysis replaces the
analysis and the automatic themes; themes a member of staff gave stay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from feedback.analysis.pipeline import analyse
from feedback.analysis.themes import DEFAULT_RULES, ThemeRules
from feedback.models import Answer, InboundMessage, MessageAnalysis, MessageTheme, Question, Theme
from feedback.services.dbutil import insert_or_ignore

# Bumped when the rules change in a way that should re-file what is stored (`feedback analyse --reprocess`).
ANALYSER = "rules-1"
AUTO = "auto"
QUESTION = "question"
STAFF = "staff"
# What a young person wrote in their own words: unprompted texts, answers and statements. Keywords, opt-outs and
# HELP are instructions, not views.
ANALYSED_HANDLING = ("feedback", "answer")


def pending(session: Session, limit: int = 200) -> list[int]:
    """Handled messages with words worth analysing and no analysis yet, oldest first."""
    return list(
        session.scalars(
            select(InboundMessage.id)
            .outerjoin(MessageAnalysis, MessageAnalysis.inbound_message_id == InboundMessage.id)
            .where(
                MessageAnalysis.id.is_(None),
                InboundMessage.status == "processed",
                InboundMessage.handling.in_(ANALYSED_HANDLING),
            )
            .order_by(InboundMessage.id)
            .limit(limit)
        )
    )


def analyse_messages(
    session: Session, message_ids: Sequence[int], *, now: datetime, rules: ThemeRules = DEFAULT_RULES
) -> int:
    """Analyse these messages (again), replacing earlier analysis and automatic themes. Commits once."""
    if not message_ids:
        return 0
    theme_ids = dict(session.execute(select(Theme.slug, Theme.id).where(Theme.retired_at.is_(None))).all())
    question_themes = _question_themes(session, message_ids)
    messages = session.scalars(select(InboundMessage).where(InboundMessage.id.in_(message_ids))).all()
    session.execute(delete(MessageAnalysis).where(MessageAnalysis.inbound_message_id.in_(message_ids)))
    session.execute(
        delete(MessageTheme).where(
            MessageTheme.inbound_message_id.in_(message_ids), MessageTheme.source.in_((AUTO, QUESTION))
        )
    )
    theme_rows = []
    for message in messages:
        fixed, free_text = question_themes.get(message.id, ((), True))
        result = analyse(message.body if free_text else "", rules)
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
            )
        )
        given = {slug: (QUESTION, True) for slug in fixed}
        for slug in result.themes:
            given.setdefault(slug, (AUTO, True))
        theme_rows += [
            {
                "inbound_message_id": message.id,
                "theme_id": theme_ids[slug],
                "source": source,
                "strong": strong,
                "created_at": now,
            }
            for slug, (source, strong) in given.items()
            if slug in theme_ids
        ]
    if theme_rows:
        # A theme staff already gave the message stays theirs.
        session.execute(insert_or_ignore(session, MessageTheme, ["inbound_message_id", "theme_id"]), theme_rows)
    session.commit()
    return len(messages)


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
                .where(
                    InboundMessage.id > last_id,
                    InboundMessage.status == "processed",
                    InboundMessage.handling.in_(ANALYSED_HANDLING),
                )
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
    from sqlalchemy import func

    return int(
        session.scalar(
            select(func.count())
            .select_from(InboundMessage)
            .where(InboundMessage.status == "processed", InboundMessage.handling.in_(ANALYSED_HANDLING))
        )
        or 0
    )
