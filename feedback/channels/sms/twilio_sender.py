"""Sending SMS with the official twilio client.

`TWILIO_API_BASE_URL` points the client at another host (a local mock of Twilio's API in tests): the client
always builds `https://api.twilio.com/...` URLs, so the host is rewritten on each request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import NameResolutionError, NewConnectionError

from feedback.messages.outbox import SENT, Sender, SendError, SendResult, SimulatedSender

# The twilio client logs each request at INFO; those lines are no place for anything about a young person.
_quiet = logging.getLogger("feedback.twilio")
_quiet.setLevel(logging.WARNING)

TIMEOUT_SECONDS = 10


class RedirectingHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending every request to `base_url` instead of Twilio's hosts."""

    def __init__(self, base_url: str | None, **kwargs: Any) -> None:
        super().__init__(logger=_quiet, timeout=TIMEOUT_SECONDS, **kwargs)
        self._base = urlsplit(base_url) if base_url else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._base is not None:
            parts = urlsplit(url)
            path = self._base.path.rstrip("/") + parts.path
            url = urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


class TwilioSender:
    """Sends one SMS through Twilio's Messages API, asking for delivery status callbacks."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None,
        messaging_service_sid: str | None,
        status_callback: str | None,
        api_base_url: str | None = None,
    ) -> None:
        self._client = Client(account_sid, auth_token, http_client=RedirectingHttpClient(api_base_url))
        self._sender: dict[str, str] = (
            {"messaging_service_sid": messaging_service_sid} if messaging_service_sid else {"from_": from_number or ""}
        )
        self._status_callback = status_callback

    def send(self, to: str, body: str) -> SendResult:
        extra: dict[str, Any] = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = self._client.messages.create(to=to, body=body, **self._sender, **extra)
        except TwilioRestException as exc:
            transient = exc.status == 429 or exc.status >= 500
            raise SendError(f"Twilio refused the message ({exc.status})", transient=transient, code=exc.code) from exc
        except requests.RequestException as exc:
            if _never_reached_twilio(exc):
                raise SendError(f"Twilio could not be reached ({type(exc).__name__})", transient=True) from exc
            raise SendError(
                f"Twilio's answer never came ({type(exc).__name__})", transient=False, unconfirmed=True
            ) from exc
        return SendResult(provider_sid=message.sid, status=SENT)


def _never_reached_twilio(exc: requests.RequestException) -> bool:
    """True only when the request certainly never reached Twilio (no connection was made), so a retry cannot
    send the message twice. A read timeout or a dropped connection may come after Twilio took the message."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return isinstance(reason, NewConnectionError | NameResolutionError)
    return False


def sender_from_config(config: Mapping[str, Any]) -> Sender:
    """Twilio when credentials are configured; otherwise the simulator, which stores and shows messages. The app
    factory hands this to the worker (`outbox.SENDER_EXTENSION`)."""
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        return SimulatedSender()
    base = config.get("PUBLIC_BASE_URL")
    return TwilioSender(
        account_sid=config["TWILIO_ACCOUNT_SID"],
        auth_token=config["TWILIO_AUTH_TOKEN"],
        from_number=config.get("TWILIO_FROM_NUMBER"),
        messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
        status_callback=f"{base}/sms/status" if base else None,
        api_base_url=config.get("TWILIO_API_BASE_URL"),
    )
