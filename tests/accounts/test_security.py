"""Security headers on every response, and staff sign-in: the lock after repeated failures, sessions that end,
the limit per address, and the optional second factor (TOTP) with its codes made by pyotp at the test clock's time.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from argon2 import profiles
from sqlalchemy import select, text

from feedback import create_app
from feedback.accounts import operations as staff
from feedback.accounts import signin
from feedback.accounts.models import StaffUser
from feedback.audit.models import AuditEvent
from feedback.config import ConfigurationError, from_environment
from feedback.core.clock import utcnow
from feedback.extensions import db
from feedback.security import CONTENT_SECURITY_POLICY
from tests.conftest import Clock, TwilioWebhook, base_config

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "sam@example.org"
PASSWORD = "a long enough password"
REFUSED = "Email or password not recognised, or the account is locked for a while"


def make_user(email: str = EMAIL, role: str = "worker") -> int:
    user = staff.create_user(db.session, email, PASSWORD, role)
    db.session.commit()
    return user.id


def user(email: str = EMAIL) -> StaffUser:
    db.session.expire_all()
    found = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert found is not None
    return found


def sign_in(client: Any, email: str = EMAIL, password: str = PASSWORD) -> Any:
    return client.post("/staff/login", data={"email": email, "password": password})


def signed_in(client: Any) -> bool:
    return client.get("/staff/").status_code == 200


# --- headers --------------------------------------------------------------------------------------------------


def assert_protected(response: Any) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # plain http


def test_a_young_persons_page_is_protected_and_never_stored(app: Any, client: Any) -> None:
    response = client.get("/s/monthly-checkin")
    assert response.status_code == 200
    assert_protected(response)
    assert_protected(client.get("/s/no-such-survey"))  # the expired-link page too


def test_staff_pages_and_the_sign_in_page_are_protected(app: Any, client: Any) -> None:
    make_user()
    assert_protected(client.get("/staff/login"))
    assert_protected(sign_in(client))
    response = client.get("/staff/")
    assert response.status_code == 200
    assert_protected(response)


def test_the_health_check_and_the_sms_webhook_are_protected(app: Any, client: Any, twilio: TwilioWebhook) -> None:
    assert_protected(client.get("/healthz"))
    response = twilio.text("hello")
    assert response.status_code == 200
    assert_protected(response)


def test_the_stylesheet_may_be_kept_by_a_phone(app: Any, client: Any) -> None:
    response = client.get("/static/site.css")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Cache-Control") != "no-store"


def test_hsts_only_over_tls(app: Any, client: Any) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://feedback.example.org")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # Without a trusted proxy, anyone could send the header: it is ignored.
    forwarded = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forwarded.headers


def test_hsts_behind_a_trusted_tls_proxy(database_url: str) -> None:
    app = create_app(base_config(database_url, TRUSTED_PROXIES=1))
    client = app.test_client()
    forwarded = client.get("/healthz", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.1"})
    assert forwarded.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/healthz", headers={"X-Forwarded-Proto": "http"}).headers
    with app.app_context():
        db.engine.dispose()


def test_no_template_has_inline_script_or_style() -> None:
    """The policy forbids them, so a browser would silently drop them: keep them in static files."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# --- sign-in: the lock, the same answer for everyone, the limit per address -------------------------------------


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(app: Any, client: Any, clock: Clock) -> None:
    make_user()
    for _ in range(5):
        response = sign_in(client, password="not the password")
        assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert user().locked_until == clock.current + timedelta(minutes=15)
    # Locked: even the right password is refused, with the same words.
    assert REFUSED in sign_in(client).get_data(as_text=True)
    assert not signed_in(client)
    clock.advance(minutes=14, seconds=59)
    assert REFUSED in sign_in(client).get_data(as_text=True)
    clock.advance(seconds=1)
    assert sign_in(client).status_code == 302
    assert signed_in(client)
    assert user().failed_logins == 0 and user().locked_until is None
    assert user().last_login_at == clock.current


def test_a_success_resets_the_count(app: Any, client: Any) -> None:
    make_user()
    for _ in range(4):
        sign_in(client, password="not the password")
    assert user().failed_logins == 4
    assert sign_in(client).status_code == 302
    assert user().failed_logins == 0
    client.post("/staff/logout")
    for _ in range(4):
        sign_in(client, password="not the password")
    assert user().locked_until is None
    assert sign_in(client).status_code == 302


def test_the_number_of_failures_and_the_lock_are_settings(app: Any, client: Any, clock: Clock) -> None:
    app.config.update(LOGIN_MAX_FAILURES=2, LOGIN_LOCK_MINUTES=60)
    make_user()
    sign_in(client, password="wrong one")
    sign_in(client, password="wrong two")
    assert user().locked_until == clock.current + timedelta(minutes=60)


class _CountingHasher:
    def __init__(self, real: Any) -> None:
        self.real, self.verified = real, []

    def verify(self, hashed: str, password: str) -> bool:
        self.verified.append(hashed)
        return bool(self.real.verify(hashed, password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_an_unknown_email_takes_the_same_path_and_answer(
    app: Any, client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    make_user()
    hasher = _CountingHasher(staff._passwords.hasher)
    monkeypatch.setattr(staff, "_passwords", dataclasses.replace(staff._passwords, hasher=hasher))
    caplog.set_level(logging.INFO)
    unknown = sign_in(client, email="nobody@example.org").get_data(as_text=True)
    wrong = sign_in(client, password="not the password").get_data(as_text=True)
    assert REFUSED in unknown and REFUSED in wrong
    # One argon2 verification each: a dummy hash for the unknown email, so both take as long.
    assert len(hasher.verified) == 2 and hasher.verified[0] != hasher.verified[1]
    # Refusals are logged by account number, never by email.
    assert f"staff user {user().id}" in caplog.text
    assert "nobody@example.org" not in caplog.text and EMAIL not in caplog.text


def test_sign_ins_and_refusals_are_in_the_audit_log_by_account_number(app: Any, client: Any) -> None:
    make_user()
    sign_in(client, password="not the password")
    sign_in(client, email="nobody@example.org")
    sign_in(client)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor, e.subject_id, e.detail.get("reason")) for e in events] == [
        ("login-failed", "sign-in page", str(user().id), "wrong password"),
        ("login-failed", "sign-in page", None, "no such account"),
        ("login", EMAIL, str(user().id), None),
    ]
    assert "nobody" not in str([e.detail for e in events])


def test_an_address_may_try_only_so_many_times_a_minute(app: Any, client: Any) -> None:
    app.config["LOGIN_ATTEMPTS_PER_MINUTE"] = 3
    make_user()
    statuses = [sign_in(client, password="not the password").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/staff/login").status_code == 200  # the page itself still opens
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert sign_in(other).status_code == 302


def test_passwords_are_hashed_with_argon2(app: Any) -> None:
    make_user()
    assert user().password_hash.startswith("$argon2id$")


def test_only_the_test_suite_may_hash_passwords_cheaply(database_url: str) -> None:
    """The suite hashes with argon2's cheapest parameters to save minutes; a service never may."""
    for mode in ("development", "production"):
        with pytest.raises(ConfigurationError, match="PASSWORD_HASHING"):
            create_app(base_config(database_url, FEEDBACK_ENV=mode, PASSWORD_HASHING="cheap"))
    standard = staff._Passwords.named("standard").hasher
    assert (standard.time_cost, standard.memory_cost) == (
        profiles.RFC_9106_LOW_MEMORY.time_cost,
        profiles.RFC_9106_LOW_MEMORY.memory_cost,
    )


# --- sessions -------------------------------------------------------------------------------------------------


def test_the_staff_session_cookie_is_http_only_lax_and_goes_with_the_browser(app: Any, client: Any) -> None:
    make_user()
    cookie = sign_in(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" not in cookie  # closing the browser ends it; the limits below end it anyway
    assert "Secure" not in cookie  # testing, over http; production sets SESSION_COOKIE_SECURE (test_factory)


def test_a_young_persons_place_in_a_survey_outlasts_a_staff_session(app: Any, client: Any) -> None:
    response = client.post("/s/monthly-checkin/q/1", data={"answer": "4"})
    assert response.status_code == 302
    expires = re.search(r"Expires=([^;]+)", response.headers["Set-Cookie"])
    assert expires is not None
    assert parsedate_to_datetime(expires.group(1)) > utcnow() + timedelta(days=7)


def _stamp(client: Any, key: str, ago: timedelta) -> None:
    with client.session_transaction() as session:
        session[key] = (utcnow() - ago).timestamp()


def test_thirty_idle_minutes_sign_a_member_of_staff_out(app: Any, client: Any) -> None:
    make_user()
    sign_in(client)
    _stamp(client, signin.LAST_SEEN, timedelta(minutes=29))
    assert signed_in(client)  # and that request counts as activity
    _stamp(client, signin.LAST_SEEN, timedelta(minutes=31))
    response = client.get("/staff/inbox")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after a while without activity" in page
    assert not signed_in(client)


def test_a_session_ends_after_eight_hours_however_busy(app: Any, client: Any) -> None:
    make_user()
    sign_in(client)
    _stamp(client, signin.SIGNED_IN_AT, timedelta(hours=8, minutes=1))
    assert not signed_in(client)


def test_session_lengths_come_from_the_environment(tmp_path: Path) -> None:
    env = {"FEEDBACK_ENV": "development", "SESSION_HOURS": "4", "SESSION_IDLE_MINUTES": "10"}
    config = from_environment(env | {"LOGIN_MAX_FAILURES": "3", "LOGIN_ATTEMPTS_PER_MINUTE": "20"}, str(tmp_path))
    assert (config["SESSION_HOURS"], config["SESSION_IDLE_MINUTES"]) == (4, 10)
    assert (config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_MINUTES"], config["LOGIN_ATTEMPTS_PER_MINUTE"]) == (
        3,
        15,
        20,
    )
    with pytest.raises(ConfigurationError, match="SESSION_HOURS"):
        from_environment({"SESSION_HOURS": "eight"}, str(tmp_path))


@pytest.mark.parametrize("setting", ["LOGIN_MAX_FAILURES", "LOGIN_LOCK_MINUTES", "SESSION_HOURS"])
def test_a_zero_setting_stops_the_start(setting: str) -> None:
    with pytest.raises(ConfigurationError, match=setting):
        create_app(base_config("sqlite://", **{setting: 0}))


# --- the second factor ----------------------------------------------------------------------------------------


def code_at(secret: str, clock: Clock, *, seconds_ago: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.current - timedelta(seconds=seconds_ago))


def turn_on(client: Any, clock: Clock) -> str:
    page = client.get("/staff/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page)
    assert secret is not None, page
    assert "otpauth://totp/" in page and f"secret={secret.group(1)}" in page
    response = client.post("/staff/account/two-factor", data={"code": code_at(secret.group(1), clock)})
    assert response.status_code == 302
    return secret.group(1)


def test_turning_the_second_factor_on_needs_a_code_from_the_app(app: Any, client: Any, clock: Clock) -> None:
    make_user()
    sign_in(client)
    page = client.get("/staff/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page)
    assert secret is not None
    # The same secret until confirmed, so the app set up from the first page still works.
    assert secret.group(1) in client.get("/staff/account/two-factor").get_data(as_text=True)
    wrong = client.post("/staff/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 200 and "does not match" in wrong.get_data(as_text=True)
    assert user().totp_secret is None
    assert client.post("/staff/account/two-factor", data={"code": code_at(secret.group(1), clock)}).status_code == 302
    assert user().totp_secret == secret.group(1)
    # Stored encrypted: the raw column never holds the secret.
    raw = db.session.execute(text("SELECT totp_secret FROM staff_user")).scalar_one()
    assert secret.group(1) not in raw
    assert 'is <strong class="tag done">On</strong>' in client.get("/staff/account/two-factor").get_data(as_text=True)


def test_with_a_second_factor_sign_in_asks_for_the_code(app: Any, client: Any, clock: Clock) -> None:
    make_user()
    sign_in(client)
    secret = turn_on(client, clock)
    client.post("/staff/logout")
    clock.advance(minutes=1)

    response = sign_in(client)
    assert response.status_code == 302 and "/staff/login/code" in response.headers["Location"]
    assert not signed_in(client)  # the password alone opens nothing
    assert "6-digit code" in client.get("/staff/login/code").get_data(as_text=True)
    assert client.post("/staff/login/code", data={"code": code_at(secret, clock)}).status_code == 302
    assert signed_in(client)
    assert user().last_login_at == clock.current


def test_a_code_already_used_or_too_old_is_refused(app: Any, client: Any, clock: Clock) -> None:
    make_user()
    sign_in(client)
    secret = turn_on(client, clock)
    client.post("/staff/logout")
    clock.advance(minutes=1)
    used = code_at(secret, clock)
    sign_in(client)
    client.post("/staff/login/code", data={"code": used})
    assert signed_in(client)
    client.post("/staff/logout")

    # Someone who saw that code over a shoulder, with the password, a few seconds later.
    clock.advance(seconds=5)
    sign_in(client)
    replay = client.post("/staff/login/code", data={"code": used})
    assert "not recognised" in replay.get_data(as_text=True)
    assert not signed_in(client)
    # A code from a minute and a half ago is too old; the one before this step is still fine (a slow typist).
    clock.advance(seconds=60)
    stale = client.post("/staff/login/code", data={"code": code_at(secret, clock, seconds_ago=90)})
    assert "not recognised" in stale.get_data(as_text=True)
    assert client.post("/staff/login/code", data={"code": code_at(secret, clock, seconds_ago=30)}).status_code == 302
    assert signed_in(client)


def test_wrong_codes_count_towards_the_lock(app: Any, client: Any, clock: Clock) -> None:
    make_user()
    sign_in(client)
    secret = turn_on(client, clock)
    client.post("/staff/logout")
    clock.advance(minutes=1)
    sign_in(client)
    for _ in range(4):
        assert "not recognised" in client.post("/staff/login/code", data={"code": "123456"}).get_data(as_text=True)
    # A right password does not wipe the failures of wrong codes.
    sign_in(client)
    fifth = client.post("/staff/login/code", data={"code": "654321"})
    assert fifth.status_code == 302 and fifth.headers["Location"].endswith("/staff/login")
    assert user().locked_until == clock.current + timedelta(minutes=15)
    # Locked: the password step is refused, and even a right code would not help.
    assert REFUSED in sign_in(client).get_data(as_text=True)
    assert client.post("/staff/login/code", data={"code": code_at(secret, clock)}).status_code == 302
    assert not signed_in(client)


def test_the_code_step_is_remembered_only_briefly(app: Any, client: Any, clock: Clock) -> None:
    make_user()
    sign_in(client)
    secret = turn_on(client, clock)
    client.post("/staff/logout")
    clock.advance(minutes=1)
    sign_in(client)
    with client.session_transaction() as session:
        session[signin.PENDING] = {**session[signin.PENDING], "until": (utcnow() - timedelta(seconds=1)).timestamp()}
    response = client.post("/staff/login/code", data={"code": code_at(secret, clock)})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert "/code" not in response.headers["Location"]
    assert not signed_in(client)


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(app: Any, client: Any) -> None:
    response = client.post("/staff/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_turning_it_off_needs_a_current_code(app: Any, client: Any, clock: Clock) -> None:
    make_user()
    sign_in(client)
    secret = turn_on(client, clock)
    refused = client.post("/staff/account/two-factor", data={"code": code_at(secret, clock, seconds_ago=120)})
    assert "does not match" in refused.get_data(as_text=True)
    assert user().totp_secret == secret
    assert client.post("/staff/account/two-factor", data={"code": code_at(secret, clock)}).status_code == 302
    assert user().totp_secret is None


def test_an_admin_clears_a_colleagues_second_factor_from_the_command_line(
    app: Any, client: Any, runner: Any, clock: Clock
) -> None:
    make_user()
    sign_in(client)
    turn_on(client, clock)
    result = runner.invoke(args=["users", "reset-two-factor", "Sam@Example.org"])
    assert result.exit_code == 0, result.output
    assert "is off for sam@example.org" in result.output
    assert user().totp_secret is None
    reset = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "two-factor")).all()
    assert [(e.actor, e.detail["turned"]) for e in reset] == [(EMAIL, "on"), ("command line", "off")]
    client.post("/staff/logout")
    assert sign_in(client).headers["Location"] == "/staff/"
    unknown = runner.invoke(args=["users", "reset-two-factor", "nobody@example.org"])
    assert unknown.exit_code != 0 and "no staff account" in unknown.output
