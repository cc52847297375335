"""A young person's rights and the service's memory: everything held about one young person comes out on request;
erasure removes their identifiers and words and keeps anonymous counts; the nightly retention removes words
after two years and identifiers when someone leaves or turns 26; every view and export of identifiable data,
every recode and role change is in an audit log nobody can edit."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from feedback.advocacy.models import AdvocacyOffer
from feedback.audit.models import AuditEvent
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.insight.models import MessageAnalysis
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.ops import runner as processes
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from feedback.surveys.models import Answer
from tests.conftest import YOUNG_PERSON, Clock, TwilioWebhook, count
from tests.staff_client import signed_in

PASSWORD = "a long enough password"
REGISTER = """ref,phone,date_of_birth,locality,care_setting,worker_email,consent_sms
SL-1,07700 900123,2010-05-01,Hamilton,foster,,yes
SL-2,07700 900777,2000-01-10,Clydesdale,aftercare,,yes
"""
WORDS = "my placement is lonely and nobody listens to me about school"


@pytest.fixture
def history(app: Any, runner: Any, twilio: TwilioWebhook, tmp_path: Path, clock: Clock) -> Person:
    """SL-1 on the register, who did the check-in by text, sent some words, and was offered advocacy."""
    path = tmp_path / "people.csv"
    path.write_text(REGISTER, encoding="utf-8")
    assert runner.invoke(args=["people", "import", str(path)]).exit_code == 0
    for body in ("CHECKIN", "4", "a", "yes", WORDS):
        twilio.replies(body)
    analysis.analyse_pending(db.session, now=clock.current)
    person = db.session.scalars(select(Person).where(Person.ref == "SL-1")).one()
    db.session.add(
        AdvocacyOffer(
            person_id=person.id, offered_on=date(2026, 11, 2), offered_by="IRO", context="complaint",
            response="accepted", notes="Worried about school moves", created_at=clock.current,
        )
    )  # fmt: skip
    db.session.commit()
    return person


def audit_actions() -> list[tuple[str, str | None]]:
    db.session.expire_all()
    return [(e.action, e.subject_type) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# --- subject access ----------------------------------------------------------------------------------------


def test_everything_held_about_one_young_person_comes_out(app: Any, runner: Any, history: Person) -> None:
    result = runner.invoke(args=["people", "export", "SL-1"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["record"]["reference"] == "SL-1" and document["record"]["phone"] == YOUNG_PERSON
    assert document["record"]["date_of_birth"] == "2010-05-01"
    assert WORDS in [m["text"] for m in document["messages_from_them"]]
    assert {a["question"]: a["answer"] for a in document["answers"]}["home"] == "4"
    assert any("How are things where you live" in m["text"] for m in document["messages_to_them"])
    assert document["advocacy"][0]["notes"] == "Worried about school moves"
    assert ("subject-access", "person") in audit_actions()
    by_phone = runner.invoke(args=["people", "export", "--phone", "07700 900123", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(by_phone.stdout)))
    assert {"section": "record", "item": "1", "field": "reference", "value": "SL-1"} in rows
    assert any(row["value"] == WORDS for row in rows)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["SL-404"], "Nobody on record has that reference or number."),
        (["--phone", "not a number"], "is not a phone number"),
        (["SL-1", "--phone", "07700 900123"], "not both"),
        ([], "not both"),
    ],
)
def test_asking_for_nobody_is_a_clear_usage_error(app: Any, runner: Any, args: list[str], expected: str) -> None:
    for command in ("export", "erase"):
        result = runner.invoke(args=["people", command, *args, *(["--yes"] if command == "erase" else [])])
        assert result.exit_code == 2 and expected in result.output
        assert "not a number" not in result.output.replace("is not a phone number", "")


# --- erasure ------------------------------------------------------------------------------------------------


def test_erasure_removes_identifiers_and_words_and_keeps_the_counts(
    app: Any, runner: Any, history: Person, twilio: TwilioWebhook
) -> None:
    themes_before = count("message_theme")
    messages_before = count("inbound_message")
    result = runner.invoke(args=["people", "erase", "SL-1", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Counts stay." in result.output
    db.session.expire_all()
    person = db.session.get(Person, history.id)
    assert person is not None and person.erased_at is not None
    assert (person.ref, person.phone_hash, person.date_of_birth) == (None, None, None)
    assert db.session.scalar(select(Person.phone).where(Person.id == person.id)) is None
    assert person.locality == "Hamilton" and person.pseudonym.startswith("yp-")  # how counts are kept
    bodies = db.session.scalars(select(InboundMessage.body).where(InboundMessage.person_id == person.id)).all()
    assert bodies and set(bodies) == {""}
    assert set(db.session.scalars(select(OutboundMessage.body).where(OutboundMessage.person_id == person.id))) == {""}
    assert all(a.raw_text is None for a in db.session.scalars(select(Answer)))
    assert [a.value_number for a in db.session.scalars(select(Answer)) if a.value_number is not None] == [4]
    assert all(m.redacted == "" and m.key_phrases == [] for m in db.session.scalars(select(MessageAnalysis)))
    assert db.session.scalars(select(AdvocacyOffer.notes)).one() is None
    assert (count("message_theme"), count("inbound_message")) == (themes_before, messages_before)
    assert people.find_person(db.session, YOUNG_PERSON) is None
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).all()
    assert event.subject_id == str(person.id) and event.detail["counts"]["messages"] == 5
    assert "SL-1" not in json.dumps(event.detail) and "7700" not in json.dumps(event.detail)
    again = runner.invoke(args=["people", "erase", "--phone", "07700 900777", "--yes"])
    assert again.exit_code == 0  # SL-2 is someone else, untouched till now
    assert runner.invoke(args=["people", "export", "SL-1"]).exit_code == 2  # gone


def test_erasure_asks_first(app: Any, runner: Any, history: Person) -> None:
    result = runner.invoke(args=["people", "erase", "SL-1"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert db.session.scalars(select(Person.ref).where(Person.id == history.id)).one() == "SL-1"


# --- retention ----------------------------------------------------------------------------------------------


def test_retention_removes_old_words_and_the_identifiers_of_those_who_left(
    app: Any, runner: Any, history: Person, twilio: TwilioWebhook, clock: Clock
) -> None:
    clock.advance(days=729)
    twilio.replies("still here, still lonely", sender="+447700900777")  # SL-2, two years on less a day
    clock.advance(days=2)  # the first messages are now over 730 days old
    db.session.execute(text("UPDATE person SET eligible_until = :d WHERE ref = 'SL-1'"), {"d": date(2027, 1, 1)})
    db.session.commit()
    processes.apply_retention()
    db.session.expire_all()
    old = db.session.scalars(select(InboundMessage.body).where(InboundMessage.person_id == history.id)).all()
    assert set(old) == {""}
    recent = db.session.scalars(select(InboundMessage.body).where(InboundMessage.person_id != history.id)).all()
    assert recent == ["still here, still lonely"]
    refs = dict(db.session.execute(select(Person.id, Person.ref)).all())
    # SL-1 left the service in 2027; SL-2 turned 26 on 2026-01-10.
    assert refs[history.id] is None and "SL-2" not in refs.values()
    assert count("message_theme") > 0
    assert ("retention", None) in audit_actions()


@pytest.mark.parametrize("app_config", [{"MESSAGE_RETENTION_DAYS": 30, "IDENTIFIER_MAX_AGE": 30}])
def test_the_retention_policy_is_a_setting(app: Any, history: Person, clock: Clock) -> None:
    clock.advance(days=31)
    processes.apply_retention()
    db.session.expire_all()
    assert set(db.session.scalars(select(InboundMessage.body))) == {""}
    assert db.session.scalars(select(Person.ref).where(Person.ref == "SL-2")).one() == "SL-2"  # 26, under 30


# --- the audit log ------------------------------------------------------------------------------------------


def test_views_of_records_and_recodes_are_audited(app: Any, history: Person) -> None:
    client = signed_in(app, "admin")
    assert client.get("/staff/people").status_code == 200
    assert client.get(f"/staff/people/{history.id}/edit").status_code == 200
    message_id = db.session.scalars(select(InboundMessage.id).order_by(InboundMessage.id.desc())).first()
    assert client.get(f"/staff/messages/{message_id}").status_code == 200
    assert client.post(f"/staff/messages/{message_id}/themes", data={"theme": ["education"]}).status_code == 302
    assert client.get("/staff/alerts").status_code == 200
    actions = audit_actions()
    for expected in (
        ("view", "person-list"), ("view", "person"), ("view", "message"), ("recode", "message"), ("view", "alert-list"),
    ):  # fmt: skip
        assert expected in actions
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "admin@example.org" in page and "Changed the themes or risk of a message" in page
    assert WORDS not in page and "7700" not in page


@pytest.mark.parametrize("role", ["manager", "worker", "champions", "advocacy"])
def test_only_admins_read_the_audit_log(app: Any, role: str) -> None:
    assert signed_in(app, role).get("/staff/audit").status_code == 403


def test_nobody_can_change_or_delete_an_audit_entry(app: Any, history: Person, runner: Any) -> None:
    runner.invoke(args=["people", "export", "SL-1"])
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()
    assert count("audit_event") >= 1


def test_a_new_staff_account_is_a_role_change_in_the_log(app: Any, runner: Any) -> None:
    created = runner.invoke(
        args=["users", "create", "new@example.org", "--role", "manager", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert created.exit_code == 0, created.output
    assert ("role-change", "staff_user") in audit_actions()


def test_an_export_of_answers_is_in_the_log(app: Any, runner: Any, history: Person) -> None:
    runner.invoke(args=["responses", "export", "--format", "jsonl"])
    assert ("export", "responses") in audit_actions()


# --- loop protection ----------------------------------------------------------------------------------------


def test_an_auto_responder_gets_the_same_reply_three_times_then_silence(app: Any, twilio: TwilioWebhook) -> None:
    # An auto-responder whose message happens to be a keyword: each HELP would be answered with the help text.
    answers = [twilio.replies("Help") for _ in range(6)]
    assert [len(reply) for reply in answers] == [1, 1, 1, 0, 0, 0]
    assert count("inbound_message") == 6  # every message is still stored
    assert twilio.replies("CHECKIN")  # a different reply still goes


def test_a_flood_of_texts_is_stored_and_screened_but_not_answered(app: Any, twilio: TwilioWebhook) -> None:
    from feedback.messages import inbound

    for number in range(inbound.BURST_LIMIT):
        twilio.replies(f"message number {number}")
    assert twilio.replies("are you there") == []
    assert twilio.replies("I want to kill myself") != []  # the safeguarding help is never held back
    assert count("inbound_message") == inbound.BURST_LIMIT + 2
    # One risk (a concern the screen reads in the chatter has an alert of its own tier).
    assert len(db.session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.tier == "risk")).all()) == 1


# --- the raw database ---------------------------------------------------------------------------------------


def test_the_raw_database_holds_no_phone_number_and_no_message_in_plain_text(
    app: Any, history: Person, twilio: TwilioWebhook, database_url: str
) -> None:
    import shutil
    import subprocess
    from pathlib import Path

    from feedback.safeguarding.models import SafeguardingAlert

    disclosure = "my mums boyfriend hits me when she is at work"
    twilio.replies(disclosure, sender="+447700900777")
    alert = db.session.scalars(select(SafeguardingAlert)).one()
    alert.action_note = "Phoned the duty social worker about the boyfriend"
    db.session.commit()
    secrets = [
        "7700900123", "7700 900123", "7700900777", WORDS, disclosure, "Worried about school moves",
        "Phoned the duty social worker", "lonely", "boyfriend",
    ]  # fmt: skip
    if database_url.startswith("sqlite"):
        db.session.remove()
        db.engine.dispose()
        path = Path(database_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        dump = raw.decode("latin-1")
    else:
        pg_dump = shutil.which("pg_dump")
        assert pg_dump is not None, "pg_dump is needed for this test"
        dump = subprocess.run(
            [pg_dump, "--data-only", database_url.replace("+psycopg", "")],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        assert "COPY public.inbound_message" in dump
    for secret in secrets:
        assert secret not in dump, f"{secret!r} is in the raw database"


# --- key rotation -------------------------------------------------------------------------------------------


def test_the_key_is_rotated_while_the_service_runs(
    app: Any, history: Person, database_url: str, clock: Clock, twilio: TwilioWebhook, tmp_path: Path
) -> None:
    from feedback import create_app
    from feedback.people import links
    from tests.conftest import base_config

    person_id = history.id
    twilio.replies("hello, is anyone there", sender="+447700900555")  # not on the register yet
    old_key = app.config["ENCRYPTION_KEY"]
    new_key = "the-new-encryption-key-" + "z" * 32
    token = links.issue(db.session, person_id, now=clock.current, valid_for=timedelta(days=90))
    db.session.commit()
    raw_before = db.session.execute(text("SELECT body FROM inbound_message ORDER BY id")).scalars().all()
    db.session.commit()  # a read left open on SQLite would hold the other processes' writes

    during = create_app(base_config(database_url, CLOCK=clock, ENCRYPTION_KEY=new_key, ENCRYPTION_OLD_KEYS=(old_key,)))
    with during.app_context():
        # Web workers restarted with both keys read old text and find people by the old hashes...
        assert people.find_person(db.session, YOUNG_PERSON) is not None
        assert links.resolve(db.session, token, now=clock.current) is not None
        # ...and the register finds someone who texted before it knew them by their number, not as someone new.
        register_file = tmp_path / "again.csv"
        register_file.write_text(REGISTER + "SL-9,07700 900555,,,,,\n", encoding="utf-8")
        people_before = db.session.scalar(text("SELECT count(*) FROM person"))
        db.session.remove()
        loaded = during.test_cli_runner().invoke(args=["people", "import", str(register_file)])
        assert loaded.exit_code == 0 and "Added 0, updated 3" in loaded.output, loaded.output
        assert db.session.scalar(text("SELECT count(*) FROM person")) == people_before
        db.session.remove()
        result = during.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "re-hashed 3 phone numbers" in result.output
        again = during.test_cli_runner().invoke(args=["keys", "rotate"])  # stopped half way? run it again
        assert again.exit_code == 0
        db.session.remove()
    raw_after = db.session.execute(text("SELECT body FROM inbound_message ORDER BY id")).scalars().all()
    db.session.commit()
    assert all(a != b for a, b in zip(raw_before, raw_after, strict=True))

    after = create_app(base_config(database_url, CLOCK=clock, ENCRYPTION_KEY=new_key))
    with after.app_context():
        # ...and once it is done, the new key alone reads everything and finds them by number.
        assert WORDS in db.session.scalars(select(InboundMessage.body)).all()
        found = people.find_person(db.session, YOUNG_PERSON)
        assert found is not None and found.id == person_id
        assert db.session.scalars(select(MessageAnalysis.key_phrases)).first() is not None
        assert ("keys-rotated", None) in [(e.action, e.subject_type) for e in db.session.scalars(select(AuditEvent))]
        # A link sent before the rotation needs the old key: it stops when the old key is removed.
        assert links.resolve(db.session, token, now=clock.current) is None
        db.session.remove()


def test_rotating_without_an_old_key_is_refused(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 2 and "set ENCRYPTION_OLD_KEYS" in result.output


def test_lists_of_young_peoples_words_are_audited_too(app: Any, history: Person) -> None:
    assert signed_in(app, "manager").get("/staff/messages").status_code == 200
    assert signed_in(app, "worker").get("/staff/inbox").status_code == 200
    actions = audit_actions()
    assert ("view", "message-list") in actions and ("view", "statement-list") in actions


# --- payload size -------------------------------------------------------------------------------------------


def test_an_oversized_request_is_refused_and_stores_nothing(app: Any, twilio: TwilioWebhook) -> None:
    params = twilio.sms_params("x" * 300_000)
    response = twilio.post("/sms/inbound", params)
    assert response.status_code == 413
    assert count("inbound_message") == 0
    page = app.test_client().post("/s/monthly-checkin/q/1", data={"answer": "y" * 300_000, "next": "1"})
    assert page.status_code == 413
    assert count("answer") == 0


def test_reanalysing_after_erasure_keeps_the_counts(app: Any, runner: Any, history: Person) -> None:
    before = count("message_theme")
    db.session.commit()  # the commands run in their own sessions: end this one's read first
    assert runner.invoke(args=["people", "erase", "SL-1", "--yes"]).exit_code == 0
    db.session.commit()
    assert runner.invoke(args=["analyse", "--reprocess"]).exit_code == 0
    assert count("message_theme") == before and count("message_analysis") > 0
