"""The young people's register, loaded from the council's CSV (`feedback people import`).

Every row is checked before anything is written, and every problem is reported at once, by row and field, so a
file is fixed in one pass rather than one error at a time. Nothing is written unless the whole file is good, or,
when asked (`skip_bad`), the good rows are loaded and the bad ones reported.

Messages never repeat what a cell held: a phone number pasted into the wrong column must not end up on a screen
or in a log. They say which row (numbered as a spreadsheet numbers them, the header being row 1), which field and
what is wrong.

A blank cell means "the register does not say", so importing a known ref again changes only what the file gives;
it never clears a phone number or a worker. Someone who texted before they were on the register is found by their
number and takes the ref, so their messages join their record. Two existing records are never merged: a number
that already belongs to another record is an error to sort out by hand.

Staff add and edit one record at a time in the browser with `save_one`, which judges each field by the same
checks as a row of the file, so a ref, number, date or locality is good or bad the same way wherever it comes from.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.core import csvfile, permissions
from feedback.core.clock import local_date
from feedback.core.csvfile import FileError, RowError
from feedback.core.db_types import current_cipher
from feedback.people import operations as people
from feedback.people.models import Person, new_pseudonym
from feedback.people.operations import (
    AGE_BANDS,
    CARE_SETTING_LABELS,
    CARE_SETTINGS,
    InvalidPhoneNumber,
    PersonNotFound,
    is_fictional,
    normalise_phone,
)

COLUMNS = ("ref", "phone", "date_of_birth", "locality", "care_setting", "worker_email", "consent_sms")
REF_MAX_LENGTH = 64
# The register covers children from 5 and care leavers to 30 (corporate parenting runs to 26, aftercare longer).
MIN_AGE, MAX_AGE = 5, 30
# Who a young person's statements can go to, as `staff.assign` allows.
WORKER_ROLES = permissions.NAMED_WORKER_ROLES
# Rows looked up in one IN (...): well under SQLite's limit on bound parameters.
_CHUNK = 500


class RegisterError(FileError):
    """A register file that was not loaded. `errors` names every bad row and field; nothing was written by the
    import (after a failure while writing, the caller rolls the session back)."""


@dataclass
class ImportResult(csvfile.Loaded):
    added: int = 0
    updated: int = 0
    # Of those updated: people known only by their texts until this import gave them a ref.
    matched: int = 0


@dataclass
class _Row(csvfile.CheckedRow):
    """One data row as checked: what each field means, or `errors`. None means the cell was blank."""

    ref: str | None = None
    phone: str | None = None
    phone_hash: str | None = None
    date_of_birth: date | None = None
    age_band: str | None = None
    locality: str | None = None
    care_setting: str | None = None
    worker: StaffUser | None = None
    consent_sms: bool | None = None
    # Found in the database: the person with this ref, and the person with this phone number.
    known: Person | None = None
    holder: Person | None = None


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8, with or without the byte order mark spreadsheets write."""
    return csvfile.decode(data, RegisterError)


def import_register(
    session: Session,
    text: str,
    *,
    localities: Sequence[str],
    now: datetime,
    skip_bad: bool = False,
) -> ImportResult:
    """Check every row of a register CSV, then add or update the young people in it (one flush; the caller
    commits).

    `localities` are the names a row's locality may take; `now` is when an opt-out is recorded, and its date in
    UK time is the day ages are worked out on. Raises RegisterError, having written nothing, when the file cannot
    be read or (unless `skip_bad`) any row is bad.
    """
    rows = _check_rows(session, _read(text), localities, local_date(now))
    _check_duplicates(rows)
    _check_against_register(session, rows)
    bad = [error for row in rows for error in row.errors]
    if bad and not skip_bad:
        raise RegisterError(bad)
    result = ImportResult(skipped=bad)
    _write(session, [row for row in rows if not row.errors], now, result)
    return result


# --- reading ------------------------------------------------------------------------------------------------


def _read(text: str) -> list[tuple[int, dict[str, str]]]:
    return csvfile.read_rows(text, COLUMNS, RegisterError, what="the register's")


# --- checking each row --------------------------------------------------------------------------------------


def _check_rows(
    session: Session, records: list[tuple[int, dict[str, str]]], localities: Sequence[str], today: date
) -> list[_Row]:
    checker = _Checker(session, localities, today)
    return [checker.check(number, cells) for number, cells in records]


class _Checker:
    """Checks one row's cells at a time; staff accounts are looked up once per email."""

    def __init__(self, session: Session, localities: Sequence[str], today: date) -> None:
        self.session = session
        self.today = today
        self.localities = {_folded(name): name for name in localities}
        self.locality_list = ", ".join(localities)
        self.care_settings = {_folded(slug): slug for slug in CARE_SETTINGS}
        self.care_settings |= {_folded(slug.replace("-", " ")): slug for slug in CARE_SETTINGS}
        self.care_settings |= {_folded(label): slug for slug, label in CARE_SETTING_LABELS.items()}
        self.workers: dict[str, StaffUser | str] = {}

    def check(self, number: int, cells: dict[str, str]) -> _Row:
        row = _Row(number)
        if "" in cells:
            row.fail(None, cells[""])
            return row
        checks = {
            "ref": self._ref,
            "phone": self._phone,
            "date_of_birth": self._date_of_birth,
            "locality": self._locality,
            "care_setting": self._care_setting,
            "worker_email": self._worker,
            "consent_sms": self._consent,
        }
        for column, check in checks.items():
            # Nothing else in the service, nor PostgreSQL (which refuses NUL), should see such a character.
            if any(unicodedata.category(char) in {"Cc", "Cs"} for char in cells[column]):
                row.fail(column, "has a line break or a control character in it")
            else:
                check(row, cells[column])
        return row

    def _ref(self, row: _Row, value: str) -> None:
        if not value:
            row.fail("ref", "is missing: every row needs the council's reference")
        elif len(value) > REF_MAX_LENGTH:
            row.fail("ref", f"is longer than {REF_MAX_LENGTH} characters")
        else:
            row.ref = value

    def _phone(self, row: _Row, value: str) -> None:
        if not value:
            return
        try:
            phone = normalise_phone(value)
        except InvalidPhoneNumber as exc:
            row.fail("phone", f"is {exc}")  # InvalidPhoneNumber never repeats the number
            return
        # Stricter than a text arriving (which is stored whoever sent it): a digit missing here would send their
        # texts to a stranger. Ofcom's drama numbers are let through for training and the simulator.
        if not (phonenumbers.is_valid_number(phonenumbers.parse(phone)) or is_fictional(phone)):
            row.fail("phone", "is not a whole phone number: a digit may be missing or one too many")
            return
        row.phone = phone

    def _date_of_birth(self, row: _Row, value: str) -> None:
        born = _date(row, "date_of_birth", value)
        if born is None:
            return
        if born > self.today:
            row.fail("date_of_birth", "is in the future")
            return
        age = age_on(born, self.today)
        if not MIN_AGE <= age <= MAX_AGE:
            row.fail("date_of_birth", f"gives an age of {age}; the register is for ages {MIN_AGE} to {MAX_AGE}")
            return
        row.date_of_birth = born
        row.age_band = age_band(age)

    def _locality(self, row: _Row, value: str) -> None:
        if not value:
            return
        row.locality = self.localities.get(_folded(value))
        if row.locality is None:
            row.fail("locality", f"is not one of the localities: {self.locality_list}")

    def _care_setting(self, row: _Row, value: str) -> None:
        if not value:
            return
        row.care_setting = self.care_settings.get(_folded(value))
        if row.care_setting is None:
            row.fail("care_setting", f"is not one of: {', '.join(CARE_SETTINGS)}")

    def _worker(self, row: _Row, value: str) -> None:
        if not value:
            return
        key = value.lower()
        if key not in self.workers:
            self.workers[key] = self._find_worker(value)
        found = self.workers[key]
        if isinstance(found, str):
            row.fail("worker_email", found)
        else:
            row.worker = found

    def _find_worker(self, email: str) -> StaffUser | str:
        """The staff account a young person's statements will go to, or what is wrong with it."""
        try:
            user = staff.find_user(self.session, email)
        except staff.StaffError as exc:
            return str(exc)
        if user.role not in WORKER_ROLES:
            return "is not a worker's or a manager's account"
        if not user.active:
            return "is an account that has been switched off"
        return user

    def _consent(self, row: _Row, value: str) -> None:
        if not value:
            return
        answer = value.lower()
        if answer not in {"yes", "no"}:
            row.fail("consent_sms", "must be yes or no")
        else:
            row.consent_sms = answer == "yes"

    def eligible_until(self, row: _Row, value: str) -> date | None:
        """The day they stopped (or will stop) being eligible: the record's field, not a column of the file."""
        until = _date(row, "eligible_until", value)
        if until is not None and row.date_of_birth is not None and until < row.date_of_birth:
            row.fail("eligible_until", "is before the date of birth")
            return None
        return until


def _date(row: _Row, column: str, value: str) -> date | None:
    """A date written YYYY-MM-DD, or None (blank, or what is wrong with it added to the row)."""
    if not value:
        return None
    try:
        return csvfile.parse_day(value)
    except ValueError as wrong:
        row.fail(column, str(wrong))
        return None


def _folded(value: str) -> str:
    """How names are compared: any case, any run of spaces."""
    return " ".join(value.split()).casefold()


def age_on(born: date, day: date) -> int:
    """Age in whole years on `day` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int) -> str | None:
    """The summaries' band for an age. Under 8 there is none: no band describes a child of 5 to 7, and "8-11"
    would put them in the wrong one, so summaries count them as "not recorded" (their date of birth is kept)."""
    for band in AGE_BANDS:
        low, _, high = band.rstrip("+").partition("-")
        if int(low) <= age and (band.endswith("+") or age <= int(high)):
            return band
    return None


def age_band_bounds(band: str, today: date) -> tuple[date | None, date]:
    """Who is in `band` on `today` by date of birth: born after the first date (None: no limit) and on or before
    the second. Agrees with `age_on` and `age_band`, 29 February included."""
    low, _, high = band.rstrip("+").partition("-")
    on_or_before = _years_before(today, int(low))
    after = None if band.endswith("+") else _years_before(today, int(high) + 1)
    return after, on_or_before


def _years_before(day: date, years: int) -> date:
    """The latest birthday on which someone is `years` old on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # today is 29 February; that year had none, and someone born on 28 February is that old
        return date(day.year - years, 2, 28)


# --- checks across rows and against the register ------------------------------------------------------------


def _check_duplicates(rows: list[_Row]) -> None:
    """A ref or a phone number on two rows makes both bad: which of them is right is for a person to decide."""
    for column in ("ref", "phone"):
        seen: dict[str, list[_Row]] = defaultdict(list)
        for row in rows:
            value = getattr(row, column)
            if value is not None:
                seen[value].append(row)
        for same in seen.values():
            for row in same if len(same) > 1 else ():
                others = [str(other.number) for other in same if other is not row]
                where = f"rows {', '.join(others[:-1])} and {others[-1]}" if len(others) > 1 else f"row {others[0]}"
                row.fail(column, f"is the same as on {where}")


def _check_against_register(session: Session, rows: list[_Row]) -> None:
    """Find each row's person by ref and by phone number, and refuse a number that belongs to someone else."""
    cipher = current_cipher()
    # Every key's hash of each number (more than one while a key rotation is under way): a number stored under
    # the old key is still found, and the row carries the current key's hash to store.
    hashes = {row.number: cipher.lookup_hashes(row.phone) for row in rows if row.phone is not None}
    for row in rows:
        if row.phone is not None:
            row.phone_hash = hashes[row.number][0]
    by_ref = _people(session, Person.ref, {row.ref for row in rows if row.ref is not None})
    by_hash = _people(session, Person.phone_hash, {h for found in hashes.values() for h in found})
    for row in rows:
        row.known = by_ref.get(row.ref) if row.ref is not None else None
        holders = [by_hash[h] for h in hashes.get(row.number, ()) if h in by_hash]
        _check_holder(row, holders[0] if holders else None)


def _check_holder(row: _Row, holder: Person | None) -> None:
    """`holder` has the row's phone number: fine when it is the row's own person, taken over when it is someone
    known only by their texts and the row is new, refused otherwise."""
    if holder is None or holder is row.known:
        return
    if holder.ref is not None:
        row.fail("phone", "belongs to another young person on the register")
    elif row.known is not None:
        # They texted in before, and the register already has this ref as another record: joining two
        # records (their messages, links, statements) is for a person to do, not an import.
        row.fail(
            "phone",
            "belongs to a separate record made when this number texted in, and two records are never joined: "
            "leave the phone number out of this one",
        )
    else:
        row.holder = holder


def _people(session: Session, column: Any, values: set[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        for person in session.scalars(select(Person).where(column.in_(ordered[start : start + _CHUNK]))):
            found[getattr(person, column.key)] = person
    return found


# --- writing ------------------------------------------------------------------------------------------------


def _write(session: Session, rows: list[_Row], now: datetime, result: ImportResult) -> None:
    """Update the people found, insert the new ones in one statement, and flush."""
    new: list[dict[str, Any]] = []
    for row in rows:
        person = row.known or row.holder
        if person is None:
            new.append(_new_person(row, now))
            continue
        _update(person, row, now)
        result.updated += 1
        result.matched += row.holder is not None
    try:
        session.flush()
        if new:
            session.execute(insert(Person), new)
    except IntegrityError as exc:
        # Only when someone changed the register (or texted in from a number in the file) while this ran.
        message = "the register changed while this file was loading; run the import again"
        raise RegisterError([RowError(None, None, message)]) from exc
    result.added = len(new)


def _update(person: Person, row: _Row, now: datetime) -> None:
    if row.holder is not None:
        person.ref = row.ref
    if row.phone is not None and person.phone_hash != row.phone_hash:
        person.phone, person.phone_hash = row.phone, row.phone_hash
    if row.date_of_birth is not None:
        person.date_of_birth, person.age_band = row.date_of_birth, row.age_band
    if row.locality is not None:
        person.locality = row.locality
    if row.care_setting is not None:
        person.care_setting = row.care_setting
    if row.worker is not None:
        # As `staff.assign`: statements go to the worker, and their team's duty inbox stands in for them.
        person.worker_id, person.team_id = row.worker.id, row.worker.team_id
    if row.consent_sms is not None:
        person.consent_sms = row.consent_sms
        if not row.consent_sms:
            people.opt_out(person, now)  # "yes" clears nothing: an opt-out by text always wins


def _new_person(row: _Row, now: datetime) -> dict[str, Any]:
    return {
        "pseudonym": new_pseudonym(),
        "ref": row.ref,
        "phone": row.phone,
        "phone_hash": row.phone_hash,
        "date_of_birth": row.date_of_birth,
        "age_band": row.age_band,
        "locality": row.locality,
        "care_setting": row.care_setting,
        "worker_id": row.worker.id if row.worker else None,
        "team_id": row.worker.team_id if row.worker else None,
        "consent_sms": row.consent_sms,
        "opted_out_at": now if row.consent_sms is False else None,
        "created_at": now,
    }


# --- one record, from the staff pages -----------------------------------------------------------------------

# The fields of one record as the staff pages send them: the file's columns, and the day eligibility ends.
RECORD_FIELDS = (*COLUMNS, "eligible_until")


def save_one(
    session: Session,
    fields: dict[str, str],
    *,
    localities: Sequence[str],
    now: datetime,
    person_id: int | None = None,
    remove_phone: bool = False,
) -> Person:
    """Check one young person's record and add it (`person_id` None) or replace the record with that id (one
    flush; the caller commits). Each field is judged by the same checks as a row of the file.

    Unlike a file, a form gives the whole record, so a blank field clears what was held; only the phone number
    is kept when left blank (it is never shown to be edited), and is taken off with `remove_phone`. A new record
    whose number texted in before takes over that record, as an import does. Raises RegisterError, with `row`
    None and every field at fault, having written nothing; PersonNotFound for an unknown `person_id`.
    """
    target = _register_record(session, person_id) if person_id is not None else None
    checker = _Checker(session, localities, local_date(now))
    row = checker.check(1, {column: (fields.get(column) or "").strip() for column in COLUMNS})
    eligible_until = checker.eligible_until(row, (fields.get("eligible_until") or "").strip())
    if row.phone is not None and remove_phone:
        row.fail("phone", "cannot be given and removed at once: leave it empty to remove the number held")
    row.known = target
    if row.ref is not None:
        owner = session.scalar(select(Person).where(Person.ref == row.ref))
        if owner is not None and owner is not target:
            row.fail("ref", "is already another young person's reference")
    if row.phone is not None:
        hashes = current_cipher().lookup_hashes(row.phone)
        row.phone_hash = hashes[0]
        _check_holder(row, session.scalar(select(Person).where(Person.phone_hash.in_(hashes)).limit(1)))
    if row.errors:
        raise RegisterError([RowError(None, error.field, error.message) for error in row.errors])
    person = target or row.holder
    if person is None:
        person = Person(**_new_person(row, now))
        session.add(person)
    else:
        _replace(person, row, now, remove_phone=remove_phone)
    person.eligible_until = eligible_until
    try:
        session.flush()
    except IntegrityError as exc:
        # Only when someone else saved the same ref or number a moment before.
        message = "the register changed while this record was saving; try again"
        raise RegisterError([RowError(None, None, message)]) from exc
    return person


def _register_record(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.ref is None:
        raise PersonNotFound(person_id)
    return person


def _replace(person: Person, row: _Row, now: datetime, *, remove_phone: bool) -> None:
    """Make `person` what the checked record says, the phone number aside when none was given."""
    if row.phone is not None:
        if person.phone_hash != row.phone_hash:
            person.phone, person.phone_hash = row.phone, row.phone_hash
    elif remove_phone:
        person.phone, person.phone_hash = None, None
    person.ref = row.ref
    person.date_of_birth, person.age_band = row.date_of_birth, row.age_band
    person.locality, person.care_setting = row.locality, row.care_setting
    # With no named worker, their team's duty inbox still takes their statements.
    person.worker_id = row.worker.id if row.worker else None
    if row.worker is not None:
        person.team_id = row.worker.team_id
    person.consent_sms = row.consent_sms
    if row.consent_sms is False:
        people.opt_out(person, now)  # as an import: "yes" clears nothing, an opt-out by text always wins
