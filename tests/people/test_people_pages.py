"""The register in the browser: staff add, edit, list and search young people's records; every field is judged
as `feedback people import` judges it, a bad one is named beside its box with nothing written, a phone number is
never shown in full, and only the right roles see a record (a worker only their own, the champions role none)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.config import DEFAULT_LOCALITIES
from feedback.core.clock import now
from feedback.extensions import db
from feedback.people import operations as people
from feedback.people import register
from feedback.people.models import Person
from tests.conftest import Clock, count
from tests.staff_client import signed_in as sign_in

PASSWORD = "a long enough password"
PHONE = "07700 900201"
# Any way the number might be written on a page: the full national, international or bare-digit form.
FULL_PHONE = re.compile(r"0?7700\s?900\s?2\d\d|\+?447700\s?900\s?2\d\d")


def signed_in(app: Any, role: str, email: str | None = None) -> Any:
    """Staff here work in Hamilton: their team's duty inbox and alerts are Hamilton's."""
    return sign_in(app, role, email, team="Hamilton")


def sam() -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "sam@example.org"))
    if user is None:
        user = staff.create_user(db.session, "sam@example.org", PASSWORD, "worker", team="Hamilton", display_name="Sam")
        db.session.commit()
    return user


def record_form(**overrides: str) -> dict[str, str]:
    return {
        "ref": "SL-001",
        "phone": PHONE,
        "date_of_birth": "2010-05-01",
        "locality": "Hamilton",
        "care_setting": "foster",
        "worker_email": "sam@example.org",
        "consent_sms": "yes",
        "eligible_until": "2036-05-01",
        **overrides,
    }


def on_register(ref: str) -> Person:
    db.session.expire_all()
    person = db.session.scalar(select(Person).where(Person.ref == ref))
    assert person is not None, ref
    return person


def saved(**overrides: str) -> Person:
    """A record saved through the service, as staff would save it."""
    fields = record_form(**overrides)
    person = register.save_one(db.session, fields, localities=DEFAULT_LOCALITIES, now=now())
    db.session.commit()
    return person


def page(response: Any) -> str:
    text = response.get_data(as_text=True)
    assert not FULL_PHONE.search(text), "a phone number is on the page in full"
    return text


# --- adding, editing, listing -------------------------------------------------------------------------------


def test_staff_add_a_young_person_and_see_them_listed(app: Any, clock: Clock) -> None:
    worker = sam()
    client = signed_in(app, "advocacy")
    form = page(client.get("/staff/people/new"))
    assert 'name="ref"' in form and "Sam (sam@example.org)" in form and "Rutherglen/Cambuslang" in form

    response = client.post("/staff/people/new", data=record_form())
    assert response.status_code == 302
    person = on_register("SL-001")
    assert (person.phone, person.date_of_birth, person.age_band) == ("+447700900201", date(2010, 5, 1), "16-17")
    assert (person.locality, person.care_setting, person.consent_sms) == ("Hamilton", "foster", True)
    assert (person.worker_id, person.team_id, person.eligible_until) == (worker.id, worker.team_id, date(2036, 5, 1))
    assert person.created_at == clock.current and person.opted_out_at is None

    listed = page(client.get("/staff/people"))
    for shown in ("SL-001", "Hamilton", "16-17", "Foster care", "Sam", "Yes", "Held, ending 201", "1 May 2036"):
        assert shown in listed, shown


def test_editing_keeps_the_number_when_the_box_is_left_empty_and_replaces_or_removes_it(app: Any) -> None:
    sam()
    person = saved()
    client = signed_in(app, "manager")
    url = f"/staff/people/{person.id}/edit"
    form = page(client.get(url))
    assert "ending 201" in form and "Leave this empty to keep it" in form and "Remove the phone number" in form
    assert 'value="SL-001"' in form and 'value="2010-05-01"' in form

    changed = record_form(phone="", locality="Clydesdale", care_setting="kinship", worker_email="", consent_sms="no")
    assert client.post(url, data=changed).status_code == 302
    edited = on_register("SL-001")
    assert (edited.locality, edited.care_setting, edited.worker_id) == ("Clydesdale", "kinship", None)
    assert edited.phone == "+447700900201"  # left empty: kept
    assert edited.consent_sms is False and edited.opted_out_at is not None  # "no" means no texts, as an import

    assert client.post(url, data=record_form(phone="07700 900202")).status_code == 302
    assert on_register("SL-001").phone == "+447700900202"

    assert client.post(url, data=record_form(phone="", remove_phone="y")).status_code == 302
    removed = on_register("SL-001")
    assert (removed.phone, removed.phone_hash) == (None, None)
    assert "No number is held" in page(client.get(url))
    assert "None held" in page(client.get("/staff/people"))


def test_a_blank_field_in_the_form_clears_what_was_held(app: Any) -> None:
    sam()
    person = saved()
    client = signed_in(app, "admin")
    blank = {name: "" for name in record_form()} | {"ref": "SL-001"}
    assert client.post(f"/staff/people/{person.id}/edit", data=blank).status_code == 302
    edited = on_register("SL-001")
    assert (edited.date_of_birth, edited.age_band, edited.locality, edited.care_setting) == (None, None, None, None)
    assert (edited.consent_sms, edited.eligible_until, edited.worker_id) == (None, None, None)
    assert edited.phone == "+447700900201"


def test_the_list_is_newest_first_fifty_a_page_and_searchable_by_ref(app: Any, clock: Clock) -> None:
    for n in range(1, 56):
        saved(ref=f"SL-{n:03d}", phone="", worker_email="")
        clock.advance(minutes=1)
    client = signed_in(app, "admin")
    first = page(client.get("/staff/people"))
    assert first.count("/edit") == 50 and "page 1 of 2" in first
    assert first.index("SL-055") < first.index("SL-054") and "SL-005<" not in first
    second = page(client.get("/staff/people?page=2"))
    assert second.count("/edit") == 5 and "SL-005<" in second and "SL-001<" in second

    found = page(client.get("/staff/people?q=sl-04"))
    assert found.count("/edit") == 10 and "SL-041" in found and "SL-051" not in found
    assert "No young person has a reference" in page(
        client.get("/staff/people?q=%25")
    )  # % is a character, not a wildcard
    assert client.get("/staff/people?page=9").status_code == 200


def test_someone_who_texted_first_takes_the_ref_when_added(app: Any) -> None:
    texted = people.get_or_create_person(db.session, "+447700900201")
    db.session.commit()
    sam()
    client = signed_in(app, "admin")
    assert client.post("/staff/people/new", data=record_form()).status_code == 302
    assert on_register("SL-001").id == texted.id and count("person") == 1


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"date_of_birth": "2010-02-30"}, "date_of_birth", "Date of birth is not a real date."),
        ({"date_of_birth": "01/05/2010"}, "date_of_birth", "Date of birth is not a date written YYYY-MM-DD"),
        ({"date_of_birth": "2027-01-01"}, "date_of_birth", "Date of birth is in the future."),
        ({"locality": "Narnia"}, "locality", "Locality is not one of the localities: Clydesdale"),
        ({"ref": "SL-900"}, "ref", "Reference is already another young person"),
        ({"ref": ""}, "ref", "Reference is missing"),
        ({"phone": "07700 900299"}, "phone", "Phone number belongs to another young person on the register."),
        ({"phone": "0770090021"}, "phone", "Phone number is not a whole phone number"),
        ({"eligible_until": "2001-01-01"}, "eligible_until", "Eligible until is before the date of birth."),
        ({"worker_email": "nobody@example.org"}, "worker_email", "Named worker: no staff account has that email."),
        ({"consent_sms": "maybe"}, "consent_sms", "Consent to texts must be yes or no."),
    ],
)
def test_bad_input_is_named_beside_its_field_and_nothing_is_written(
    app: Any, overrides: dict[str, str], field: str, expected: str
) -> None:
    sam()
    other = saved(ref="SL-900", phone="07700 900299")
    client = signed_in(app, "admin")
    before = count("person")

    response = client.post("/staff/people/new", data=record_form(**overrides))
    assert response.status_code == 400
    text = page(response)
    assert expected in text and "Nothing was saved" in text
    assert f'<p class="field-error" id="{field}-error">' in text
    assert re.search(rf'aria-describedby="[^"]*{field}-error"[^>]*aria-invalid="true"', text)
    assert f'href="#{field}"' in text  # the summary links to the field
    assert record_form(**overrides)["phone"] not in text  # what was typed, good or bad, is never shown back
    assert count("person") == before

    # The same on editing a record, which stays as it was.
    target = saved(ref="SL-002", phone="", locality="Clydesdale")
    edited = client.post(f"/staff/people/{target.id}/edit", data=record_form(**({"ref": "SL-002"} | overrides)))
    assert edited.status_code == 400 and expected in page(edited)
    kept = on_register("SL-002")
    assert (kept.locality, kept.phone_hash, kept.date_of_birth) == ("Clydesdale", None, date(2010, 5, 1))
    assert on_register("SL-900").phone == "+447700900299" and other.id != target.id


def test_every_bad_field_is_named_at_once(app: Any) -> None:
    client = signed_in(app, "admin")
    response = client.post(
        "/staff/people/new", data=record_form(date_of_birth="2010-13-01", locality="Mars", worker_email="")
    )
    text = page(response)
    assert "Date of birth is not a real date." in text and "Locality is not one of the localities" in text
    assert count("person") == 0


def test_a_number_given_and_removed_at_once_is_refused(app: Any) -> None:
    sam()
    person = saved()
    client = signed_in(app, "admin")
    response = client.post(f"/staff/people/{person.id}/edit", data=record_form(phone="07700900203", remove_phone="y"))
    assert response.status_code == 400 and "Phone number cannot be given and removed at once" in page(response)
    assert on_register("SL-001").phone == "+447700900201"


def test_the_browser_and_a_file_judge_a_field_the_same_way(app: Any, clock: Clock) -> None:
    """One place for each rule: the messages the page shows are the import's, field for field."""
    header = ",".join(register.COLUMNS)
    bad = {"phone": "n/a", "date_of_birth": "1980-01-01", "locality": "Mars", "care_setting": "hotel"}
    fields = record_form(worker_email="", **bad)
    with pytest.raises(register.RegisterError) as from_file:
        register.import_register(
            db.session,
            f"{header}\n" + ",".join(fields[column] for column in register.COLUMNS),
            localities=DEFAULT_LOCALITIES,
            now=clock.current,
        )
    with pytest.raises(register.RegisterError) as from_form:
        register.save_one(db.session, fields, localities=DEFAULT_LOCALITIES, now=clock.current)
    by_field = {(error.field, error.message) for error in from_form.value.errors}
    assert by_field == {(error.field, error.message) for error in from_file.value.errors}
    assert {field for field, _ in by_field} == set(bad)
    assert count("person") == 0


def test_an_edit_needs_a_csrf_token(app: Any) -> None:
    sam()
    person = saved()
    client = signed_in(app, "admin")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/staff/people/new", data=record_form(ref="SL-002", phone="")).status_code == 400
    assert client.post(f"/staff/people/{person.id}/edit", data=record_form(locality="Clydesdale")).status_code == 400
    assert count("person") == 1 and on_register("SL-001").locality == "Hamilton"


# --- who may see a record -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "advocacy"])
def test_admins_managers_and_advocacy_list_add_and_edit_everyone(app: Any, role: str) -> None:
    sam()
    person = saved()
    client = signed_in(app, role)
    assert "SL-001" in page(client.get("/staff/people"))
    assert client.get("/staff/people/new").status_code == 200
    assert client.get(f"/staff/people/{person.id}/edit").status_code == 200
    assert client.post("/staff/people/new", data=record_form(ref="SL-002", phone="")).status_code == 302
    assert client.post(f"/staff/people/{person.id}/edit", data=record_form(locality="Clydesdale")).status_code == 302
    assert on_register("SL-001").locality == "Clydesdale"


def test_a_worker_lists_and_edits_only_their_own_young_people(app: Any) -> None:
    sam()
    mine = saved()
    staff.create_user(db.session, "alex@example.org", PASSWORD, "worker", team="Clydesdale")
    db.session.commit()
    theirs = saved(ref="SL-002", phone="", worker_email="alex@example.org")
    client = signed_in(app, "worker", "sam@example.org")

    listed = page(client.get("/staff/people"))
    assert "SL-001" in listed and "SL-002" not in listed and "Add a young person" not in listed
    searched = page(client.get("/staff/people?q=SL-002"))
    assert "No young person has a reference" in searched and f"/staff/people/{theirs.id}/edit" not in searched
    assert client.get(f"/staff/people/{mine.id}/edit").status_code == 200
    assert client.post(f"/staff/people/{mine.id}/edit", data=record_form(care_setting="kinship")).status_code == 302
    assert on_register("SL-001").care_setting == "kinship"

    assert client.get(f"/staff/people/{theirs.id}/edit").status_code == 404
    assert client.post(f"/staff/people/{theirs.id}/edit", data=record_form(ref="SL-002")).status_code == 404
    assert client.get("/staff/people/new").status_code == 403
    assert client.post("/staff/people/new", data=record_form(ref="SL-003", phone="")).status_code == 403
    assert on_register("SL-002").locality == "Hamilton" and count("person") == 2


def test_a_worker_who_hands_a_young_person_on_is_taken_back_to_their_list(app: Any) -> None:
    sam()
    mine = saved()
    staff.create_user(db.session, "alex@example.org", PASSWORD, "worker", team="Clydesdale")
    db.session.commit()
    client = signed_in(app, "worker", "sam@example.org")
    response = client.post(f"/staff/people/{mine.id}/edit", data=record_form(worker_email="alex@example.org"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/people")
    assert client.get(f"/staff/people/{mine.id}/edit").status_code == 404


def test_the_champions_role_never_sees_a_record(app: Any) -> None:
    sam()
    person = saved()
    client = signed_in(app, "champions")
    for method, url in [
        ("GET", "/staff/people"),
        ("GET", "/staff/people/new"),
        ("POST", "/staff/people/new"),
        ("GET", f"/staff/people/{person.id}/edit"),
        ("POST", f"/staff/people/{person.id}/edit"),
    ]:
        response = client.open(url, method=method, data=record_form(ref="SL-002", phone=""))
        assert response.status_code == 403, (method, url)
        assert "SL-001" not in response.get_data(as_text=True)
    assert count("person") == 1


def test_nobody_signed_out_gets_a_record(app: Any) -> None:
    sam()
    person = saved()
    client = app.test_client()
    for url in ("/staff/people", "/staff/people/new", f"/staff/people/{person.id}/edit"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.post("/staff/people/new", data=record_form(ref="SL-002")).status_code == 302
    assert count("person") == 1


def test_someone_known_only_by_their_texts_has_no_record_page(app: Any) -> None:
    texted = people.get_or_create_person(db.session, "+447700900201")
    db.session.commit()
    client = signed_in(app, "admin")
    assert client.get(f"/staff/people/{texted.id}/edit").status_code == 404
    assert "Nobody on the register yet" in page(client.get("/staff/people"))


def test_ages_are_worked_out_today(app: Any, clock: Clock) -> None:
    saved(date_of_birth="2010-11-24", worker_email="", phone="")  # 15 until tomorrow
    client = signed_in(app, "admin")
    assert "12-15" in page(client.get("/staff/people"))
    clock.advance(days=1)
    assert "16-17" in page(client.get("/staff/people"))
