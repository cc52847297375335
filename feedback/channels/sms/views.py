"""Twilio's webhooks. Thin: check the signature, check the parameters, hand over to the services.

The blueprint is exempt from CSRF because Twilio signs every request instead; the signature is checked before
anything else, and a request that fails it gets 403 with nothing stored.

Twilio waits 15 seconds for the answer to an incoming message, and a reply in an answer that comes later reaches
nobody. So the webhook stores the message first, waits at most HANDLING_LOCK_WAIT for the young person's earlier
message to be handled (otherwise the worker handles this one as soon as it may), and replies inline only within
TWIML_BUDGET of the request's start: later replies go through the outbox.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, abort, current_app, g, request
from flask.typing import ResponseReturnValue
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from feedback.audit import operations as audit
from feedback.core.clock import now
from feedback.extensions import current_session, db
from feedback.messages import inbound, outbox
from feedback.people import operations as people
from feedback.safeguarding import notifications

bp = Blueprint("sms", __name__, url_prefix="/sms")
log = logging.getLogger(__name__)

SID = re.compile(r"[A-Za-z0-9]{2,64}")
OPT_OUT_TYPES = frozenset({"STOP", "START", "HELP"})
MAX_MEDIA = 100  # Twilio allows 10 attachments; anything wildly more is not Twilio
MAX_ERROR_CODE = 99999

F = TypeVar("F", bound=Callable[..., Any])

# Replies go back in the webhook's own answer only this long after the request began, well within Twilio's 15 s.
TWIML_BUDGET_SECONDS = 10.0
# How long the webhook waits for a lock that handling needs (the young person's previous message being handled)
# before leaving the message, stored, to the worker.
HANDLING_LOCK_WAIT = timedelta(seconds=2)


@bp.before_request
def _started() -> None:
    g.sms_started = time.monotonic()


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
    session, moment = current_session(), now()
    policy = inbound.InboundPolicy.from_config(current_app.config)
    if notifications.is_staff_number(session, people.sender_address(sender), policy.notify):
        # A member of staff texting back to an alert's text: not a young person's message, so not stored as one.
        audit.record(session, "staff-text", now=moment, actor="webhook", subject_type="sms")
        session.commit()
        log.info("a text from a staff number was not filed as a young person's message")
        return twiml([notifications.staff_text_reply(policy.notify)])
    received = inbound.receive(session, arrival, now=moment)
    try:
        outcome = inbound.process(
            session,
            received.message_id,
            now=moment,
            policy=policy,
            lock_wait=HANDLING_LOCK_WAIT,
            reply_by=g.sms_started + TWIML_BUDGET_SECONDS,
        )
    except inbound.Busy:
        # Stored, and answered now so that Twilio does not give up on us: a concern is raised and its help given at
        # once, and the worker handles the rest (and queues its replies) as soon as the lock is free.
        help_now = inbound.raise_alert_first(
            session, received.message_id, now=moment, policy=policy, lock_wait=HANDLING_LOCK_WAIT
        )
        inbound.leave_to_worker(session, received.message_id, moment, lock_wait=HANDLING_LOCK_WAIT)
        log.info("message %s stored; its handling is left to the worker (lock held)", received.message_id)
        return twiml(help_now)
    return twiml(outcome.replies if outcome.replied_inline else [])


@bp.post("/status")
@twilio_signed
def delivery_status() -> ResponseReturnValue:
    sid = _sid("MessageSid")
    status = _required("MessageStatus")
    outbox.record_status(current_session(), sid, status, _optional_int("ErrorCode", MAX_ERROR_CODE), now())
    db.session.commit()
    return "", 204
