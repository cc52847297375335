"""The young people's register, loaded from the council's CSV: a good file loads, a known ref is updated, a bad
file is refused row by row and field by field with nothing written, and no phone number is ever printed."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.config import DEFAULT_LOCALITIES
from feedback.core.clock import now
from feedback.extensions import db
from feedback.people import operations as people
from feedback.people import register
from feedback.people.models import Person
from feedback.surveys.models import Conversation
from tests.conftest import Clock, count

PASSWORD = "a long enough password"
HEADER = "ref,phone,date_of_birth,locality,care_setting,worker_email,consent_sms"
# The clock starts on 2026-11-23, so these are 16, 22 and 7 years old.
GOOD = f"""{HEADER}
SL-001,07700 900201,2010-05-01,Hamilton,foster,sam@example.org,yes
SL-002,+447700900202,2004-01-15,east kilbride,Continuing care,,no
SL-003,,2019-06-01,,,,
"""


def worker(email: str = "sam@example.org", role: str = "worker") -> Any:
    user = staff.create_user(db.session, email, PASSWORD, role, team="Hamilton")
    db.session.commit()
    return user


def csv_file(tmp_path: Path, text: str, name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_file(runner: Any, path: Path, *extra: str) -> Any:
    return runner.invoke(args=["people", "import", str(path), *extra])


def on_register(ref: str) -> Person:
    db.session.expire_all()
    person = db.session.scalar(select(Person).where(Person.ref == ref))
    assert person is not None, ref
    return person


def test_a_good_register_loads(app: Any, runner: Any, tmp_path: Path, clock: Clock) -> None:
    sam = worker()
    result = import_file(runner, csv_file(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    assert "Added 3, updated 0." in result.output
    assert "07700" not in result.output and "+44" not in result.output

    first = on_register("SL-001")
    assert (first.phone, first.date_of_birth, first.age_band) == ("+447700900201", date(2010, 5, 1), "16-17")
    assert (first.locality, first.care_setting, first.consent_sms) == ("Hamilton", "foster", True)
    assert (first.worker_id, first.team_id, first.opted_out_at) == (sam.id, sam.team_id, None)
    assert first.phone_hash is not None and first.pseudonym.startswith("yp-")

    second = on_register("SL-002")
    assert (second.locality, second.care_setting, second.age_band) == ("East Kilbride", "continuing-care", "22-25")
    assert second.consent_sms is False and second.opted_out_at == clock.current  # "no" means no texts
    assert second.worker_id is None

    third = on_register("SL-003")  # 7 years old: no band describes them, so they count as not recorded
    assert (third.phone_hash, third.age_band, third.locality, third.consent_sms) == (None, None, None, None)


def test_importing_a_known_ref_again_updates_what_its_row_gives(app: Any, runner: Any, tmp_path: Path) -> None:
    worker()
    assert import_file(runner, csv_file(tmp_path, GOOD)).exit_code == 0
    changed = f"{HEADER}\nSL-001,,2010-05-01,Clydesdale,kinship,,\n"
    result = import_file(runner, csv_file(tmp_path, changed, "again.csv"))
    assert result.exit_code == 0, result.output
    assert "Added 0, updated 1." in result.output
    person = on_register("SL-001")
    assert (person.locality, person.care_setting) == ("Clydesdale", "kinship")
    # A blank cell means the register does not say: the number, worker and consent stay as they were.
    assert person.phone == "+447700900201" and person.worker_id is not None and person.consent_sms is True
    assert count("person") == 3


def test_a_file_with_bad_rows_names_each_row_and_field_and_writes_nothing(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    worker()
    worker("champion@example.org", role="champions")
    people.get_or_create_person(db.session, "+447700900250")
    db.session.commit()
    bad = f"""{HEADER}
SL-101,07700900211,2010-05-01,Hamilton,foster,sam@example.org,yes
SL-102,07700900212,01/05/2010,Hamilton,foster,,yes
SL-103,07700900213,2027-01-01,Hamilton,foster,,yes
SL-104,07700900214,2010-05-01,Narnia,foster,,yes

SL-106,07700900216,2010-05-01,Hamilton,boarding school,,yes
SL-107,07700900217,2010-05-01,Hamilton,foster,nobody@example.org,yes
SL-108,07700900218,2010-05-01,Hamilton,foster,,maybe
SL-101,07700900219,2010-05-01,Hamilton,foster,,yes
SL-110,0770090021,2010-05-01,Hamilton,foster,,yes
SL-111,07700900211,2010-02-30,Hamilton,foster,champion@example.org,yes
SL-112,07700900222,1990-01-01,Hamilton,foster,,yes
SL-113,07700900223,2010-05-01,Hamilton,foster,,yes,extra
"""
    before = count("person")
    result = import_file(runner, csv_file(tmp_path, bad))
    assert result.exit_code == 1
    output = result.output
    for expected in (
        "row 2, ref: is the same as on row 10",
        "row 2, phone: is the same as on row 12",
        "row 3, date_of_birth: is not a date written YYYY-MM-DD",
        "row 4, date_of_birth: is in the future",
        "row 5, locality: is not one of the localities: Clydesdale, East Kilbride, Hamilton",
        "row 7, care_setting: is not one of: home, kinship, foster",  # row 6 was blank, and is still counted
        "row 8, worker_email: no staff account has that email",
        "row 9, consent_sms: must be yes or no",
        "row 10, ref: is the same as on row 2",
        "row 11, phone: is not a whole phone number",
        "row 12, date_of_birth: is not a real date",
        "row 12, worker_email: is not a worker's or a manager's account",
        "row 13, date_of_birth: gives an age of 36; the register is for ages 5 to 30",
        "row 14: has 8 cells where the header has 7",
        "nothing was imported",
    ):
        assert expected in output, expected
    assert "row 6" not in output
    assert "0770090021" not in output and "+44" not in output  # the bad number and the good ones
    assert count("person") == before


def test_skip_bad_loads_the_good_rows_and_reports_the_rest(app: Any, runner: Any, tmp_path: Path) -> None:
    worker()
    text = f"""{HEADER}
SL-201,07700900231,2010-05-01,Hamilton,foster,sam@example.org,yes
SL-202,07700900232,2010-05-01,Narnia,foster,,yes
SL-203,,2012-09-09,Rutherglen/Cambuslang,secure,,
SL-204,07700900234,2010-05-01,Hamilton,foster,,perhaps
"""
    result = import_file(runner, csv_file(tmp_path, text), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "Added 2, updated 0, skipped 2." in result.output
    assert "Skipped row 3, locality" in result.output and "Skipped row 5, consent_sms" in result.output
    assert sorted(db.session.scalars(select(Person.ref).where(Person.ref.is_not(None)))) == ["SL-201", "SL-203"]
    assert on_register("SL-203").age_band == "12-15"


def test_someone_who_texted_first_takes_the_ref_so_their_messages_join_their_record(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    texted = people.get_or_create_person(db.session, "+447700900241")
    db.session.commit()
    text = f"{HEADER}\nSL-301,07700 900241,2008-02-29,Hamilton,residential,,yes\n"
    result = import_file(runner, csv_file(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "Added 0, updated 1." in result.output and "1 of those updated had texted in before" in result.output
    person = on_register("SL-301")
    assert person.id == texted.id and person.pseudonym == texted.pseudonym
    assert (person.age_band, person.care_setting) == ("18-21", "residential")
    assert count("person") == 1


def test_a_number_that_belongs_to_someone_else_is_refused(app: Any, runner: Any, tmp_path: Path) -> None:
    worker()
    assert import_file(runner, csv_file(tmp_path, GOOD)).exit_code == 0
    people.get_or_create_person(db.session, "+447700900299")  # texted in, not on the register
    db.session.commit()
    text = f"{HEADER}\nSL-009,07700900201,,,,,\nSL-003,07700900299,,,,,\n"
    result = import_file(runner, csv_file(tmp_path, text, "clash.csv"))
    assert result.exit_code == 1
    assert "row 2, phone: belongs to another young person on the register" in result.output
    assert "row 3, phone: belongs to a separate record made when this number texted in" in result.output
    assert on_register("SL-003").phone_hash is None and count("person") == 4


def test_an_opt_out_by_text_always_wins_over_the_register(app: Any, runner: Any, tmp_path: Path, clock: Clock) -> None:
    person = people.get_or_create_person(db.session, "+447700900251")
    opted_out_at = clock.current
    people.opt_out(person, opted_out_at)
    db.session.commit()
    clock.advance(days=1)
    result = import_file(runner, csv_file(tmp_path, f"{HEADER}\nSL-401,07700900251,,,,,yes\n"))
    assert result.exit_code == 0, result.output
    person = on_register("SL-401")
    assert person.consent_sms is True and person.opted_out_at == opted_out_at


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "row 1: the first row must be the header"),
        (
            "ref,phone,date_of_birth,locality,care_setting,worker_email\n",
            "row 1, consent_sms: is missing from the header",
        ),
        # No header, a phone number where it would be: the message names the column, never what was in it.
        ("SL-1,07700900261,,,,,\n", "row 1: column B is not one of the register's columns"),
        (f'{HEADER}\nSL-1,"07700900261\n', "row 2: cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_plainly(
    app: Any, runner: Any, tmp_path: Path, text: str, expected: str
) -> None:
    result = import_file(runner, csv_file(tmp_path, text), "--skip-bad")
    assert result.exit_code == 1
    assert expected in result.output and "nothing was imported" in result.output
    assert "07700900261" not in result.output and count("person") == 0


def test_a_file_that_is_not_utf8_is_refused(app: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\nSL-1,,,Hamilton,,,\xe9\n".encode("latin-1"))
    result = import_file(runner, path)
    assert result.exit_code == 1 and "the file: is not UTF-8 text" in result.output


def test_a_spreadsheets_byte_order_mark_and_crlf_are_read() -> None:
    assert register.decode(b"\xef\xbb\xbfref\r\n") == "ref\r\n"


@pytest.mark.parametrize(
    ("age", "band"),
    [
        *[(5, None), (7, None), (8, "8-11"), (11, "8-11"), (12, "12-15"), (17, "16-17")],
        *[(18, "18-21"), (25, "22-25"), (26, "26+"), (30, "26+")],
    ],
)
def test_age_bands(age: int, band: str | None) -> None:
    assert register.age_band(age) == band


def test_age_counts_whole_years_and_leap_days() -> None:
    assert register.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert register.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert register.age_on(date(2010, 11, 23), date(2026, 11, 23)) == 16


# --- whatever the file holds --------------------------------------------------------------------------------

# What a register holds: mostly good values, some bad ones, and now and then anything at all.
GOOD_VALUES = [
    st.sampled_from([f"SL-{n}" for n in range(1, 13)]),
    st.sampled_from(["", "07700900271", "+447700900272", "07700 900273", "07911 123456"]),
    st.sampled_from(["", "2010-05-01", "2016-01-01", "2001-02-28"]),
    st.sampled_from(["", "Hamilton", "hamilton", "East Kilbride"]),
    st.sampled_from(["", "foster", "Foster care", "continuing care"]),
    st.sampled_from(["", "sam@example.org", "SAM@example.org "]),
    st.sampled_from(["", "yes", "no", "NO"]),
]
BAD_VALUES = [
    st.sampled_from(["", "x" * 65]),
    st.sampled_from(["0770090021", "n/a"]),
    st.sampled_from(["2031-01-01", "2010-02-30", "1/5/2010", "1980-01-01"]),
    st.just("Mars"),
    st.just("hotel"),
    st.sampled_from(["x@example.org", "not an email", "champion@example.org"]),
    st.just("maybe"),
]
ANYTHING = st.sampled_from(['"', ",", "\n", "\r", "\x00", " ", "=1+1", "\ufeff"]) | st.text(max_size=12)


def mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`common` about four times in five, `rare` otherwise: a file of bad values alone would never load."""
    return st.tuples(st.integers(0, 4), common, rare).map(lambda drawn: drawn[2] if drawn[0] == 3 else drawn[1])


ROW = st.tuples(*(mostly(good, bad) for good, bad in zip(GOOD_VALUES, BAD_VALUES, strict=True)))
ROWS = st.lists(mostly(ROW, st.lists(ANYTHING, max_size=9)).map(",".join), min_size=1, max_size=6)
HEADERS = st.sampled_from([HEADER.upper(), "ref,phone", ""]) | st.text(max_size=40)
FILES = mostly(
    ROWS.map(lambda rows: "\n".join([HEADER, *rows])),
    st.builds(lambda header, rows: "\n".join([header, *rows]), HEADERS, ROWS) | st.text(max_size=300),
)


def _register_rows() -> list[tuple[Any, ...]]:
    columns = (Person.id, Person.ref, Person.phone_hash, Person.locality, Person.age_band, Person.opted_out_at)
    return [tuple(row) for row in db.session.execute(select(*columns).order_by(Person.id))]


def _data_rows(text: str) -> int:
    records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True))
    return sum(1 for record in records[1:] if any(cell.strip() for cell in record))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=FILES, skip_bad=st.booleans())
def test_any_file_is_loaded_whole_or_refused_with_nothing_written(app: Any, text: str, skip_bad: bool) -> None:
    if db.session.scalar(select(Person.id).where(Person.ref == "SL-2")) is None:
        worker()
        worker("champion@example.org", role="champions")
        people.get_or_create_person(db.session, "+447700900272").ref = "SL-2"
        people.get_or_create_person(db.session, "+447700900271")
        db.session.commit()
    before = _register_rows()
    try:
        result = register.import_register(db.session, text, localities=DEFAULT_LOCALITIES, now=now(), skip_bad=skip_bad)
    except register.RegisterError as exc:
        assert exc.errors
        assert _register_rows() == before  # not written, nor waiting to be
    else:
        loaded = result.added + result.updated
        assert loaded + result.skipped_rows == _data_rows(text)
        assert skip_bad or not result.skipped
        assert len(_register_rows()) == len(before) + result.added
    finally:
        db.session.rollback()


def test_someone_the_register_says_does_not_consent_is_not_sent_texts_the_service_starts(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    text = f"{HEADER}\nSL-1,07700 900401,,,,,yes\nSL-2,07700 900402,,,,,no\nSL-3,07700 900403,,,,,\n"
    assert import_file(runner, csv_file(tmp_path, text)).exit_code == 0
    sent = runner.invoke(args=["surveys", "send", "monthly-checkin", "--all"])
    assert "Queued 2;" in sent.output
    named = runner.invoke(args=["surveys", "send", "monthly-checkin", "--to", "07700 900402", "--occurrence", "x"])
    assert "Queued 0; skipped 1 who may not be texted" in named.output
    invited = db.session.scalars(select(Person.ref).join(Conversation).order_by(Person.ref)).all()
    assert invited == ["SL-1", "SL-3"]  # "not recorded" is not a refusal: they texted in or were added without it
