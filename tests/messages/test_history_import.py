"""Views collected before the service (`feedback messages import`): a good file is stored, screened and filed in the
quarter each view was given; a second import adds nothing; a bad file is refused row by row and field by field with
nothing written; an old risk becomes a concern for review that tells nobody; and no words or numbers are printed or
logged."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.extensions import db
from feedback.insight.models import MessageAnalysis, MessageTheme, Theme
from feedback.messages import history
from feedback.messages.models import ImportedMessage, InboundMessage
from feedback.people import privacy
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from tests import log_watch
from tests.conftest import Clock, count
from tests.staff_client import signed_in

REGISTER = """ref,phone,date_of_birth,locality,care_setting,worker_email,consent_sms
SL-001,07700 900301,2008-05-01,East Kilbride,residential,sam@example.org,yes
SL-002,,2010-01-20,Clydesdale,foster,,
"""
BUS = "the bus to college costs too much"
WORKER = "i want to see my social worker more than once a month"
HOUSING = "the flat they gave me has damp and mould everywhere"
RISK = "I want to kill myself"
CONCERN = "worried about my wee brother, he's not eating and won't talk to anyone"
GOOD = f"""received_at,text,ref,source,locality,age_band,care_setting
2024-02-10,{BUS},,momo,Hamilton,16-17,foster
2024-07-01 14:05,"{WORKER}",SL-001,momo,,,
01/10/2024 09:30,{HOUSING},SL-002,paper,Rutherglen/Cambuslang,,Aftercare
"""


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Somebody out of hours to page, so that a test can show that an imported risk pages nobody.
    return {"OUT_OF_HOURS_EMAIL": "ooh@example.org", "OUT_OF_HOURS_PHONE": "+447700900888"}


def remembered(*texts: str) -> None:
    """Words imported as a young person's: the suite's log watch fails the run if one reaches a log."""
    for text in texts:
        log_watch.remember(text)


remembered(BUS, WORKER, HOUSING, CONCERN)


def csv_file(tmp_path: Path, text: str | bytes, name: str = "history.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def import_file(runner: Any, path: Path, *extra: str) -> Any:
    return runner.invoke(args=["messages", "import", str(path), *extra])


def load_register(runner: Any, tmp_path: Path) -> None:
    staff.create_user(db.session, "sam@example.org", "a long enough password", "worker", team="Hamilton")
    db.session.commit()
    result = runner.invoke(args=["people", "import", str(csv_file(tmp_path, REGISTER, "register.csv"))])
    assert result.exit_code == 0, result.output


def imported() -> list[InboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(InboundMessage).where(InboundMessage.channel == "import")))


def by_text(text: str) -> InboundMessage:
    (message,) = [message for message in imported() if message.body == text]
    return message


def facts(message: InboundMessage) -> MessageAnalysis:
    analysis = db.session.scalar(select(MessageAnalysis).where(MessageAnalysis.inbound_message_id == message.id))
    assert analysis is not None
    return analysis


def themes_of(message: InboundMessage) -> dict[str, MessageTheme]:
    rows = db.session.execute(
        select(Theme.slug, MessageTheme).join(Theme).where(MessageTheme.inbound_message_id == message.id)
    ).all()
    return {slug: row for slug, row in rows}


def test_a_good_file_is_stored_analysed_and_filed_in_the_quarter_each_view_was_given(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    load_register(runner, tmp_path)
    people_before = count("person")

    result = import_file(runner, csv_file(tmp_path, GOOD))

    assert result.exit_code == 0, result.output
    assert "Imported 3 (batch " in result.output and "0 imported before" in result.output
    assert "Analysed 3" in result.output
    assert BUS not in result.output and "07700" not in result.output
    messages = imported()
    assert len(messages) == 3
    assert {(m.status, m.handling, m.risk) for m in messages} == {("processed", "feedback", False)}
    assert all(m.provider_sid.startswith("import:") and len(m.provider_sid) == 64 for m in messages)

    bus = by_text(BUS)
    assert bus.received_at == datetime(2024, 2, 10, 0, 0, tzinfo=UTC)  # midnight in Scotland, in winter
    assert (facts(bus).month, facts(bus).channel, facts(bus).locality) == ("2024-02", "import", "Hamilton")
    assert (facts(bus).age_band, facts(bus).care_setting) == ("16-17", "foster")
    assert facts(bus).origin == "import"
    transport = themes_of(bus)["transport"]
    assert (transport.month, transport.received_at, transport.locality) == ("2024-02", bus.received_at, "Hamilton")

    # Nobody was named: an anonymous record of its own, with nothing to identify anyone.
    someone = db.session.get(Person, bus.person_id)
    assert someone is not None and (someone.ref, someone.phone_hash, someone.worker_id) == (None, None, None)
    assert count("person") == people_before + 1

    # On the register: theirs. What the row leaves blank is the register's; the age band is the one they were then.
    worker = by_text(WORKER)
    assert worker.received_at == datetime(2024, 7, 1, 13, 5, tzinfo=UTC)  # 14:05 in summer time
    assert worker.person_id == db.session.scalar(select(Person.id).where(Person.ref == "SL-001"))
    assert (facts(worker).month, facts(worker).locality, facts(worker).care_setting) == (
        "2024-07",
        "East Kilbride",
        "residential",
    )
    assert facts(worker).age_band == "16-17"  # born 2008-05-01: 16 then, 18 now
    # The row's own values win over the register's (SL-002 is in Clydesdale, in foster care, now).
    housing = by_text(HOUSING)
    assert housing.received_at == datetime(2024, 10, 1, 8, 30, tzinfo=UTC)  # 01/10/2024: day first
    assert (facts(housing).locality, facts(housing).care_setting, facts(housing).age_band) == (
        "Rutherglen/Cambuslang",
        "aftercare",
        "12-15",
    )
    kept = db.session.get(ImportedMessage, housing.id)
    assert kept is not None and (kept.source, kept.file_row, kept.locality) == ("paper", 4, "Rutherglen/Cambuslang")
    assert kept.age_band == "12-15"  # worked out from the date of birth, kept as if the row gave it
    # Nothing was sent to anyone, and nothing is waiting for the worker.
    assert count("outbound_message") == 0 and count("notification") == 0
    assert count("safeguarding_alert") == 0


def test_importing_the_same_file_twice_adds_nothing_and_the_same_words_twice_are_two_views(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    text = """received_at,text,source
2024-06-01,we want more trips away from the unit,event
2024-06-01,we want more trips away from the unit,event
2024-06-02,the dinners at the unit are rubbish,event
"""
    remembered("we want more trips away from the unit", "the dinners at the unit are rubbish")
    first = import_file(runner, csv_file(tmp_path, text))
    assert first.exit_code == 0, first.output
    assert "Imported 3 (batch" in first.output  # two young people at one event may write the same words

    again = import_file(runner, csv_file(tmp_path, text, "again.csv"))
    assert again.exit_code == 0, again.output
    assert "Imported 0 (batch" in again.output and "3 imported before" in again.output
    # A later export that repeats those rows and adds one more adds only the one.
    longer = text + "2024-06-01,we want more trips away from the unit,event\n"
    third = import_file(runner, csv_file(tmp_path, longer, "longer.csv"))
    assert "Imported 1 (batch" in third.output and "3 imported before" in third.output
    assert len(imported()) == 4
    assert count("message_analysis") == 4


def test_a_bad_file_names_each_bad_row_and_field_and_writes_nothing(app: Any, runner: Any, tmp_path: Path) -> None:
    load_register(runner, tmp_path)
    people_before = count("person")
    long_text = "a" * (history.TEXT_MAX_LENGTH + 1)
    bad = f"""received_at,text,ref,source,locality,age_band,care_setting
2024-02-10,{BUS},,,,,
2027-01-01,this is from the future somehow,,,,,
31/02/2024,there is no such day in february,,,,,
last tuesday,nobody wrote the date properly,,,,,
2024-02-11,,,,,,
2024-02-12,{long_text},,,,,
2024-02-13,{BUS},SL-999,,,,
2024-02-14,{BUS},,07700900123,Paisley,11-14,boarding school
1899-12-31,{BUS},,,,,
2024-02-15,{BUS},,
"""
    result = import_file(runner, csv_file(tmp_path, bad))

    assert result.exit_code == 1
    errors = result.output
    assert "row 3, received_at: is in the future" in errors
    assert "row 4, received_at: is not a real date or time" in errors
    assert "row 5, received_at: is not a date, or a date and time" in errors
    assert "row 6, text: is empty" in errors
    assert f"row 7, text: is longer than {history.TEXT_MAX_LENGTH:,} characters" in errors
    assert "row 8, ref: is not on the register" in errors
    assert "row 9, source: must be a short word" in errors
    assert "row 9, locality: is not one of the localities" in errors
    assert "row 9, age_band: is not one of the age bands" in errors
    assert "row 9, care_setting: is not one of" in errors
    assert "row 10, received_at: is before 2000" in errors
    assert "row 11: has 4 cells where the header has 7" in errors
    assert "row 2" not in errors
    assert "nothing was imported" in errors and "--skip-bad" in errors
    # What a cell held is never repeated: not the unknown ref, nor a number in the wrong column.
    assert "SL-999" not in errors and "07700" not in errors and "Paisley" not in errors
    assert imported() == [] and count("person") == people_before and count("message_analysis") == 0


def test_skip_bad_imports_the_good_rows_only_and_reports_the_rest(app: Any, runner: Any, tmp_path: Path) -> None:
    text = f"""received_at,text,locality
2024-02-10,{BUS},Hamilton
2030-01-01,{HOUSING},
2024-03-10,{WORKER},Narnia
2024-04-10,{HOUSING},
"""
    result = import_file(runner, csv_file(tmp_path, text), "--skip-bad")

    assert result.exit_code == 0, result.output
    assert "Skipped row 3, received_at: is in the future" in result.output
    assert "Skipped row 4, locality: is not one of the localities" in result.output
    assert "Imported 2 (batch" in result.output and "skipped 2" in result.output
    assert sorted(m.body for m in imported()) == sorted([BUS, HOUSING])
    assert {facts(m).month for m in imported()} == {"2024-02", "2024-04"}


def test_an_unknown_ref_is_refused_and_said_to_be_unknown(app: Any, runner: Any, tmp_path: Path) -> None:
    load_register(runner, tmp_path)
    text = f"received_at,text,ref\n2024-02-10,{BUS},SL-001\n2024-02-11,{BUS},SL-0001\n"

    result = import_file(runner, csv_file(tmp_path, text))

    assert result.exit_code == 1
    assert "row 3, ref: is not on the register: load the register first, or leave ref blank" in result.output
    assert "SL-0001" not in result.output and imported() == []


def test_an_old_risk_becomes_a_concern_for_review_that_tells_nobody(
    app: Any, runner: Any, tmp_path: Path, clock: Clock
) -> None:
    """Said years ago, found now, at night: nobody is paged, emailed or texted, the young person is not texted the
    help numbers, and it never goes up the ladder. A worker reviews it in the alerts list, after every alert about
    what a young person sent now."""
    load_register(runner, tmp_path)
    clock.current = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # a Sunday, 2 a.m.
    text = f'received_at,text,ref\n2023-05-04 22:10,{RISK},SL-001\n2023-06-01,"{CONCERN}",\n2023-06-02,{BUS},\n'
    remembered(RISK)

    result = import_file(runner, csv_file(tmp_path, text))

    assert result.exit_code == 0, result.output
    assert "2 may show a concern" in result.output and "Nobody was emailed, texted or paged" in result.output
    alerts = db.session.scalars(select(SafeguardingAlert).order_by(SafeguardingAlert.id)).all()
    assert [(a.tier, a.severity) for a in alerts] == [("concern", 4), ("concern", 4)]
    assert alerts[0].reason.startswith(history.REASON) and RISK not in alerts[0].reason
    risky = by_text(RISK)
    assert alerts[0].inbound_message_id == risky.id and alerts[0].person_id == risky.person_id
    assert risky.risk is True and facts(risky).risk is True  # counted, never quoted
    assert by_text(CONCERN).risk is False
    assert count("notification") == 0 and count("outbound_message") == 0
    # Their named worker finds it in the alerts list, and reads it.
    sam = signed_in(app, "worker", "sam@example.org")
    listed = sam.get("/staff/alerts")
    assert listed.status_code == 200 and f"/staff/alerts/{alerts[0].id}" in listed.get_data(as_text=True)
    opened = sam.get(f"/staff/alerts/{alerts[0].id}")
    assert opened.status_code == 200 and RISK in opened.get_data(as_text=True)

    # Hours later, still unacknowledged: a concern never goes up the ladder.
    later = clock.advance(hours=3)
    escalated = runner.invoke(args=["alerts", "escalate", "--now", later.isoformat()])
    assert escalated.exit_code == 0, escalated.output
    db.session.expire_all()
    assert count("notification") == 0 and count("outbound_message") == 0
    assert {a.escalation_step for a in db.session.scalars(select(SafeguardingAlert))} == {0}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-02-10", datetime(2024, 2, 10, 0, 0, tzinfo=UTC)),
        ("2024-06-10", datetime(2024, 6, 9, 23, 0, tzinfo=UTC)),  # the start of the day in summer time
        ("2024-06-10 14:05", datetime(2024, 6, 10, 13, 5, tzinfo=UTC)),
        ("2024-06-10T14:05:30", datetime(2024, 6, 10, 13, 5, 30, tzinfo=UTC)),
        ("2024-06-10T14:05:00Z", datetime(2024, 6, 10, 14, 5, tzinfo=UTC)),
        ("2024-06-10T14:05:00+02:00", datetime(2024, 6, 10, 12, 5, tzinfo=UTC)),
        ("10/06/2024", datetime(2024, 6, 9, 23, 0, tzinfo=UTC)),
        ("1/6/2024 9:30", datetime(2024, 6, 1, 8, 30, tzinfo=UTC)),
        ("31/12/2024 23:59:59", datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_dates_with_and_without_a_time_are_uk_time_unless_they_say(cell: str, expected: datetime) -> None:
    assert history.parse_moment(cell) == expected


@pytest.mark.parametrize("cell", ["2024-13-01", "31/02/2024", "2024-02-10 25:00", "06/31/2024"])
def test_a_date_that_is_not_real_is_refused_without_repeating_it(cell: str) -> None:
    with pytest.raises(ValueError, match="is not a real date or time") as caught:
        history.parse_moment(cell)
    assert cell not in str(caught.value)


@pytest.mark.parametrize("cell", ["yesterday", "2024/02/10", "10-02-2024", "20240210", "Feb 10 2024"])
def test_a_date_in_another_shape_is_refused_saying_how_to_write_it(cell: str) -> None:
    with pytest.raises(ValueError, match="write 2024-03-31 or 2024-03-31 14:05"):
        history.parse_moment(cell)


def test_a_file_saved_from_excel_is_read(app: Any, runner: Any, tmp_path: Path) -> None:
    """A byte order mark, CRLF line endings, the header in another case, a cell with a comma and a line break in it,
    and the empty rows a spreadsheet leaves at the end."""
    statement = "I'm getting ready for my review.\r\nI want my mum at the meeting, and my advocate"
    remembered("I want my mum at the meeting, and my advocate", "the wifi in the house never works")
    text = (
        "Received_At,TEXT,Source\r\n"
        f'15/03/2024 16:20,"{statement}",MoMo\r\n'
        "16/03/2024,the wifi in the house never works,Paper\r\n"
        ",,\r\n,,\r\n"
    )
    result = import_file(runner, csv_file(tmp_path, text.encode("utf-8-sig")))

    assert result.exit_code == 0, result.output
    assert "Imported 2 (batch" in result.output
    review = by_text(statement)
    assert review.received_at == datetime(2024, 3, 15, 16, 20, tzinfo=UTC)
    kept = db.session.get(ImportedMessage, review.id)
    assert kept is not None and kept.source == "momo"


def test_a_file_without_its_header_or_with_a_column_not_ours_is_refused(app: Any, runner: Any, tmp_path: Path) -> None:
    no_header = import_file(runner, csv_file(tmp_path, f"2024-02-10,{BUS}\n"))
    assert no_header.exit_code == 1
    assert "row 1, received_at: is missing from the header" in no_header.output
    assert BUS not in no_header.output
    extra = import_file(runner, csv_file(tmp_path, f"received_at,text,name\n2024-02-10,{BUS},Jo\n", "extra.csv"))
    assert extra.exit_code == 1
    assert "column C is not one of the history's columns" in extra.output and "Jo" not in extra.output
    assert imported() == []


def test_their_imported_words_are_in_a_subject_access_request_and_go_when_they_are_erased(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    load_register(runner, tmp_path)
    assert import_file(runner, csv_file(tmp_path, f"received_at,text,ref\n2024-07-01,{WORKER},SL-001\n")).exit_code == 0

    exported = runner.invoke(args=["people", "export", "SL-001"])
    assert exported.exit_code == 0, exported.output
    (theirs,) = json.loads(exported.output)["messages_from_them"]
    assert (theirs["channel"], theirs["text"]) == ("import", WORKER)

    assert runner.invoke(args=["people", "erase", "SL-001", "--yes"]).exit_code == 0
    (gone,) = imported()
    assert gone.body == ""  # the words are gone; that a view was given, and its themes, stay
    assert themes_of(gone)


def test_nothing_imported_is_logged_but_counts(
    app: Any, runner: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        result = import_file(runner, csv_file(tmp_path, GOOD.replace(",SL-001,", ",,").replace(",SL-002,", ",,")))
    assert result.exit_code == 0, result.output
    assert "history import" in caplog.text and "3 added" in caplog.text
    for words in (BUS, WORKER, HOUSING):
        assert words not in caplog.text


def test_views_older_than_words_are_kept_lose_them_tonight_and_an_import_does_not_bring_them_back(
    app: Any, runner: Any, tmp_path: Path, clock: Clock
) -> None:
    old = (clock.current - timedelta(days=800)).date().isoformat()
    path = csv_file(tmp_path, f"received_at,text\n{old},{BUS}\n2026-01-05,{HOUSING}\n")
    result = import_file(runner, path)
    assert result.exit_code == 0, result.output
    assert "1 were said more than MESSAGE_RETENTION_DAYS ago" in result.output

    privacy.apply_retention(db.session, now=clock.current, policy=privacy.Policy.from_config(app.config))
    db.session.commit()
    assert sorted(m.body for m in imported()) == ["", HOUSING]
    assert themes_of(by_text(""))  # filed, and still counted

    again = import_file(runner, path)
    assert "Imported 0 (batch" in again.output and "2 imported before" in again.output
    assert sorted(m.body for m in imported()) == ["", HOUSING]
