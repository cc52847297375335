"""Twilio's webhooks. Thin: check the signature, check the parameters, hand over to the services.

The blueprint is exempt from CSRF because Twilio signs every request instead; the signature is checked before
anything else, and a request that fails it gets 403 with nothing stored.

An incoming text is stored and nothing more (`inbound.receive_from_known`, one statement for someone the service
knows): the workers screen and handle it at once, and send its replies through the outbox (`feedback.messages`).
So Twilio has its answer, an empty TwiML response, in milliseconds, however busy the service or the young person's
last text, and nothing a young person sends waits on anything but its own commit. Only a text from a member of
staff's number is answered here: it is not a young person's, and is not kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from feedback.audit import operations as audit
from feedback.core.clock import now
from feedback.extensions import current_session, db
from feedback.messages import inbound, outbox
from feedback.people import operations as people
from feedback.safeguarding import notifications
from feedback.safeguarding.notifications import NotifyPolicy

bp = Blueprint("sms", __name__, url_prefix="/sms")
log = logging.getLogger(__name__)

SID = re.compile(r"[A-Za-z0-9]{2,64}")
OPT_OUT_TYPES = frozenset({"STOP", "START", "HELP"})
MAX_MEDIA = 100  # Twilio allows 10 attachments; anything wildly more is not Twilio
MAX_ERROR_CODE = 99999
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

F = TypeVar("F", bound=Callable[..., Any])


def signed_url() -> str:
    """The URL Twilio signed: the public address of this request, as Twilio called it.

    Behind a TLS proxy the request reaches Flask as http://internal-host/..., so the signature is checked against
    PUBLIC_BASE_URL (the address configured in Twilio's console) rather than the URL Flask sees.
    """
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    query = request.query_string.decode("latin-1")
    return base + request.path + (f"?{query}" if query else "")


def twilio_signed(view: F) -> F:
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not token or not signature:
            abort(403)
        if not RequestValidator(token).validate(signed_url(), request.form, signature):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, checked)


def _required(name: str, *, allow_empty: bool = False) -> str:
    value = request.form.get(name)
    if value is None or (not allow_empty and not value.strip()):
        abort(400, description=f"{name} is required")
    return value


def _sid(name: str) -> str:
    """A Twilio resource id (SM…, MM…): letters and digits, never longer than the column that keeps it."""
    value = _required(name)
    if not SID.fullmatch(value):
        abort(400, description=f"{name} is not a Twilio id")
    return value


def _optional_int(name: str, maximum: int) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or int(raw) > maximum:
        abort(400, description=f"{name} must be a number from 0 to {maximum}")
    return int(raw)


def _opt_out_type() -> str | None:
    """Twilio's Advanced Opt-Out tag (STOP, START or HELP); anything else is not Twilio's and is ignored."""
    value = request.form.get("OptOutType", "").strip().upper()
    return value if value in OPT_OUT_TYPES else None


def twiml(replies: list[str]) -> Response:
    response = MessagingResponse()
    for reply in replies:
        response.message(reply)
    return Response(str(response), mimetype="text/xml")


@bp.post("/inbound")
@twilio_signed
def inbound_message() -> ResponseReturnValue:
    sid = _sid("MessageSid")
    sender = _required("From")
    body = _required("Body", allow_empty=True)  # an MMS with only a picture has an empty Body
    arrival = inbound.Arrival(
        channel="sms",
        provider_sid=sid,
        sender=sender,
        body=body,
        num_media=_optional_int("NumMedia", MAX_MEDIA) or 0,
        opt_out_type=_opt_out_type(),
    )
    notify = NotifyPolicy.from_config(current_app.config)
    try:
        staff_reply = _store(arrival, notify)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # A pooled connection had died (the database restarted): the pool has been emptied, so once more, afresh.
        db.session.rollback()
        staff_reply = _store(arrival, notify)
    if staff_reply is not None:
        return twiml([staff_reply])
    return Response(EMPTY_TWIML, mimetype="text/xml")


def _store(arrival: inbound.Arrival, notify: NotifyPolicy) -> str | None:
    """Store a text for the workers (committed); for a text from a staff number, store nothing and return the reply
    it gets instead."""
    session, moment = current_session(), now()
    address = people.sender_address(arrival.sender)
    if not notifications.is_service_number(address, notify) and inbound.receive_from_known(
        session, arrival, address, now=moment
    ):
        return None
    if notifications.is_staff_number(session, address, notify):
        # A member of staff texting back to an alert's text: not a young person's message, so not stored as one.
        audit.record(session, "staff-text", now=moment, actor="webhook", subject_type="sms")
        session.commit()
        log.info("a text from a staff number was not filed as a young person's message")
        return notifications.staff_text_reply(notify)
    inbound.receive(session, arrival, now=moment)
    return None


@bp.post("/status")
@twilio_signed
def delivery_status() -> ResponseReturnValue:
    sid = _sid("MessageSid")
    status = _required("MessageStatus")
    outbox.record_status(current_session(), sid, status, _optional_int("ErrorCode", MAX_ERROR_CODE), now())
    db.session.commit()
    return "", 204
