"""Statements: a young person sends one from their own page, it reaches their named worker (or the duty inbox),
the worker acknowledges and replies, the reply reaches the young person by text and on their page, and one left
unread escalates to the manager after two working days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.core.clock import now
from feedback.core.permissions import Viewer
from feedback.extensions import db
from feedback.messages.models import OutboundMessage
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from feedback.statements import operations as statements
from feedback.statements import queries as statement_queries
from feedback.statements.models import Statement
from tests.conftest import YOUNG_PERSON, Clock, count
from tests.web_client import Respondent

PASSWORD = "a long enough password"
WORRIED = "statement-worried"


def worker(email: str = "sam@example.org", role: str = "worker", team: str = "Hamilton", name: str = "Sam") -> Any:
    user = staff.create_user(db.session, email, PASSWORD, role, team=team, display_name=name)
    db.session.commit()
    return user


def young_person(phone: str = YOUNG_PERSON, *, worker_user: Any = None) -> tuple[Person, str]:
    person = people.get_or_create_person(db.session, phone)
    if worker_user is not None:
        staff.assign(db.session, person, worker=worker_user, team=None)
    token = links.issue(db.session, person.id, now=now(), valid_for=timedelta(days=90))
    db.session.commit()
    return person, token


def send_worried(client: Any, token: str, worry: str = "My placement might change and nobody has said") -> None:
    respondent = Respondent(client)
    respondent.complete(f"/s/{WORRIED}/{token}", [worry, "Tell me what is happening"])


def sign_in(client: Any, email: str) -> None:
    response = client.post("/staff/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_their_page_offers_every_kind_of_statement(app: Any, client: Any) -> None:
    _, token = young_person()
    page = client.get(f"/me/{token}").get_data(as_text=True)
    assert "What would you like to do?" in page
    titles = [
        "Get ready for a meeting",
        "I&#39;m worried about something",
        "Share some good news",
        "I want something to change",
        "Make a complaint",
        "Something else",
    ]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)  # in the order the brief lists them


def test_the_meeting_statement_asks_the_five_things(app: Any, client: Any) -> None:
    _, token = young_person()
    respondent = Respondent(client)
    asked = [respondent.page(f"/s/statement-meeting/{token}/q/{n}").get_data(as_text=True) for n in range(1, 6)]
    for page, words in zip(
        asked,
        ["What meeting", "going well", "not going so well", "want to happen", "Who do you want to be there"],
        strict=True,
    ):
        assert words in page


def test_a_statement_reaches_the_named_worker_who_reads_and_replies(app: Any, client: Any) -> None:
    sam = worker()
    person, token = young_person(worker_user=sam)
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    assert statement.worker_id == sam.id and statement.status == "sent"
    assert "Sent: not read yet" in client.get(f"/me/{token}").get_data(as_text=True)

    staff_client = app.test_client()
    sign_in(staff_client, "sam@example.org")
    inbox = staff_client.get("/staff/inbox").get_data(as_text=True)
    assert "worried about something" in inbox and person.pseudonym in inbox
    page = staff_client.get(f"/staff/statements/{statement.id}").get_data(as_text=True)
    assert "My placement might change and nobody has said" in page
    assert staff_client.post(f"/staff/statements/{statement.id}/acknowledge").status_code == 302
    assert "Read by your worker" in client.get(f"/me/{token}").get_data(as_text=True)

    reply = staff_client.post(
        f"/staff/statements/{statement.id}/reply", data={"body": "Thanks for telling me. I'll call you tomorrow."}
    )
    assert reply.status_code == 302
    mine = client.get(f"/me/{token}").get_data(as_text=True)
    assert "Replied" in mine and "I&#39;ll call you tomorrow." in mine and "Sam" in mine
    text = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "statement-reply")).one()
    assert text.person_id == person.id and text.status == "queued"
    assert text.body == "Reply from Sam: Thanks for telling me. I'll call you tomorrow."


def test_the_worker_is_told_truthfully_when_the_reply_will_be_texted(app: Any, client: Any, clock: Clock) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    staff_client = app.test_client()
    sign_in(staff_client, "sam@example.org")
    said = staff_client.post(f"/staff/statements/{statement.id}/reply", data={"body": "Thanks"}, follow_redirects=True)
    assert "queued to be texted to them now" in said.get_data(as_text=True)

    clock.current = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # quiet hours: a worker's text waits for the morning
    said = staff_client.post(f"/staff/statements/{statement.id}/reply", data={"body": "And"}, follow_redirects=True)
    page = said.get_data(as_text=True)
    assert "The text will go tomorrow at 8:00am, after quiet hours." in page and "sent by text" not in page


def test_a_reply_to_someone_who_cannot_be_texted_shows_only_on_their_page(app: Any, client: Any) -> None:
    sam = worker()
    person, token = young_person(worker_user=sam)
    person.opted_out_at = now()
    db.session.commit()
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    statements.reply(db.session, statement, sam, "Got it, thank you", now=now())
    db.session.commit()
    assert count("outbound_message") == 0
    assert "Got it, thank you" in client.get(f"/me/{token}").get_data(as_text=True)


def test_an_empty_or_over_long_reply_is_refused_and_kept(app: Any, client: Any) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    staff_client = app.test_client()
    sign_in(staff_client, "sam@example.org")
    long_reply = "x" * 1001
    response = staff_client.post(f"/staff/statements/{statement.id}/reply", data={"body": long_reply})
    assert response.status_code == 400
    assert "up to 1000 characters" in response.get_data(as_text=True) and long_reply in response.get_data(as_text=True)
    assert staff_client.post(f"/staff/statements/{statement.id}/reply", data={"body": "  "}).status_code == 400
    assert count("statement_reply") == 0


def test_with_no_named_worker_a_statement_goes_to_the_duty_inbox(app: Any, client: Any) -> None:
    _, token = young_person()
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    assert statement.worker_id is None and statement.team.name == "Duty team"
    duty = worker("duty@example.org", team="Duty team", name="Alex")
    elsewhere = worker("kim@example.org", team="Clydesdale", name="Kim")
    assert sees(duty, statement)
    assert not sees(elsewhere, statement)


def sees(user: StaffUser, statement: Statement) -> bool:
    """Whether `user` may read `statement`, by the one rule every page uses (`permissions.statements`)."""
    viewer = Viewer.of(user, statement_queries.duty_team_id(db.session, "Duty team"))
    try:
        statement_queries.get_for(db.session, statement.id, viewer)
    except statement_queries.NotAllowed:
        return False
    return True


def test_an_admin_reads_every_statement_but_only_workers_and_managers_answer(app: Any, client: Any) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    worker("admin@example.org", role="admin")
    staff_client = app.test_client()
    sign_in(staff_client, "admin@example.org")
    assert staff_client.get("/staff/inbox").status_code == 200
    page = staff_client.get(f"/staff/statements/{statement.id}").get_data(as_text=True)
    assert "placement" in page and "Send reply" not in page and "Mark as read" not in page
    assert staff_client.post(f"/staff/statements/{statement.id}/acknowledge").status_code == 403
    assert staff_client.post(f"/staff/statements/{statement.id}/reply", data={"body": "hi"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Statement, statement.id).read_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["champions", "advocacy"])
def test_other_roles_never_see_statements(app: Any, client: Any, role: str) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    worker("other@example.org", role=role, team="Hamilton")
    staff_client = app.test_client()
    sign_in(staff_client, "other@example.org")
    assert staff_client.get("/staff/inbox").status_code == 403
    page = staff_client.get(f"/staff/statements/{statement.id}")
    assert page.status_code == 403
    assert "placement" not in page.get_data(as_text=True)


def test_another_worker_cannot_open_someone_elses_statement(app: Any, client: Any) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    worker("jo@example.org", team="Hamilton", name="Jo")
    staff_client = app.test_client()
    sign_in(staff_client, "jo@example.org")
    assert statement.id and "worried" not in staff_client.get("/staff/inbox").get_data(as_text=True)
    assert staff_client.get(f"/staff/statements/{statement.id}").status_code == 404
    assert staff_client.post(f"/staff/statements/{statement.id}/acknowledge").status_code == 404
    assert db.session.get(Statement, statement.id).read_at is None  # type: ignore[union-attr]


def test_an_unread_statement_escalates_to_the_manager_after_two_working_days(
    app: Any, client: Any, clock: Clock, runner: Any
) -> None:
    clock.current = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # a Friday afternoon
    sam = worker()
    manager = worker("boss@example.org", role="manager", team="Hamilton", name="Pat")
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    assert statement.due_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday: the weekend does not count
    assert "1" not in runner.invoke(args=["statements", "escalate", "--now", "2026-11-30T15:00:00Z"]).output
    result = runner.invoke(args=["statements", "escalate", "--now", "2026-12-01T15:00:00Z"])
    assert result.exit_code == 0 and "Escalated 1" in result.output
    again = runner.invoke(args=["statements", "escalate", "--now", "2026-12-02T15:00:00Z"])
    assert "Escalated 0" in again.output  # once
    db.session.expire_all()
    assert db.session.get(Statement, statement.id).escalated_at is not None  # type: ignore[union-attr]
    assert sees(manager, statement)
    staff_client = app.test_client()
    sign_in(staff_client, "boss@example.org")
    assert "escalated to the manager" in staff_client.get("/staff/inbox").get_data(as_text=True)


def test_a_read_statement_never_escalates(app: Any, client: Any, runner: Any) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    statement = db.session.scalars(select(Statement)).one()
    statements.acknowledge(db.session, statement, sam, now=now())
    db.session.commit()
    result = runner.invoke(args=["statements", "escalate", "--now", "2027-01-30T15:00:00Z"])
    assert "Escalated 0" in result.output


def test_a_statement_is_screened_like_every_message(app: Any, client: Any) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token, worry="He hits me when he's drunk")
    # The risk's alert (a concern the screen reads in the other answer has an alert of its own tier).
    alert = db.session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.tier == "risk")).one()
    assert alert.message.channel == "web"
    assert count("statement") == 1


def test_statements_stay_out_of_the_bulk_export(app: Any, client: Any, runner: Any) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    result = runner.invoke(args=["responses", "export", "--format", "jsonl"])
    assert result.exit_code == 0
    assert "placement" not in result.stdout


def test_a_statement_cannot_be_sent_as_a_survey(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["surveys", "send", WORRIED, "--to", YOUNG_PERSON])
    assert result.exit_code != 0 and "statement" in result.output
    assert count("outbound_message") == 0


def test_a_statement_is_not_sent_until_its_required_question_is_answered(app: Any, client: Any) -> None:
    sam = worker()
    _, token = young_person(worker_user=sam)
    respondent = Respondent(client)
    response = respondent.submit(f"/s/{WORRIED}/{token}/q/2", "Someone to talk to")
    assert response.headers["Location"].endswith(f"/s/{WORRIED}/{token}/q/1")
    assert count("statement") == 0
    finished = respondent.submit(f"/s/{WORRIED}/{token}/q/1", "Moving school")
    assert finished.headers["Location"].endswith(f"/s/{WORRIED}/{token}/done")
    assert count("statement") == 1


def test_the_scheduler_escalates_statements_on_its_own(app: Any, client: Any, clock: Clock) -> None:
    from feedback.ops import runner as processes

    assert "escalate-statements" in processes.JOBS
    sam = worker()
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    assert processes.escalate_statements() == 0
    clock.advance(days=3)  # Monday 14:00 to Thursday 14:00: past two working days
    assert processes.escalate_statements() == 1
    assert processes.escalate_statements() == 0


def test_the_home_page_says_what_is_waiting(app: Any, client: Any, runner: Any) -> None:
    sam = worker()
    worker("boss@example.org", role="manager", team="Hamilton", name="Pat")
    _, token = young_person(worker_user=sam)
    send_worried(client, token)
    staff_client = app.test_client()
    sign_in(staff_client, "sam@example.org")
    home = staff_client.get("/staff/").get_data(as_text=True)
    assert "<strong>1</strong> statement to you waiting to be read" in home
    runner.invoke(args=["statements", "escalate", "--now", "2027-01-01T12:00:00Z"])
    manager_client = app.test_client()
    sign_in(manager_client, "boss@example.org")
    home = manager_client.get("/staff/").get_data(as_text=True)
    assert "<strong>1</strong> statement to your team waiting to be read" in home
    assert "; escalated to the manager" in home
