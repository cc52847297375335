"""A schedule's rule in words says what APScheduler will fire: each row's words are checked against the next times
the rule is due, as the scheduler computes them (`schedules.next_fire`), from a moment in UK time.

The calendar: 1 January 2027 is a Friday; 4 January, 1 February, 1 March and 5 April 2027 are Mondays.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from feedback.core.clock import LOCAL_TIME
from feedback.surveys import schedule_views, schedules
from feedback.surveys.schedule_words import rule_in_words

NEW_YEAR = "2027-01-01 00:00"

# (rule as typed, its words or None for "cannot say exactly", from (UK time), the next times it fires (UK time))
RULES: list[tuple[str, str | None, str, list[str]]] = [
    # every day at a time
    ("0 17 * * *", "Every day at 5:00pm", NEW_YEAR, ["2027-01-01 17:00", "2027-01-02 17:00", "2027-01-03 17:00"]),
    ("0 0 * * *", "Every day at 12:00am", NEW_YEAR, ["2027-01-02 00:00", "2027-01-03 00:00"]),
    # weekdays (cron numbers: 1-5 is Monday to Friday)
    ("0 9 * * 1-5", "Monday to Friday at 9:00am", NEW_YEAR,
     ["2027-01-01 09:00", "2027-01-04 09:00", "2027-01-05 09:00", "2027-01-06 09:00", "2027-01-07 09:00",
      "2027-01-08 09:00", "2027-01-11 09:00"]),
    ("0 9 * * mon-fri", "Monday to Friday at 9:00am", NEW_YEAR, ["2027-01-01 09:00", "2027-01-04 09:00"]),
    # a single weekday: cron's 0 and 7 are Sunday (APScheduler's own 0 would be Monday)
    ("30 8 * * 0", "Every Sunday at 8:30am", NEW_YEAR, ["2027-01-03 08:30", "2027-01-10 08:30", "2027-01-17 08:30"]),
    ("30 8 * * 7", "Every Sunday at 8:30am", NEW_YEAR, ["2027-01-03 08:30", "2027-01-10 08:30"]),
    ("0 17 * * mon", "Every Monday at 5:00pm", NEW_YEAR, ["2027-01-04 17:00", "2027-01-11 17:00"]),
    # several weekdays
    ("0 17 * * mon,wed,fri", "Every Monday, Wednesday and Friday at 5:00pm", NEW_YEAR,
     ["2027-01-01 17:00", "2027-01-04 17:00", "2027-01-06 17:00", "2027-01-08 17:00"]),
    ("15 10 * * sat,sun", "Every Saturday and Sunday at 10:15am", NEW_YEAR,
     ["2027-01-02 10:15", "2027-01-03 10:15", "2027-01-09 10:15"]),
    # a step in the weekday field counts from APScheduler's Monday, not cron's Sunday: the words say what fires
    ("0 9 * * */2", "Every Monday, Wednesday, Friday and Sunday at 9:00am", NEW_YEAR,
     ["2027-01-01 09:00", "2027-01-03 09:00", "2027-01-04 09:00", "2027-01-06 09:00"]),
    # the nth weekday of the month: day AND weekday must both match in APScheduler (classic cron would also fire
    # on 1, 2 and 3 January, and on every Monday)
    ("0 17 1-7 * mon", "The first Monday of each month at 5:00pm", NEW_YEAR,
     ["2027-01-04 17:00", "2027-02-01 17:00", "2027-03-01 17:00", "2027-04-05 17:00"]),
    ("0 17 8-14 * tue", "The second Tuesday of each month at 5:00pm", NEW_YEAR,
     ["2027-01-12 17:00", "2027-02-09 17:00", "2027-03-09 17:00"]),
    ("0 17 15-21 * wed", "The third Wednesday of each month at 5:00pm", NEW_YEAR,
     ["2027-01-20 17:00", "2027-02-17 17:00"]),
    ("0 17 22-28 * fri", "The fourth Friday of each month at 5:00pm", NEW_YEAR,
     ["2027-01-22 17:00", "2027-02-26 17:00", "2027-03-26 17:00"]),
    ("0 17 29-31 * fri", "The fifth Friday of each month at 5:00pm, when there is one", NEW_YEAR,
     ["2027-01-29 17:00", "2027-04-30 17:00", "2027-07-30 17:00"]),
    ("0 17 last * *", "The last day of each month at 5:00pm", NEW_YEAR,
     ["2027-01-31 17:00", "2027-02-28 17:00", "2027-03-31 17:00", "2027-04-30 17:00"]),
    ("0 17 last * fri", "The last day of each month at 5:00pm, when it is a Friday", NEW_YEAR,
     ["2027-04-30 17:00", "2027-12-31 17:00"]),
    ("0 17 1-7 * mon,tue",
     "Every day from the 1st to the 7th of each month at 5:00pm, when it is a Monday or Tuesday", NEW_YEAR,
     ["2027-01-04 17:00", "2027-01-05 17:00", "2027-02-01 17:00", "2027-02-02 17:00"]),
    # a day of the month
    ("0 9 1 * *", "The 1st of each month at 9:00am", NEW_YEAR, ["2027-01-01 09:00", "2027-02-01 09:00"]),
    ("0 9 1,15 * *", "The 1st and 15th of each month at 9:00am", NEW_YEAR,
     ["2027-01-01 09:00", "2027-01-15 09:00", "2027-02-01 09:00", "2027-02-15 09:00"]),
    ("0 9 1-5/2 * *", "The 1st, 3rd and 5th of each month at 9:00am", NEW_YEAR,
     ["2027-01-01 09:00", "2027-01-03 09:00", "2027-01-05 09:00", "2027-02-01 09:00"]),
    ("0 9 31 * *", "The 31st of each month at 9:00am (months without the 31st skip it)", NEW_YEAR,
     ["2027-01-31 09:00", "2027-03-31 09:00", "2027-05-31 09:00"]),
    ("0 9 29 2 *", "The 29th of February at 9:00am (months without the 29th skip it)", NEW_YEAR,
     ["2028-02-29 09:00", "2032-02-29 09:00"]),
    ("0 9 13 * fri", "The 13th of each month at 9:00am, when it is a Friday", NEW_YEAR,
     ["2027-08-13 09:00", "2028-10-13 09:00"]),
    ("0 0 1 1 *", "The 1st of January at 12:00am", NEW_YEAR, ["2028-01-01 00:00", "2029-01-01 00:00"]),
    # several times a day
    ("0 9,13,17 * * *", "Every day at 9:00am, 1:00pm and 5:00pm", NEW_YEAR,
     ["2027-01-01 09:00", "2027-01-01 13:00", "2027-01-01 17:00", "2027-01-02 09:00"]),
    ("0,30 9 * * mon", "Every Monday at 9:00am and 9:30am", NEW_YEAR,
     ["2027-01-04 09:00", "2027-01-04 09:30", "2027-01-11 09:00"]),
    # every N hours or minutes
    ("*/15 * * * *", "Every 15 minutes", NEW_YEAR,
     ["2027-01-01 00:15", "2027-01-01 00:30", "2027-01-01 00:45", "2027-01-01 01:00"]),
    ("* * * * *", "Every minute", NEW_YEAR, ["2027-01-01 00:01", "2027-01-01 00:02"]),
    ("0 * * * *", "Every hour, on the hour", NEW_YEAR, ["2027-01-01 01:00", "2027-01-01 02:00"]),
    ("20 * * * *", "Every hour, at 20 minutes past", NEW_YEAR, ["2027-01-01 00:20", "2027-01-01 01:20"]),
    ("0 */2 * * *", "Every 2 hours from 12:00am", NEW_YEAR,
     ["2027-01-01 02:00", "2027-01-01 04:00", "2027-01-01 06:00"]),
    ("30 */3 * * *", "Every 3 hours from 12:30am", "2027-01-01 17:00",
     ["2027-01-01 18:30", "2027-01-01 21:30", "2027-01-02 00:30"]),
    ("30 */8 * * *", "Every day at 12:30am, 8:30am and 4:30pm", "2027-01-01 17:00",
     ["2027-01-02 00:30", "2027-01-02 08:30", "2027-01-02 16:30"]),
    ("0 9-17 * * *", "Every hour from 9:00am to 5:00pm", "2027-01-01 16:30",
     ["2027-01-01 17:00", "2027-01-02 09:00", "2027-01-02 10:00"]),
    ("*/15 9-17 * * 1-5", "Every 15 minutes from 9:00am to 5:45pm, Monday to Friday", "2027-01-01 17:30",
     ["2027-01-01 17:45", "2027-01-04 09:00", "2027-01-04 09:15"]),
    ("0 * * * sat", "Every hour, on the hour, every Saturday", "2027-01-02 22:30",
     ["2027-01-02 23:00", "2027-01-09 00:00"]),
    ("*/30 * 1-7 * mon", "Every 30 minutes, on the first Monday of each month", "2027-01-04 23:00",
     ["2027-01-04 23:30", "2027-02-01 00:00", "2027-02-01 00:30"]),
    # months
    ("0 17 1 1,4,7,10 *", "The 1st of January, April, July and October at 5:00pm", NEW_YEAR,
     ["2027-01-01 17:00", "2027-04-01 17:00", "2027-07-01 17:00", "2027-10-01 17:00"]),
    ("0 17 1-7 */3 mon", "The first Monday of January, April, July and October at 5:00pm", NEW_YEAR,
     ["2027-01-04 17:00", "2027-04-05 17:00", "2027-07-05 17:00", "2027-10-04 17:00"]),
    ("0 17 * 3-6 *", "Every day from March to June at 5:00pm", "2027-06-30 12:00",
     ["2027-06-30 17:00", "2028-03-01 17:00", "2028-03-02 17:00"]),
    ("0 17 * 1,7 fri", "Every Friday in January and July at 5:00pm", "2027-01-28 12:00",
     ["2027-01-29 17:00", "2027-07-02 17:00"]),
    # what it cannot say exactly: the page shows the rule itself. "Every 7 minutes" would be wrong at each hour
    # (56 minutes past, then on the hour); "every other day" wrong at each month's end (the 31st, then the 1st).
    ("*/7 * * * *", None, "2027-01-01 00:50", ["2027-01-01 00:56", "2027-01-01 01:00", "2027-01-01 01:07"]),
    ("0 9 */2 * *", None, "2027-01-30 12:00", ["2027-01-31 09:00", "2027-02-01 09:00", "2027-02-03 09:00"]),
    ("15,45 */6 * * *", None, NEW_YEAR, ["2027-01-01 00:15", "2027-01-01 00:45", "2027-01-01 06:15"]),
    ("0 9 1,3,5,7,9,11 * *", None, NEW_YEAR, ["2027-01-01 09:00", "2027-01-03 09:00"]),
]  # fmt: skip


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TIME)


def next_fires(rule: str, after: datetime, count: int) -> list[str]:
    fires = []
    for _ in range(count):
        moment = schedules.next_fire(rule, after)
        assert moment is not None
        fires.append(f"{moment.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}")
        after = moment
    return fires


@pytest.mark.parametrize(("rule", "words", "start", "fires"), RULES, ids=[row[0] for row in RULES])
def test_a_rule_in_words_says_when_the_scheduler_fires_it(
    rule: str, words: str | None, start: str, fires: list[str]
) -> None:
    assert next_fires(rule, uk(start), len(fires)) == fires
    assert rule_in_words(schedules.trigger(rule), capital=True) == words


def test_the_words_can_start_a_sentence_or_go_inside_one() -> None:
    rule = schedules.trigger("0 17 1-7 * mon")
    assert rule_in_words(rule) == "the first Monday of each month at 5:00pm"
    assert rule_in_words(schedules.trigger("0 9 * * 1-5")) == "Monday to Friday at 9:00am"


def test_every_plain_choice_on_the_schedule_form_can_be_said_in_words() -> None:
    for name, pattern in schedule_views.RULE_PATTERNS.items():
        for hour, minute in ((0, 0), (8, 5), (17, 0), (23, 59)):
            assert rule_in_words(schedules.trigger(pattern.format(m=minute, h=hour))), name
