"""The safeguarding alert workflow: a worrying message raises an alert shown on every staff page until someone
acknowledges it with what they did; one nobody acknowledges in 30 minutes goes up the escalation ladder
(tests/safeguarding/test_notifications.py follows it up)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.extensions import db
from feedback.ops import runner as processes
from feedback.safeguarding.models import SafeguardingAlert
from tests.conftest import Clock, TwilioWebhook
from tests.staff_client import signed_in as sign_in

PASSWORD = "a long enough password"


def signed_in(app: Any, role: str, email: str | None = None) -> Any:
    """Staff here work in Hamilton: their team's duty inbox and alerts are Hamilton's."""
    return sign_in(app, role, email, team="Hamilton")


def test_an_alert_shows_on_every_staff_page_until_acknowledged_with_a_note(app: Any, twilio: TwilioWebhook) -> None:
    help_text = twilio.replies("my dad hits me when he's drunk")
    assert "Childline 0800 1111" in help_text[0]
    worker = signed_in(app, "worker")
    for page in ("/staff/", "/staff/inbox", "/staff/simulator"):
        assert "1 safeguarding alert waiting for someone to act" in worker.get(page).get_data(as_text=True), page
    alert = db.session.scalars(select(SafeguardingAlert)).one()
    listed = worker.get("/staff/alerts").get_data(as_text=True)
    assert "my dad hits me" in listed and "abuse or violence" in listed

    refused = worker.post(f"/staff/alerts/{alert.id}/acknowledge", data={"note": "   "})
    assert refused.status_code == 400 and "never just dismissed" in refused.get_data(as_text=True)
    done = worker.post(f"/staff/alerts/{alert.id}/acknowledge", data={"note": "Phoned the duty team; visit today."})
    assert done.status_code == 302
    db.session.refresh(alert)
    assert alert.acknowledged_at is not None and alert.action_note == "Phoned the duty team; visit today."
    assert "safeguarding alert waiting" not in worker.get("/staff/").get_data(as_text=True)
    again = worker.post(f"/staff/alerts/{alert.id}/acknowledge", data={"note": "twice"})
    assert again.status_code == 400 and "already acknowledged" in again.get_data(as_text=True)


def test_an_unacknowledged_alert_is_escalated_once_after_thirty_minutes(
    app: Any, twilio: TwilioWebhook, clock: Clock, runner: Any
) -> None:
    twilio.replies("I want to kill myself")
    clock.advance(minutes=29)
    assert processes.escalate_alerts() == 0
    clock.advance(minutes=1)
    assert processes.escalate_alerts() == 1
    assert processes.escalate_alerts() == 0
    manager = signed_in(app, "manager")
    assert "1 escalated" in manager.get("/staff/").get_data(as_text=True)
    assert processes.TRIGGERS["escalate-alerts"] == {"trigger": "interval", "minutes": 1}
    assert "Escalated 0 alerts." in runner.invoke(args=["alerts", "escalate"]).output


def test_a_worrying_web_answer_raises_the_same_alert(app: Any, client: Any) -> None:
    from tests.web_client import Respondent

    Respondent(client).submit("/s/monthly-checkin/q/4", "nobody would care if i wasnt here anymore")
    worker = signed_in(app, "worker")
    assert "1 safeguarding alert waiting" in worker.get("/staff/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["champions", "advocacy"])
def test_roles_that_do_not_act_on_alerts_never_see_them(app: Any, twilio: TwilioWebhook, role: str) -> None:
    twilio.replies("my dad hits me when he's drunk")
    alert = db.session.scalars(select(SafeguardingAlert)).one()
    other = signed_in(app, role)
    home = other.get("/staff/").get_data(as_text=True)
    assert "safeguarding alert" not in home
    assert other.get("/staff/alerts").status_code == 403
    assert other.post(f"/staff/alerts/{alert.id}/acknowledge", data={"note": "x"}).status_code == 403


def test_an_alert_reaches_the_named_worker_their_manager_and_admins_not_everyone(
    app: Any, twilio: TwilioWebhook
) -> None:
    from feedback.people import operations as people

    sam = staff.create_user(db.session, "sam@example.org", PASSWORD, "worker", team="Hamilton")
    staff.create_user(db.session, "kim@example.org", PASSWORD, "worker", team="Clydesdale")
    db.session.commit()
    person = people.get_or_create_person(db.session, "+447700900123")
    staff.assign(db.session, person, worker=sam, team=None)
    db.session.commit()
    twilio.replies("my dad hits me when he's drunk")
    alert = db.session.scalars(select(SafeguardingAlert)).one()

    def client_for(email: str) -> Any:
        client = app.test_client()
        client.post("/staff/login", data={"email": email, "password": PASSWORD})
        return client

    assert "1 safeguarding alert waiting" in client_for("sam@example.org").get("/staff/").get_data(as_text=True)
    kim = client_for("kim@example.org")
    assert "alert waiting" not in kim.get("/staff/").get_data(as_text=True)
    assert "hits me" not in kim.get("/staff/alerts").get_data(as_text=True)
    refused = kim.post(f"/staff/alerts/{alert.id}/acknowledge", data={"note": "not mine"})
    assert refused.status_code == 404 and "hits me" not in refused.get_data(as_text=True)
    # A colleague in Sam's team does not see Sam's young people; their manager does.
    colleague = signed_in(app, "worker", "jo@example.org")  # in Hamilton too
    assert "alert waiting" not in colleague.get("/staff/").get_data(as_text=True)
    manager = signed_in(app, "manager", "pat@example.org")
    assert "1 safeguarding alert waiting" in manager.get("/staff/").get_data(as_text=True)
    admin = signed_in(app, "admin")
    assert "1 safeguarding alert waiting" in admin.get("/staff/").get_data(as_text=True)
