"""The defaults a new installation starts with: the theme taxonomy, an example survey, the statement flows a young
person can send their worker, and the duty team that takes statements with no named worker."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.accounts.operations import team_named
from feedback.insight.models import Theme
from feedback.surveys.models import Survey
from feedback.surveys.operations import check_definition, import_survey


@dataclass(frozen=True)
class DefaultsReport:
    themes_added: int
    surveys_added: tuple[str, ...]


def _data(name: str) -> Any:
    return json.loads(resources.files("feedback").joinpath("data", name).read_text(encoding="utf-8"))


def load_themes(session: Session) -> int:
    """Add the default themes that are missing. Themes already there (perhaps renamed by staff) stay as they are."""
    known = set(session.scalars(select(Theme.slug)))
    added = 0
    for theme in _data("themes.json")["themes"]:
        if theme["slug"] in known:
            continue
        session.add(Theme(**theme))
        added += 1
    session.flush()
    return added


def load_example_surveys(session: Session, folder_name: str = "surveys") -> tuple[str, ...]:
    """Import each survey in the folder (in file name order) whose slug is not in use yet: one staff have edited
    keeps their wording."""
    added = []
    folder = resources.files("feedback").joinpath("data", folder_name)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        definition = check_definition(json.loads(entry.read_text(encoding="utf-8")))
        if session.scalar(select(Survey.id).where(Survey.slug == definition.slug)) is None:
            import_survey(session, definition)
            added.append(definition.slug)
    return tuple(added)


def load_defaults(session: Session, duty_team_name: str = "Duty team") -> DefaultsReport:
    themes = load_themes(session)
    surveys = load_example_surveys(session) + load_example_surveys(session, "statements")
    team_named(session, duty_team_name)  # the duty inbox for statements from young people with no worker
    return DefaultsReport(themes, surveys)
