"""Staff pages: private by default, roles, and the SMS simulator that never touches a real number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.extensions import db
from feedback.messages.models import InboundMessage, OutboundMessage

PASSWORD = "a long enough password"
STAFF_PAGES = ["/staff/", "/staff/simulator", "/staff/alerts"]


def make_user(role: str = "admin", email: str = "worker@example.org") -> None:
    staff.create_user(db.session, email, PASSWORD, role)
    db.session.commit()


def sign_in(client: Any, email: str = "worker@example.org", password: str = PASSWORD) -> Any:
    return client.post("/staff/login", data={"email": email, "password": password})


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_need_a_signed_in_member_of_staff(app: Any, client: Any, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_the_wrong_password_does_not_sign_in(app: Any, client: Any) -> None:
    make_user()
    response = sign_in(client, password="not the password")
    assert response.status_code == 200
    assert "not recognised" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_an_unknown_email_gets_the_same_answer(app: Any, client: Any) -> None:
    response = sign_in(client, email="nobody@example.org")
    assert "not recognised" in response.get_data(as_text=True)


def test_signing_in_and_out(app: Any, client: Any) -> None:
    make_user()
    assert sign_in(client).status_code == 302
    assert client.get("/staff/").status_code == 200
    client.post("/staff/logout")
    assert client.get("/staff/").status_code == 302


def test_sign_in_never_redirects_off_the_site(app: Any, client: Any) -> None:
    make_user()
    response = client.post(
        "/staff/login?next=https://evil.example/", data={"email": "worker@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/staff/"


@pytest.mark.parametrize("page", ["/staff/simulator", "/staff/alerts"])
def test_the_champions_role_cannot_see_messages(app: Any, client: Any, page: str) -> None:
    make_user(role="champions")
    sign_in(client)
    assert client.get(page).status_code == 403


def test_forms_need_a_csrf_token(app: Any, client: Any) -> None:
    make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    assert sign_in(client).status_code == 400


def test_users_create_from_the_command_line(app: Any, runner: Any) -> None:
    result = runner.invoke(
        args=["users", "create", "Admin@Example.org", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin@example.org (admin)" in result.output
    again = runner.invoke(args=["users", "create", "admin@example.org", "--role", "admin", "--password-stdin"],
                          input=PASSWORD + "\n")  # fmt: skip
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_users_create_refuses_a_short_password_or_unknown_role(app: Any, runner: Any) -> None:
    short = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin", "--password-stdin"], input="x\n")
    assert short.exit_code == 1
    assert "at least 12" in short.output
    role = runner.invoke(args=["users", "create", "a@example.org", "--role", "boss", "--password-stdin"], input="x\n")
    assert role.exit_code == 2


def test_passwords_are_stored_as_argon2_hashes(app: Any) -> None:
    make_user()
    from feedback.accounts.models import StaffUser

    stored = db.session.scalars(select(StaffUser.password_hash)).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


class TestSimulator:
    @pytest.fixture(autouse=True)
    def signed_in(self, app: Any, client: Any) -> None:
        make_user(role="worker")
        sign_in(client)

    def text(self, client: Any, body: str, phone: str = "07700 900321") -> Any:
        return client.post("/staff/simulator/text", data={"phone": phone, "body": body}, follow_redirects=True)

    def test_a_member_of_staff_runs_a_survey_by_text_in_the_browser(self, app: Any, client: Any) -> None:
        page = self.text(client, "CHECKIN").get_data(as_text=True)
        assert "How are things where you live?" in page
        page = self.text(client, "5").get_data(as_text=True)
        assert "Do you see your worker enough?" in page
        assert db.session.scalars(select(InboundMessage.channel)).all() == ["sms", "sms"]

    def test_the_thread_is_addressed_by_pseudonym_never_by_number(self, app: Any, client: Any) -> None:
        response = client.post("/staff/simulator/text", data={"phone": "07700 900321", "body": "hi"})
        location = response.headers["Location"]
        assert re.search(r"p=yp-[0-9a-f]{12}#reply$", location)  # back at the reply box, not the top of the page
        assert "7700" not in location

    def test_real_numbers_are_refused(self, app: Any, client: Any) -> None:
        page = self.text(client, "CHECKIN", phone="07911 123456").get_data(as_text=True)
        assert "drama number" in page
        assert db.session.scalars(select(InboundMessage)).first() is None

    def test_a_real_persons_thread_cannot_be_opened(self, app: Any, client: Any, twilio: Any) -> None:
        twilio.replies("hello", sender="+447911123456")
        from feedback.people.models import Person

        pseudonym = db.session.scalars(select(Person.pseudonym)).one()
        assert client.get(f"/staff/simulator?p={pseudonym}").status_code == 404

    def test_sending_a_survey_to_the_pretend_number_queues_it(self, app: Any, client: Any, runner: Any) -> None:
        response = client.post("/staff/simulator/text", data={"phone": "07700 900321", "body": "hi"})
        found = re.search(r"p=(yp-[0-9a-f]{12})", response.headers["Location"])
        assert found
        pseudonym = found.group(1)
        client.post(f"/staff/simulator/send/{pseudonym}", data={"survey": "monthly-checkin"})
        assert runner.invoke(args=["outbox", "flush"]).exit_code == 0
        page = client.get(f"/staff/simulator?p={pseudonym}").get_data(as_text=True)
        assert "How are things where you live?" in page
        assert "simulated" in page
        sent = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "survey-invite")).one()
        assert sent.status == "simulated"

    def test_open_alerts_are_listed_for_workers(self, app: Any, client: Any) -> None:
        self.text(client, "I want to hurt myself")
        page = client.get("/staff/alerts").get_data(as_text=True)
        assert "self-harm" in page
        assert "I want to hurt myself" in page
        assert "1 safeguarding alert waiting" in client.get("/staff/").get_data(as_text=True)
