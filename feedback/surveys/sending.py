"""Sending a survey to young people: an invitation per person, queued in the outbox, at most once per occurrence.

Each send has an `occurrence` (by default the survey version, so running the same send twice reaches nobody
twice); (person, survey, occurrence) is unique in the database, which also holds when two sends race. The
conversation waits as `invited` and becomes active when its first message has actually gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.config import ConfigurationError, public_base_url
from feedback.core.errors import Invalid
from feedback.messages import outbox
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.surveys import conversations
from feedback.surveys.models import SurveyVersion
from feedback.surveys.operations import STATEMENT

BATCH = 1000
INVITATION = "survey-invite"


class NotSendable(Invalid):
    """A survey that cannot be sent to people (a statement flow: young people start those themselves)."""


@dataclass(frozen=True)
class LinkSettings:
    """Where personal links point, and how long they work, for surveys whose invitation is a link."""

    base_url: str | None
    valid_for: timedelta = timedelta(days=90)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LinkSettings:
        try:
            base_url: str | None = public_base_url(config)
        except ConfigurationError:
            base_url = None  # only a survey answered online needs it; sending one says so
        return cls(base_url, timedelta(days=config["PERSONAL_LINK_DAYS"]))


@dataclass
class SendReport:
    queued: int = 0
    # Opted out, no number, or the register says they do not consent to texts.
    not_textable: int = 0
    already_sent: int = 0


def default_occurrence(version: SurveyVersion) -> str:
    return f"version-{version.number}"


def people_for_numbers(session: Session, numbers: Iterable[str]) -> list[Person]:
    """The people with these numbers (created if new). Raises InvalidPhoneNumber before creating anyone."""
    normalised = [people.normalise_phone(n) for n in numbers]
    return [people.get_or_create_person(session, phone) for phone in dict.fromkeys(normalised)]


def everyone_opted_in(session: Session) -> list[int]:
    return list(session.scalars(select(Person.id).where(people.may_be_texted()).order_by(Person.id)))


def send_survey(
    session: Session,
    version: SurveyVersion,
    person_ids: Sequence[int],
    *,
    occurrence: str,
    now: datetime,
    links_to: LinkSettings | None = None,
) -> SendReport:
    """Queue the first message of `version` for each person who may be texted and has not had this occurrence.

    A survey whose `sms_invite` is "link" is texted as its intro and a personal link, and answered on the web;
    otherwise the text is its intro and first question, and the replies answer it.
    """
    if version.survey.purpose == STATEMENT:
        raise NotSendable(f"{version.survey.slug!r} is a statement: young people send those from their own page")
    report = SendReport()
    by_link = version.sms_invite == "link"
    if by_link and (links_to is None or not links_to.base_url):
        raise ConfigurationError("this survey is answered online: set PUBLIC_BASE_URL, the address its links use")
    channel = conversations.WEB if by_link else conversations.SMS
    opening = conversations.opening(version)
    for start in range(0, len(person_ids), BATCH):
        batch = list(dict.fromkeys(person_ids[start : start + BATCH]))
        not_textable = set(session.scalars(select(Person.id).where(Person.id.in_(batch), ~people.may_be_texted())))
        report.not_textable += len(not_textable)
        wanted = [pid for pid in batch if pid not in not_textable]
        if not wanted:
            continue
        created = conversations.invite(session, wanted, version, channel=channel, occurrence=occurrence, now=now)
        report.already_sent += len(wanted) - len(created)
        outbox.record(
            session,
            [
                outbox.Outgoing(
                    person_id=pid,
                    body=_link_invitation(session, version, pid, links_to, now) if links_to and by_link else opening,
                    kind=INVITATION,
                    conversation_id=cid,
                )
                for cid, pid in created
            ],
            now=now,
        )
        report.queued += len(created)
    return report


def _link_invitation(session: Session, version: SurveyVersion, person_id: int, to: LinkSettings, now: datetime) -> str:
    token = links.issue(session, person_id, now=now, valid_for=to.valid_for)
    url = links.survey_url(to.base_url or "", version.survey.slug, token)
    return f"{version.intro}\n\nDo it online: {url}" if version.intro else f"{version.title}: {url}"
