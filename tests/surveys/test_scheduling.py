"""Scheduled check-ins, reminders and quiet hours, with a clock the tests move: a recurring survey goes out on time
to the right group and never twice, a missed run is caught up once, quiet hours hold everything but replies until
the morning, replies go before bulk sends, all senders share one send rate, one reminder at most, and one
scheduler process (its jobs in the database) that survives a restart."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from feedback.extensions import db
from feedback.messages import outbox
from feedback.messages.models import OutboundMessage
from feedback.ops import lease
from feedback.ops import runner as processes
from feedback.people.models import Person
from feedback.surveys import operations as surveys
from feedback.surveys import reminders, schedules, sending
from feedback.surveys.models import Conversation
from tests.conftest import Clock, TwilioWebhook, count

PEOPLE = """ref,phone,date_of_birth,locality,care_setting,worker_email,consent_sms
SL-1,07700 900501,2010-05-01,Hamilton,foster,,yes
SL-2,07700 900502,2004-01-15,East Kilbride,continuing-care,,yes
SL-3,07700 900503,2012-09-09,Hamilton,residential,,no
SL-4,,2011-02-02,Hamilton,foster,,yes
SL-5,07700 900505,,Clydesdale,kinship,,
"""


@pytest.fixture
def register(app: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 0, result.output


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def invited_refs(occurrence_prefix: str = "schedule-") -> list[str]:
    db.session.expire_all()
    query = (
        select(Person.ref)
        .join(Conversation, Conversation.person_id == Person.id)
        .where(Conversation.occurrence.startswith(occurrence_prefix))
        .order_by(Person.ref)
    )
    return [ref or "" for ref in db.session.scalars(query)]


def group(raw: str) -> schedules.Group:
    return schedules.parse_group(raw, localities=("Clydesdale", "East Kilbride", "Hamilton"))


# --- rules and groups ---------------------------------------------------------------------------------------


def test_the_first_monday_of_each_month_at_five_in_uk_time() -> None:
    fires, moment = [], utc(2026, 11, 22, 12)
    for _ in range(4):
        nxt = schedules.next_fire("0 17 1-7 * mon", moment)
        assert nxt is not None
        fires.append(nxt)
        moment = nxt
    # 17:00 in London: GMT in winter, BST (16:00 UTC) from the last Sunday of March.
    assert fires == [utc(2026, 12, 7, 17), utc(2027, 1, 4, 17), utc(2027, 2, 1, 17), utc(2027, 3, 1, 17)]
    assert schedules.next_fire("0 17 1-7 * mon", utc(2027, 3, 2)) == utc(2027, 4, 5, 16)


def test_weekday_numbers_mean_what_they_mean_in_cron() -> None:
    # Cron counts from Sunday = 0; 1 is Monday (APScheduler alone would read 1 as Tuesday).
    assert schedules.next_fire("0 9 * * 1", utc(2026, 11, 22)) == utc(2026, 11, 23, 9)  # a Monday
    assert schedules.next_fire("0 9 * * 0", utc(2026, 11, 23)) == utc(2026, 11, 29, 9)  # a Sunday
    assert schedules.next_fire("0 9 * * 7", utc(2026, 11, 23)) == utc(2026, 11, 29, 9)
    assert schedules.next_fire("0 9 * * 1-5", utc(2026, 11, 28)) == utc(2026, 11, 30, 9)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("0 17 * *", "five fields"),
        ("61 17 * * *", "is not a cron rule"),
        ("0 17 * * someday", "is not a cron rule"),
        ("0 0 31 2 *", "never due"),
    ],
)
def test_a_bad_rule_is_refused_in_plain_words(app: Any, rule: str, expected: str) -> None:
    with pytest.raises(schedules.ScheduleError, match=expected):
        schedules.add(db.session, "monthly-checkin", cron=rule, group=group("everyone"), now=utc(2026, 11, 23))
    assert count("schedule") == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("locality:Motherwell", "locality must be from"),
        ("care-setting:", "name at least one"),
        ("postcode:ML3", "the group must be everyone"),
        ("age-band:9-10", "age-band must be from"),
    ],
)
def test_a_bad_group_is_refused(raw: str, expected: str) -> None:
    with pytest.raises(schedules.ScheduleError, match=expected):
        group(raw)


def test_group_names_are_matched_whatever_their_case() -> None:
    assert group("locality: hamilton , EAST KILBRIDE") == schedules.Group("locality", ("Hamilton", "East Kilbride"))
    assert group("") == group("Everyone") == schedules.Group("everyone")


def test_a_schedule_needs_a_survey_that_can_be_sent_and_a_moment_ahead(app: Any) -> None:
    now = utc(2026, 11, 23, 14)
    for slug, expected in (("nope", "no published survey"), ("statement-worried", "is a statement")):
        with pytest.raises(schedules.ScheduleError, match=expected):
            schedules.add(db.session, slug, cron="0 17 * * mon", group=group("everyone"), now=now)
    with pytest.raises(schedules.ScheduleError, match="in the past"):
        schedules.add(db.session, "monthly-checkin", at=now - timedelta(minutes=1), group=group("everyone"), now=now)
    with pytest.raises(schedules.ScheduleError, match="not both"):
        schedules.add(db.session, "monthly-checkin", group=group("everyone"), now=now)


def test_each_group_is_the_young_people_in_it_who_may_be_texted(app: Any, register: None) -> None:
    today = date(2026, 11, 23)
    by_ref = dict(db.session.execute(select(Person.id, Person.ref)).all())

    def refs(raw: str) -> list[str]:
        return sorted(by_ref[pid] for pid in schedules.members(db.session, group(raw), today=today))

    assert refs("everyone") == ["SL-1", "SL-2", "SL-5"]  # SL-3 said no to texts, SL-4 has no number
    assert refs("locality:Hamilton") == ["SL-1"]
    assert refs("care-setting:continuing-care,kinship") == ["SL-2", "SL-5"]
    assert refs("age-band:16-17") == ["SL-1"]  # 16 today by date of birth
    assert refs("refs:SL-2,SL-3,SL-9") == ["SL-2"]


def test_age_bands_follow_the_date_of_birth_not_the_band_saved_long_ago(app: Any, register: None) -> None:
    # SL-1 was born on 2010-05-01: 16 now, 18 on 2028-05-01 (the band stored at import says 16-17).
    ids = schedules.members(db.session, group("age-band:18-21"), today=date(2028, 5, 1))
    assert [db.session.get(Person, pid).ref for pid in ids] == ["SL-1"]  # type: ignore[union-attr]
    assert schedules.members(db.session, group("age-band:18-21"), today=date(2028, 4, 30)) == []


# --- running schedules --------------------------------------------------------------------------------------


def test_a_recurring_check_in_goes_to_its_group_on_time_and_once(app: Any, register: None, runner: Any) -> None:
    added = runner.invoke(
        args=["schedules", "add", "monthly-checkin", "--cron", "0 17 1-7 * mon", "--group", "locality:Hamilton"]
    )
    assert added.exit_code == 0, added.output
    assert "next at 2026-12-07 17:00 (UK time)" in added.output
    early = runner.invoke(args=["schedules", "run-due", "--now", "2026-12-07T16:59:59+00:00"])
    assert "Nothing due." in early.output and count("conversation") == 0

    due = runner.invoke(args=["schedules", "run-due", "--now", "2026-12-07T17:00:00+00:00"])
    assert "queued 1" in due.output
    assert invited_refs() == ["SL-1"]
    again = runner.invoke(args=["schedules", "run-due", "--now", "2026-12-07T17:00:00+00:00"])
    assert "Nothing due." in again.output
    assert count("outbound_message") == 1

    # The next month: the same group, a new occurrence.
    january = runner.invoke(args=["schedules", "run-due", "--now", "2027-01-04T17:00:30+00:00"])
    assert "queued 1" in january.output
    assert count("outbound_message") == 2
    occurrences = sorted(db.session.scalars(select(Conversation.occurrence)))
    assert occurrences == ["schedule-1-20261207T1700", "schedule-1-20270104T1700"]


def test_a_missed_run_is_caught_up_once_not_once_per_miss(app: Any, register: None) -> None:
    schedule = schedules.add(
        db.session, "monthly-checkin", cron="0 17 * * *", group=group("everyone"), now=utc(2026, 11, 23, 12)
    )
    db.session.commit()
    # Down from Monday afternoon to Thursday morning: three daily runs missed.
    (run,) = schedules.run_due(db.session, now=utc(2026, 11, 26, 9))
    assert (run.due_at, run.missed, run.report.queued) == (utc(2026, 11, 25, 17), 2, 3)
    assert schedules.run_due(db.session, now=utc(2026, 11, 26, 9)) == []
    db.session.refresh(schedule)
    assert schedule.next_run_at == utc(2026, 11, 26, 17)
    assert count("outbound_message") == 3


def test_a_run_done_twice_at_once_texts_nobody_twice(app: Any, register: None) -> None:
    schedule = schedules.add(
        db.session, "monthly-checkin", cron="0 17 * * *", group=group("everyone"), now=utc(2026, 11, 23, 12)
    )
    db.session.commit()
    schedules.run_due(db.session, now=utc(2026, 11, 23, 17))
    # As if a second process had read the schedule before the first moved it on.
    db.session.execute(
        text("UPDATE schedule SET next_run_at = :due WHERE id = :id"), {"due": utc(2026, 11, 23, 17), "id": schedule.id}
    )
    db.session.commit()
    (repeat,) = schedules.run_due(db.session, now=utc(2026, 11, 23, 17))
    assert (repeat.report.queued, repeat.report.already_sent) == (0, 3)
    assert count("outbound_message") == 3


def test_a_one_off_send_runs_once_then_stops(app: Any, register: None, runner: Any) -> None:
    added = runner.invoke(
        args=["schedules", "add", "monthly-checkin", "--at", "2026-11-24T10:00:00+00:00", "--group", "refs:SL-2"]
    )
    assert added.exit_code == 0, added.output
    assert "queued 1" in runner.invoke(args=["schedules", "run-due", "--now", "2026-11-24T10:00"]).output
    assert "Nothing due." in runner.invoke(args=["schedules", "run-due", "--now", "2027-11-24T10:00"]).output
    assert "No schedules." in runner.invoke(args=["schedules", "list"]).output
    assert invited_refs() == ["SL-2"]


def test_schedules_are_listed_and_removed(app: Any, register: None, runner: Any) -> None:
    runner.invoke(args=["schedules", "add", "monthly-checkin", "--cron", "0 17 1-7 * mon"])
    listed = runner.invoke(args=["schedules", "list"]).output
    assert (
        "monthly-checkin\tthe first Monday of each month at 5:00pm (0 17 1-7 * mon)\tfor Everyone who may be texted"
        "\tnext 2026-12-07 17:00" in listed
    )
    assert runner.invoke(args=["schedules", "remove", "1"]).exit_code == 0
    assert "Nothing due." in runner.invoke(args=["schedules", "run-due", "--now", "2027-01-01T00:00"]).output
    missing = runner.invoke(args=["schedules", "remove", "1"])
    assert missing.exit_code == 2 and "there is no schedule 1" in missing.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--cron", "0 17 * *"], "five fields"),
        (["--cron", "0 17 * * mon", "--group", "locality:Narnia"], "locality must be from"),
        (["--at", "tomorrow"], "not an ISO 8601 date and time"),
        (["--cron", "0 17 * * mon", "--at", "2027-01-01T00:00"], "not both"),
    ],
)
def test_the_command_refuses_bad_input_and_schedules_nothing(
    app: Any, runner: Any, args: list[str], expected: str
) -> None:
    result = runner.invoke(args=["schedules", "add", "monthly-checkin", *args])
    assert result.exit_code == 2 and expected in result.output
    assert count("schedule") == 0


def test_a_closed_survey_is_not_sent(app: Any, register: None, runner: Any) -> None:
    schedules.add(db.session, "monthly-checkin", cron="0 17 * * *", group=group("everyone"), now=utc(2026, 11, 23))
    db.session.commit()
    surveys.close(db.session, "monthly-checkin", utc(2026, 11, 23, 12))
    db.session.commit()
    assert schedules.run_due(db.session, now=utc(2026, 11, 23, 17)) == []
    assert count("conversation") == 0


# --- quiet hours, priorities and the send rate ---------------------------------------------------------------


def queue_bulk(app: Any, at: datetime) -> None:
    schedules.add(db.session, "monthly-checkin", at=at, group=group("everyone"), now=at - timedelta(minutes=1))
    db.session.commit()
    schedules.run_due(db.session, now=at)


def statuses() -> dict[str, int]:
    db.session.expire_all()
    found: dict[str, int] = {}
    for status in db.session.scalars(select(OutboundMessage.status)):
        found[status] = found.get(status, 0) + 1
    return found


def test_a_send_due_in_quiet_hours_waits_for_the_morning(app: Any, register: None, runner: Any) -> None:
    queue_bulk(app, utc(2026, 11, 23, 21, 30))  # 21:30 in London
    night = runner.invoke(args=["outbox", "flush", "--now", "2026-11-23T21:30:00+00:00"])
    assert "simulated 0" in night.output and "Holding 3 until 08:00 on 24 November (quiet hours)." in night.output
    again = runner.invoke(args=["outbox", "flush", "--now", "2026-11-24T07:59:59+00:00"])
    assert "simulated 0" in again.output
    assert statuses() == {"queued": 3}
    morning = runner.invoke(args=["outbox", "flush", "--now", "2026-11-24T08:00:00+00:00"])
    assert "simulated 3" in morning.output
    assert "simulated 0" in runner.invoke(args=["outbox", "flush", "--now", "2026-11-24T08:00:00+00:00"]).output
    assert statuses() == {"simulated": 3}


def test_quiet_hours_follow_uk_time_across_the_clocks_changing() -> None:
    quiet = outbox.QuietHours(time(21), time(8))
    assert quiet.contains(utc(2027, 7, 1, 20, 30))  # 21:30 BST
    assert not quiet.contains(utc(2027, 7, 1, 7, 0))  # 08:00 BST
    assert quiet.ends_after(utc(2027, 7, 1, 20, 30)) == utc(2027, 7, 2, 7, 0)
    assert quiet.ends_after(utc(2026, 11, 24, 3)) == utc(2026, 11, 24, 8)
    assert quiet.ends_after(utc(2026, 11, 24, 12)) == utc(2026, 11, 24, 12)  # not quiet: now
    daytime_only = outbox.QuietHours(time(0), time(6))
    assert daytime_only.contains(utc(2026, 11, 24, 3)) and not daytime_only.contains(utc(2026, 11, 24, 23))


def test_a_reply_to_a_young_persons_own_text_goes_in_quiet_hours(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    clock.current = utc(2026, 11, 24, 2)  # 2am
    assert len(twilio.replies("hi")) == 1  # its acknowledgement, queued by the worker
    person_id = db.session.scalar(select(Person.id)) or 0
    outbox.record(
        db.session,
        [
            outbox.Outgoing(person_id, "A survey", sending.INVITATION),
            outbox.Outgoing(person_id, "Thanks for your message", "reply"),
            outbox.Outgoing(person_id, "Reply from Sam: see you Tuesday", "statement-reply"),
        ],
        now=clock.current,
    )
    db.session.commit()
    report = outbox.flush(
        db.session, outbox.SimulatedSender(), now=clock.current, retry=outbox.RetryPolicy(), quiet=outbox.QuietHours()
    )
    assert (report.simulated, report.held) == (2, 2)
    sent = db.session.scalars(select(OutboundMessage.kind).where(OutboundMessage.status == "simulated")).all()
    assert sent == ["reply", "reply"]


def test_replies_go_before_a_bulk_send_already_queued(app: Any, register: None) -> None:
    at = utc(2026, 11, 23, 14)
    queue_bulk(app, at - timedelta(minutes=5))
    person_id = db.session.scalar(select(Person.id).where(Person.ref == "SL-5")) or 0
    outbox.record(db.session, [outbox.Outgoing(person_id, "Thanks", "reply")], now=at)
    outbox.record(db.session, [outbox.Outgoing(person_id, "Reply from Sam", "statement-reply")], now=at)
    db.session.commit()
    order = []
    while (claimed := outbox.claim_next(db.session, at)) is not None:
        order.append(db.session.get(OutboundMessage, claimed).kind)  # type: ignore[union-attr]
    assert order == ["reply", "statement-reply", *[sending.INVITATION] * 3]


def test_every_sender_shares_one_rate_per_number(app: Any) -> None:
    """Two senders (two Pacers, as in two processes) take slots from the same row: together they keep to the
    rate, and neither waits when the number has been idle."""
    wall = [utc(2026, 11, 23, 14)]
    slept: list[tuple[str, float]] = []

    def pacer(name: str) -> outbox.Pacer:
        def sleep(seconds: float) -> None:
            slept.append((name, seconds))

        return outbox.Pacer("+447700900000", 2.0, sleep=sleep, clock=lambda: wall[0])

    first, second = pacer("a"), pacer("b")
    for sender in (first, second, first, second):
        sender.wait(db.session)
    assert slept == [("b", 0.5), ("a", 1.0), ("b", 1.5)]
    wall[0] += timedelta(seconds=10)  # idle: the next slot is now
    slept.clear()
    second.wait(db.session)
    assert slept == []
    other = outbox.Pacer("MG-other", 2.0, sleep=lambda s: slept.append(("c", s)), clock=lambda: wall[0])
    other.wait(db.session)  # another number has its own rate
    assert slept == []


# --- reminders ----------------------------------------------------------------------------------------------


def test_one_reminder_for_a_survey_left_unfinished(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")  # then silence
    clock.advance(hours=23, minutes=59)
    assert processes.send_reminders() == 0
    clock.advance(minutes=1)
    assert processes.send_reminders() == 1
    (reminder,) = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == reminders.KIND)).all()
    assert reminder.body.startswith("Just a reminder: Do you see your worker enough?")
    clock.advance(hours=20)
    assert processes.send_reminders() == 0  # never a second
    assert "Did you feel listened to" in twilio.replies("a")[0]  # the reply still answers where they were


def test_no_reminder_once_finished_or_for_someone_who_opted_out(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    for body in ("CHECKIN", "4", "a", "yes", "nothing"):
        twilio.replies(body)
    twilio.replies("CHECKIN", sender="+447700900124")
    twilio.replies("STOP", sender="+447700900124")
    clock.advance(hours=25)
    assert processes.send_reminders() == 0


def test_a_survey_sent_as_a_link_is_reminded_with_a_fresh_link(
    app: Any, register: None, runner: Any, clock: Clock
) -> None:
    db.session.execute(text("UPDATE survey_version SET sms_invite = 'link'"))
    db.session.commit()
    sent = runner.invoke(args=["surveys", "send", "monthly-checkin", "--to", "07700 900501"])
    assert "Queued 1" in sent.output
    assert processes.send_reminders() == 0
    runner.invoke(args=["outbox", "flush"])
    clock.advance(hours=24)
    assert processes.send_reminders() == 1
    reminder = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == reminders.KIND)).one()
    assert "Just a reminder: you can still do Monthly check-in online: http" in reminder.body
    assert "/s/monthly-checkin/" in reminder.body


@pytest.mark.parametrize("app_config", [{"REMINDER_HOURS": 0}])
def test_reminders_can_be_switched_off(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    twilio.replies("CHECKIN")
    clock.advance(hours=40)
    assert processes.send_reminders() == 0


# --- one scheduler, its jobs in the database ----------------------------------------------------------------


def test_a_second_scheduler_runs_nothing_while_the_first_is_alive(app: Any) -> None:
    now = utc(2026, 11, 23, 14)
    assert lease.hold(db.session, "host-a:1", now)
    assert not lease.hold(db.session, "host-b:2", now + timedelta(seconds=30))
    assert lease.hold(db.session, "host-a:1", now + timedelta(seconds=60))  # its heartbeat
    assert not lease.hold(db.session, "host-b:2", now + timedelta(seconds=149))
    assert lease.hold(db.session, "host-b:2", now + timedelta(seconds=150))  # a took 90 s without a beat: gone
    assert not lease.hold(db.session, "host-a:1", now + timedelta(seconds=151))


def test_a_job_is_skipped_where_the_lease_is_held_elsewhere(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    twilio.replies("CHECKIN")
    clock.advance(hours=49)
    lease.hold(db.session, "someone-else", clock.current)
    processes._scheduler_app["app"] = app
    processes.run_job("expire-conversations")
    assert db.session.scalars(select(Conversation.status)).one() == "active"
    db.session.execute(
        text("UPDATE scheduler_lease SET heartbeat_at = :old"), {"old": clock.current - timedelta(hours=1)}
    )
    db.session.commit()
    processes.run_job("expire-conversations")
    db.session.expire_all()
    assert db.session.scalars(select(Conversation.status)).one() == "expired"
    health = app.test_client().get("/healthz").json
    assert health["scheduler"]["running"] is True and health["scheduler"]["last_job"] == "expire-conversations"


def test_the_scheduler_keeps_its_jobs_in_the_database_and_survives_a_restart(app: Any) -> None:
    first = processes.build_scheduler(app)
    try:
        stored = {job.id: job.next_run_time for job in first.get_jobs()}
        # The nightly job is due at 02:30 UK time; as if the machine had then been off for three nights.
        first.modify_job("retention", next_run_time=datetime.now(UTC) - timedelta(days=3))
    finally:
        processes.stop_scheduler(first)
    assert set(stored) == set(processes.JOBS)
    assert count("apscheduler_jobs") == len(processes.JOBS)
    db.session.rollback()  # a read left open on SQLite would hold the restarted scheduler's writes
    restarted = processes.build_scheduler(app)
    try:
        job = restarted.get_job("retention")
        assert job is not None and job.next_run_time < datetime.now(UTC) - timedelta(days=2)  # kept, not reset
        assert job.coalesce is True and job.misfire_grace_time is None  # so it runs once, however late
    finally:
        processes.stop_scheduler(restarted)
    assert count("apscheduler_jobs") == len(processes.JOBS)


def test_a_missed_nightly_job_runs_once_when_the_scheduler_starts(app: Any) -> None:
    import threading

    ran: list[str] = []
    done = threading.Event()
    real = processes.JOBS["retention"]

    def counted() -> int:
        ran.append("retention")
        done.set()
        return real()

    processes.JOBS["retention"] = counted
    try:
        scheduler = processes.build_scheduler(app)
        scheduler.modify_job("retention", next_run_time=datetime.now(UTC) - timedelta(days=3))
        processes.stop_scheduler(scheduler)
        scheduler = processes.build_scheduler(app)
        scheduler.resume()
        assert done.wait(10)
        threading.Event().wait(1.0)
        processes.stop_scheduler(scheduler)
    finally:
        processes.JOBS["retention"] = real
    assert ran == ["retention"]  # three nights missed: run once
    job_state = db.session.execute(text("SELECT next_run_time FROM apscheduler_jobs WHERE id = 'retention'")).scalar()
    assert job_state is not None and job_state > datetime.now(UTC).timestamp()


def test_healthz_reports_the_backlog(app: Any, register: None, clock: Clock) -> None:
    queue_bulk(app, clock.current)
    db.session.commit()
    assert app.test_client().get("/healthz").json["outbox_backlog"] == 3


def test_healthz_says_how_many_texts_wait_for_a_worker_and_for_how_long(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    health = app.test_client().get("/healthz").json
    assert (health["texts_waiting"], health["oldest_text_waiting_seconds"]) == (0, None)
    twilio.text("hello", handle=False)
    clock.advance(seconds=30)
    twilio.text("hello again", handle=False)
    health = app.test_client().get("/healthz").json
    assert (health["texts_waiting"], health["oldest_text_waiting_seconds"]) == (2, 30)
    twilio.handle()
    assert app.test_client().get("/healthz").json["texts_waiting"] == 0


def test_cron_runs_jobs_one_at_a_time_unless_a_scheduler_holds_the_lease(
    app: Any, register: None, runner: Any, clock: Clock
) -> None:
    schedules.add(db.session, "monthly-checkin", at=clock.current + timedelta(minutes=1), group=group("refs:SL-1"),
                  now=clock.current)  # fmt: skip
    db.session.commit()
    clock.advance(minutes=1)
    assert "Ran run-schedules." in runner.invoke(args=["jobs", "run", "run-schedules"]).output
    assert "Ran send-reminders." in runner.invoke(args=["jobs", "run", "send-reminders"]).output  # the next cron run
    once = runner.invoke(args=["worker", "--once"])
    assert once.exit_code == 0 and "Done: 1 messages" in once.output
    assert statuses() == {"simulated": 1}
    assert not lease.hold(db.session, "host-a:1", clock.current)  # a scheduler waits while cron is at work
    clock.advance(seconds=91)
    assert lease.hold(db.session, "host-a:1", clock.current)
    refused = runner.invoke(args=["jobs", "run", "retention"])
    assert refused.exit_code == 1 and "a `feedback scheduler` is running" in refused.output
    unknown = runner.invoke(args=["jobs", "run", "everything"])
    assert unknown.exit_code == 2


def test_a_reply_queued_during_a_bulk_send_is_the_next_message_out(
    app: Any, register: None, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox.people, "is_fictional", lambda phone: False)  # through this test's own sender
    queue_bulk(app, clock.current)
    person_id = db.session.scalar(select(Person.id).where(Person.ref == "SL-5")) or 0
    order: list[str] = []

    class Sender:
        def send(self, to: str, body: str) -> outbox.SendResult:
            order.append("reply" if body == "Thanks" else "bulk")
            if len(order) == 1:  # a young person texts while the first invitation goes
                clock.advance(seconds=1)
                outbox.record(db.session, [outbox.Outgoing(person_id, "Thanks", "reply")], now=clock.current)
            clock.advance(seconds=1)
            return outbox.SendResult(provider_sid=None, status=outbox.SIMULATED)

    outbox.flush(db.session, Sender(), now=clock.current, retry=outbox.RetryPolicy(), clock=clock)
    assert order == ["bulk", "reply", "bulk", "bulk"]


def test_a_bulk_send_writes_every_invitation_whole(app: Any, runner: Any, tmp_path: Path) -> None:
    """Past BULK_ROWS the outbox takes a faster path on PostgreSQL: each message still goes to its own person with
    its own conversation and a body that reads back."""
    rows = "\n".join(f"BULK-{n},07700 900{n:03d},,,,,yes" for n in range(250))
    path = tmp_path / "people.csv"
    path.write_text("ref,phone,date_of_birth,locality,care_setting,worker_email,consent_sms\n" + rows, encoding="utf-8")
    assert runner.invoke(args=["people", "import", str(path)]).exit_code == 0
    assert outbox.BULK_ROWS < 250
    queue_bulk(app, utc(2026, 11, 23, 12))
    db.session.expire_all()
    invitations = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert len(invitations) == 250 and len({m.person_id for m in invitations}) == 250
    for message in invitations:
        conversation = db.session.get(Conversation, message.conversation_id)
        assert conversation is not None and conversation.person_id == message.person_id
        assert message.body.startswith("Hi, it's the Champions Board.") and message.priority == outbox.BULK_PRIORITY
