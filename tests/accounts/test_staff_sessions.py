"""Access that holds against an insider: sign-in goes back only to a path of this service, and a staff session ends
on the server (signing out, a new password, a new role, deactivation) whoever keeps a copy of its cookie. A lock
only stops new sign-ins: it never signs out someone already at work."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.urls import iri_to_uri

from feedback.accounts import operations as staff
from feedback.accounts import signin, tokens
from feedback.accounts.models import StaffUser
from feedback.audit.models import AuditEvent
from feedback.core.clock import now
from feedback.extensions import db
from feedback.people import operations as people
from tests.conftest import PUBLIC_BASE_URL, Clock
from tests.staff_client import PASSWORD, signed_in

WORKER = "worker@example.org"
ADMIN = "admin@example.org"
NEW_PASSWORD = "a brand new long password"
HOST = urlsplit(PUBLIC_BASE_URL).hostname
SIGN_IN_PAGE = f"{PUBLIC_BASE_URL}/staff/login"


def account(email: str) -> StaffUser:
    db.session.expire_all()
    found = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert found is not None
    return found


def is_signed_in(client: Any) -> bool:
    response = client.get("/staff/")
    assert response.status_code in {200, 302}
    return response.status_code == 200


def sign_in(client: Any, email: str = WORKER, password: str = PASSWORD, next: str | None = None) -> Any:
    path = "/staff/login" if next is None else f"/staff/login?next={quote(next, safe='')}"
    return client.post(path, data={"email": email, "password": password})


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def copy_of_cookie(client: Any, app: Any) -> Any:
    """Another browser holding a copy of `client`'s session cookie, as someone could save it."""
    saved = client.get_cookie("session")
    assert saved is not None
    other = app.test_client()
    other.set_cookie("session", saved.value)
    return other


def name_as_worker(email: str, phone: str = "+447700900123") -> None:
    person = people.get_or_create_person(db.session, phone)
    staff.assign(db.session, person, worker=account(email), team=None)
    db.session.commit()


# --- sign-in goes back only to a path of this service -----------------------------------------------------------

ELSEWHERE = [
    "////evil.example/x",  # the report: answered with "Location: //evil.example/x"
    "//evil.example/x",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",  # a browser drops the tab: //evil.example
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    "/\x0b/evil.example",
    " //evil.example",
    " /staff/inbox",
    "\t/staff/inbox",
    "/staff/\u3000/x",  # invisible
    "/\u202e/evil.example",  # right-to-left override
    "https://evil.example/",
    "http:evil.example",
    "http:/evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,hello",
    "%2F%2Fevil.example",  # sent encoded twice: Flask decodes it once
    "//[evil.example",  # urlsplit raises on it (a 500 before)
    "//::",
    "evil.example",
    "staff/inbox",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_sign_in_never_goes_back_anywhere_but_a_path_of_this_service(app: Any, client: Any, target: str) -> None:
    staff.create_user(db.session, WORKER, PASSWORD, "worker")
    db.session.commit()
    response = sign_in(client, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/staff/inbox", "/staff/inbox"),
        ("/staff/people?q=ab&page=2", "/staff/people?q=ab&page=2"),
        ("/staff/people?", "/staff/people"),  # as `require_sign_in` writes a page with no query
        ("/staff/summary?since=2026-01-01#themes", "/staff/summary?since=2026-01-01#themes"),
        ("/staff/café", "/staff/caf%C3%A9"),
        ("/", "/"),
    ],
)
def test_sign_in_goes_back_to_the_page_that_asked(app: Any, client: Any, target: str, location: str) -> None:
    staff.create_user(db.session, WORKER, PASSWORD, "worker")
    db.session.commit()
    assert sign_in(client, next=target).headers["Location"] == location


def test_a_page_that_needed_sign_in_is_where_sign_in_goes(app: Any, client: Any) -> None:
    staff.create_user(db.session, WORKER, PASSWORD, "worker")
    db.session.commit()
    asked = client.get("/staff/people?page=2")
    assert asked.status_code == 302
    response = client.post(asked.headers["Location"], data={"email": WORKER, "password": PASSWORD})
    assert response.headers["Location"] == "/staff/people?page=2"


def test_the_return_address_is_checked_through_the_two_factor_step(app: Any, client: Any, clock: Clock) -> None:
    staff.create_user(db.session, WORKER, PASSWORD, "worker")
    account(WORKER).totp_secret = secret = pyotp.random_base32()
    db.session.commit()

    to_code = sign_in(client, next="////evil.example/x")
    assert to_code.headers["Location"] == "/staff/login/code"  # the bad address is not carried on
    response = client.post("/staff/login/code?next=%2F%2F%2F%2Fevil.example%2Fx", data={"code": code(secret, clock)})
    assert response.headers["Location"] == "/staff/"

    client.post("/staff/logout")
    clock.advance(minutes=1)
    to_code = sign_in(client, next="/staff/inbox")
    assert to_code.headers["Location"] == "/staff/login/code?next=/staff/inbox"
    assert client.post(to_code.headers["Location"], data={"code": code(secret, clock)}).headers["Location"] == (
        "/staff/inbox"
    )
    # The code page sent back to the password page keeps only a good address too.
    client.post("/staff/logout")
    back = app.test_client().get("/staff/login/code?next=%2F%5Cevil.example")
    assert back.headers["Location"] == "/staff/login"


def code(secret: str, clock: Clock) -> str:
    return pyotp.TOTP(secret).at(clock.current)


def browser_host(location: str) -> str | None:
    """The host a browser on the sign-in page goes to for this Location: as the URL standard reads it, leading and
    trailing spaces and controls are dropped, tabs and newlines removed anywhere, and a backslash is a slash."""
    cleaned = location.strip("".join(map(chr, range(0x21))))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    return urlsplit(urljoin(SIGN_IN_PAGE, cleaned)).hostname


TRICKY = st.text(alphabet="/\\\t\n\r \x00\x0b:.@%?#evilxampe\u3000\u202e\u00e9", max_size=24)
PREFIXES = st.sampled_from(["", "/", "//", "/\\", "\\/", " /", "/\t/", "http:", "https://", "javascript:", "%2F"])


@settings(max_examples=400, deadline=None)
@given(target=st.one_of(st.text(max_size=40), TRICKY, st.builds(str.__add__, PREFIXES, TRICKY)))
def test_whatever_it_returns_stays_on_this_service(target: str) -> None:
    path = signin.local_path(target)
    if path is None:
        return
    parts = urlsplit(path)
    assert not parts.scheme and not parts.netloc
    assert path.startswith("/") and path[1:2] not in {"/", "\\"}
    assert iri_to_uri(path) == path  # sent exactly as checked
    assert browser_host(path) == HOST


SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~", min_size=1, max_size=12)


@settings(max_examples=100, deadline=None)
@given(
    segments=st.lists(SEGMENT, min_size=0, max_size=5),
    query=st.dictionaries(SEGMENT, st.text(alphabet="abc123 /:é", max_size=8), max_size=3),
)
def test_every_path_of_this_service_is_kept(segments: list[str], query: dict[str, str]) -> None:
    from urllib.parse import urlencode

    target = "/" + "/".join(segments) + (f"?{urlencode(query)}" if query else "")
    assert signin.local_path(target) == target


# --- signing out ends the session on the server -----------------------------------------------------------------


def test_a_cookie_saved_before_signing_out_no_longer_opens_staff_pages(app: Any) -> None:
    client = signed_in(app, "worker", WORKER)
    saved = copy_of_cookie(client, app)
    assert is_signed_in(saved)

    response = client.post("/staff/logout", follow_redirects=True)
    assert signin.SIGNED_OUT in response.get_data(as_text=True)
    replayed = saved.get("/staff/inbox")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/staff/login")
    told = saved.get(replayed.headers["Location"]).get_data(as_text=True)
    assert "You were signed out: you signed out somewhere else" in told
    assert not is_signed_in(saved)
    assert [(e.actor, e.subject_id) for e in events("sign-out")] == [(WORKER, str(account(WORKER).id))]


def test_signing_out_ends_every_session_of_the_account(app: Any) -> None:
    laptop = signed_in(app, "worker", WORKER)
    phone = signed_in(app, "worker", WORKER)
    colleague = signed_in(app, "worker", "colleague@example.org")
    laptop.post("/staff/logout")
    assert not is_signed_in(phone)
    assert is_signed_in(colleague)  # only that account's sessions end
    assert sign_in(phone).status_code == 302  # and signing in again works
    assert is_signed_in(phone)


def test_a_session_from_before_versions_were_kept_signs_in_again(app: Any) -> None:
    client = signed_in(app, "worker", WORKER)
    with client.session_transaction() as session:
        session["_user_id"] = str(account(WORKER).id)  # as the cookie held it before
    assert not is_signed_in(client)


@pytest.mark.parametrize("carried", ["", "1", "1:", ":1", "x:1", "1:x", "1:2", "0:1", "99999999999:1", "1:١", "1:1:1"])
def test_a_session_id_that_is_not_the_accounts_current_one_finds_nobody(app: Any, carried: str) -> None:
    staff.create_user(db.session, WORKER, PASSWORD, "worker")
    db.session.commit()
    assert staff.session_user(db.session, "1:1") is not None
    assert staff.session_user(db.session, carried) is None


# --- a lock stops new sign-ins, never an open session -----------------------------------------------------------


def test_a_lock_does_not_sign_out_someone_already_signed_in(app: Any, clock: Clock) -> None:
    at_work = signed_in(app, "worker", WORKER)
    someone = app.test_client()
    for _ in range(5):
        assert sign_in(someone, password="guessing at it").status_code == 200
    assert account(WORKER).locked_until == clock.current + timedelta(minutes=15)
    assert is_signed_in(at_work)
    assert at_work.get("/staff/alerts").status_code == 200
    # The lock still stops a new sign-in, even with the right password.
    assert sign_in(app.test_client()).status_code == 200


# --- a new password ---------------------------------------------------------------------------------------------


def change_password(client: Any, current: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None) -> Any:
    return client.post(
        "/staff/account/password",
        data={"current_password": current, "new_password": new, "repeat_password": new if again is None else again},
    )


def test_a_new_password_ends_other_sessions_but_not_this_one(app: Any) -> None:
    here = signed_in(app, "worker", WORKER)
    elsewhere = signed_in(app, "worker", WORKER)
    assert "Change your password" in here.get("/staff/account/password").get_data(as_text=True)

    response = change_password(here)
    assert response.status_code == 302
    assert "You are still signed in here" in here.get(response.headers["Location"]).get_data(as_text=True)
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert sign_in(app.test_client()).status_code == 200  # the old password no longer signs in
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 302
    assert account(WORKER).password_hash.startswith("$argon2id$")
    [event] = events("password-change")
    assert (event.actor, event.subject_id, event.detail) == (WORKER, str(account(WORKER).id), {"own": True})


@pytest.mark.parametrize(
    ("current", "new", "again", "said"),
    [
        ("not my password", NEW_PASSWORD, None, "That is not your current password."),
        (PASSWORD, "too short", None, f"The password must be at least {staff.MIN_PASSWORD_LENGTH} characters."),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "The two new passwords are not the same."),
        (PASSWORD, PASSWORD, None, "The new password must be different from the current one."),
        (PASSWORD, "x" * 2000, None, "The password can be up to 1024 characters."),
    ],
)
def test_a_refused_new_password_changes_nothing(app: Any, current: str, new: str, again: str | None, said: str) -> None:
    here = signed_in(app, "worker", WORKER)
    elsewhere = signed_in(app, "worker", WORKER)
    before = account(WORKER).password_hash

    response = change_password(here, current, new, again)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert said in page and "Nothing was saved" in page
    assert new not in page and current not in page  # nothing typed is sent back
    assert account(WORKER).password_hash == before
    assert is_signed_in(here) and is_signed_in(elsewhere)
    [event] = events("password-change")
    assert event.actor == WORKER and event.detail["refused"] == said[0].lower() + said[1:-1]
    assert new not in str(event.detail) and current not in str(event.detail)


def test_an_admin_resets_a_password_from_the_command_line(app: Any, runner: Any) -> None:
    worker = signed_in(app, "worker", WORKER)
    result = runner.invoke(args=["users", "reset-password", WORKER], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "every session of theirs has ended" in result.output
    assert not is_signed_in(worker)
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 302

    short = runner.invoke(args=["users", "reset-password", WORKER, "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 12" in short.output
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 302  # unchanged
    assert [(e.actor, e.detail) for e in events("password-change")] == [
        ("command line", {"reset": True}),
        (
            "command line",
            {"reset": True, "refused": f"the password must be at least {staff.MIN_PASSWORD_LENGTH} characters"},
        ),
    ]
    unknown = runner.invoke(args=["users", "reset-password", "nobody@example.org", "--password-stdin"], input="x\n")
    assert unknown.exit_code == 1 and "no staff account" in unknown.output


# --- a new role -------------------------------------------------------------------------------------------------


def test_a_new_role_from_the_admin_page_ends_the_session(app: Any) -> None:
    worker = signed_in(app, "worker", WORKER)
    admin = signed_in(app, "admin", ADMIN)
    worker_id = account(WORKER).id
    response = admin.post(f"/staff/users/{worker_id}/role", data={f"u{worker_id}-role": "manager"})
    assert response.status_code == 302
    assert "now has the role “Manager”" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert account(WORKER).role == "manager"
    assert not is_signed_in(worker)
    assert is_signed_in(admin)
    [event] = events("role-change")[-1:]
    assert (event.actor, event.subject_id, event.detail) == (
        ADMIN,
        str(worker_id),
        {"role": "manager", "was": "worker"},
    )


def test_a_new_role_from_the_command_line_ends_the_session(app: Any, runner: Any) -> None:
    worker = signed_in(app, "worker", WORKER)
    result = runner.invoke(args=["users", "set-role", WORKER, "advocacy"])
    assert result.exit_code == 0, result.output
    assert account(WORKER).role == "advocacy" and not is_signed_in(worker)
    again = runner.invoke(args=["users", "set-role", WORKER, "advocacy"])
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert runner.invoke(args=["users", "set-role", WORKER, "boss"]).exit_code == 2
    assert [(e.actor, e.detail) for e in events("role-change")] == [
        ("command line", {"role": "advocacy", "was": "worker"})
    ]


def test_a_named_worker_keeps_a_role_with_an_inbox(app: Any, runner: Any) -> None:
    admin = signed_in(app, "admin", ADMIN)
    worker = signed_in(app, "worker", WORKER)
    name_as_worker(WORKER)
    worker_id = account(WORKER).id
    response = admin.post(f"/staff/users/{worker_id}/role", data={f"u{worker_id}-role": "champions"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "1 young person name them as their worker" in page and "Nothing was changed" in page
    assert f'id="u{worker_id}-role-error"' in page
    assert account(WORKER).role == "worker" and is_signed_in(worker)
    refused = runner.invoke(args=["users", "set-role", WORKER, "champions"])
    assert refused.exit_code == 1 and "name them as their worker" in refused.output
    assert [e.detail["role"] for e in events("role-change")] == ["champions", "champions"]
    # A manager may be a named worker.
    assert admin.post(f"/staff/users/{worker_id}/role", data={f"u{worker_id}-role": "manager"}).status_code == 302


def test_an_admin_cannot_change_their_own_role_nor_leave_no_admin(app: Any, runner: Any) -> None:
    admin = signed_in(app, "admin", ADMIN)
    admin_id = account(ADMIN).id
    page = admin.get("/staff/users").get_data(as_text=True)
    assert "This is you" in page and f"/staff/users/{admin_id}/role" not in page
    mine = admin.post(f"/staff/users/{admin_id}/role", data={f"u{admin_id}-role": "worker"})
    assert mine.status_code == 400 and "You cannot change your own role" in mine.get_data(as_text=True)
    last = runner.invoke(args=["users", "set-role", ADMIN, "worker"])
    assert last.exit_code == 1 and "last active admin" in last.output
    assert account(ADMIN).role == "admin" and is_signed_in(admin)
    # With a second admin, one can make the other a worker; then that one is the last.
    other = signed_in(app, "admin", "second@example.org")
    assert other.post(f"/staff/users/{admin_id}/role", data={f"u{admin_id}-role": "worker"}).status_code == 302
    assert not is_signed_in(admin)
    assert runner.invoke(args=["users", "set-role", "second@example.org", "manager"]).exit_code == 1
    refusals = [(e.actor, e.detail["refused"].split(":")[0]) for e in events("role-change") if "refused" in e.detail]
    assert refusals == [
        (ADMIN, "you cannot change your own role"),
        ("command line", "this is the last active admin account"),
        ("command line", "this is the last active admin account"),
    ]


# --- deactivation -----------------------------------------------------------------------------------------------


def test_an_admin_deactivates_a_worker_who_has_left(app: Any) -> None:
    worker = signed_in(app, "worker", WORKER)
    token = tokens.create(db.session, WORKER, now=now())
    db.session.commit()
    name_as_worker(WORKER)
    api = app.test_client()
    assert api.get("/api/v1/themes", headers={"Authorization": f"Bearer {token}"}).status_code == 403  # their role
    admin = signed_in(app, "admin", ADMIN)
    worker_id = account(WORKER).id

    page = admin.get("/staff/users").get_data(as_text=True)
    assert "Named worker of 1 young person" in page and "go to the team's duty inbox" in page
    response = admin.post(f"/staff/users/{worker_id}/deactivate")
    assert response.status_code == 302
    said = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "is switched off" in said and "1 young person name them as their worker" in said

    assert not account(WORKER).active
    assert not is_signed_in(worker)  # their open session ended
    assert "not recognised" in sign_in(app.test_client()).get_data(as_text=True)  # they cannot sign in
    assert api.get("/api/v1/themes", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    [event] = events("deactivate")
    assert (event.actor, event.subject_id, event.detail) == (ADMIN, str(worker_id), {"named": 1})

    assert admin.post(f"/staff/users/{worker_id}/reactivate").status_code == 302
    assert sign_in(app.test_client()).status_code == 302
    assert [e.actor for e in events("reactivate")] == [ADMIN]


def test_a_deactivated_owners_api_token_is_refused_and_audited(app: Any) -> None:
    staff.create_user(db.session, "dashboard@example.org", PASSWORD, "manager")
    token = tokens.create(db.session, "dashboard@example.org", now=now())
    db.session.commit()
    assert tokens.owner(db.session, token, now=now()) is not None
    staff.deactivate(db.session, account("dashboard@example.org"), now=now())
    db.session.commit()
    assert tokens.owner(db.session, token, now=now()) is None
    refused = [e for e in events("login-failed") if e.actor == tokens.SUMMARY_API]
    assert [(e.subject_id, e.detail["reason"]) for e in refused] == [
        (str(account("dashboard@example.org").id), "not active")
    ]


def test_deactivation_from_the_command_line(app: Any, runner: Any) -> None:
    worker = signed_in(app, "worker", WORKER)
    name_as_worker(WORKER)
    result = runner.invoke(args=["users", "deactivate", WORKER])
    assert result.exit_code == 0, result.output
    assert "1 young person names them as their worker" in result.output
    assert not is_signed_in(worker)
    assert sign_in(app.test_client()).status_code == 200
    assert "already deactivated" in runner.invoke(args=["users", "deactivate", WORKER]).output
    assert runner.invoke(args=["users", "reactivate", WORKER]).exit_code == 0
    assert sign_in(app.test_client()).status_code == 302
    assert [(e.action, e.actor) for e in events("deactivate") + events("reactivate")] == [
        ("deactivate", "command line"),
        ("reactivate", "command line"),
    ]


def test_an_admin_cannot_deactivate_themselves_nor_the_last_admin(app: Any, runner: Any) -> None:
    admin = signed_in(app, "admin", ADMIN)
    admin_id = account(ADMIN).id
    mine = admin.post(f"/staff/users/{admin_id}/deactivate")
    assert mine.status_code == 400 and "You cannot deactivate your own account" in mine.get_data(as_text=True)
    last = runner.invoke(args=["users", "deactivate", ADMIN])
    assert last.exit_code == 1 and "last active admin" in last.output
    assert account(ADMIN).active and is_signed_in(admin)
    assert [e.detail["refused"][:20] for e in events("deactivate")] == [
        "you cannot deactivat",
        "this is the last act",
    ]


def test_the_accounts_page_lists_every_account(app: Any, clock: Clock) -> None:
    staff.create_user(db.session, WORKER, PASSWORD, "worker", team="Hamilton", display_name="Sam")
    db.session.commit()
    admin = signed_in(app, "admin", ADMIN)
    page = admin.get("/staff/users").get_data(as_text=True)
    assert "Sam" in page and WORKER in page
    assert "<dt>Role</dt><dd>Worker</dd>" in page and "<dt>Team</dt><dd>Hamilton</dd>" in page
    assert "<dt>Two-factor sign-in</dt><dd>Off</dd>" in page and "<dt>Last signed in</dt><dd>Never</dd>" in page
    assert "<dt>Last signed in</dt><dd>Today at 2:00pm</dd>" in page  # the admin's own, UK time
    assert "Named worker of 0 young people" in page
    assert '<strong class="tag done">Active</strong>' in page
    assert admin.get("/staff/users/999/role").status_code == 405
    assert admin.post("/staff/users/999/deactivate").status_code == 404
    worker = signed_in(app, "worker", WORKER)
    assert worker.get("/staff/users").status_code == 403


def test_the_accounts_page_and_the_password_page_carry_their_csrf_tokens(app: Any) -> None:
    staff.create_user(db.session, WORKER, PASSWORD, "worker")
    db.session.commit()
    admin = signed_in(app, "admin", ADMIN)
    worker_id = account(WORKER).id
    app.config["WTF_CSRF_ENABLED"] = True
    page = admin.get("/staff/users").get_data(as_text=True)
    role_token = re.search(rf'name="u{worker_id}-csrf_token" type="hidden" value="([^"]+)"', page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert role_token is not None and token is not None

    assert admin.post(f"/staff/users/{worker_id}/role", data={f"u{worker_id}-role": "manager"}).status_code == 400
    assert admin.post(f"/staff/users/{worker_id}/deactivate").status_code == 400
    assert account(WORKER).role == "worker" and account(WORKER).active
    with_token = {f"u{worker_id}-role": "manager", f"u{worker_id}-csrf_token": role_token.group(1)}
    assert admin.post(f"/staff/users/{worker_id}/role", data=with_token).status_code == 302
    assert admin.post(f"/staff/users/{worker_id}/deactivate", data={"csrf_token": token.group(1)}).status_code == 302
    assert account(WORKER).role == "manager" and not account(WORKER).active

    page = admin.get("/staff/account/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    fields = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}
    assert admin.post("/staff/account/password", data=fields).status_code == 400
    assert admin.post("/staff/account/password", data=fields | {"csrf_token": token.group(1)}).status_code == 302
