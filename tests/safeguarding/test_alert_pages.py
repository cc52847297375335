"""Alerts staff can act on: the open alerts most serious first, an alert's own page (who, their words, who was told,
what has been done, and texting them, logging a call, acknowledging), the young person's whole history, the
acknowledged alerts with how long each took, and by month for managers against the 30-minute aim.

Alerts are made here directly in the database (a stored message and its alert), so these pages are tested apart
from the screening that raises them. Sam works in Hamilton and is the named worker of SL-200; Kim works in
Clydesdale and must see none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from sqlalchemy import func, select

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.audit.models import AuditEvent
from feedback.core.permissions import Viewer
from feedback.core.plain_dates import ago, duration
from feedback.extensions import db
from feedback.messages import outbox
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding import queries as alert_queries
from feedback.safeguarding.models import AlertStep, Notification, SafeguardingAlert
from feedback.statements.models import Statement
from feedback.surveys.models import Answer, Conversation, Survey
from tests import log_watch
from tests.conftest import YOUNG_PERSON, Clock
from tests.staff_client import PASSWORD, signed_in

SAM = "sam@example.org"
KIM = "kim@example.org"
REF = "SL-200"
_sids = count(1)


@dataclass
class World:
    sam: StaffUser
    person: Person


@pytest.fixture
def world(app: Any) -> World:
    sam = staff.create_user(db.session, SAM, PASSWORD, "worker", team="Hamilton", display_name="Sam")
    staff.create_user(db.session, KIM, PASSWORD, "worker", team="Clydesdale", display_name="Kim")
    person = people.get_or_create_person(db.session, YOUNG_PERSON)
    person.ref = REF
    person.locality = "Hamilton"
    person.date_of_birth = date(2010, 2, 1)  # 16 on the test clock's day
    person.care_setting = "foster"
    staff.assign(db.session, person, worker=sam, team=None)
    db.session.commit()
    return World(sam, person)


def raise_alert(
    person: Person,
    body: str,
    *,
    at: datetime,
    reason: str = "self-harm",
    tier: str = "risk",
    severity: int = 1,
    channel: str = "sms",
    conversation_id: int | None = None,
) -> SafeguardingAlert:
    """A stored message from `person` and its alert, as the screening would leave them."""
    log_watch.remember(body)
    message = InboundMessage(
        channel=channel, provider_sid=f"SMtest{next(_sids):026d}", person_id=person.id, body=body, received_at=at,
        status="processed", risk=True, risk_reason=reason, conversation_id=conversation_id,
    )  # fmt: skip
    db.session.add(message)
    db.session.flush()
    alert = SafeguardingAlert(
        inbound_message_id=message.id, person_id=person.id, reason=reason, tier=tier, severity=severity, created_at=at
    )
    db.session.add(alert)
    db.session.commit()
    return alert


def sam(app: Any) -> Any:
    return signed_in(app, "worker", SAM)


def text_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


# --- the list ---------------------------------------------------------------------------------------------------


def test_open_alerts_are_listed_most_serious_first_then_oldest(app: Any, world: World, clock: Clock) -> None:
    start = clock()
    raise_alert(world.person, "I keep running away", at=start - timedelta(hours=3), reason="going missing", severity=3)
    raise_alert(world.person, "he hit me again", at=start - timedelta(hours=2), reason="abuse or violence", severity=2)
    raise_alert(world.person, "i want to die", at=start - timedelta(minutes=10), reason="suicide", severity=1)
    raise_alert(world.person, "i cut myself", at=start - timedelta(hours=1), reason="self-harm", severity=1)
    raise_alert(
        world.person, "nobody listens", at=start - timedelta(days=1), reason="low mood", tier="concern", severity=4
    )
    page = text_of(sam(app).get("/staff/alerts"))
    order = [page.index(f"{REF}: {reason}") for reason in ("self-harm", "suicide", "abuse", "going missing", "low")]
    assert order == sorted(order), "most serious first, then the oldest"
    assert page.count(">Urgent<") == 4 and page.count(">Read today<") == 1
    for shown in (REF, "Sam", "Hamilton", "16-17", "Today at 1:50pm (10 minutes ago), by text", "Not escalated"):
        assert shown in page, shown
    assert "i want to die" in page  # these staff may read the words
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")).all()[-1]
    assert event.subject_type == "alert-list" and event.detail["shown"] == 5


def test_someone_not_on_the_register_is_shown_by_pseudonym_and_escalation_by_step(app: Any, clock: Clock) -> None:
    stranger = people.get_or_create_person(db.session, "+447700900456")
    alert = raise_alert(stranger, "scared to go home", at=clock() - timedelta(hours=1), reason="feeling unsafe")
    alert.escalation_step, alert.escalated_at = 1, clock() - timedelta(minutes=30)
    db.session.commit()
    page = text_of(signed_in(app, "admin").get("/staff/alerts"))
    assert f'{stranger.pseudonym} <span class="hint">(not on the register: their pseudonym)' in page
    assert "Escalated: step 1" in page and "Escalated to step 1 (the team&#39;s managers) today at 1:30pm" in page


# --- an alert's own page ----------------------------------------------------------------------------------------


def test_the_alert_page_shows_who_their_words_who_was_told_and_what_was_done_never_an_address(
    app: Any, world: World, clock: Clock
) -> None:
    alert = raise_alert(world.person, "i cut myself last night", at=clock() - timedelta(minutes=40))
    for channel, recipient, reason in (
        ("email", "sam.private@example.org", "new"),
        ("sms", "+447700900777", "new"),
        ("email", "manager.private@example.org", "escalation-1"),
    ):
        db.session.add(
            Notification(
                key=f"alert:{alert.id}:{reason}:{channel}:{recipient}", channel=channel, recipient=recipient,
                recipient_label="named worker Sam" if reason == "new" else "Hamilton's managers", alert_id=alert.id,
                reason=reason, subject="Safeguarding alert", body="SECRET NOTIFICATION BODY", status="sent",
                created_at=clock() - timedelta(minutes=40), sent_at=clock() - timedelta(minutes=39),
            )
        )  # fmt: skip
    db.session.add(
        AlertStep(
            alert_id=alert.id, staff_user_id=world.sam.id, kind="call", note="Rang their carer.", created_at=clock()
        )
    )
    db.session.commit()
    response = sam(app).get(f"/staff/alerts/{alert.id}")
    page = text_of(response)
    assert response.status_code == 200
    for shown in (REF, "Sam", "Hamilton", "16-17", "Foster care", "i cut myself last night", "Rang their carer."):
        assert shown in page, shown
    assert "named worker Sam" in page and "Hamilton&#39;s managers" in page and "Escalation, step 1" in page
    assert "Email" in page and "Today at 1:21pm" in page
    for hidden in (
        "sam.private@example.org",
        "manager.private",
        "+447700900777",
        "07700 900777",
        "SECRET NOTIFICATION",
    ):
        assert hidden not in page, hidden
    assert f"/staff/people/{world.person.id}/history" in page and f"/staff/people/{world.person.id}/edit" in page
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "alert")).one()
    assert viewed.action == "view" and viewed.subject_id == str(alert.id)


def test_texting_the_young_person_queues_a_text_that_quiet_hours_never_hold(
    app: Any, world: World, clock: Clock
) -> None:
    clock.current = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 11pm: quiet hours
    alert = raise_alert(world.person, "i want to end it", at=clock() - timedelta(minutes=5))
    worker = sam(app)
    response = worker.post(f"/staff/alerts/{alert.id}/text", data={"text-body": "Are you safe? I'm calling you now."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/alerts/{alert.id}")
    sent = db.session.scalars(select(OutboundMessage)).one()
    assert sent.kind == "safeguarding" and sent.priority == outbox.REPLY_PRIORITY == 0
    assert sent.person_id == world.person.id and sent.body == "From Sam: Are you safe? I'm calling you now."
    step = db.session.scalars(select(AlertStep)).one()
    assert (step.kind, step.outbound_message_id, step.staff_user_id) == ("text", sent.id, world.sam.id)
    quiet = outbox.QuietHours.from_config(app.config)
    assert quiet.contains(clock()) and outbox.claim_next(db.session, clock(), quiet) == sent.id
    page = text_of(worker.get(f"/staff/alerts/{alert.id}"))
    assert "Are you safe? I&#39;m calling you now." in page and "sending" in page
    edit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "edit")).one()
    assert edit.subject_id == str(alert.id) and edit.detail == {"step": "text"}


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("opted out", "they have opted out of texts"),
        ("no consent", "the register says they do not consent to texts"),
        ("web only", "there is no phone number for them"),
    ],
)
def test_a_young_person_who_cannot_be_texted_is_not(app: Any, world: World, clock: Clock, how: str, said: str) -> None:
    person = world.person
    if how == "opted out":
        people.opt_out(person, clock())
    elif how == "no consent":
        person.consent_sms = False
    else:
        person.phone_hash = None
        person.phone = None
    db.session.commit()
    alert = raise_alert(person, "nobody would miss me", at=clock(), channel="web" if how == "web only" else "sms")
    worker = sam(app)
    page = text_of(worker.get(f"/staff/alerts/{alert.id}"))
    assert f"You cannot text them: {said}" in page and 'name="text-body"' not in page
    refused = worker.post(f"/staff/alerts/{alert.id}/text", data={"text-body": "Are you OK?"})
    assert refused.status_code == 400 and said in text_of(refused)
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(AlertStep)) == 0


def test_a_text_is_up_to_600_characters_and_stays_in_its_box_when_too_long(
    app: Any, world: World, clock: Clock
) -> None:
    alert = raise_alert(world.person, "i took some pills", at=clock())
    worker = sam(app)
    long = "Please call me. " * 40  # 640 characters
    refused = worker.post(f"/staff/alerts/{alert.id}/text", data={"text-body": long})
    page = text_of(refused)
    assert refused.status_code == 400 and "A text can be up to 600 characters; this one is 639." in page
    assert long.strip() in page and 'aria-invalid="true"' in page
    assert worker.post(f"/staff/alerts/{alert.id}/text", data={"text-body": "x" * 600}).status_code == 302


def test_logging_a_call(app: Any, world: World, clock: Clock) -> None:
    alert = raise_alert(world.person, "he hurt me", at=clock(), reason="abuse or violence", severity=2)
    worker = sam(app)
    empty = worker.post(f"/staff/alerts/{alert.id}/call", data={"call-note": "  "})
    assert empty.status_code == 400 and "Write a note of the call." in text_of(empty)
    clock.advance(minutes=5)
    done = worker.post(f"/staff/alerts/{alert.id}/call", data={"call-note": "Spoke to them; police called."})
    assert done.status_code == 302
    step = db.session.scalars(select(AlertStep)).one()
    assert (step.kind, step.note, step.outbound_message_id) == ("call", "Spoke to them; police called.", None)
    page = text_of(worker.get(f"/staff/alerts/{alert.id}"))
    assert "Spoke to them; police called." in page and "Sam, today at 2:05pm" in page
    assert db.session.scalar(select(SafeguardingAlert.acknowledged_at)) is None  # a call is not an acknowledgement


# --- acknowledged alerts, and how long they took -----------------------------------------------------------------


def test_acknowledged_alerts_stay_visible_with_who_what_and_how_long(app: Any, world: World, clock: Clock) -> None:
    alert = raise_alert(world.person, "i feel unsafe at home", at=clock(), reason="feeling unsafe", severity=3)
    clock.advance(minutes=12)
    worker = sam(app)
    done = worker.post(f"/staff/alerts/{alert.id}/acknowledge", data={"note": "Visited; they are safe tonight."})
    assert done.status_code == 302 and done.headers["Location"].endswith("/staff/alerts")
    assert "No open alerts." in text_of(worker.get("/staff/alerts"))
    history = text_of(worker.get("/staff/alerts/history"))
    assert REF in history and "feeling unsafe" in history and "Visited; they are safe tonight." in history
    assert "Sam, today at 2:12pm" in history and "<td>12 minutes</td>" in history
    assert "by month" not in history, "the month figures are for managers and admins"
    page = text_of(worker.get(f"/staff/alerts/{alert.id}"))
    assert "Acknowledged by Sam" in page and "12 minutes after it was raised" in page and 'name="note"' not in page


def test_the_history_of_acknowledged_alerts_is_newest_first_a_page_at_a_time(
    app: Any, world: World, clock: Clock
) -> None:
    start = clock()
    for n in range(alert_queries.HISTORY_PAGE_SIZE + 1):
        alert = raise_alert(world.person, f"worry number {n}", at=start - timedelta(days=3, minutes=n))
        alert.acknowledged_at, alert.acknowledged_by_id = start - timedelta(minutes=n), world.sam.id
        alert.action_note = f"note {n:02d}."
    db.session.commit()
    worker = sam(app)
    first = text_of(worker.get("/staff/alerts/history"))
    assert "51 acknowledged alerts (page 1 of 2)" in first and first.index("note 00.") < first.index("note 01.")
    assert "note 50." not in first
    assert "note 50." in text_of(worker.get("/staff/alerts/history?page=2"))


def test_time_to_acknowledge_by_month_median_and_90th_percentile(app: Any, world: World, clock: Clock) -> None:
    """October 2026 (UK time): five risk alerts acknowledged in 10, 20, 30, 40 and 50 minutes, one still open, and
    one raised at 00:30 on 1 October British Summer Time (23:30 UTC on 30 September), acknowledged in 60 minutes.
    A concern and another team's alert are not counted."""
    october = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)
    for minutes in (10, 20, 30, 40, 50):
        alert = raise_alert(world.person, f"october {minutes}", at=october + timedelta(hours=minutes))
        alert.acknowledged_at = alert.created_at + timedelta(minutes=minutes)
    midnight = raise_alert(world.person, "just after midnight", at=datetime(2026, 9, 30, 23, 30, tzinfo=UTC))
    midnight.acknowledged_at = midnight.created_at + timedelta(minutes=60)
    raise_alert(world.person, "still open", at=october)
    concern = raise_alert(world.person, "a concern", at=october, tier="concern", severity=4)
    concern.acknowledged_at = october + timedelta(days=2)
    elsewhere = people.get_or_create_person(db.session, "+447700900654")
    staff.assign(db.session, elsewhere, worker=None, team=staff.team_named(db.session, "Clydesdale"))
    other = raise_alert(elsewhere, "another team's", at=october)
    other.acknowledged_at = october + timedelta(days=5)
    db.session.commit()

    manager = staff.create_user(db.session, "pat@example.org", PASSWORD, "manager", team="Hamilton")
    db.session.commit()
    viewer = Viewer.of(manager, None)
    months = alert_queries.time_to_acknowledge(db.session, viewer, now=clock(), aim=timedelta(minutes=30))
    assert [m.month for m in months[:3]] == ["2026-11", "2026-10", "2026-09"] and len(months) == 12
    oct_ = months[1]
    assert (oct_.raised, oct_.acknowledged, oct_.still_open, oct_.within_aim) == (7, 6, 1, 3)
    assert oct_.median == timedelta(minutes=35)  # of 10, 20, 30, 40, 50, 60
    assert oct_.p90 == timedelta(minutes=55)  # between the two nearest ranks: 50 + 0.5 * (60 - 50)
    assert months[2].raised == 0 and months[2].median is None

    page = text_of(signed_in(app, "manager", "pat@example.org").get("/staff/alerts/history"))
    row = page[page.index("October 2026") :].split("</tr>")[0]
    counts = ('<td class="number">7</td>', '<td class="number">1</td>')  # counts on the right, durations as words
    for cell in (*counts, "<td>35 minutes</td>", "<td>55 minutes</td>", "<td>3 of 7</td>"):
        assert cell in row, cell
    assert "The aim is 30 minutes." in page


def test_percentiles_between_the_nearest_ranks() -> None:
    assert alert_queries.percentile([5.0], 0.9) == 5.0
    assert alert_queries.percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.5) == 30.0
    assert alert_queries.percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == 46.0
    assert alert_queries.percentile([1.0, 2.0], 0.5) == 1.5


# --- the young person's history ---------------------------------------------------------------------------------


def test_the_young_persons_history_has_their_messages_answers_statements_and_earlier_alerts(
    app: Any, world: World, clock: Clock
) -> None:
    person = world.person
    checkin = db.session.scalars(select(Survey).where(Survey.slug == "monthly-checkin")).one()
    version = checkin.versions[-1]
    survey = Conversation(
        person_id=person.id, survey_id=checkin.id, survey_version_id=version.id, channel="sms", status="completed",
        started_at=clock() - timedelta(days=20),
    )  # fmt: skip
    db.session.add(survey)
    db.session.flush()
    change = next(q for q in version.questions if q.key == "change")
    home = next(q for q in version.questions if q.key == "home")
    log_watch.remember("more time with my sister")
    answer_message = InboundMessage(
        channel="sms", provider_sid="SManswer", person_id=person.id, body="more time with my sister",
        received_at=clock() - timedelta(days=20), status="processed", conversation_id=survey.id,
    )  # fmt: skip
    db.session.add(answer_message)
    db.session.flush()
    db.session.add_all(
        [
            Answer(
                conversation_id=survey.id, question_id=change.id, inbound_message_id=answer_message.id,
                status="answered", raw_text="more time with my sister", value_text="more time with my sister",
                answered_at=clock() - timedelta(days=20),
            ),
            Answer(
                conversation_id=survey.id, question_id=home.id, status="answered", value_number=4,
                answered_at=clock() - timedelta(days=20, minutes=1),
            ),
        ]
    )  # fmt: skip
    worried = db.session.scalars(select(Survey).where(Survey.slug == "statement-worried")).one()
    said = Conversation(
        person_id=person.id, survey_id=worried.id, survey_version_id=worried.versions[-1].id, channel="web",
        status="completed",
    )  # fmt: skip
    db.session.add(said)
    db.session.flush()
    statement = Statement(
        conversation_id=said.id, person_id=person.id, worker_id=world.sam.id, status="sent",
        sent_at=clock() - timedelta(days=10), due_at=clock(),
    )  # fmt: skip
    db.session.add(statement)
    earlier = raise_alert(person, "i hurt myself before", at=clock() - timedelta(days=5))
    earlier.acknowledged_at, earlier.acknowledged_by_id = (
        clock() - timedelta(days=5) + timedelta(minutes=8),
        world.sam.id,
    )
    earlier.action_note = "Safety plan agreed."
    db.session.add(AlertStep(alert_id=earlier.id, staff_user_id=world.sam.id, kind="call", note="Called them back."))
    raise_alert(person, "it is happening again", at=clock() - timedelta(hours=1))
    db.session.commit()

    response = sam(app).get(f"/staff/people/{person.id}/history")
    page = text_of(response)
    assert response.status_code == 200
    for shown in (REF, "Sam", "Hamilton", "16-17", "Foster care"):
        assert shown in page, shown
    newest_first = ["it is happening again", "Safety plan agreed.", "i hurt myself before", "worried about something",
                    "more time with my sister", "How are things where you live?"]  # fmt: skip
    positions = [page.replace("&#39;", "'").index(text) for text in newest_first]
    assert positions == sorted(positions), "the newest first"
    assert f"/staff/statements/{statement.id}" in page and "Called them back." in page and "8 minutes after" in page
    assert "4 (Good)" in page  # a rating answered on the web: its number and its words
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "person-history")).one()
    assert viewed.subject_id == str(person.id)

    capped = alert_queries.history(db.session, person.id, Viewer.of(world.sam, None), limit=3)
    assert len(capped.entries) == 3 and capped.total == 7 and capped.capped


# --- who may not -------------------------------------------------------------------------------------------------


def test_a_worker_in_another_team_gets_404_on_the_alert_its_actions_and_the_history_all_audited(
    app: Any, world: World, clock: Clock
) -> None:
    alert = raise_alert(world.person, "my foster carer scares me", at=clock(), reason="feeling unsafe", severity=3)
    kim = signed_in(app, "worker", KIM)
    tries = [
        ("GET", f"/staff/alerts/{alert.id}", {}),
        ("POST", f"/staff/alerts/{alert.id}/text", {"text-body": "Hello"}),
        ("POST", f"/staff/alerts/{alert.id}/call", {"call-note": "Called"}),
        ("POST", f"/staff/alerts/{alert.id}/acknowledge", {"note": "Not mine"}),
        ("GET", f"/staff/people/{world.person.id}/history", {}),
    ]
    for method, url, data in tries:
        response = kim.open(url, method=method, data=data)
        page = text_of(response)
        assert response.status_code == 404, f"{method} {url}"
        assert "scares me" not in page and REF not in page and world.person.pseudonym not in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(AlertStep)) == 0
    assert db.session.scalar(select(SafeguardingAlert.acknowledged_at).where(SafeguardingAlert.id == alert.id)) is None
    refusals = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "refused", AuditEvent.actor == KIM).order_by(AuditEvent.id)
    ).all()
    assert [(e.detail["endpoint"], e.detail["status"]) for e in refusals] == [
        ("staff.alert", 404),
        ("staff.alert_text", 404),
        ("staff.alert_call", 404),
        ("staff.acknowledge_alert", 404),
        ("staff.person_history", 404),
    ]
    assert [e.subject_type for e in refusals] == ["alert"] * 4 + ["person"]
    assert "scares me" not in text_of(kim.get("/staff/alerts")) and REF not in text_of(kim.get("/staff/alerts/history"))


# --- plain English ------------------------------------------------------------------------------------------------


def test_times_in_plain_english_uk_time(app: Any, clock: Clock) -> None:
    with app.test_request_context():
        uk_when = app.jinja_env.filters["uk_when"]  # read against the app's clock
        now = clock()  # Monday 23 November 2026, 2pm (GMT)
        assert uk_when(now - timedelta(minutes=5)) == "today at 1:55pm"
        assert uk_when(now - timedelta(hours=15), capital=True) == "Yesterday at 11:00pm"
        assert uk_when(now + timedelta(hours=18)) == "tomorrow at 8:00am"  # when a text held for quiet hours goes
        assert uk_when(datetime(2026, 11, 20, 9, 5, tzinfo=UTC)) == "Friday at 9:05am"
        assert uk_when(datetime(2026, 7, 1, 11, 30, tzinfo=UTC)) == "1 July at 12:30pm"  # BST
        assert uk_when(datetime(2025, 12, 25, 0, 0, tzinfo=UTC)) == "25 December 2025 at 12:00am"
        assert app.jinja_env.filters["long_date"](datetime(2027, 1, 15, 12, tzinfo=UTC)) == "15 January 2027"
    assert duration(timedelta(seconds=30)) == "under a minute"
    assert duration(timedelta(minutes=1)) == "1 minute"
    assert duration(timedelta(hours=1, minutes=5)) == "1 hour and 5 minutes"
    assert duration(timedelta(days=2, hours=3, minutes=4)) == "2 days and 3 hours"
    at = datetime(2026, 11, 23, 14, tzinfo=UTC)
    assert ago(at - timedelta(minutes=25), at=at) == "25 minutes ago"
    assert ago(at + timedelta(hours=3), at=at) == "in 3 hours"
