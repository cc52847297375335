"""Surveys as data: checking a definition, importing it as a new version, finding and exporting it.

A survey file is JSON or YAML. Importing checks everything first and writes nothing when anything is wrong,
naming the field at fault. Importing a slug again makes a new version; answers always point at the version they
answered, so a published version is never changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from feedback.analysis.readability import MAX_READING_AGE, reading
from feedback.core.errors import Invalid, NotFound
from feedback.core.segments import count_segments
from feedback.insight.models import Theme
from feedback.messages.keywords import RESERVED_KEYWORDS
from feedback.surveys.models import (
    Answer,
    AnswerStatus,
    Conversation,
    ConversationStatus,
    Question,
    Survey,
    SurveyPurpose,
    SurveyVersion,
    VersionStatus,
)

DRAFT = VersionStatus.DRAFT
PUBLISHED = VersionStatus.PUBLISHED
SURVEY = SurveyPurpose.SURVEY
STATEMENT = SurveyPurpose.STATEMENT
# Words for a 1 to 5 rating when a survey gives none: a rating is never shown as numbers alone.
DEFAULT_FIVE_POINT_LABELS = ("Very bad", "Bad", "OK", "Good", "Great")
MAX_SEGMENTS = 2
KEYWORD_PATTERN = re.compile(r"^[A-Za-z0-9]{2,20}$")


class SurveyFileError(Invalid):
    """A survey file that cannot be imported; the message names the field at fault."""


class SurveyNotFound(NotFound):
    pass


class QuestionDefinition(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    type: Literal["text", "rating", "choice", "yesno"]
    text: str = Field(min_length=1, max_length=1600)
    # How a web page asks it, when the SMS wording ("Reply 1 to 5") would read oddly on a screen.
    web_text: str | None = Field(default=None, min_length=1, max_length=1600)
    min: int | None = None
    max: int | None = None
    labels: list[str] | None = None
    choices: list[str] | None = None
    optional: bool = False
    themes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fits_its_type(self) -> QuestionDefinition:
        if self.type == "rating":
            self.min = 1 if self.min is None else self.min
            self.max = 5 if self.max is None else self.max
            if not 0 <= self.min < self.max <= 10:
                raise ValueError("a rating's lowest (min) must be 0 or more and below its highest (max), at most 10")
            points = self.max - self.min + 1
            if self.labels is not None and (
                len(self.labels) != points or any(not label.strip() for label in self.labels)
            ):
                raise ValueError(f"labels needs one word or phrase for each of the {points} points, lowest first")
        elif self.min is not None or self.max is not None or self.labels is not None:
            raise ValueError("min, max and labels are only for rating questions")
        if self.type == "choice":
            if not self.choices or len(self.choices) < 2 or len(self.choices) > 26:
                raise ValueError("a choice question needs between 2 and 26 choices")
            cleaned = [c.strip().lower() for c in self.choices]
            if any(not c for c in cleaned) or len(set(cleaned)) != len(cleaned):
                raise ValueError("choices must be different and not empty")
        elif self.choices is not None:
            raise ValueError("choices are only for choice questions")
        return self


class SurveyDefinition(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    title: str = Field(min_length=1, max_length=200)
    keyword: str | None = Field(default=None, pattern=KEYWORD_PATTERN.pattern)
    intro: str = Field(default="", max_length=1600)
    # The intro on the web's first page, if the texted one does not fit it.
    web_intro: str | None = Field(default=None, max_length=1600)
    questions: list[QuestionDefinition] = Field(min_length=1, max_length=50)
    thanks: str = Field(default="", max_length=1600)
    # The thanks on the web's last page, if the texted one does not fit it (it may say "reply HELP"); empty: a
    # general thank you.
    web_thanks: str = Field(default="", max_length=1600)
    status: Literal["draft", "published"] = "published"
    purpose: Literal["survey", "statement"] = "survey"
    # questions: the SMS invitation texts the first question; link: it texts a personal link to do it online.
    sms_invite: Literal["questions", "link"] = "questions"

    @field_validator("keyword")
    @classmethod
    def _keyword_not_reserved(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        if value in RESERVED_KEYWORDS:
            raise ValueError(f"{value} is reserved (opt-out, help or answers use it)")
        return value

    @model_validator(mode="after")
    def _keys_unique(self) -> SurveyDefinition:
        keys = [q.key for q in self.questions]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"question keys must be unique: {', '.join(duplicates)} used twice")
        if self.purpose == STATEMENT and self.keyword:
            raise ValueError("a statement goes to a named worker from a personal link, so it has no SMS keyword")
        return self

    def first_message(self) -> str:
        return first_message(self.intro, self.questions[0].text)


def first_message(intro: str, first_question: str) -> str:
    """The message that opens a survey: its intro and its first question."""
    return f"{intro}\n\n{first_question}" if intro else first_question


@dataclass(frozen=True)
class ImportResult:
    version: SurveyVersion
    warnings: tuple[str, ...]


def read_definition(path: Path) -> SurveyDefinition:
    """Read and check a survey file (JSON, or YAML for .yaml/.yml)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyFileError(f"{path}: cannot be read ({exc})") from exc
    return parse_definition(raw, yaml_format=path.suffix.lower() in {".yaml", ".yml"})


def parse_definition(raw: str, *, yaml_format: bool = False) -> SurveyDefinition:
    try:
        data = yaml.safe_load(raw) if yaml_format else json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SurveyFileError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    except yaml.YAMLError as exc:
        raise SurveyFileError(f"not valid YAML: {exc}") from exc
    return check_definition(data)


def check_definition(data: Any) -> SurveyDefinition:
    if not isinstance(data, dict):
        raise SurveyFileError("a survey must be an object with slug, title and questions")
    try:
        return SurveyDefinition.model_validate(data)
    except ValidationError as exc:
        raise SurveyFileError(_describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where or 'survey'}: {message}")
    return "; ".join(lines)


def length_warnings(definition: SurveyDefinition) -> list[str]:
    """Warnings for messages that cost more than two SMS segments, leave the GSM-7 alphabet, or need a reading age
    above 11."""
    messages = [("intro and first question", definition.first_message())]
    messages += [(f"questions[{i}].text", q.text) for i, q in enumerate(definition.questions) if i > 0]
    if definition.thanks:
        messages.append(("thanks", definition.thanks))
    warnings = []
    for where, text in messages:
        count = count_segments(text)
        if count.segments > MAX_SEGMENTS:
            warnings.append(f"{where}: needs {count.segments} SMS segments ({count.units} {count.encoding} units)")
        if count.non_gsm_characters:
            shown = " ".join(repr(ch) for ch in count.non_gsm_characters[:5])
            warnings.append(f"{where}: leaves GSM-7 because of {shown}, so each segment holds 70 not 160")
    for where, text in (
        messages
        + [("web_thanks", definition.web_thanks)]
        + [(f"questions[{i}].web_text", q.web_text or "") for i, q in enumerate(definition.questions)]
    ):
        level = reading(text)
        if level.words >= 8 and level.age > MAX_READING_AGE:
            warnings.append(
                f"{where}: needs a reading age of about {level.age:.0f}; aim for {MAX_READING_AGE} or under"
            )
    return warnings


def rating_labels(minimum: int, maximum: int, labels: Sequence[str] | None) -> list[str]:
    """The words for each point of a rating: the survey's own, the default five, or the two ends."""
    if labels:
        return list(labels)
    if (minimum, maximum) == (1, 5):
        return list(DEFAULT_FIVE_POINT_LABELS)
    points = maximum - minimum + 1
    return ["Worst"] + [""] * (points - 2) + ["Best"]


def import_survey(session: Session, definition: SurveyDefinition) -> ImportResult:
    """Add `definition` as the next version of its survey. Nothing is written if a check fails.

    A draft replaces the survey's newest version when that is a draft too: drafts are never answered (only
    published versions are), so nothing points at them, and saving a draft many times makes one version.
    """
    _check_themes(session, definition)
    survey = session.scalar(select(Survey).where(Survey.slug == definition.slug))
    if survey is not None and survey.purpose != definition.purpose:
        raise SurveyFileError(
            f"purpose: {definition.slug!r} is a {survey.purpose}; it cannot become a {definition.purpose}"
        )
    if definition.keyword and definition.status == PUBLISHED:
        _check_keyword_free(session, definition.keyword, survey)
    if survey is None:
        survey = Survey(slug=definition.slug, purpose=definition.purpose)
        session.add(survey)
        session.flush()
    newest = session.scalar(
        select(SurveyVersion).where(SurveyVersion.survey_id == survey.id).order_by(SurveyVersion.number.desc()).limit(1)
    )
    if newest is not None and newest.status == DRAFT:
        survey.versions.remove(newest)  # deleted with its questions (delete-orphan)
        session.flush()
    number = (
        session.scalar(select(func.max(SurveyVersion.number)).where(SurveyVersion.survey_id == survey.id)) or 0
    ) + 1
    version = SurveyVersion(
        survey=survey,
        number=number,
        status=definition.status,
        title=definition.title,
        keyword=definition.keyword,
        intro=definition.intro,
        web_intro=definition.web_intro,
        thanks=definition.thanks,
        web_thanks=definition.web_thanks,
        sms_invite=definition.sms_invite,
        definition=definition.model_dump(mode="json", exclude_none=True),
        questions=[
            Question(
                position=position,
                key=q.key,
                type=q.type,
                text=q.text,
                web_text=q.web_text,
                min_value=q.min,
                max_value=q.max,
                labels=rating_labels(q.min, q.max, q.labels)
                if q.type == "rating" and q.min is not None and q.max is not None
                else [],
                choices=q.choices or [],
                optional=q.optional,
                themes=q.themes,
            )
            for position, q in enumerate(definition.questions)
        ],
    )
    session.add(version)
    session.flush()
    return ImportResult(version, tuple(length_warnings(definition)))


def _check_themes(session: Session, definition: SurveyDefinition) -> None:
    wanted = {slug for q in definition.questions for slug in q.themes}
    if not wanted:
        return
    known = set(session.scalars(select(Theme.slug).where(Theme.slug.in_(wanted), Theme.retired_at.is_(None))))
    for index, question in enumerate(definition.questions):
        unknown = [slug for slug in question.themes if slug not in known]
        if unknown:
            raise SurveyFileError(
                f"questions[{index}].themes: unknown theme {', '.join(unknown)} "
                "(load the taxonomy with `feedback defaults load`, or use a slug it has)"
            )


def _check_keyword_free(session: Session, keyword: str, survey: Survey | None) -> None:
    holder = find_by_keyword(session, keyword)
    if holder is not None and (survey is None or holder.survey_id != survey.id):
        raise SurveyFileError(f"keyword: {keyword} already starts the survey {holder.survey.slug!r}")


def _current_numbers() -> Any:
    """Each open survey's newest published version number (a subquery). A closed survey has none."""
    return (
        select(SurveyVersion.survey_id, func.max(SurveyVersion.number).label("number"))
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .where(SurveyVersion.status == PUBLISHED, Survey.closed_at.is_(None))
        .group_by(SurveyVersion.survey_id)
        .subquery()
    )


def current_version(session: Session, slug: str) -> SurveyVersion:
    """The version of a survey open on every channel: its newest published one."""
    current = _current_numbers()
    version = session.scalar(
        select(SurveyVersion)
        .join(Survey)
        .join(
            current,
            (current.c.survey_id == SurveyVersion.survey_id) & (current.c.number == SurveyVersion.number),
        )
        .where(Survey.slug == slug)
    )
    if version is None:
        raise SurveyNotFound(f"no published survey {slug!r}")
    return version


def find_by_keyword(session: Session, keyword: str) -> SurveyVersion | None:
    """The current published version whose SMS keyword is `keyword` (already upper case), if any.

    Anything that cannot be a keyword (most texts) is answered without asking the database.
    """
    if not KEYWORD_PATTERN.match(keyword):
        return None
    current = _current_numbers()
    return session.scalar(
        select(SurveyVersion)
        .join(
            current,
            (current.c.survey_id == SurveyVersion.survey_id) & (current.c.number == SurveyVersion.number),
        )
        .where(SurveyVersion.keyword == keyword)
        .limit(1)
    )


def get_version(session: Session, slug: str, number: int | None = None) -> SurveyVersion:
    """A given version of a survey, or its current one (falling back to the newest draft)."""
    query = select(SurveyVersion).join(Survey).where(Survey.slug == slug)
    if number is not None:
        query = query.where(SurveyVersion.number == number)
    else:
        try:
            return current_version(session, slug)
        except SurveyNotFound:
            query = query.order_by(SurveyVersion.number.desc()).limit(1)
    version = session.scalar(query)
    if version is None:
        raise SurveyNotFound(f"no survey {slug!r}" + (f" version {number}" if number else ""))
    return version


@dataclass(frozen=True)
class SurveySummary:
    slug: str
    versions: int
    current: int | None
    status: str
    title: str
    keyword: str | None
    purpose: str = SURVEY
    closed: bool = False
    draft_waiting: bool = False  # its newest version is a draft, not yet published


def list_surveys(session: Session) -> Sequence[SurveySummary]:
    summaries = []
    for survey in session.scalars(select(Survey).order_by(Survey.slug)):
        published = [v for v in survey.versions if v.status == PUBLISHED]
        shown = published[-1] if published else survey.versions[-1]
        summaries.append(
            SurveySummary(
                slug=survey.slug,
                versions=len(survey.versions),
                current=published[-1].number if published and survey.closed_at is None else None,
                status=shown.status,
                title=shown.title,
                keyword=shown.keyword,
                purpose=survey.purpose,
                closed=survey.closed_at is not None,
                draft_waiting=survey.versions[-1].status == DRAFT,
            )
        )
    return summaries


@dataclass(frozen=True)
class StatementKind:
    """One thing a young person can send their worker ("I'm worried about something"), as their page lists it."""

    slug: str
    title: str
    description: str


def open_statements(session: Session) -> list[StatementKind]:
    """The published statement flows, in the order they were added (the defaults' order)."""
    current = _current_numbers()
    rows = session.execute(
        select(Survey.slug, SurveyVersion.title, SurveyVersion.intro)
        .join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
        .join(current, (current.c.survey_id == Survey.id) & (current.c.number == SurveyVersion.number))
        .where(Survey.purpose == STATEMENT)
        .order_by(Survey.id)
    ).all()
    return [StatementKind(slug, title, intro) for slug, title, intro in rows]


def find_survey(session: Session, slug: str) -> Survey:
    survey = session.scalar(select(Survey).where(Survey.slug == slug))
    if survey is None:
        raise SurveyNotFound(f"no survey {slug!r}")
    return survey


def publish(session: Session, slug: str) -> SurveyVersion:
    """Publish the survey's newest draft: from now on it is the version every channel opens. It never changes
    again; editing makes a new draft."""
    survey = find_survey(session, slug)
    newest = survey.versions[-1]
    if newest.status != DRAFT:
        raise SurveyFileError(f"{slug!r} has no draft to publish: edit it to make one")
    if newest.keyword:
        _check_keyword_free(session, newest.keyword, survey)
    newest.status = PUBLISHED
    newest.definition = {**newest.definition, "status": PUBLISHED}
    survey.closed_at = None
    session.flush()
    return newest


def close(session: Session, slug: str, now: datetime) -> Survey:
    """Close a survey: its links and keyword stop opening it, and its answers are kept. Publishing reopens it."""
    survey = find_survey(session, slug)
    if survey.closed_at is None:
        survey.closed_at = now
        session.flush()
    return survey


def export_definition(version: SurveyVersion) -> dict[str, Any]:
    """The definition as imported (extra keys included), ready to import again."""
    return dict(version.definition)


# --- surveys running, and how many answer (the staff home page) -----------------------------------------------


@dataclass(frozen=True)
class Uptake:
    """A survey running now and how it is answered: the times it reached a young person (an invitation that went,
    or a survey they began by keyword or link), and how many of those they answered at least one question of."""

    slug: str
    title: str
    asked: int
    answered: int

    @property
    def share(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


def running(session: Session) -> list[Uptake]:
    """Each survey running now (its newest published version open on every channel; not a statement flow) that has
    reached at least one young person, by title. Counted over every version: the survey as young people know it."""
    current = _current_numbers()
    # An invitation still waiting to go, or one that never went, has not reached anyone.
    unsent = (ConversationStatus.INVITED, ConversationStatus.CANCELLED)
    reached = and_(Conversation.survey_id == Survey.id, Conversation.status.not_in(unsent))
    gave_an_answer = (
        select(Answer.id)
        .where(Answer.conversation_id == Conversation.id, Answer.status == AnswerStatus.ANSWERED)
        .exists()
    )
    rows = session.execute(
        select(
            Survey.slug,
            SurveyVersion.title,
            func.count(Conversation.id),
            func.count(Conversation.id).filter(gave_an_answer),
        )
        .join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
        .join(current, (current.c.survey_id == Survey.id) & (current.c.number == SurveyVersion.number))
        .join(Conversation, reached)
        .where(Survey.purpose == SurveyPurpose.SURVEY)
        .group_by(Survey.slug, SurveyVersion.title)
        .order_by(SurveyVersion.title, Survey.slug)
    ).all()
    return [Uptake(slug, title, int(asked), int(answered)) for slug, title, asked, answered in rows]
