""" "You said, we did": what young people said about a theme, what was done or will be done about it, and a text
back to everyone who raised that theme.

Actions are recorded against live themes only (a retired theme means nothing new to anyone), and an action whose
theme is retired later keeps it. Everything is checked before anything is written, so a bad field changes
nothing. Telling young people is at most once per person and action, whoever presses the button and however
often: the database's unique (action, person) index decides, not a read before the write.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Select, Table, bindparam, func, literal, select
from sqlalchemy.orm import Session, joinedload

from feedback.actions.models import Action, ActionNotice, ActionStatus
from feedback.core.clock import local_date
from feedback.core.dbutil import insert_or_ignore
from feedback.core.errors import Invalid, NotFound
from feedback.core.plain_dates import long_date
from feedback.core.segments import count_segments
from feedback.insight.filing import REMOVED
from feedback.insight.models import MessageTheme, Theme
from feedback.messages import outbox
from feedback.messages.models import InboundMessage
from feedback.people import operations as people
from feedback.people.models import Person

log = logging.getLogger(__name__)

PLANNED = ActionStatus.PLANNED
IN_PROGRESS = ActionStatus.IN_PROGRESS
DONE = ActionStatus.DONE
# What each status is called, on staff pages and where young people read it: a word for a tag or a choice...
STATUS_WORDS = {PLANNED: "Planned", IN_PROGRESS: "In progress", DONE: "Done"}
# ...and how it goes on to its date: "Planned for 15 January 2027", "In progress since 15 January 2027", "Done on
# 15 January 2027" (`status_on`).
STATUS_DATE_WORDS = {PLANNED: "for", IN_PROGRESS: "since", DONE: "on"}

MAX_YOU_SAID = 500
MAX_WE_DID = 500
MAX_BY_WHOM = 120
# An action is dated when it happened or is planned for: within ten years back (older is a typing slip, such as
# 2106 for 2016 the other way round) and at most a year ahead.
YEARS_BACK = 10
# The form field each column is typed in, for errors.
FIELDS = {"theme_id": "theme"}
NOTICE_KIND = "you-said-we-did"
# A text is one SMS when what was done fits, otherwise at most two; past that, what was done is shortened at a
# word (the link has all of it). Young people get nothing longer than two texts.
MAX_SEGMENTS = 2

# Word processors' quotes and dashes are outside the GSM-7 alphabet: one of them halves what fits in a text.
_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_SPACES = re.compile(r"\s+")


class ActionError(Invalid):
    """An action that cannot be saved as given: `errors` says why, by form field, for every field at fault."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class _FieldError(Invalid):
    pass


class ActionNotFound(NotFound):
    """No action has that id."""


@dataclass(frozen=True)
class Proposed:
    """An action as staff typed it, before it is checked."""

    theme: str  # the theme's slug
    you_said: str
    we_did: str
    by_whom: str
    status: str
    action_date: date | str | None


def status_on(status: str, day: date) -> str:
    """The status with its date, as a person says it: "In progress since 15 January 2027"."""
    return f"{STATUS_WORDS[ActionStatus(status)]} {STATUS_DATE_WORDS[ActionStatus(status)]} {long_date(day)}"


def date_range(on: date) -> tuple[date, date]:
    """The earliest and latest dates an action may carry, seen from `on`."""
    return _years_after(on, -YEARS_BACK), _years_after(on, 1)


def _years_after(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year + years)
    except ValueError:  # 29 February in a year that has none
        return on.replace(year=on.year + years, day=28)


def _text(raw: str, limit: int, what: str) -> str:
    value = (raw or "").strip()
    if not value:
        raise _FieldError(f"Write {what}.")
    if len(value) > limit:
        raise _FieldError(f"Keep {what} to {limit} characters or fewer (this is {len(value)}).")
    return value


def _date(raw: date | str | None, on: date) -> date:
    if isinstance(raw, date):
        value = raw
    else:
        try:
            value = date.fromisoformat((raw or "").strip())
        except ValueError:
            raise _FieldError("Give the date as year-month-day, such as 2026-03-31.") from None
    earliest, latest = date_range(on)
    if value > latest:
        raise _FieldError(f"The date is more than a year away: it can be up to {long_date(latest)}.")
    if value < earliest:
        raise _FieldError(f"The date is too long ago: it can go back to {long_date(earliest)}.")
    return value


def _theme(session: Session, slug: str, keep: int | None) -> Theme:
    theme = session.scalar(select(Theme).where(Theme.slug == (slug or "").strip()))
    if theme is None:
        raise _FieldError("Choose a theme from the list.")
    # An action whose theme was retired after it was recorded may keep it; nothing new goes on a retired theme.
    if theme.retired_at is not None and theme.id != keep:
        raise _FieldError(f"{theme.label} is retired: choose a theme in use.")
    return theme


def _checked(
    session: Session, proposed: Proposed, *, now: datetime, keep_theme: int | None = None
) -> dict[str, object]:
    """Every field checked and cleaned, or ActionError naming each one at fault; nothing is written here."""
    checks: dict[str, Callable[[], object]] = {
        "theme_id": lambda: _theme(session, proposed.theme, keep_theme).id,
        "you_said": lambda: _text(proposed.you_said, MAX_YOU_SAID, "what young people said"),
        "we_did": lambda: _text(proposed.we_did, MAX_WE_DID, "what was done"),
        "by_whom": lambda: _text(proposed.by_whom, MAX_BY_WHOM, "who is doing it"),
        "status": lambda: _status(proposed.status),
        "action_date": lambda: _date(proposed.action_date, local_date(now)),
    }
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except _FieldError as exc:
            errors[FIELDS.get(name, name)] = str(exc)
    if errors:
        raise ActionError(errors)
    return values


def _status(raw: str) -> str:
    if raw not in STATUS_WORDS:
        raise _FieldError("Choose planned, in progress or done.")
    return raw


def create(session: Session, proposed: Proposed, *, created_by_id: int, now: datetime) -> Action:
    """Record a new action (flushed, not committed)."""
    action = Action(**_checked(session, proposed, now=now), created_by_id=created_by_id, created_at=now, updated_at=now)
    session.add(action)
    session.flush()
    return action


def get(session: Session, action_id: int) -> Action:
    action = session.get(Action, action_id)
    if action is None:
        raise ActionNotFound(f"There is no action {action_id}.")
    return action


def edit(session: Session, action_id: int, proposed: Proposed, *, now: datetime) -> Action:
    """Change an action (flushed, not committed). All fields are checked before any is changed."""
    action = get(session, action_id)
    for name, value in _checked(session, proposed, now=now, keep_theme=action.theme_id).items():
        setattr(action, name, value)
    action.updated_at = now
    session.flush()
    return action


def listed(session: Session) -> Sequence[Action]:
    """Every action with its theme, the newest first."""
    return (
        session.scalars(
            select(Action).options(joinedload(Action.theme)).order_by(Action.action_date.desc(), Action.id.desc())
        )
        .unique()
        .all()
    )


def by_theme(session: Session) -> list[tuple[str, list[Action]]]:
    """Actions grouped under their theme's label, the theme with the newest action first, each newest first."""
    actions = listed(session)
    groups: dict[int, list[Action]] = {}
    for action in actions:  # already newest first, so each group is, and groups come in order of their newest
        groups.setdefault(action.theme_id, []).append(action)
    return [(group[0].theme.label, group) for group in groups.values()]


def notice_counts(session: Session) -> dict[int, int]:
    """How many young people have been texted about each action (for the staff who text them)."""
    rows = session.execute(select(ActionNotice.action_id, func.count()).group_by(ActionNotice.action_id))
    return {action_id: int(n) for action_id, n in rows}


def recipients(theme_id: int) -> Select[int]:
    """Who may be told about an action on the theme: everyone whose own words were filed under it (not where
    staff removed it), who has not opted out and can be texted. A SELECT of distinct person ids."""
    return (
        select(InboundMessage.person_id)
        .join(MessageTheme, MessageTheme.inbound_message_id == InboundMessage.id)
        .join(Person, Person.id == InboundMessage.person_id)
        .where(
            MessageTheme.theme_id == theme_id,
            MessageTheme.source != REMOVED,
            people.may_be_texted(),
        )
        .distinct()
    )


def waiting(session: Session, action: Action) -> int:
    """How many young people a press of "Text young people about this" would text now."""
    told = select(ActionNotice.person_id).where(ActionNotice.action_id == action.id)
    chosen = recipients(action.theme_id).where(InboundMessage.person_id.not_in(told)).subquery()
    return int(session.scalar(select(func.count()).select_from(chosen)) or 0)


def _spoken_label(label: str) -> str:
    """A theme label in the middle of a sentence: "Where I live now" reads "where I live now"; "CAMHS" stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def notice_body(theme_label: str, we_did: str, link: str) -> str:
    """The text telling a young person what changed: one SMS when it fits, never more than two."""
    what = _SPACES.sub(" ", we_did.translate(_TYPOGRAPHIC)).strip()
    if what and what[-1] not in ".!?":
        what += "."

    def text(changed: str) -> str:
        return f"You told us about {_spoken_label(theme_label)}. Here's what changed: {changed} See more: {link}"

    body = text(what)
    if count_segments(body).segments <= MAX_SEGMENTS:
        return body
    words = what.split(" ")
    while len(words) > 1 and count_segments(text(" ".join(words) + "...")).segments > MAX_SEGMENTS:
        words.pop()
    return text(" ".join(words).rstrip(".,;:!?") + "...")


def notify(session: Session, action_id: int, *, link: str, now: datetime) -> int:
    """Queue one text about the action to each young person who raised its theme and may be texted, unless they
    have had one about it already. Returns how many were queued (flushed, not committed: the caller commits once).

    The notices go in first, in one INSERT ... SELECT that skips anyone already told; only the rows it inserted
    get a text. Two presses, or two members of staff at once, therefore text nobody twice.
    """
    action = get(session, action_id)
    created_at = literal(now, type_=ActionNotice.__table__.c.created_at.type)
    chosen = recipients(action.theme_id).add_columns(literal(action.id), created_at)
    inserted = session.execute(
        insert_or_ignore(session, ActionNotice, ["action_id", "person_id"])
        .from_select(["person_id", "action_id", "created_at"], chosen)
        .returning(ActionNotice.id, ActionNotice.person_id)
    ).all()
    if not inserted:
        log.info("action %s: nobody new to text", action.id)
        return 0
    body = notice_body(action.theme.label, action.we_did, link)
    message_ids = outbox.record(
        session,
        [outbox.Outgoing(person_id=person_id, body=body, kind=NOTICE_KIND) for _, person_id in inserted],
        now=now,
    )
    table = cast(Table, ActionNotice.__table__)
    session.execute(
        table.update().where(table.c.id == bindparam("notice_id")).values(outbound_message_id=bindparam("message_id")),
        [
            {"notice_id": notice_id, "message_id": mid}
            for (notice_id, _), mid in zip(inserted, message_ids, strict=True)
        ],
    )
    log.info("action %s: queued %s texts", action.id, len(inserted))
    return len(inserted)
