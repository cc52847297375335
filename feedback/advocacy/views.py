"""The advocacy pages: the share of eligible young people offered or accepting advocacy against the target, by
locality, care setting and age band, offers by month, "Did you feel your voice was heard?" beside it, and the
young people with no offer yet; and the log of offers, where advocacy workers record an offer, the young person's
response, sessions and the outcome. Thin: the figures come from `advocacy.operations` and every change goes
through `advocacy.cases`. Managers' figures, unsuppressed, and young people's refs: the champions role
never sees these pages.
"""

from __future__ import annotations

from datetime import date
from math import ceil
from typing import Any

from babel.dates import format_date
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from feedback.advocacy import cases as advocacy_cases
from feedback.advocacy import operations as advocacy
from feedback.advocacy.models import AdvocacyOffer, AdvocacySession
from feedback.core import permissions
from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.messages.outbox import QuietHours
from feedback.people.models import Person
from feedback.people.operations import CARE_SETTING_LABELS
from feedback.people.register import REF_MAX_LENGTH
from feedback.staff.forms import FORM_EXPIRED as EXPIRED
from feedback.staff.forms import show_errors
from feedback.staff.views import audited, bp, refuse, requires, viewer
from feedback.surveys import sending

PAGE_SIZE = 50
RESPONSE_LABELS = {"accepted": "Accepted", "declined": "Declined", "thinking": "Thinking about it"}
LABELS = {
    "ref": "Young person's reference",
    "offered_on": "Date offered",
    "offered_by": "Offered by",
    "context": "When it was offered",
    "response": "Their response",
    "follow_up_on": "Follow up on",
    "notes": "Notes",
    "held_on": "Date of the session",
    "outcome": "Outcome",
    "closed_on": "Date advocacy closed",
}
# Which offers the log lists.
SHOWS = {
    "all": "All offers",
    "open": "Advocacy going on (accepted, not closed)",
    "follow-up": "Follow-ups due (today or earlier)",
}
_DATE = {"type": "date"}
_NOTES_HINT = "Optional. Kept encrypted; only advocacy workers, managers and admins read them."


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(slug, label) for slug, label in labels.items()]


class OfferForm(FlaskForm):
    ref = StringField(LABELS["ref"], description="The council's id for them, as on the register.")
    offered_on = StringField(LABELS["offered_on"], description="Such as 2026-11-02.", render_kw=_DATE)
    offered_by = StringField(LABELS["offered_by"], description="A name or a role, such as IRO or social worker.")
    context = SelectField(LABELS["context"], choices=_choices(advocacy.CONTEXT_LABELS), validate_choice=False)
    response = SelectField(LABELS["response"], choices=_choices(RESPONSE_LABELS), validate_choice=False)
    follow_up_on = StringField(
        LABELS["follow_up_on"], description="Optional. A day to check back with them.", render_kw=_DATE
    )
    notes = TextAreaField(LABELS["notes"], description=_NOTES_HINT)


class UpdateForm(FlaskForm):
    response = SelectField(LABELS["response"], choices=_choices(RESPONSE_LABELS), validate_choice=False)
    follow_up_on = StringField(
        LABELS["follow_up_on"], description="Optional. A day to check back with them.", render_kw=_DATE
    )
    notes = TextAreaField(LABELS["notes"], description=_NOTES_HINT)


class SessionForm(FlaskForm):
    held_on = StringField(LABELS["held_on"], description="Such as 2026-11-02.", render_kw=_DATE)
    notes = TextAreaField(LABELS["notes"], description=_NOTES_HINT)


class CloseForm(FlaskForm):
    outcome = SelectField(
        LABELS["outcome"],
        choices=[SelectChoice("", "Choose one"), *_choices(advocacy_cases.OUTCOME_LABELS)],
        validate_choice=False,
    )
    closed_on = StringField(
        LABELS["closed_on"],
        description="The young person is then asked whether their voice was heard: by text if they may be "
        "texted, otherwise by a link for you to give them.",
        render_kw=_DATE,
    )


@bp.get("/advocacy")
@requires(Capability.LOG_ADVOCACY)
def advocacy_report() -> ResponseReturnValue:
    today = local_date(now())
    try:
        since, until = advocacy.parse_period(
            request.args.get("since"), request.args.get("until"), today=today, names=("From", "To")
        )
    except advocacy.PeriodError as error:
        return render_template("advocacy/advocacy.html", error=str(error), report=None, args=request.args), 400
    result = advocacy.report(
        current_session(),
        since=since,
        until=until,
        target=float(current_app.config["ADVOCACY_TARGET"]),
        localities=current_app.config["LOCALITIES"],
        people=permissions.advocacy_people(viewer()),
    )
    audited("view", "advocacy-report", None, not_offered=len(result.not_offered))
    return render_template(
        "advocacy/advocacy.html",
        report=result,
        args=request.args,
        care_settings=CARE_SETTING_LABELS,
        error=None,
        month_words=_month_words,
    )


def _month_words(month: str) -> str:
    """ "2026-11" as "November 2026"."""
    year, number = month.split("-")
    return format_date(date(int(year), int(number), 1), "MMMM y", locale="en_GB")


# --- the log of offers --------------------------------------------------------------------------------------


@bp.get("/advocacy/offers")
@requires(Capability.LOG_ADVOCACY)
def offer_list() -> ResponseReturnValue:
    show = request.args.get("show", "all")
    if show not in SHOWS:
        abort(400, description=f"show must be one of: {', '.join(SHOWS)}.")
    search = request.args.get("q", "").replace("\x00", "").strip()[:REF_MAX_LENGTH]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = _listed(show, search)
    session = current_session()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = min(page, max(ceil(total / PAGE_SIZE), 1))  # past the end (any number can be typed): the last page
    offers = session.scalars(
        query.options(joinedload(AdvocacyOffer.person))
        .order_by(AdvocacyOffer.offered_on.desc(), AdvocacyOffer.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    audited("view", "advocacy-offer-list", None, shown=len(offers), show=show)
    sessions = dict(
        session.execute(
            select(AdvocacySession.offer_id, func.count())
            .where(AdvocacySession.offer_id.in_([offer.id for offer in offers]))
            .group_by(AdvocacySession.offer_id)
        ).all()
    )
    return render_template(
        "advocacy/advocacy_offers.html",
        offers=offers,
        sessions=sessions,
        show=show,
        shows=SHOWS,
        search=search,
        page=page,
        pages=max(ceil(total / PAGE_SIZE), 1),
        total=total,
        contexts=advocacy.CONTEXT_LABELS,
        responses=RESPONSE_LABELS,
        outcomes=advocacy_cases.OUTCOME_LABELS,
    )


def _listed(show: str, search: str) -> Select[Any]:
    query = (
        select(AdvocacyOffer)
        .join(Person, Person.id == AdvocacyOffer.person_id)
        .where(permissions.advocacy_people(viewer()))
    )
    if search:
        query = query.where(func.lower(Person.ref).contains(search.lower(), autoescape=True))
    if show == "open":
        query = query.where(AdvocacyOffer.response == advocacy_cases.ACCEPTED, AdvocacyOffer.closed_on.is_(None))
    elif show == "follow-up":
        query = query.where(advocacy.follow_up_due(local_date(now())))
    return query


@bp.route("/advocacy/offers/new", methods=["GET", "POST"])
@requires(Capability.LOG_ADVOCACY)
def offer_new() -> ResponseReturnValue:
    form = OfferForm()
    if not form.is_submitted():
        form.ref.data = request.args.get("ref", "")[:REF_MAX_LENGTH]
        form.offered_on.data = local_date(now()).isoformat()
        form.offered_by.data = current_user.display_name or ""
        return render_template("advocacy/advocacy_offer_new.html", form=form, general=[])
    if not form.validate():
        abort(400, description=EXPIRED)
    fields = {name: getattr(form, name).data or "" for name in LABELS if hasattr(form, name)}
    try:
        offer = advocacy_cases.log_offer(
            current_session(),
            fields,
            now=now(),
            recorded_by_id=current_user.id,
            people=permissions.advocacy_people(viewer()),
        )
    except advocacy_cases.OfferError as exc:
        db.session.rollback()
        general = show_errors(form, exc.errors, LABELS)
        return render_template("advocacy/advocacy_offer_new.html", form=form, general=general), 400
    audited("edit", "advocacy-offer", offer.id, new=True)
    db.session.commit()
    flash(f"Logged the offer to {form.ref.data.strip()}.")
    return redirect(url_for("staff.offer_view", offer_id=offer.id))


@bp.get("/advocacy/offers/<int:offer_id>")
@requires(Capability.LOG_ADVOCACY)
def offer_view(offer_id: int) -> ResponseReturnValue:
    offer = _offer(offer_id)
    audited("view", "advocacy-offer", offer.id)
    return _offer_page(offer)


@bp.post("/advocacy/offers/<int:offer_id>")
@requires(Capability.LOG_ADVOCACY)
def offer_update(offer_id: int) -> ResponseReturnValue:
    offer = _offer(offer_id)
    form = UpdateForm(prefix="update")
    if not form.validate():
        abort(400, description=EXPIRED)
    try:
        advocacy_cases.update(
            current_session(),
            offer.id,
            response=form.response.data or "",
            follow_up_on=form.follow_up_on.data or "",
            notes=form.notes.data or "",
            now=now(),
        )
    except advocacy_cases.OfferError as exc:
        db.session.rollback()
        return _offer_page(_offer(offer_id), update=form, general=show_errors(form, exc.errors, LABELS), status=400)
    audited("edit", "advocacy-offer", offer.id)
    db.session.commit()
    flash("Saved the response, follow-up and notes.")
    return redirect(url_for("staff.offer_view", offer_id=offer.id))


@bp.post("/advocacy/offers/<int:offer_id>/sessions")
@requires(Capability.LOG_ADVOCACY)
def offer_session(offer_id: int) -> ResponseReturnValue:
    offer = _offer(offer_id)
    form = SessionForm(prefix="session")
    if not form.validate():
        abort(400, description=EXPIRED)
    try:
        advocacy_cases.add_session(
            current_session(), offer.id, held_on=form.held_on.data or "", notes=form.notes.data or "", now=now()
        )
    except advocacy_cases.OfferError as exc:
        db.session.rollback()
        general = show_errors(form, exc.errors, LABELS)
        return _offer_page(_offer(offer_id), session_form=form, general=general, status=400)
    audited("edit", "advocacy-offer", offer.id, added="session")
    db.session.commit()
    flash("Recorded the session.")
    return redirect(url_for("staff.offer_view", offer_id=offer.id))


@bp.post("/advocacy/offers/<int:offer_id>/close")
@requires(Capability.LOG_ADVOCACY)
def offer_close(offer_id: int) -> ResponseReturnValue:
    offer = _offer(offer_id)
    form = CloseForm(prefix="close")
    if not form.validate():
        abort(400, description=EXPIRED)
    try:
        _, asked = advocacy_cases.close(
            current_session(),
            offer.id,
            outcome=form.outcome.data or "",
            closed_on=form.closed_on.data or "",
            now=now(),
            links_to=sending.LinkSettings.from_config(current_app.config),
            quiet=QuietHours.from_config(current_app.config),
        )
    except advocacy_cases.OfferError as exc:
        db.session.rollback()
        return _offer_page(_offer(offer_id), close=form, general=show_errors(form, exc.errors, LABELS), status=400)
    audited("edit", "advocacy-offer", offer.id, closed=True)
    db.session.commit()
    # Shown here, once, and never put in a redirect or the session cookie: the link opens the young person's page.
    return _offer_page(_offer(offer_id), asked=asked)


def _offer(offer_id: int) -> AdvocacyOffer:
    """An offer this member of staff may see (`permissions.offers`); 404 for any other (audited), as for none."""
    try:
        offer = advocacy_cases.get(current_session(), offer_id, visible=permissions.offers(viewer()))
    except advocacy_cases.OfferNotFound:
        refuse(404, "advocacy-offer", offer_id)
    if offer.person.ref is None:  # a record whose identifiers were erased: nothing to show
        abort(404)
    return offer


def _offer_page(
    offer: AdvocacyOffer,
    *,
    update: UpdateForm | None = None,
    session_form: SessionForm | None = None,
    close: CloseForm | None = None,
    general: list[str] | None = None,
    asked: advocacy_cases.Asked | None = None,
    status: int = 200,
) -> Any:
    failed = update or session_form or close  # the form just sent, if it was refused
    if update is None:
        update = UpdateForm(prefix="update", formdata=None)
        update.response.data = offer.response
        update.follow_up_on.data = offer.follow_up_on.isoformat() if offer.follow_up_on else ""
        update.notes.data = offer.notes or ""
    return (
        render_template(
            "advocacy/advocacy_offer.html",
            offer=offer,
            update=update,
            session_form=session_form or SessionForm(prefix="session", formdata=None),
            close=close or CloseForm(prefix="close", formdata=None),
            general=general or [],
            failed=failed,
            asked=asked,
            now=now(),
            contexts=advocacy.CONTEXT_LABELS,
            responses=RESPONSE_LABELS,
            outcomes=advocacy_cases.OUTCOME_LABELS,
        ),
        status,
    )
