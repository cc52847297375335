"""Offers of advocacy: a file of past offers loads whole or not at all, each bad row and field named; the report
counts eligible young people offered or accepting advocacy against the target, by locality, care setting and age
band, with offers by month and who has had none."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.advocacy import operations as advocacy
from feedback.advocacy.models import AdvocacyOffer
from feedback.config import DEFAULT_LOCALITIES, ConfigurationError, from_environment
from feedback.core.clock import now
from feedback.extensions import db
from feedback.people import register
from feedback.people.models import Person
from tests.conftest import count
from tests.staff_client import signed_in

PEOPLE_HEADER = "ref,phone,date_of_birth,locality,care_setting,worker_email,consent_sms"
# The clock starts on 2026-11-23. SL-005 stopped being eligible on 2026-06-30 and SL-006 on 2025-12-31.
PEOPLE = f"""{PEOPLE_HEADER}
SL-001,,2010-05-01,Hamilton,foster,,
SL-002,,2004-01-15,East Kilbride,continuing-care,,
SL-003,,2012-09-09,Hamilton,residential,,
SL-004,,,,,,
SL-005,,2008-03-01,Clydesdale,aftercare,,
SL-006,,2007-01-01,Clydesdale,aftercare,,
"""
ELIGIBLE_UNTIL = {"SL-005": date(2026, 6, 30), "SL-006": date(2025, 12, 31)}
HEADER = "ref,offered_on,offered_by,context,response"
GOOD = f"""{HEADER}
SL-001,2026-03-02,Independent reviewing officer,Looked after review,accepted
SL-001,2026-09-10,Social worker,children's hearing,declined
SL-002,2026-05-20,Throughcare worker,leaving-care,thinking
SL-005,2026-06-01,Social worker,Complaint,accepted
SL-003,2025-11-01,IRO,looked-after-review,accepted
"""
PERIOD = ("--since", "2026-01-01", "--until", "2026-11-23")
FIGURES = ("eligible", "offered_or_accepted", "accepted", "share")


def load_register(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["people", "import", str(csv_file(tmp_path, PEOPLE, "people.csv"))])
    assert result.exit_code == 0, result.output
    for ref, until in ELIGIBLE_UNTIL.items():
        person = db.session.scalar(select(Person).where(Person.ref == ref))
        assert person is not None
        person.eligible_until = until
    db.session.commit()


def csv_file(tmp_path: Path, text: str, name: str = "offers.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_offers(runner: Any, path: Path, *extra: str) -> Any:
    return runner.invoke(args=["advocacy", "import", str(path), *extra])


def stored_offers() -> list[tuple[str | None, date, str, str, str]]:
    db.session.expire_all()
    query = (
        select(
            Person.ref,
            AdvocacyOffer.offered_on,
            AdvocacyOffer.offered_by,
            AdvocacyOffer.context,
            AdvocacyOffer.response,
        )
        .join(Person, Person.id == AdvocacyOffer.person_id)
        .order_by(Person.ref, AdvocacyOffer.offered_on)
    )
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]


# --- importing offers ---------------------------------------------------------------------------------------


def test_a_good_file_of_offers_loads(app: Any, runner: Any, tmp_path: Path) -> None:
    load_register(runner, tmp_path)
    result = import_offers(runner, csv_file(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    assert "Added 5 offers." in result.output
    assert stored_offers() == [
        ("SL-001", date(2026, 3, 2), "Independent reviewing officer", "looked-after-review", "accepted"),
        ("SL-001", date(2026, 9, 10), "Social worker", "childrens-hearing", "declined"),
        ("SL-002", date(2026, 5, 20), "Throughcare worker", "leaving-care", "thinking"),
        ("SL-003", date(2025, 11, 1), "IRO", "looked-after-review", "accepted"),
        ("SL-005", date(2026, 6, 1), "Social worker", "complaint", "accepted"),
    ]
    offer = db.session.scalars(select(AdvocacyOffer)).first()
    assert offer is not None and offer.recorded_by_id is None and offer.outcome is None and offer.sessions == []


def test_a_file_with_bad_rows_names_each_row_and_field_and_writes_nothing(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    load_register(runner, tmp_path)
    bad = f"""{HEADER}
SL-999,2026-03-02,IRO,other,accepted
SL-001,2027-01-01,IRO,other,accepted
SL-001,03/02/2026,IRO,other,accepted
SL-001,2026-02-30,IRO,other,accepted
SL-003,2011-01-01,IRO,other,accepted
SL-005,2026-08-01,IRO,other,accepted

SL-002,2026-04-01,,other,accepted
SL-002,2026-04-02,IRO,panel,accepted
SL-002,2026-04-03,IRO,other,maybe
SL-003,2026-04-04,IRO,complaint,accepted
SL-003,2026-04-04,Someone else,Complaint,declined
SL-003,2026-04-05,IRO
SL-001,2026-04-06,IRO,other,accepted
"""
    result = import_offers(runner, csv_file(tmp_path, bad))
    assert result.exit_code == 1
    for expected in (
        "row 2, ref: is not on the register",
        "row 3, offered_on: is in the future",
        "row 4, offered_on: is not a date written YYYY-MM-DD",
        "row 5, offered_on: is not a real date",
        "row 6, offered_on: is before the young person was born",
        "row 7, offered_on: is after the young person stopped being eligible (30 June 2026)",
        "row 9, offered_by: is missing",  # row 8 was blank, and is still counted
        "row 10, context: is not one of: looked-after-review, childrens-hearing",
        "row 11, response: is not one of: accepted, declined, thinking",
        "row 12, offered_on: is the same offer (young person, date and context) as on row 13",
        "row 13, offered_on: is the same offer (young person, date and context) as on row 12",
        "row 14: has 3 cells where the header has 5",
        "offers.csv: nothing was imported. Fix the rows above, or load the good ones with --skip-bad.",
    ):
        assert expected in result.output, expected
    assert "row 8" not in result.output and "row 15" not in result.output
    assert "panel" not in result.output and "maybe" not in result.output  # no message repeats a cell
    assert count("advocacy_offer") == 0


def test_an_offer_already_logged_is_refused_never_counted_twice(app: Any, runner: Any, tmp_path: Path) -> None:
    load_register(runner, tmp_path)
    assert import_offers(runner, csv_file(tmp_path, GOOD)).exit_code == 0
    again = f"{HEADER}\nSL-002,2026-10-01,IRO,other,accepted\nSL-001,2026-03-02,Someone,looked after review,declined\n"
    result = import_offers(runner, csv_file(tmp_path, again, "again.csv"))
    assert result.exit_code == 1
    assert "row 3, offered_on: is an offer already recorded" in result.output
    assert count("advocacy_offer") == 5
    # The same young person and day in another context is another offer.
    other = f"{HEADER}\nSL-001,2026-03-02,IRO,child protection,accepted\n"
    assert import_offers(runner, csv_file(tmp_path, other, "other.csv")).exit_code == 0
    assert count("advocacy_offer") == 6


def test_skip_bad_loads_the_good_rows_and_reports_the_rest(app: Any, runner: Any, tmp_path: Path) -> None:
    load_register(runner, tmp_path)
    text = f"""{HEADER}
SL-001,2026-03-02,IRO,other,accepted
SL-404,2026-03-02,IRO,other,accepted
SL-002,2026-03-03,IRO,leaving care,Thinking about it
SL-002,2026-03-04,IRO,other,perhaps
"""
    result = import_offers(runner, csv_file(tmp_path, text), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "Added 2 offers, skipped 2 rows." in result.output
    assert "Skipped row 3, ref: is not on the register" in result.output
    assert "Skipped row 5, response" in result.output
    assert [(ref, response) for ref, _, _, _, response in stored_offers()] == [
        ("SL-001", "accepted"),
        ("SL-002", "thinking"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "row 1: the first row must be the header"),
        ("ref,offered_on,offered_by,context\n", "row 1, response: is missing from the header"),
        ("SL-001,2026-03-02,IRO,other,accepted\n", "row 1: column A is not one of the columns"),
        (f'{HEADER}\nSL-001,"2026-03-02\n', "row 2: cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_plainly(
    app: Any, runner: Any, tmp_path: Path, text: str, expected: str
) -> None:
    load_register(runner, tmp_path)
    result = import_offers(runner, csv_file(tmp_path, text), "--skip-bad")
    assert result.exit_code == 1
    assert expected in result.output and "nothing was imported" in result.output
    assert count("advocacy_offer") == 0


def test_a_file_that_is_not_utf8_is_refused(app: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\nSL-001,2026-03-02,Ren\xe9e,other,accepted\n".encode("latin-1"))
    result = import_offers(runner, path)
    assert result.exit_code == 1 and "the file: is not UTF-8 text" in result.output


# --- the report ---------------------------------------------------------------------------------------------


def report_json(runner: Any, *args: str) -> dict[str, Any]:
    result = runner.invoke(args=["report", "advocacy", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


def by_hand(since: date, until: date) -> dict[str, dict[str, tuple[int, int, int]]]:
    """The report's figures counted one young person at a time in Python, from what is stored."""
    people = db.session.execute(
        select(Person.id, Person.ref, Person.locality, Person.care_setting, Person.age_band, Person.eligible_until)
    ).all()
    offers = db.session.execute(select(AdvocacyOffer.person_id, AdvocacyOffer.offered_on, AdvocacyOffer.response))
    offered: set[int] = set()
    accepted: set[int] = set()
    for person_id, offered_on, response in offers:
        if since <= offered_on <= until:
            offered.add(person_id)
            if response == "accepted":
                accepted.add(person_id)
    tally: dict[str, dict[str, list[int]]] = {"overall": {}, "locality": {}, "care_setting": {}, "age_band": {}}
    for person_id, ref, locality, care_setting, age_band, eligible_until in people:
        if ref is None or (eligible_until is not None and eligible_until < since):
            continue
        groups = {"overall": "all", "locality": locality, "care_setting": care_setting, "age_band": age_band}
        for breakdown, group in groups.items():
            cell = tally[breakdown].setdefault(group or "Not recorded", [0, 0, 0])
            cell[0] += 1
            cell[1] += person_id in offered
            cell[2] += person_id in accepted
    return {b: {g: (c[0], c[1], c[2]) for g, c in groups.items()} for b, groups in tally.items()}


def figures(document: dict[str, Any]) -> tuple[int, int, int]:
    return (document["eligible"], document["offered_or_accepted"], document["accepted"])


def test_the_report_counts_eligible_young_people_offered_or_accepting(app: Any, runner: Any, tmp_path: Path) -> None:
    load_register(runner, tmp_path)
    assert import_offers(runner, csv_file(tmp_path, GOOD)).exit_code == 0
    document = report_json(runner, *PERIOD)

    # SL-006 stopped being eligible before the period; SL-003's only offer was before it; SL-004 has none.
    assert document["overall"] == {"eligible": 5, "offered_or_accepted": 3, "accepted": 2, "share": 0.6}
    assert document["by_locality"] == {
        "Clydesdale": {"eligible": 1, "offered_or_accepted": 1, "accepted": 1, "share": 1.0},
        "East Kilbride": {"eligible": 1, "offered_or_accepted": 1, "accepted": 0, "share": 1.0},
        "Hamilton": {"eligible": 2, "offered_or_accepted": 1, "accepted": 1, "share": 0.5},
        "Rutherglen/Cambuslang": {"eligible": 0, "offered_or_accepted": 0, "accepted": 0, "share": 0.0},
        "Not recorded": {"eligible": 1, "offered_or_accepted": 0, "accepted": 0, "share": 0.0},
    }
    # Every figure agrees with a count made one young person at a time.
    hand = by_hand(date(2026, 1, 1), date(2026, 11, 23))
    assert figures(document["overall"]) == hand["overall"]["all"]
    for breakdown in ("locality", "care_setting", "age_band"):
        reported = {group: figures(cell) for group, cell in document[f"by_{breakdown}"].items() if cell["eligible"]}
        assert reported == hand[breakdown], breakdown
    assert document["by_age_band"]["18-21"] == {"eligible": 1, "offered_or_accepted": 1, "accepted": 1, "share": 1.0}
    assert document["by_care_setting"]["residential"]["offered_or_accepted"] == 0

    months = {f"2026-{m:02d}": 0 for m in range(1, 12)} | {"2026-03": 1, "2026-05": 1, "2026-06": 1, "2026-09": 1}
    assert document["by_month"] == months


def test_the_report_keeps_its_json_contract(app: Any, runner: Any, tmp_path: Path) -> None:
    document = report_json(runner)  # nobody on the register: all zeros, never a division by zero
    assert list(document) == [
        "target",
        "since",
        "until",
        "overall",
        "by_locality",
        "by_care_setting",
        "by_age_band",
        "by_month",
        "voice_heard",
        "not_offered",
    ]
    assert document["voice_heard"] == {
        "closed": 0, "asked": 0, "answered": 0, "heard": 0, "share_heard": 0.0, "average_rating": None,
    }  # fmt: skip
    assert document["not_offered"] == []
    assert document["target"] == 0.7
    assert (document["since"], document["until"]) == ("2025-11-24", "2026-11-23")  # a year, to today
    assert document["overall"] == {"eligible": 0, "offered_or_accepted": 0, "accepted": 0, "share": 0.0}
    assert list(document["by_locality"]) == [*DEFAULT_LOCALITIES, "Not recorded"]
    assert list(document["by_age_band"]) == ["8-11", "12-15", "16-17", "18-21", "22-25", "26+", "Not recorded"]
    assert "aftercare" in document["by_care_setting"] and "Not recorded" in document["by_care_setting"]
    for group in (document["overall"], *document["by_locality"].values(), *document["by_care_setting"].values()):
        assert list(group) == list(FIGURES)
    assert len(document["by_month"]) == 13 and all(n == 0 for n in document["by_month"].values())


@pytest.mark.parametrize("app_config", [{"ADVOCACY_TARGET": 0.5}])
def test_the_target_is_a_setting(app: Any, runner: Any) -> None:
    assert report_json(runner)["target"] == 0.5


def test_the_report_as_csv(app: Any, runner: Any, tmp_path: Path) -> None:
    load_register(runner, tmp_path)
    assert import_offers(runner, csv_file(tmp_path, GOOD)).exit_code == 0
    result = runner.invoke(args=["report", "advocacy", *PERIOD, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == list(advocacy.CSV_COLUMNS)
    assert rows[0] == {
        "breakdown": "overall",
        "group": "all",
        "eligible": "5",
        "offered_or_accepted": "3",
        "accepted": "2",
        "share": "0.6",
        "target": "0.7",
    } | {column: "" for column in advocacy.CSV_COLUMNS[7:]}
    assert rows[-1]["breakdown"] == "voice_heard" and rows[-1]["closed"] == "0"
    months = {row["group"]: row["offers"] for row in rows if row["breakdown"] == "month"}
    assert months["2026-03"] == "1" and months["2026-04"] == "0"


def test_the_list_of_who_has_had_no_offer(app: Any, runner: Any, tmp_path: Path) -> None:
    load_register(runner, tmp_path)
    assert import_offers(runner, csv_file(tmp_path, GOOD)).exit_code == 0
    result = advocacy.report(
        db.session, since=date(2026, 1, 1), until=date(2026, 11, 23), target=0.7, localities=DEFAULT_LOCALITIES
    )
    assert result.not_offered == ["SL-003", "SL-004"]  # SL-006 is no longer eligible, so not on the list
    assert not result.met


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--since", "2026-13-01"), "since must be a date written YYYY-MM-DD, not '2026-13-01'"),
        (("--until", "yesterday"), "until must be a date written YYYY-MM-DD"),
        (("--since", "2026-06-01", "--until", "2026-05-01"), "The period starts (1 June 2026) after it ends"),
        (("--until", "2027-01-01"), "The period cannot end in the future (1 January 2027)"),
    ],
)
def test_a_bad_period_is_a_usage_error(app: Any, runner: Any, args: tuple[str, ...], expected: str) -> None:
    result = runner.invoke(args=["report", "advocacy", *args, "--format", "json"])
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("raw", "target"), [(None, 0.7), ("", 0.7), ("0.85", 0.85), ("1", 1.0), ("0", 0.0)])
def test_advocacy_target_setting(raw: str | None, target: float) -> None:
    env = {} if raw is None else {"ADVOCACY_TARGET": raw}
    assert from_environment(env, "/tmp/instance")["ADVOCACY_TARGET"] == target


@pytest.mark.parametrize("raw", ["70%", "70", "1.01", "-0.1", "nan", "seventy"])
def test_a_bad_advocacy_target_stops_the_start(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="ADVOCACY_TARGET must be a number from 0 to 1"):
        from_environment({"ADVOCACY_TARGET": raw}, "/tmp/instance")


# --- whatever the file holds --------------------------------------------------------------------------------

GOOD_VALUES = [
    st.sampled_from(["SL-001", "SL-002", "SL-003", "SL-005"]),
    st.sampled_from(["2026-03-02", "2026-05-20", "2026-06-01", "2026-11-23"]),
    st.sampled_from(["IRO", "Social worker", "Advocacy worker"]),
    st.sampled_from([*advocacy.CONTEXTS, "Looked after review", "Children's Hearing"]),
    st.sampled_from(["accepted", "declined", "thinking", "Thinking about it"]),
]
BAD_VALUES = [
    st.sampled_from(["", "SL-404", "x" * 65, "SL-006"]),
    st.sampled_from(["", "2030-01-01", "2026-02-30", "2/3/2026", "2000-01-01", "2026-08-01"]),
    st.sampled_from(["", "x" * 201]),
    st.just("panel"),
    st.just("maybe"),
]
ANYTHING = st.sampled_from(['"', ",", "\n", "\r", "\x00", " ", "=1+1", "\ufeff"]) | st.text(max_size=12)


def mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`common` about four times in five, `rare` otherwise: a file of bad values alone would never load."""
    return st.tuples(st.integers(0, 4), common, rare).map(lambda drawn: drawn[2] if drawn[0] == 3 else drawn[1])


ROW = st.tuples(*(mostly(good, bad) for good, bad in zip(GOOD_VALUES, BAD_VALUES, strict=True)))
ROWS = st.lists(mostly(ROW, st.lists(ANYTHING, max_size=7)).map(",".join), min_size=1, max_size=6)
HEADERS = st.sampled_from([HEADER.upper(), "ref,offered_on", ""]) | st.text(max_size=40)
FILES = mostly(
    ROWS.map(lambda rows: "\n".join([HEADER, *rows])),
    st.builds(lambda header, rows: "\n".join([header, *rows]), HEADERS, ROWS) | st.text(max_size=300),
)


def _data_rows(text: str) -> int:
    records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True))
    return sum(1 for record in records[1:] if any(cell.strip() for cell in record))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=FILES, skip_bad=st.booleans())
def test_any_file_is_loaded_whole_or_refused_with_nothing_written(app: Any, text: str, skip_bad: bool) -> None:
    if db.session.scalar(select(Person.id).where(Person.ref == "SL-001")) is None:
        register.import_register(db.session, PEOPLE, localities=DEFAULT_LOCALITIES, now=now())
        for ref, until in ELIGIBLE_UNTIL.items():
            db.session.execute(Person.__table__.update().where(Person.ref == ref).values(eligible_until=until))
        # One offer already stored, which the file may repeat.
        advocacy.import_offers(db.session, f"{HEADER}\nSL-002,2026-05-20,IRO,leaving-care,thinking\n", now=now())
        db.session.commit()
    try:
        result = advocacy.import_offers(db.session, text, now=now(), skip_bad=skip_bad)
    except advocacy.OfferFileError as exc:
        event("refused")
        assert exc.errors
        assert count("advocacy_offer") == 1  # not written, nor waiting to be
    else:
        event("loaded" if result.added else "nothing to load")
        assert result.added + result.skipped_rows == _data_rows(text)
        assert skip_bad or not result.skipped
        assert count("advocacy_offer") == 1 + result.added
    finally:
        db.session.rollback()


# --- the staff page -----------------------------------------------------------------------------------------

PASSWORD = "a long enough password"


@pytest.mark.parametrize("role", ["advocacy", "manager", "admin"])
def test_advocacy_workers_and_managers_see_the_share_and_who_has_had_no_offer(
    app: Any, runner: Any, tmp_path: Path, role: str
) -> None:
    load_register(runner, tmp_path)
    assert import_offers(runner, csv_file(tmp_path, GOOD)).exit_code == 0
    client = signed_in(app, role, team="Hamilton")
    if role == "manager":  # a manager sees their team's young people
        hamilton = staff.team_named(db.session, "Hamilton")
        for person in db.session.scalars(select(Person)):
            person.team_id = hamilton.id
        db.session.commit()
    response = client.get("/staff/advocacy?since=2026-01-01&until=2026-11-23")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>3 of 5</strong> eligible young people" in page and "against a target of 70%" in page
    assert "The target is not met yet." in page
    refs = re.findall(r"<li>(SL-\d+) <a href=\"/staff/advocacy/offers/new\?ref=SL-\d+\">Log an offer", page)
    assert refs == ["SL-003", "SL-004"]
    assert "Rutherglen/Cambuslang" in page and "Continuing care" in page


def test_a_manager_sees_the_advocacy_figures_and_offers_of_their_own_team_only(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    load_register(runner, tmp_path)
    assert import_offers(runner, csv_file(tmp_path, GOOD)).exit_code == 0
    hamilton = staff.team_named(db.session, "Hamilton")
    ours = db.session.scalar(select(Person).where(Person.ref == "SL-003"))
    assert ours is not None
    ours.team_id = hamilton.id
    db.session.commit()
    manager = signed_in(app, "manager", team="Hamilton")
    page = manager.get("/staff/advocacy?since=2026-01-01&until=2026-11-23").get_data(as_text=True)
    assert "<strong>0 of 1</strong> eligible young people" in page
    assert "SL-003" in page and "SL-004" not in page and "SL-001" not in page
    offers = manager.get("/staff/advocacy/offers").get_data(as_text=True)
    assert "SL-001" not in offers and "SL-002" not in offers
    theirs = db.session.scalars(select(AdvocacyOffer).join(Person).where(Person.ref == "SL-001")).first()
    assert theirs is not None
    assert manager.get(f"/staff/advocacy/offers/{theirs.id}").status_code == 404
    assert manager.post(f"/staff/advocacy/offers/{theirs.id}/close", data={}).status_code == 404
    refused = manager.post(
        "/staff/advocacy/offers/new",
        data={
            "ref": "SL-001",
            "offered_on": "2026-11-20",
            "offered_by": "IRO",
            "context": "other",
            "response": "declined",
        },
    )
    assert refused.status_code == 400 and "is not on the register" in refused.get_data(as_text=True)


@pytest.mark.parametrize("role", ["champions", "worker"])
def test_other_roles_are_refused_the_advocacy_page(app: Any, role: str) -> None:
    response = signed_in(app, role).get("/staff/advocacy")
    assert response.status_code == 403
    assert "eligible" not in response.get_data(as_text=True)


def test_a_bad_period_on_the_page_is_a_400_with_the_reason(app: Any) -> None:
    response = signed_in(app, "advocacy").get("/staff/advocacy?since=31/12/2025")
    assert response.status_code == 400
    assert "From must be a date written YYYY-MM-DD" in response.get_data(as_text=True)
