"""The staff home page's "What needs doing": for the member of staff signed in, each thing waiting on them as a
sentence a busy person reads at a glance ("3 statements to you waiting to be read, the oldest sent 2 days ago"),
with a link to the page that shows exactly those.

Every count goes through the same visibility rules as the page it links to (`permissions.*` with the `Viewer`),
so a worker counts their own young people and their team's duty inbox, a manager their team's; and an item is
offered only when the member of staff may open that page (`menu.may_open`), so nothing on the home page answers
403. An item shows only when there is something to do.

Reads only: each count comes from its feature's queries; nothing here writes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import humanize
from flask import url_for
from sqlalchemy.orm import Session

from feedback.accounts.models import Role, StaffUser
from feedback.advocacy import operations as advocacy
from feedback.core import permissions
from feedback.core.clock import local_date
from feedback.core.permissions import Viewer
from feedback.core.plain_dates import when
from feedback.messages import outbox
from feedback.safeguarding import queries as alerts
from feedback.staff import menu
from feedback.statements import queries as statements
from feedback.surveys import operations as surveys

# An item's figure: the count a sentence starts with, or the first percentage in it.
_FIGURE = re.compile(r"^\d+|\d+%")

# A role in words, for the page's heading.
ROLE_WORDS = {
    Role.WORKER: "Worker",
    Role.MANAGER: "Manager",
    Role.ADVOCACY: "Advocacy worker",
    Role.ADMIN: "Administrator",
    Role.CHAMPIONS: "Champions Board",
}


@dataclass(frozen=True)
class Item:
    """One thing waiting: a sentence with its count, the page that shows exactly those, and a status word."""

    text: str
    url: str
    tag: str
    tone: str = ""

    @property
    def parts(self) -> tuple[str, str, str]:
        """The sentence around its figure (the count it starts with, or its percentage), which the page makes bold
        so that it is read first."""
        found = _FIGURE.search(self.text)
        if found is None:
            return self.text, "", ""
        return self.text[: found.start()], found.group(), self.text[found.end() :]


@dataclass(frozen=True)
class Section:
    heading: str
    items: tuple[Item, ...]


def role_in_words(user: StaffUser, team: str | None) -> str:
    """ "Manager, Hamilton team"; a role this version does not know is said as it is stored."""
    role = permissions.role_of(user)
    words = ROLE_WORDS[role] if role is not None else user.role
    return f"{words}, {team} team" if team and role in permissions.NAMED_WORKER_ROLES else words


def todo(session: Session, viewer: Viewer, user: StaffUser, now: datetime, config: Mapping[str, Any]) -> list[Section]:
    """What waits on this member of staff, most urgent first; sections with nothing in them are left out."""
    sections = [
        Section("Safeguarding", tuple(_alerts(session, viewer, user, now))),
        Section("Statements", tuple(_statements(session, viewer, user, now))),
        Section("Advocacy", tuple(_advocacy(session, viewer, user, now, config))),
        Section("Texts", tuple(_held(session, user, now, config))),
        Section("Surveys", tuple(_surveys(session, user, config))),
    ]
    return [section for section in sections if section.items]


# --- safeguarding -----------------------------------------------------------------------------------------------


def _alerts(session: Session, viewer: Viewer, user: StaffUser, now: datetime) -> Iterator[Item]:
    if not menu.may_open(user, "staff.alerts"):
        return
    waiting = alerts.waiting_by_whose(session, viewer)
    url = url_for("staff.alerts")
    for whose in (alerts.YOURS, alerts.TEAM, alerts.OTHERS):
        group = waiting.get(whose)
        if group is None or not group.risk:
            continue
        who = "you" if whose == alerts.YOURS else "someone"
        text = _count(group.risk, "safeguarding alert") + _about(whose, group.risk, viewer)
        text += f" waiting for {who} to act" + _raised(group.risk, group.oldest_risk, now, "raised")
        if group.escalated:
            text += f"; {group.escalated} of them escalated" if group.risk > 1 else "; escalated"
        yield Item(text, url, "Urgent", "urgent")
    # Concerns after every urgent alert: they are to read today, not to act on now.
    for whose in (alerts.YOURS, alerts.TEAM, alerts.OTHERS):
        group = waiting.get(whose)
        if group is not None and group.concerns:
            text = _count(group.concerns, "concern") + _about(whose, group.concerns, viewer) + " to read today"
            yield Item(text, url, "Read today", "today")


def _about(whose: str, n: int, viewer: Viewer) -> str:
    """Whose young people a group is about, in words true whatever the role: someone with no team has no team's
    group, and the rest they see is then simply everyone's."""
    if whose == alerts.YOURS:
        return " about one of your young people" if n == 1 else " about your young people"
    if whose == alerts.TEAM:
        return " about one of your team's young people" if n == 1 else " about your team's young people"
    if viewer.team_id is None:
        return ""
    return " about a young person outside your team" if n == 1 else " about young people outside your team"


# --- statements -------------------------------------------------------------------------------------------------


def _statements(session: Session, viewer: Viewer, user: StaffUser, now: datetime) -> Iterator[Item]:
    # Those who answer statements; admins may read them all, but a young person's own worker or team answers.
    if not (permissions.can(user, permissions.Capability.ANSWER_STATEMENTS) and menu.may_open(user, "staff.inbox")):
        return
    url = url_for("staff.inbox")
    unread = statements.unread_by_whom(session, viewer)
    to = {
        statements.YOURS: "to you",
        statements.TEAM: "to your team",
        statements.OTHERS: "to other teams" if viewer.team_id is not None else "",
    }
    for whom in (statements.YOURS, statements.TEAM, statements.OTHERS):
        group = unread.get(whom)
        if group is None:
            continue
        text = " ".join(filter(None, [_count(group.count, "statement"), to[whom], "waiting to be read"]))
        text += _raised(group.count, group.oldest, now, "sent")
        if group.escalated:
            which = f"{group.escalated} of them " if group.count > 1 else ""
            text += f"; {which}escalated to the manager"
        tag, tone = ("Escalated", "escalated") if group.escalated else ("Not read", "waiting")
        yield Item(text, url, tag, tone)
    owed = statements.replies_owed(session, viewer)
    if owed.count:
        what = "a statement" if owed.count == 1 else "statements"
        text = f"{_count(owed.count, 'reply', 'replies')} owed: {what} you have read but not answered"
        text += _raised(owed.count, owed.oldest_read, now, "read")
        yield Item(text, url, "Reply owed", "waiting")


# --- advocacy ---------------------------------------------------------------------------------------------------


def _advocacy(
    session: Session, viewer: Viewer, user: StaffUser, now: datetime, config: Mapping[str, Any]
) -> Iterator[Item]:
    people = permissions.advocacy_people(viewer)
    today = local_date(now)
    if menu.may_open(user, "staff.advocacy_report"):
        # The report's own default period (the year up to today), so the page the link opens shows these figures.
        since, until = advocacy.parse_period(None, None, today=today)
        figures = advocacy.overall(session, since=since, until=until, people=people)
        not_offered = figures.eligible - figures.offered_or_accepted
        if not_offered:
            target = float(config["ADVOCACY_TARGET"])
            share = _percent(figures.share)  # rounded down: never "70%" for 69.6% against an aim of 70%
            text = (
                f"Advocacy offered to {share}% of eligible young people in the last 12 months "
                f"(aim {_percent(target)}%); {_count(not_offered, 'eligible young person', 'eligible young people')} "
                f"{'has' if not_offered == 1 else 'have'} had no offer"
            )
            met = figures.share >= target
            yield Item(
                text,
                url_for("staff.advocacy_report"),
                "Aim met" if met else "Below the aim",
                "done" if met else "today",
            )
    if menu.may_open(user, "staff.offer_list"):
        due = advocacy.follow_ups_due(session, today=today, people=people)
        if due:
            text = f"{_count(due, 'offer')} of advocacy to follow up: the day to check back has come"
            yield Item(text, url_for("staff.offer_list", show="follow-up"), "Follow up", "today")


# --- texts held for quiet hours ---------------------------------------------------------------------------------


def _held(session: Session, user: StaffUser, now: datetime, config: Mapping[str, Any]) -> Iterator[Item]:
    if not menu.may_open(user, "staff.channels"):
        return
    quiet = outbox.QuietHours.from_config(config)
    held = outbox.held(session, now, quiet)
    if held:
        goes = when(quiet.ends_after(now), today=local_date(now))
        text = f"{_count(held, 'text')} held for quiet hours: {'it goes' if held == 1 else 'they go'} {goes}"
        yield Item(text, url_for("staff.channels"), "Held", "info")


# --- surveys ----------------------------------------------------------------------------------------------------


def _surveys(session: Session, user: StaffUser, config: Mapping[str, Any]) -> Iterator[Item]:
    """Each survey running, with how many answer it. A rate is a figure about young people, shown (to the Champions
    Board too) only when it rests on at least the suppression threshold's answers."""
    if not menu.may_open(user, "staff.survey_results"):
        return
    threshold = int(config["SUPPRESSION_THRESHOLD"])
    for survey in surveys.running(session):
        if survey.answered < threshold:
            rate = f"fewer than {threshold} answers so far"
        else:
            rate = f"{_percent(survey.share)}% of those asked have answered"
        yield Item(
            f"Survey ‘{survey.title}’ running: {rate}",
            url_for("staff.survey_results", slug=survey.slug),
            "Running",
            "info",
        )


# --- words ------------------------------------------------------------------------------------------------------


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _percent(share: float) -> int:
    return math.floor(share * 100 + 1e-9)


def _raised(n: int, oldest: datetime | None, now: datetime, verb: str) -> str:
    """ ", sent 2 days ago" for one; ", the oldest sent 2 days ago" for several."""
    if oldest is None:
        return ""
    age = humanize.naturaldelta(max(now - oldest, timedelta(0)))
    return f", {'the oldest ' if n > 1 else ''}{verb} {age} ago"
