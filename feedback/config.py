"""Settings from the environment.

Only `SECRET_KEY` is required, and only outside development: everything else has a safe default so that a fresh
clone starts with `make run`. Required secrets fail fast at start, not at the first request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from typing import Any

from feedback.core.errors import FeedbackError

DEVELOPMENT = "development"
PRODUCTION = "production"
TESTING = "testing"

# A fixed key for development only: the data in a development database are not real, and a key that changed
# at every start would make the text already stored (encrypted with a key derived from it) unreadable.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32
WEAK_SECRET_KEYS = frozenset({"dev", "secret", "changeme", "change-me", "password", DEVELOPMENT_SECRET_KEY})

DEFAULT_HELP_NUMBERS = (
    "Childline 0800 1111, Samaritans 116 123, Breathing Space 0800 83 85 87, NHS 24 111. In an emergency call 999."
)


class ConfigurationError(FeedbackError, RuntimeError):
    """The service cannot start safely with the settings it was given."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from exc


def _names(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not names:
        raise ConfigurationError(f"{name} must list names separated by commas")
    return names


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, high: float, expected: str) -> float:
    """A number from `low` to `high` (nan and infinity refused); `expected` says what one looks like."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:  # also refuses nan
        raise ConfigurationError(f"{name} must be {expected}, not {raw!r}")
    return value


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, low=0, high=1, expected="a number from 0 to 1, such as 0.7 for 70%")


def _time_of_day(env: Mapping[str, str], name: str, default: str) -> time:
    raw = (env.get(name) or "").strip() or default
    try:
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a time of day written HH:MM, such as 21:00, not {raw!r}") from exc


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip().lower() or default
    if raw not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


_YES = frozenset({"yes", "y", "true", "on", "1"})
_NO = frozenset({"no", "n", "false", "off", "0"})


def _yes_no(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in _YES | _NO:
        raise ConfigurationError(f"{name} must be yes or no, not {raw!r}")
    return raw in _YES


def _rate(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(
        env, name, default, low=0, high=10_000, expected="a number of messages a second, such as 1 (0: no limit)"
    )


# Scotland's bank holidays in 2026 and 2027 (gov.uk); set PUBLIC_HOLIDAYS to the council's own list.
DEFAULT_PUBLIC_HOLIDAYS = tuple(
    date.fromisoformat(day)
    for day in (
        "2026-01-01", "2026-01-02", "2026-04-03", "2026-05-04", "2026-05-25", "2026-08-03", "2026-11-30",
        "2026-12-25", "2026-12-28", "2027-01-01", "2027-01-04", "2027-03-26", "2027-05-03", "2027-05-31",
        "2027-08-02", "2027-11-30", "2027-12-27", "2027-12-28",
    )
)  # fmt: skip


def _dates(env: Mapping[str, str], name: str, default: tuple[date, ...]) -> tuple[date, ...]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return tuple(sorted({date.fromisoformat(part.strip()) for part in raw.split(",") if part.strip()}))
    except ValueError as exc:
        raise ConfigurationError(f"{name} must list dates written YYYY-MM-DD, separated by commas: {exc}") from exc


def _email(env: Mapping[str, str], name: str) -> str | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if raw.count("@") != 1 or any(c.isspace() for c in raw) or raw.startswith("@") or raw.endswith("@"):
        raise ConfigurationError(f"{name} must be one email address, such as duty@example.org, not {raw!r}")
    return raw


DEFAULT_LOCALITIES = ("Clydesdale", "East Kilbride", "Hamilton", "Rutherglen/Cambuslang")


def database_url(raw: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL for `DATABASE_URL`, defaulting to a SQLite file in `instance/`.

    `postgres://` and `postgresql://` (as hosting platforms write them) are pointed at psycopg 3, the driver this
    project installs, so that the same URL works in `psql` and here.
    """
    if not raw:
        return f"sqlite:///{Path(instance_path) / 'feedback.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def migration_database_url(env: Mapping[str, str]) -> str | None:
    """The SQLAlchemy URL `feedback db` (migrations) connects with: MIGRATION_DATABASE_URL, the role that owns the
    tables (deploy/roles.sql), or None to migrate through DATABASE_URL (development, SQLite)."""
    raw = (env.get("MIGRATION_DATABASE_URL") or "").strip()
    return database_url(raw, "") if raw else None


def from_environment(env: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Read every setting the service knows from `env` (normally `os.environ`)."""
    mode = env.get("FEEDBACK_ENV", PRODUCTION).strip().lower() or PRODUCTION
    if mode not in {DEVELOPMENT, PRODUCTION, TESTING}:
        raise ConfigurationError(f"FEEDBACK_ENV must be development, production or testing, not {mode!r}")
    return {
        "FEEDBACK_ENV": mode,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID") or None,
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or None,
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER") or None,
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
        "TWILIO_API_BASE_URL": (env.get("TWILIO_API_BASE_URL") or "").rstrip("/") or None,
        "ENCRYPTION_KEY": env.get("ENCRYPTION_KEY") or None,
        # The keys used before the current one, comma-separated, while `feedback keys rotate` moves data over.
        "ENCRYPTION_OLD_KEYS": tuple(k.strip() for k in (env.get("ENCRYPTION_OLD_KEYS") or "").split(",") if k.strip()),
        "CONVERSATION_TIMEOUT_HOURS": _int(env, "CONVERSATION_TIMEOUT_HOURS", 48),
        "SEND_MAX_ATTEMPTS": _int(env, "SEND_MAX_ATTEMPTS", 5),
        "SEND_RETRY_BASE_SECONDS": _int(env, "SEND_RETRY_BASE_SECONDS", 30),
        "SERVICE_NAME": env.get("SERVICE_NAME") or "the South Lanarkshire Champions Board",
        "HELP_NUMBERS": env.get("HELP_NUMBERS") or DEFAULT_HELP_NUMBERS,
        # How long a personal web link (texted to a young person) opens their page.
        "PERSONAL_LINK_DAYS": _int(env, "PERSONAL_LINK_DAYS", 90),
        # An unread statement goes to the team's managers after this many working days.
        "STATEMENT_ESCALATION_WORKING_DAYS": _int(env, "STATEMENT_ESCALATION_WORKING_DAYS", 2),
        # A safeguarding alert nobody has acknowledged goes to the managers after this many minutes.
        "SAFEGUARDING_ESCALATION_MINUTES": _int(env, "SAFEGUARDING_ESCALATION_MINUTES", 30),
        "DUTY_TEAM_NAME": env.get("DUTY_TEAM_NAME") or "Duty team",
        # Who an alert nobody acknowledged goes to next, step by step (see feedback/safeguarding/notifications.py).
        "SAFEGUARDING_ESCALATION_LADDER": env.get("SAFEGUARDING_ESCALATION_LADDER") or None,
        # The council's out-of-hours social work service: told of every risk alert outside OFFICE_HOURS.
        "OUT_OF_HOURS_EMAIL": _email(env, "OUT_OF_HOURS_EMAIL"),
        "OUT_OF_HOURS_PHONE": env.get("OUT_OF_HOURS_PHONE") or None,
        "HEAD_OF_SERVICE_EMAIL": _email(env, "HEAD_OF_SERVICE_EMAIL"),
        "HEAD_OF_SERVICE_PHONE": env.get("HEAD_OF_SERVICE_PHONE") or None,
        # When the council's teams are at work (UK time), and the days they are not (ISO dates, comma-separated).
        "OFFICE_HOURS": env.get("OFFICE_HOURS") or "Mon-Fri 09:00-17:00",
        "PUBLIC_HOLIDAYS": _dates(env, "PUBLIC_HOLIDAYS", DEFAULT_PUBLIC_HOLIDAYS),
        # Email by SMTP, the conventional settings. Without MAIL_SERVER, emails are stored and shown on a staff
        # page (Notifications), like the SMS simulator, so `make run` needs no mail server.
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_USE_TLS": _yes_no(env, "MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _yes_no(env, "MAIL_USE_SSL", False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": _email(env, "MAIL_DEFAULT_SENDER") or "feedback@localhost",
        "MAIL_TIMEOUT_SECONDS": _int(env, "MAIL_TIMEOUT_SECONDS", 10),
        # Answers an address may submit to open (anonymous) survey links in an hour; people never reach it.
        "ANONYMOUS_SUBMISSIONS_PER_HOUR": _int(env, "ANONYMOUS_SUBMISSIONS_PER_HOUR", 30),
        # Where rate limits are counted: shared by every web worker in production (for example redis://...).
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        # Exactly one web process serves the app, so limits counted in its memory are the only count (production
        # refuses memory:// otherwise).
        "SINGLE_WEB_PROCESS": _yes_no(env, "SINGLE_WEB_PROCESS", False),
        # Where young people live, as summaries break down by them (comma-separated).
        "LOCALITIES": _names(env, "LOCALITIES", DEFAULT_LOCALITIES),
        # Counts from 1 to one below this (and any count that would give one away) are shown as "[c]" everywhere a
        # summary goes (the ONS rule: 10).
        "SUPPRESSION_THRESHOLD": _int(env, "SUPPRESSION_THRESHOLD", 10),
        # The share of eligible young people to be offered or to accept advocacy (the Promise's 70%).
        "ADVOCACY_TARGET": _fraction(env, "ADVOCACY_TARGET", 0.7),
        # Nothing but a reply to a young person's own text is sent from START until END, local time (HH:MM).
        "QUIET_HOURS_START": _time_of_day(env, "QUIET_HOURS_START", "21:00"),
        "QUIET_HOURS_END": _time_of_day(env, "QUIET_HOURS_END", "08:00"),
        # Messages a second each sending number may send, shared by every sender process (0: no limit). About 1
        # for a UK long code; more for a short code or a Messaging Service with several numbers.
        "SEND_RATE_PER_SECOND": _rate(env, "SEND_RATE_PER_SECOND", 1.0),
        # One reminder for a survey left unfinished this many hours (0: none). Less than the conversation timeout.
        "REMINDER_HOURS": _int(env, "REMINDER_HOURS", 24),
        # Staff sign-in: this many failures in a row lock the account for LOGIN_LOCK_MINUTES; an address may try
        # to sign in this many times a minute.
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int(env, "LOGIN_LOCK_MINUTES", 15),
        "LOGIN_ATTEMPTS_PER_MINUTE": _int(env, "LOGIN_ATTEMPTS_PER_MINUTE", 10),
        # A staff session ends this many hours after signing in, or after this many minutes without a request.
        "SESSION_HOURS": _int(env, "SESSION_HOURS", 8),
        "SESSION_IDLE_MINUTES": _int(env, "SESSION_IDLE_MINUTES", 30),
        # How many proxies in front of the web workers set X-Forwarded-For, -Proto and -Host (0: none trusted).
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        # Young people's words (messages, answers, notes) are removed after this many days; counts stay.
        "MESSAGE_RETENTION_DAYS": _int(env, "MESSAGE_RETENTION_DAYS", 730),
        # A young person's identifiers are removed when they turn this age (or leave the service, by the register).
        "IDENTIFIER_MAX_AGE": _int(env, "IDENTIFIER_MAX_AGE", 26),
        # text (one readable line) or json (one object a line, for a log collector); never a body or a number.
        "LOG_FORMAT": _choice(env, "LOG_FORMAT", ("text", "json"), "text"),
    }


DEFAULTS: dict[str, Any] = {
    # Twilio posts small forms; a survey answer is at most 1,600 characters. Anything far bigger is not ours.
    "MAX_CONTENT_LENGTH": 256 * 1024,
    # Connections idle a while are pinged before use (feedback._ping_when_idle), not every one at every checkout.
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 3600 * 8,
    # An invalid answer is asked again at most this many times before the question is left unanswered.
    "MAX_REASKS": 2,
    # A clock the services read "now" from; tests replace it to move time.
    "CLOCK": None,
}


def validate(config: Mapping[str, Any]) -> None:
    """Refuse settings that would be unsafe in the mode the service runs in."""
    if int(config.get("SUPPRESSION_THRESHOLD", 10)) < 2:
        raise ConfigurationError("SUPPRESSION_THRESHOLD must be at least 2: a count of 1 is one young person")
    reminder, timeout = int(config.get("REMINDER_HOURS", 24)), int(config.get("CONVERSATION_TIMEOUT_HOURS", 48))
    if reminder < 0 or (reminder and reminder >= timeout):
        raise ConfigurationError(
            f"REMINDER_HOURS ({reminder}) must be 0 (no reminders) or less than CONVERSATION_TIMEOUT_HOURS "
            f"({timeout}): a conversation that has ended cannot be finished."
        )
    for name in ("LOGIN_MAX_FAILURES", "LOGIN_LOCK_MINUTES", "LOGIN_ATTEMPTS_PER_MINUTE", "SESSION_HOURS"):
        if int(config.get(name, 1)) < 1:
            raise ConfigurationError(f"{name} must be 1 or more")
    if not 1 <= int(config.get("SESSION_IDLE_MINUTES", 30)) <= 60 * int(config.get("SESSION_HOURS", 8)):
        raise ConfigurationError("SESSION_IDLE_MINUTES must be from 1 to SESSION_HOURS (in minutes)")
    if int(config.get("TRUSTED_PROXIES", 0)) < 0:
        raise ConfigurationError("TRUSTED_PROXIES must be 0 or more")
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise ConfigurationError(
            "Set MAIL_USE_TLS (STARTTLS, usually port 587) or MAIL_USE_SSL (TLS from the start, usually port 465), "
            "not both."
        )
    _check_safeguarding(config)
    mode = config["FEEDBACK_ENV"]
    if config.get("PASSWORD_HASHING", "standard") != "standard" and mode != TESTING:
        raise ConfigurationError("PASSWORD_HASHING other than standard is for the test suite only")
    secret = config.get("SECRET_KEY")
    if mode == PRODUCTION:
        if not secret:
            raise ConfigurationError(
                "SECRET_KEY is not set. Set it to a long random value, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if len(secret) < MIN_SECRET_KEY_LENGTH or secret.lower() in WEAK_SECRET_KEYS:
            raise ConfigurationError(f"SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters.")
        if config.get("TWILIO_AUTH_TOKEN") and not config.get("PUBLIC_BASE_URL"):
            raise ConfigurationError(
                "PUBLIC_BASE_URL is required with Twilio credentials: Twilio signs the public address of the "
                "webhook, and it must be known to check the signature behind a proxy."
            )
        if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory") and not config.get(
            "SINGLE_WEB_PROCESS"
        ):
            raise ConfigurationError(
                "RATELIMIT_STORAGE_URI is memory://, so each web process would count staff sign-in attempts and "
                "open-link answers on its own, and several processes would let through several times the limit. "
                "Set RATELIMIT_STORAGE_URI to a Redis shared by every web process (redis://127.0.0.1:6379/0), or "
                "SINGLE_WEB_PROCESS=yes if exactly one web process (one gunicorn worker) serves the app."
            )
    if config.get("TWILIO_ACCOUNT_SID") and not (
        config.get("TWILIO_FROM_NUMBER") or config.get("TWILIO_MESSAGING_SERVICE_SID")
    ):
        raise ConfigurationError("Set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID to send with Twilio.")


def _check_safeguarding(config: Mapping[str, Any]) -> None:
    """Office hours, the escalation ladder and the out-of-hours phone are read once, at start, not at 23:17."""
    from feedback.safeguarding.notifications import LadderError, parse_ladder
    from feedback.safeguarding.office_hours import OfficeHours, OfficeHoursError

    try:
        OfficeHours.parse(str(config.get("OFFICE_HOURS") or "Mon-Fri 09:00-17:00"))
        parse_ladder(config.get("SAFEGUARDING_ESCALATION_LADDER"))
    except (OfficeHoursError, LadderError) as exc:
        raise ConfigurationError(str(exc)) from exc
    import phonenumbers

    for name in ("OUT_OF_HOURS_PHONE", "HEAD_OF_SERVICE_PHONE"):
        raw = config.get(name)
        if not raw:
            continue
        try:
            number = phonenumbers.parse(str(raw), "GB")
        except phonenumbers.NumberParseException as exc:
            raise ConfigurationError(f"{name} must be a phone number, such as +44 7700 900123") from exc
        if not phonenumbers.is_possible_number(number):
            raise ConfigurationError(f"{name} must be a phone number, such as +44 7700 900123")


def public_base_url(config: Mapping[str, Any]) -> str:
    """The address young people reach the service at, for links in texts."""
    if config.get("PUBLIC_BASE_URL"):
        return str(config["PUBLIC_BASE_URL"])
    if config["FEEDBACK_ENV"] in {DEVELOPMENT, TESTING}:
        return "http://127.0.0.1:5000"
    raise ConfigurationError("PUBLIC_BASE_URL is needed to text links to young people (https://your-address).")


def environment() -> Mapping[str, str]:
    """The process environment (a seam so tests can pass their own)."""
    return os.environ
