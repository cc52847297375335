"""Exporting every survey answer: one row per answer, pseudonymous, streamed so any number of answers fits.

Statements are left out: each is a young person's message to their own worker, read in the worker's inbox, not
a survey response to be analysed in bulk.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.people.models import Person
from feedback.surveys.models import Answer, Conversation, Question, Survey, SurveyVersion
from feedback.surveys.operations import SURVEY

COLUMNS = (
    "survey",
    "version",
    "question",
    "answer",
    "value",
    "status",
    "channel",
    "answered_at",
    "respondent",
)

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection): quote it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def iter_responses(session: Session) -> Iterator[dict[str, Any]]:
    """Every answer, oldest first, with the respondent's pseudonym (never a phone number)."""
    query = (
        select(
            Survey.slug,
            SurveyVersion.number,
            Question.key,
            Answer.raw_text,
            Answer.value_text,
            Answer.value_number,
            Answer.value_option,
            Answer.status,
            Conversation.channel,
            Answer.answered_at,
            Person.pseudonym,
        )
        .join(Question, Answer.question_id == Question.id)
        .join(SurveyVersion, Question.survey_version_id == SurveyVersion.id)
        .join(Survey, SurveyVersion.survey_id == Survey.id)
        .join(Conversation, Answer.conversation_id == Conversation.id)
        .join(Person, Conversation.person_id == Person.id)
        .where(Survey.purpose == SURVEY)
        .order_by(Answer.answered_at, Answer.id)
        .execution_options(yield_per=1000)
    )
    for row in session.execute(query):
        (slug, number, key, raw, text, value_number, option, status, channel, at, pseudonym) = row
        value = value_number if value_number is not None else option if option is not None else text
        yield {
            "survey": slug,
            "version": number,
            "question": key,
            "answer": raw,
            "value": value,
            "status": status,
            "channel": channel,
            "answered_at": at.isoformat(),
            "respondent": pseudonym,
        }


def write_csv(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    return write_table(rows, out, COLUMNS)


def write_table(rows: Iterable[dict[str, Any]], out: TextIO, columns: Sequence[str]) -> int:
    """Rows as CSV under these columns, any cell a spreadsheet would run as a formula made inert."""
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
        count += 1
    return count


def write_jsonl(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
