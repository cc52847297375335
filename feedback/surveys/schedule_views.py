"""Scheduled surveys in the browser: the schedules that will run, a form to add one (once at a UK date and time,
or on a rule made from plain choices, or a cron rule for those who want one) for everyone or a group, and a button
to stop one. Thin: the form's choices become the same rule and group text `feedback schedules add` takes, and
`surveys.schedules` checks and saves them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from feedback.core.clock import LOCAL_TIME, local_date, now
from feedback.core.permissions import Capability
from feedback.core.plain_dates import clock_time, when
from feedback.extensions import current_session, db
from feedback.people.operations import AGE_BANDS, CARE_SETTING_LABELS
from feedback.staff.forms import FORM_EXPIRED as EXPIRED
from feedback.staff.forms import error_sentence
from feedback.staff.views import bp, requires
from feedback.surveys import operations as surveys
from feedback.surveys import schedules

# "How often": each plain choice is a cron rule at the time given (read in UK time by the service).
ONCE, CUSTOM = "once", "custom"
RULES = {
    ONCE: "Once, on the date and at the time below",
    "first-monday": "The first Monday of each month, at the time below",
    "monday": "Every Monday, at the time below",
    "daily": "Every day, at the time below",
    CUSTOM: "A custom rule",
}
RULE_PATTERNS = {"first-monday": "{m} {h} 1-7 * mon", "monday": "{m} {h} * * mon", "daily": "{m} {h} * * *"}
GROUPS = {
    "everyone": "Everyone who may be texted",
    "locality": "Those in the localities ticked below",
    "care-setting": "Those in the care settings ticked below",
    "age-band": "Those in the age bands ticked below",
    "refs": "The young people listed below, by reference",
}
NONE_PICKED = {
    "locality": "tick at least one locality",
    "care-setting": "tick at least one care setting",
    "age-band": "tick at least one age band",
    "refs": "list at least one young person's reference",
}
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class ScheduleForm(FlaskForm):
    # Choices are checked by the service, which says what was wrong; the form only carries them.
    survey = SelectField("Survey", validate_choice=False)
    how_often = SelectField("How often", choices=_choices(RULES), validate_choice=False)
    on_date = StringField("Date (only for once)", render_kw={"type": "date"}, description="The day it goes.")
    at_time = StringField("Time", render_kw={"type": "time"}, description="UK time.", default="17:00")
    cron = StringField(
        "Custom rule",
        description="Only for a custom rule: five parts, minute hour day month weekday, in UK time. "
        "0 17 1-7 * mon is the first Monday of each month at 5:00pm: the day and the weekday must both match. "
        "Each schedule above says its rule in words.",
    )
    group = SelectField("Who it goes to", choices=_choices(GROUPS), validate_choice=False)
    localities = CheckboxesField("Localities", validate_choice=False)
    care_settings = CheckboxesField("Care settings", choices=_choices(CARE_SETTING_LABELS), validate_choice=False)
    age_bands = CheckboxesField("Age bands", choices=[SelectChoice(b, b) for b in AGE_BANDS], validate_choice=False)
    refs = TextAreaField("References", description="The council's references, one a line or separated by commas.")


class StopForm(FlaskForm):
    """Only the CSRF token: the schedule is in the address."""


def _sendable(listed: Sequence[surveys.SurveySummary]) -> list[SelectChoice]:
    """Published, open surveys (not statements: young people send those from their own page), by title; the web
    address name tells apart two with the same title."""
    sendable = [s for s in listed if s.purpose == surveys.SURVEY and s.current is not None]
    titles = [s.title for s in sendable]
    return [
        SelectChoice(s.slug, s.title if titles.count(s.title) == 1 else f"{s.title} (/s/{s.slug})") for s in sendable
    ]


def _form(listed: Sequence[surveys.SurveySummary]) -> ScheduleForm:
    form = ScheduleForm()
    form.survey.choices = [SelectChoice("", "Choose a survey"), *_sendable(listed)]
    form.localities.choices = [SelectChoice(name, name) for name in current_app.config["LOCALITIES"]]
    return form


def _quiet_hours(at: time) -> str:
    """A quiet hours setting as the pages say a time: "9:00pm"."""
    return clock_time(datetime.combine(local_date(now()), at, tzinfo=LOCAL_TIME))


def _page(form: ScheduleForm, listed: Sequence[surveys.SurveySummary], general: list[str], status: int = 200) -> Any:
    return (
        render_template(
            "surveys/schedules.html",
            form=form,
            general=general,
            schedules=schedules.listed(current_session()),
            titles={s.slug: s.title for s in listed},
            group_of=schedules.group_of,
            in_words=schedules.in_words,
            quiet_start=_quiet_hours(current_app.config["QUIET_HOURS_START"]),
            quiet_end=_quiet_hours(current_app.config["QUIET_HOURS_END"]),
        ),
        status,
    )


@bp.get("/schedules")
@requires(Capability.RUN_SURVEYS)
def schedule_list() -> ResponseReturnValue:
    listed = surveys.list_surveys(current_session())
    return _page(_form(listed), listed, [])


@bp.post("/schedules")
@requires(Capability.RUN_SURVEYS)
def schedule_add() -> ResponseReturnValue:
    session = current_session()
    listed = surveys.list_surveys(session)
    form = _form(listed)
    if not form.validate():
        abort(400, description=EXPIRED)
    moment = now()
    try:
        slug = form.survey.data or ""
        if not slug:
            raise schedules.ScheduleError("choose the survey to send")
        cron, at = rule_of(form.how_often.data or "", form.on_date.data, form.at_time.data, form.cron.data)
        group = schedules.parse_group(group_text(form), localities=current_app.config["LOCALITIES"])
        schedule = schedules.add(
            session, slug, cron=cron, at=at, group=group, now=moment, created_by_id=current_user.id
        )
    except schedules.ScheduleError as exc:
        db.session.rollback()
        return _page(form, listed, [error_sentence("", str(exc))], 400)
    title = {s.slug: s.title for s in listed}.get(slug, slug)
    who = group.describe()
    rule = (schedules.in_words(cron) or f"on the custom rule {cron}") if cron else "once"
    next_at = when(schedule.next_run_at, today=local_date(moment))
    db.session.commit()
    flash(f"Scheduled {title} for {who[0].lower()}{who[1:]}, {rule}. Next run: {next_at}, UK time.")
    return redirect(url_for("staff.schedule_list"))


@bp.post("/schedules/<int:schedule_id>/remove")
@requires(Capability.RUN_SURVEYS)
def schedule_remove(schedule_id: int) -> ResponseReturnValue:
    if not StopForm().validate():
        abort(400, description=EXPIRED)
    schedule = schedules.remove(current_session(), schedule_id)
    title = schedule.survey.versions[-1].title
    who = schedules.group_of(schedule).describe()
    db.session.commit()
    flash(
        f"Stopped sending {title} to {who[0].lower()}{who[1:]}: it will not run again. "
        "Texts it has already queued still go."
    )
    return redirect(url_for("staff.schedule_list"))


# --- from the form's choices to the service's rule and group ------------------------------------------------


def rule_of(
    how_often: str, on_date: str | None, at_time: str | None, custom: str | None
) -> tuple[str | None, datetime | None]:
    """(cron rule, None) or (None, the moment in UTC) from the form; ScheduleError says what is missing."""
    if how_often == CUSTOM:
        rule = " ".join((custom or "").split())
        if not rule:
            raise schedules.ScheduleError("write the custom rule, or choose one of the other ways to repeat it")
        return rule, None
    if how_often not in RULES:
        raise schedules.ScheduleError(f"how often must be one of: {', '.join(RULES.values())}")
    hour, minute = _time(at_time)
    if how_often == ONCE:
        return None, _moment(on_date, time(hour, minute))
    return RULE_PATTERNS[how_often].format(m=minute, h=hour), None


def _time(raw: str | None) -> tuple[int, int]:
    match = _TIME.match((raw or "").strip())
    if match is None:
        raise schedules.ScheduleError("give the time on the 24-hour clock, such as 17:00")
    return int(match.group(1)), int(match.group(2))


def _moment(raw: str | None, at: time) -> datetime:
    """A UK date and time as UTC. A time the clocks skip (01:30 on the last Sunday of March) is refused."""
    try:
        day = date.fromisoformat((raw or "").strip())
    except ValueError:
        raise schedules.ScheduleError("give the date to send it, written year-month-day") from None
    local = datetime.combine(day, at, tzinfo=LOCAL_TIME)
    moment = local.astimezone(UTC)
    if moment.astimezone(LOCAL_TIME).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise schedules.ScheduleError("that time does not happen in the UK on that day (the clocks go forward)")
    return moment


def group_text(form: ScheduleForm) -> str:
    """The group as `feedback schedules add --group` takes it: everyone, locality:A,B, refs:SL-1,SL-2..."""
    kind = form.group.data or "everyone"
    picked = {
        "locality": form.localities.data,
        "care-setting": form.care_settings.data,
        "age-band": form.age_bands.data,
        "refs": re.split(r"[,\n]", form.refs.data or ""),
    }
    if kind not in picked:
        return kind  # everyone, or something the service refuses in its own words
    values = [value.strip() for value in picked[kind] or [] if value.strip()]
    if not values:
        raise schedules.ScheduleError(NONE_PICKED[kind])
    return f"{kind}:{','.join(values)}"
