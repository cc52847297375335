"""A manager schedules surveys in the browser: once at a UK date and time (summer or winter, stored in UTC), or on
a rule built from plain choices or written as cron, for everyone or a group; a bad choice is named at the top and
nothing is saved; a schedule can be stopped; and only admins and managers see any of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.surveys.models import Schedule
from tests.conftest import count
from tests.staff_client import signed_in

PASSWORD = "a long enough password"
SURVEY = "monthly-checkin"
LOCALITIES = "Clydesdale, East Kilbride, Hamilton, Rutherglen/Cambuslang"  # the default settings


def schedule_form(**overrides: Any) -> dict[str, Any]:
    return {
        "survey": SURVEY,
        "how_often": "first-monday",
        "on_date": "",
        "at_time": "17:00",
        "cron": "",
        "group": "everyone",
        "refs": "",
        **overrides,
    }


def added(client: Any, **overrides: Any) -> Schedule:
    response = client.post("/staff/schedules", data=schedule_form(**overrides))
    assert response.status_code == 302, text(response)
    assert response.location.endswith("/staff/schedules")
    db.session.expire_all()
    return db.session.scalars(select(Schedule).order_by(Schedule.id.desc())).first()  # type: ignore[return-value]


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# --- adding -------------------------------------------------------------------------------------------------


def test_a_manager_schedules_the_monthly_check_in_for_the_first_monday_of_each_month(app: Any) -> None:
    client = signed_in(app, "manager")
    page = text(client.get("/staff/schedules"))
    assert "No survey is scheduled." in page and '<option value="monthly-checkin">Monthly check-in</option>' in page
    assert "between 9:00pm and 8:00am" in page  # the quiet hours, from the settings
    assert "statement-worried" not in page  # statements are never offered

    schedule = added(client)
    assert (schedule.cron, schedule.run_at, schedule.active) == ("0 17 1-7 * mon", None, True)
    assert (schedule.group_kind, schedule.group_values) == ("everyone", [])
    assert schedule.next_run_at == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # Monday 7 December, GMT
    assert schedule.created_by_id is not None
    listed = text(client.get("/staff/schedules"))
    assert (
        "Scheduled Monthly check-in for everyone who may be texted, the first Monday of each month at 5:00pm. "
        "Next run: 7 December at 5:00pm, UK time." in listed
    )
    assert "<dt>When</dt>\n      <dd>The first Monday of each month at 5:00pm</dd>" in listed
    assert "<code>0 17 1-7 * mon</code>" not in listed
    assert "Everyone who may be texted" in listed and "Not yet" in listed


@pytest.mark.parametrize(
    ("how_often", "extra", "cron", "next_run"),
    [
        ("monday", {"at_time": "09:15"}, "15 9 * * mon", datetime(2026, 11, 30, 9, 15, tzinfo=UTC)),
        ("daily", {"at_time": "17:00"}, "0 17 * * *", datetime(2026, 11, 23, 17, 0, tzinfo=UTC)),
        (
            "custom",
            {"cron": " 30  18 * * fri ", "at_time": ""},
            "30 18 * * fri",
            datetime(2026, 11, 27, 18, 30, tzinfo=UTC),
        ),
    ],
)
def test_each_way_of_repeating_makes_its_cron_rule(
    app: Any, how_often: str, extra: dict[str, str], cron: str, next_run: datetime
) -> None:
    schedule = added(signed_in(app, "manager"), how_often=how_often, **extra)
    assert (schedule.cron, schedule.run_at, schedule.next_run_at) == (cron, None, next_run)


@pytest.mark.parametrize(
    ("on_date", "at_time", "utc", "words"),
    [
        ("2026-12-01", "09:30", datetime(2026, 12, 1, 9, 30, tzinfo=UTC), "1 December at 9:30am"),  # GMT: as UTC
        ("2027-06-01", "09:30", datetime(2027, 6, 1, 8, 30, tzinfo=UTC), "1 June 2027 at 9:30am"),  # BST: UTC+1
    ],
)
def test_once_at_a_uk_date_and_time_is_kept_in_utc(
    app: Any, on_date: str, at_time: str, utc: datetime, words: str
) -> None:
    client = signed_in(app, "admin")
    schedule = added(client, how_often="once", on_date=on_date, at_time=at_time)
    assert (schedule.cron, schedule.run_at, schedule.next_run_at) == (None, utc, utc)
    page = text(client.get("/staff/schedules"))
    assert f"once. Next run: {words}, UK time." in page
    assert "<dd>Once</dd>" in page and f"<dt>Next run</dt><dd>{words[0].upper()}{words[1:]}</dd>" in page


@pytest.mark.parametrize(
    ("fields", "values", "described"),
    [
        (
            {"group": "locality", "localities": ["Hamilton", "East Kilbride"]},
            ["Hamilton", "East Kilbride"],
            "Localities",
        ),
        ({"group": "care-setting", "care_settings": ["foster", "kinship"]}, ["foster", "kinship"], "Care settings"),
        ({"group": "age-band", "age_bands": ["12-15"]}, ["12-15"], "Age bands"),
        (
            {"group": "refs", "refs": "SL-001\r\nSL-002, SL-003\r\n\r\nSL-001"},
            ["SL-001", "SL-002", "SL-003"],
            "Young people by reference",
        ),
    ],
)
def test_a_schedule_goes_to_a_group(app: Any, fields: dict[str, Any], values: list[str], described: str) -> None:
    client = signed_in(app, "manager")
    schedule = added(client, **fields)
    assert (schedule.group_kind, schedule.group_values) == (fields["group"], values)
    assert f"{described}: {', '.join(values)}" in text(client.get("/staff/schedules"))


def test_ticked_boxes_of_another_group_are_ignored(app: Any) -> None:
    schedule = added(signed_in(app, "manager"), group="everyone", localities=["Hamilton"], refs="SL-001")
    assert (schedule.group_kind, schedule.group_values) == ("everyone", [])


# --- refused ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"group": "locality", "localities": ["Hamilton", "Nowhere"]},
            f"Locality must be from: {LOCALITIES} (not Nowhere).",
        ),
        ({"group": "locality"}, "Tick at least one locality."),
        ({"group": "care-setting", "care_settings": ["boarding-school"]}, "Care-setting must be from: home, kinship"),
        ({"group": "refs", "refs": " , \r\n"}, "List at least one young person&#39;s reference."),
        ({"group": "nobody"}, "The group must be everyone"),
        ({"how_often": "custom", "cron": "every monday"}, "The rule needs five fields"),
        ({"how_often": "custom", "cron": "61 17 * * *"}, "is not a cron rule"),
        ({"how_often": "custom", "cron": ""}, "Write the custom rule"),
        ({"how_often": "once", "on_date": "2026-11-23", "at_time": "13:59"}, "The moment to send it is in the past."),
        ({"how_often": "once", "on_date": "23/12/2026"}, "Give the date to send it, written year-month-day."),
        ({"how_often": "once", "on_date": "2027-03-28", "at_time": "01:30"}, "That time does not happen in the UK"),
        ({"how_often": "daily", "at_time": "25:00"}, "Give the time on the 24-hour clock"),
        ({"how_often": "fortnightly"}, "How often must be one of"),
        ({"survey": ""}, "Choose the survey to send."),
        ({"survey": "no-such-survey"}, "There is no published survey"),
        ({"survey": "statement-worried"}, "is a statement"),
    ],
)
def test_a_bad_schedule_is_named_at_the_top_and_nothing_is_saved(
    app: Any, overrides: dict[str, Any], expected: str
) -> None:
    client = signed_in(app, "manager")
    response = client.post("/staff/schedules", data=schedule_form(**overrides))
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was saved: there is a problem" in page and expected in page
    assert count("schedule") == 0


def test_a_refused_form_keeps_what_was_chosen(app: Any) -> None:
    chosen = schedule_form(how_often="custom", cron="0 17 * *", group="locality", localities=["Nowhere", "Hamilton"])
    response = signed_in(app, "manager").post("/staff/schedules", data=chosen)
    page = text(response)
    assert 'value="0 17 * *"' in page and '<option selected value="custom">' in page
    assert 'checked id="localities-2" name="localities" type="checkbox" value="Hamilton"' in page


# --- stopping -----------------------------------------------------------------------------------------------


def test_stopping_a_schedule(app: Any) -> None:
    client = signed_in(app, "manager")
    schedule = added(client, how_often="daily")
    response = client.post(f"/staff/schedules/{schedule.id}/remove")
    assert response.status_code == 302 and response.location.endswith("/staff/schedules")
    db.session.expire_all()
    stopped = db.session.get(Schedule, schedule.id)
    assert stopped is not None and (stopped.active, stopped.next_run_at) == (False, None)
    page = text(client.get("/staff/schedules"))
    assert (
        "Stopped sending Monthly check-in to everyone who may be texted: it will not run again. "
        "Texts it has already queued still go." in page
    )
    assert "No survey is scheduled." in page
    assert client.post(f"/staff/schedules/{schedule.id}/remove").status_code == 404  # already stopped
    assert client.post("/staff/schedules/999/remove").status_code == 404


def test_the_list_shows_every_active_schedule_with_a_stop_button_each(app: Any) -> None:
    client = signed_in(app, "manager")
    first = added(client, how_often="daily")
    second = added(
        client, how_often="once", on_date="2026-12-24", at_time="10:00", group="age-band", age_bands=["16-17"]
    )
    page = text(client.get("/staff/schedules"))
    for schedule in (first, second):
        assert f'action="/staff/schedules/{schedule.id}/remove"' in page
    assert page.index("<dd>Today at 5:00pm</dd>") < page.index("<dd>24 December at 10:00am</dd>")  # next due first
    assert "<dd>Once</dd>" in page and "Age bands: 16-17" in page


# --- who may ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["champions", "worker", "advocacy"])
def test_only_admins_and_managers_schedule_surveys(app: Any, role: str) -> None:
    manager = signed_in(app, "manager")
    schedule = added(manager, how_often="daily")
    client = signed_in(app, role)
    assert client.get("/staff/schedules").status_code == 403
    assert client.post("/staff/schedules", data=schedule_form()).status_code == 403
    assert client.post(f"/staff/schedules/{schedule.id}/remove").status_code == 403
    assert "/staff/schedules" not in text(client.get("/staff/"))
    assert count("schedule") == 1
    db.session.expire_all()
    assert db.session.get(Schedule, schedule.id).active  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_admins_and_managers_find_the_pages_in_the_menu(app: Any, role: str) -> None:
    home = text(signed_in(app, role).get("/staff/"))
    assert ">Schedules</a>" in home and ">Channel health</a>" in home
