"""The SMS simulator in the browser: staff text the service as a pretend young person, from one of Ofcom's numbers
for drama, and see the thread as the young person would; and send them a survey.

The page reads like the young person's phone: the thread in a box of its own, newest last, the reply box under it.
After a text is sent the page comes back at `#reply`, the reply box itself, so it is in view with the cursor in it
without a script; the stylesheet opens the thread at its newest text, and static/simulator.js makes sure of both."""

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
from feedback.messages.outbox import QuietHours
from feedback.people import operations as people
from feedback.staff.forms import SimulatedSendForm, SimulatedTextForm
from feedback.staff.views import bp, refuse, requires, viewer
from feedback.surveys import operations as surveys
from feedback.surveys.sending import LinkSettings, send_survey

# Where the page comes back to after a text: the reply box's id. A field can take focus, so the browser puts the
# cursor in it itself, script or no script; the stylesheet's scroll margin on it brings the thread into view above.
REPLY = "reply"


@bp.get("/simulator")
@requires(Capability.USE_SIMULATOR)
def simulator_page() -> ResponseReturnValue:
    person = None
    pseudonym = request.args.get("p")
    if pseudonym:
        person = _simulated(pseudonym)
    text_form = SimulatedTextForm()
    if person is not None and person.phone:
        text_form.phone.data = simulator.shown_number(person.phone)
    return _page(text_form, person, changing_number=request.args.get("number") == "change")


def _page(text_form: SimulatedTextForm, person: Any, *, changing_number: bool = False, status: int = 200) -> Any:
    """The simulator: the pretend young person's phone (their thread and the reply box), and beside it a survey to
    send them and the keywords to try. Once a number is chosen it shows as a label with a link to change it."""
    text_form.phone.render_kw = {"inputmode": "tel", "autocomplete": "off"}
    text_form.body.render_kw = {"rows": 2, "maxlength": 1600}
    text_form.body.id = text_form.body.label.field_id = REPLY
    thread = []
    if person is not None:
        quiet = QuietHours.from_config(current_app.config)
        thread = simulator.thread(current_session(), person, now=now(), quiet=quiet)
    page = render_template(
        "sms/simulator.html",
        person=person,
        number=simulator.shown_number(person.phone) if person is not None and person.phone else None,
        choosing_number=person is None or changing_number or bool(text_form.phone.errors),
        thread=thread,
        text_form=text_form,
        send_form=_send_form(),
        keywords=[s for s in surveys.list_surveys(current_session()) if s.keyword and s.current],
        live=bool(current_app.config.get("TWILIO_ACCOUNT_SID")),
    )
    return page, status


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
    valid = form.validate_on_submit()
    phone = None
    if not (form.phone.data or "").strip():
        form.phone.errors = ["Enter a pretend number, from 07700 900000 to 07700 900999."]
    else:
        try:
            phone = simulator.fictional_phone(form.phone.data or "")
        except (simulator.NotFictional, people.InvalidPhoneNumber) as exc:
            form.phone.errors = [_sentence(str(exc))]
    if not (form.body.data or "").strip():
        form.body.errors = ["Write the text to send."]
    known = people.find_person(current_session(), phone) if phone else None
    if known is not None and simulator.simulated_person(current_session(), known.pseudonym, viewer()) is None:
        # Texting as a pretend young person who is someone else's to see would show their thread's replies.
        refuse(404, "person", known.id)
    if not valid or phone is None:
        # Shown again with what is wrong (nothing was sent), the thread of a number already texted from kept.
        return _page(form, known, status=400)
    person = simulator.text_as(
        current_session(), phone, form.body.data or "", now=now(), policy=InboundPolicy.from_config(current_app.config)
    )
    return redirect(url_for("staff.simulator_page", p=person.pseudonym, _anchor=REPLY))


def _sentence(reason: str) -> str:
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")


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
        flash("Queued: it is sent when the outbox is next flushed (the worker does it every few seconds).")
    else:
        flash("Not queued: this number has opted out.", "error")
    return redirect(url_for("staff.simulator_page", p=person.pseudonym))
