"""`feedback defaults load`: what a new installation starts with, added once, and safe to run again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from feedback.accounts.models import Team
from feedback.extensions import db
from feedback.insight.models import Theme


def test_loading_again_adds_nothing_and_keeps_what_staff_changed(app: Any, runner: Any) -> None:
    themes = db.session.scalar(select(func.count()).select_from(Theme))
    db.session.execute(Theme.__table__.update().where(Theme.slug == "transport").values(label="Buses and trains"))
    db.session.commit()
    result = runner.invoke(args=["defaults", "load"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Themes added: 0. Example surveys added: none."
    assert db.session.scalar(select(func.count()).select_from(Theme)) == themes
    assert db.session.scalar(select(Theme.label).where(Theme.slug == "transport")) == "Buses and trains"


def test_a_missing_theme_and_the_duty_team_come_back(app: Any, runner: Any) -> None:
    db.session.execute(delete(Theme).where(Theme.slug == "transport"))
    db.session.execute(delete(Team))
    db.session.commit()
    result = runner.invoke(args=["defaults", "load"])
    assert result.exit_code == 0, result.output
    assert "Themes added: 1." in result.output
    assert db.session.scalar(select(Theme.id).where(Theme.slug == "transport")) is not None
    assert db.session.scalar(select(Team.name)) == app.config["DUTY_TEAM_NAME"]
