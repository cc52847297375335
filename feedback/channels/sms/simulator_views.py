"""The SMS simulator in the browser: staff text the service as a pretend young person, from one of Ofcom's numbers
for drama, and see the thread as the young person would; and send them a survey."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from feedback.channels.sms import simulator
from feedback.core.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.messages.inbound import InboundPolicy
from feedback.people import operations as people
from feedback.staff.forms import SimulatedSendForm, SimulatedTextForm
from feedback.staff.views import bp, refuse, requires, viewer
from feedback.surveys import operations as surveys
from feedback.surveys.sending import LinkSettings, send_survey


@bp.get("/simulator")
@requires(Capability.USE_SIMULATOR)
def simulator_page() -> ResponseReturnValue:
    person = None
    pseudonym = request.args.get("p")
    if pseudonym:
        person = _simulated(pseudonym)
    text_form = SimulatedTextForm()
    send_form = _send_form()
    if person is not None and person.phone:
        text_form.phone.data = person.phone
    return render_template(
        "sms/simulator.html",
        person=person,
        thread=simulator.thread(current_session(), person) if person else [],
        text_form=text_form,
        send_form=send_form,
        keywords=[s for s in surveys.list_surveys(current_session()) if s.keyword and s.current],
        live=bool(current_app.config.get("TWILIO_ACCOUNT_SID")),
    )


def _simulated(pseudonym: str) -> Any:
    """A pretend young person this member of staff may see the thread of; 404 (audited) for any other."""
    person = simulator.simulated_person(current_session(), pseudonym, viewer())
    if person is None:
        refuse(404, "person", pseudonym[:64])
    return person


def _send_form() -> SimulatedSendForm:
    form = SimulatedSendForm()
    form.survey.choices = [
        SelectChoice(s.slug, s.title)
        for s in surveys.list_surveys(current_session())
        if s.current and s.purpose == surveys.SURVEY
    ]
    return form


@bp.post("/simulator/text")
@requires(Capability.USE_SIMULATOR)
def simulator_text() -> ResponseReturnValue:
    form = SimulatedTextForm()
    if not form.validate_on_submit():
        abort(400, description="A pretend number and a message are needed.")
    try:
        phone = simulator.fictional_phone(form.phone.data or "")
    except (simulator.NotFictional, people.InvalidPhoneNumber) as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.simulator_page"))
    known = people.find_person(current_session(), phone)
    if known is not None and simulator.simulated_person(current_session(), known.pseudonym, viewer()) is None:
        # Texting as a pretend young person who is someone else's to see would show their thread's replies.
        refuse(404, "person", known.id)
    person = simulator.text_as(
        current_session(), phone, form.body.data or "", now=now(), policy=InboundPolicy.from_config(current_app.config)
    )
    return redirect(url_for("staff.simulator_page", p=person.pseudonym))


@bp.post("/simulator/send/<pseudonym>")
@requires(Capability.USE_SIMULATOR)
def simulator_send(pseudonym: str) -> ResponseReturnValue:
    person = _simulated(pseudonym)
    form = _send_form()
    if not form.validate_on_submit():
        abort(400, description="Choose a survey.")
    version = surveys.current_version(current_session(), form.survey.data or "")
    at = now()
    report = send_survey(
        current_session(),
        version,
        [person.id],
        occurrence=f"simulator-{at.isoformat()}",
        now=at,
        links_to=LinkSettings.from_config(current_app.config),
    )
    db.session.commit()
    if report.queued:
        flash("Queued: it appears here when the outbox is next flushed (the worker does it every few seconds).")
    else:
        flash("Not queued: this number has opted out.", "error")
    return redirect(url_for("staff.simulator_page", p=person.pseudonym))
