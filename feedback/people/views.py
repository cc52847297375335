"""The young people's register in the browser: staff list, add and edit one record at a time. Admins and
advocacy workers see everyone, a manager their team's young people, a worker only those they are the named worker
of (`permissions.register_records`); the champions role never sees a record. Thin: every field is checked by
`feedback.people.register.save_one`, the same checks as a row of the council's register file.

A phone number is never shown in full, not even back in its own box after a mistake: only whether one is held
and its last three digits."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select
from sqlalchemy.orm import undefer
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from feedback.accounts.models import StaffUser
from feedback.core import permissions
from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.people import register
from feedback.people.models import Person
from feedback.people.operations import CARE_SETTING_LABELS, CARE_SETTINGS
from feedback.staff.forms import FORM_EXPIRED as EXPIRED
from feedback.staff.forms import show_errors
from feedback.staff.views import audited, bp, refuse, requires, viewer

PAGE_SIZE = 50
CONSENT_WORDS = {"yes": "Yes", "no": "No", "": "Not recorded"}
LABELS = {
    "ref": "Reference",
    "phone": "Phone number",
    "date_of_birth": "Date of birth",
    "locality": "Locality",
    "care_setting": "Care setting",
    "worker_email": "Named worker",
    "consent_sms": "Consent to texts",
    "eligible_until": "Eligible until",
}


class PersonForm(FlaskForm):
    """What staff type. The register service checks every field (so a value is judged as it would be in a file);
    the form carries the fields and the CSRF token."""

    ref = StringField(LABELS["ref"], description="The council's own id for them. Never a name.")
    phone = StringField(
        LABELS["phone"],
        description="Optional. A UK mobile, such as 07700 900123.",
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    remove_phone = BooleanField("Remove the phone number held")
    date_of_birth = StringField(
        LABELS["date_of_birth"], description="Optional. Such as 31 March 2008.", render_kw={"type": "date"}
    )
    locality = SelectField(LABELS["locality"], validate_choice=False)
    care_setting = SelectField(
        LABELS["care_setting"],
        choices=[SelectChoice("", "Not recorded")]
        + [SelectChoice(slug, CARE_SETTING_LABELS[slug]) for slug in CARE_SETTINGS],
        validate_choice=False,
    )
    worker_email = SelectField(
        LABELS["worker_email"],
        description="Their statements go to this worker, or with none, to their team's duty inbox.",
        validate_choice=False,
    )
    consent_sms = SelectField(
        LABELS["consent_sms"],
        choices=[SelectChoice(value, words) for value, words in CONSENT_WORDS.items()],
        description='"Yes" never undoes an opt-out: someone who texted STOP is not texted until they text START.',
        validate_choice=False,
    )
    eligible_until = StringField(
        LABELS["eligible_until"],
        description="Optional. The day they stopped, or will stop, being eligible.",
        render_kw={"type": "date"},
    )

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in register.RECORD_FIELDS}


@dataclass(frozen=True)
class Listed:
    """One row of the list, with the phone number reduced to its last three digits."""

    person: Person
    phone_ending: str | None
    age_band: str | None


@bp.get("/people")
@requires(Capability.READ_REGISTER)
def people_list() -> ResponseReturnValue:
    session = current_session()
    search = request.args.get("q", "").replace("\x00", "").strip()[: register.REF_MAX_LENGTH]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = _visible(select(Person).where(Person.ref.is_not(None)))
    if search:
        query = query.where(func.lower(Person.ref).contains(search.lower(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = min(page, max(ceil(total / PAGE_SIZE), 1))  # past the end (any number can be typed): the last page
    found = session.scalars(
        query.options(undefer(Person.phone))
        .order_by(Person.created_at.desc(), Person.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = [_listed(person) for person in found]
    audited("view", "person-list", None, page=page, shown=len(rows), searched=bool(search))
    return render_template(
        "people/people.html",
        rows=rows,
        search=search,
        page=page,
        pages=max(ceil(total / PAGE_SIZE), 1),
        total=total,
        editor=permissions.can(current_user, Capability.KEEP_REGISTER),
        care_settings=CARE_SETTING_LABELS,
        workers=_worker_names(),
    )


@bp.route("/people/new", methods=["GET", "POST"])
@requires(Capability.KEEP_REGISTER)
def person_new() -> ResponseReturnValue:
    form = _form(None)
    if not form.is_submitted():
        return _form_page(form, None)
    if not form.validate():
        abort(400, description=EXPIRED)
    return _save(form, None)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@requires(Capability.READ_REGISTER)
def person_edit(person_id: int) -> ResponseReturnValue:
    person = _person(person_id)
    form = _form(person)
    if not form.is_submitted():
        _fill(form, person)
        audited("view", "person", person.id)
        return _form_page(form, person)
    if not form.validate():
        abort(400, description=EXPIRED)
    return _save(form, person)


def _listed(person: Person) -> Listed:
    band = person.age_band
    if person.date_of_birth is not None:  # as old as they are today, not as on the day the record was saved
        band = register.age_band(register.age_on(person.date_of_birth, local_date(now())))
    return Listed(person, person.phone[-3:] if person.phone else None, band)


def _visible(query: Select[Any]) -> Select[Any]:
    """Only the young people this member of staff may see on the register."""
    return query.where(permissions.register_records(viewer()))


def _person(person_id: int) -> Person:
    """A record on the register this member of staff may see; 404 for any other (audited), so none is given away."""
    person: Person | None = current_session().scalar(
        _visible(select(Person).where(Person.id == person_id, Person.ref.is_not(None)))
    )
    if person is None:
        refuse(404, "person", person_id)
    return person


def _worker_names() -> dict[int, str]:
    rows = current_session().execute(select(StaffUser.id, StaffUser.display_name, StaffUser.email))
    return {user_id: name or email for user_id, name, email in rows}


def _form(person: Person | None) -> PersonForm:
    form = PersonForm()
    localities = current_app.config["LOCALITIES"]
    form.locality.choices = [SelectChoice("", "Not recorded")] + [SelectChoice(name, name) for name in localities]
    workers = current_session().scalars(
        select(StaffUser)
        .where(StaffUser.role.in_(register.WORKER_ROLES), StaffUser.active.is_(True))
        .order_by(StaffUser.display_name, StaffUser.email)
    )
    choices = [SelectChoice("", "No named worker")]
    choices += [SelectChoice(user.email, _worker_label(user)) for user in workers]
    # Their worker's account may have been switched off since: shown, so the page says who it was.
    if person is not None and person.worker is not None and not person.worker.active:
        choices.append(SelectChoice(person.worker.email, f"{_worker_label(person.worker)} (switched off)"))
    form.worker_email.choices = choices
    return form


def _worker_label(user: StaffUser) -> str:
    return f"{user.display_name} ({user.email})" if user.display_name else user.email


def _fill(form: PersonForm, person: Person) -> None:
    """A record's values as the form shows them: everything but the phone number, which is never shown."""
    form.ref.data = person.ref
    form.date_of_birth.data = person.date_of_birth.isoformat() if person.date_of_birth else ""
    form.locality.data = person.locality or ""
    form.care_setting.data = person.care_setting or ""
    form.worker_email.data = person.worker.email if person.worker else ""
    form.consent_sms.data = {True: "yes", False: "no", None: ""}[person.consent_sms]
    form.eligible_until.data = person.eligible_until.isoformat() if person.eligible_until else ""


def _save(form: PersonForm, person: Person | None) -> Any:
    try:
        saved = register.save_one(
            current_session(),
            form.fields(),
            localities=current_app.config["LOCALITIES"],
            now=now(),
            person_id=person.id if person else None,
            remove_phone=bool(form.remove_phone.data),
        )
    except register.RegisterError as exc:
        db.session.rollback()
        return _refused(form, exc, person)
    audited("edit", "person", saved.id, new=person is None)
    db.session.commit()
    flash(f"Saved the record {saved.ref}.")
    if current_session().scalar(_visible(select(Person.id).where(Person.id == saved.id))) is None:
        return redirect(url_for("staff.people_list"))  # handed to another worker or team: no longer theirs to open
    return redirect(url_for("staff.person_edit", person_id=saved.id))


def _refused(form: PersonForm, exc: register.RegisterError, person: Person | None) -> Any:
    return _form_page(form, person, general=show_errors(form, exc.errors, LABELS), status=400)


def _form_page(form: PersonForm, person: Person | None, *, general: list[str] | None = None, status: int = 200) -> Any:
    # The box is always empty: a number typed in, good or bad, is never sent back to the page.
    form.phone.data = ""
    form.remove_phone.data = False
    phone_ending = None
    if person is not None:
        held = current_session().scalar(select(Person.phone).where(Person.id == person.id))
        phone_ending = held[-3:] if held else None
    age = None
    if person is not None and person.date_of_birth is not None:
        age = register.age_on(person.date_of_birth, local_date(now()))
    return (
        render_template(
            "people/person_edit.html",
            form=form,
            person=person,
            phone_ending=phone_ending,
            age=age,
            general=general or [],
            editor=permissions.can(current_user, Capability.KEEP_REGISTER),
        ),
        status,
    )
