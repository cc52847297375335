"""Property-based tests of the parsers that see outside input, through the real pages, commands and webhooks:
whatever a young person types, a member of staff puts in a form or a URL, or arrives signed as if from Twilio,
the answer is a page or a refusal, never a server error, and no message is lost or stored twice.

(The CSV imports, the answer parser and the webhook's Body are covered beside their own tests: test_register.py,
test_advocacy.py, test_answer_parsing.py, test_sms_webhook.py. The JSON API: test_api_contract.py.)
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from feedback.accounts import operations as staff
from feedback.core.clock import now
from feedback.extensions import db
from feedback.messages import inbound
from feedback.messages.models import InboundMessage
from feedback.people import links, register
from feedback.people import operations as people
from feedback.people.models import Person
from tests.conftest import ACCOUNT_SID, SERVICE_NUMBER, TwilioWebhook, count
from tests.web_client import Respondent, hidden_fields

PASSWORD = "a long enough password"
CHECKIN = "/s/monthly-checkin"
QUESTIONS = 4  # rating, choice, yes/no, free text
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_serial = itertools.count(1)

# What a person might type, or a script send: any unicode (control characters and NUL included), words the
# parsers know, and text longer than any limit.
TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "1", "5", "yes", "NO", "skip", "stop", "0", "-1", "٣", "１", "\x00", "🙂", "<b>x</b>"]),
    st.text(min_size=1, max_size=3).map(lambda t: t * 800),  # up to 2,400 characters, past MAX_TEXT_LENGTH
)
# What a date field or parameter might hold: real dates (the first and last there are, too), near misses, junk.
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(["0001-01-01", "0001-01-02", "0001-03-31", "9999-12-31", "2026-02-30", "2026-11-23", "today"]),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 1, 1)).map(date.isoformat),
    st.text(max_size=12),
)
VALUES = st.one_of(
    DATES,
    st.text(max_size=20),
    st.integers().map(str),
    st.sampled_from(["\x00", "SL-\x00", "%", "_", "99999999999999999999", "9223372036854775807", "-1", "0", "open"]),
)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Many submissions from one address in a moment: the open-link rate limit is not what is tested here.
    return {"ANONYMOUS_SUBMISSIONS_PER_HOUR": 100_000}


def signed_in(app: Any, role: str) -> Any:
    """Signed in once per test, not per example: sign-in is slow on purpose, and limited."""
    email = f"{role}@example.org"
    staff.create_user(db.session, email, PASSWORD, role, team="Hamilton", display_name=role.title())
    db.session.commit()
    client = app.test_client()
    assert client.post("/staff/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def champion(app: Any) -> Any:
    return signed_in(app, "champions")


@pytest.fixture
def manager(app: Any) -> Any:
    return signed_in(app, "manager")


@pytest.fixture
def advocate(app: Any) -> Any:
    return signed_in(app, "advocacy")


def stored(provider_sid: str) -> list[InboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(InboundMessage).where(InboundMessage.provider_sid == provider_sid)))


# --- survey answers through the web pages -----------------------------------------------------------------------


def _base(personal: bool) -> str:
    if not personal:
        return CHECKIN
    person = people.get_or_create_person(db.session, f"+447700900{next(_serial) % 1000:03d}")
    token = links.issue(db.session, person.id, now=now(), valid_for=timedelta(days=90))
    db.session.commit()
    return f"{CHECKIN}/{token}"


@SETTINGS
@given(answer=TEXT, number=st.integers(1, QUESTIONS), personal=st.booleans(), twice=st.booleans())
def test_any_answer_on_a_question_page_is_stored_once_or_refused(
    app: Any, answer: str, number: int, personal: bool, twice: bool
) -> None:
    respondent = Respondent(app.test_client())  # a new visitor each time: nobody has finished the survey yet
    path = f"{_base(personal)}/q/{number}"
    page = respondent.page(path)
    assert page.status_code == 200
    fields = hidden_fields(page.get_data(as_text=True))
    response = respondent.post(path, fields, answer)
    assert response.status_code in {200, 302, 400}, response.status_code
    if twice:  # a double tap, or the back button and the same page sent again
        assert respondent.post(path, fields, answer).status_code in {200, 302, 400}
    messages = stored(f"web-{fields['nonce']}")
    if answer.strip():
        assert len(messages) == 1 and messages[0].body == answer  # kept exactly as typed, even when refused
        assert messages[0].status == inbound.PROCESSED
    else:
        assert response.status_code == 400 and not messages


@SETTINGS
@given(nonce=st.one_of(st.text(max_size=200), st.sampled_from(["", "same", "x" * 61])), answer=TEXT)
def test_a_forged_nonce_still_stores_the_answer_once_or_refuses_it(app: Any, nonce: str, answer: str) -> None:
    """The page's nonce is a hidden field anyone can change: too long, reused by someone else, or empty."""
    respondent = Respondent(app.test_client())
    path = f"{_base(True)}/q/4"
    fields = hidden_fields(respondent.page(path).get_data(as_text=True))
    before = count("inbound_message")
    response = respondent.post(path, {**fields, "nonce": nonce}, answer)
    assert response.status_code in {200, 302, 400}, response.status_code
    added = count("inbound_message") - before
    if response.status_code == 302:
        assert added == 1
    else:
        assert added in {0, 1}


def test_regression_a_nonce_the_column_cannot_hold_still_stores_the_answer(app: Any) -> None:
    """Found by the test above: on PostgreSQL a nonce over 60 characters (provider_sid is 64) or with a NUL byte
    was a server error, and the young person's answer was lost."""
    for nonce in ["x" * 61, "page\x00nonce"]:
        respondent = Respondent(app.test_client())
        path = f"{_base(True)}/q/4"
        fields = hidden_fields(respondent.page(path).get_data(as_text=True))
        assert respondent.post(path, {**fields, "nonce": nonce}, f"More youth workers {len(nonce)}").status_code == 302
    db.session.expire_all()
    assert sorted(m.body for m in db.session.scalars(select(InboundMessage))) == [
        "More youth workers 10",
        "More youth workers 61",
    ]


def test_regression_a_page_sent_again_by_someone_else_is_stored_as_theirs(app: Any) -> None:
    """Found by the test above: a page's nonce sent again by another person (an open link whose cookie was lost
    between two submits, or a copied form) was a server error; the first person's answer stays theirs."""
    first = Respondent(app.test_client())
    fields = hidden_fields(first.page(f"{CHECKIN}/q/4").get_data(as_text=True))
    assert first.post(f"{CHECKIN}/q/4", fields, "Buses at weekends").status_code == 302
    second = Respondent(app.test_client())  # no cookie: a new anonymous person
    assert second.post(f"{CHECKIN}/q/4", fields, "More youth workers").status_code == 302
    db.session.expire_all()
    messages = {m.body: m for m in db.session.scalars(select(InboundMessage))}
    assert set(messages) == {"Buses at weekends", "More youth workers"}
    assert messages["Buses at weekends"].provider_sid == f"web-{fields['nonce']}"
    assert messages["Buses at weekends"].person_id != messages["More youth workers"].person_id


# --- report filters --------------------------------------------------------------------------------------------

SUMMARY_PARAMS = ["period", "since", "until", "channel", "survey", "locality", "age_band", "care_setting", "by", "show"]
FILTERS = st.dictionaries(st.sampled_from([*SUMMARY_PARAMS, "q", "page", "junk"]), VALUES, max_size=5)


@SETTINGS
@given(
    query=FILTERS,
    path=st.sampled_from(
        [
            "/staff/summary",
            "/staff/summary.csv",
            "/staff/report",
            "/staff/summary/themes/transport",
            "/staff/surveys/monthly-checkin/results",
            "/staff/surveys/monthly-checkin/results.csv",
        ]
    ),
)
def test_any_summary_filter_gets_a_page_or_a_400(champion: Any, query: dict[str, str], path: str) -> None:
    response = champion.get(f"{path}?{urlencode(query)}")
    if response.status_code == 302:  # the form's "show" menu, answered with the page's plain address
        assert "show" in query and response.headers["Location"].startswith(path + "?period="), query
        response = champion.get(response.headers["Location"])
    assert response.status_code in {200, 400}, (response.status_code, query)


@SETTINGS
@given(query=FILTERS, path=st.sampled_from(["/staff/advocacy", "/staff/advocacy/offers", "/staff/people"]))
def test_any_advocacy_or_register_filter_gets_a_page_or_a_400(manager: Any, query: dict[str, str], path: str) -> None:
    response = manager.get(f"{path}?{urlencode(query)}")
    assert response.status_code in {200, 400}, (response.status_code, query)


YEAR_ONE = ["until=0001-02-01", "since=0001-01-01&until=0001-01-05", "since=0001-06-01&until=0001-06-05",
            "until=0001-12-31", "since=0999-01-01&until=0999-01-31"]  # fmt: skip


def test_regression_a_period_near_year_one_is_a_400_not_a_server_error(champion: Any) -> None:
    """Found by the tests above: counting back from such a period (the period before it, a year's trend, the
    default start) went past the first date there is, or wrote a year without its four digits, and was a 500."""
    for query in YEAR_ONE:
        for path in ["/staff/summary", "/staff/summary.csv", "/staff/report", "/staff/summary/themes/transport"]:
            response = champion.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert "1900-01-01 or later" in response.get_data(as_text=True)


# The earliest date a period may start, as a page says it ("1 January 1900") or a command ("1900-01-01").
EARLIEST_WORDS = re.compile(r"(1900-01-01|1 January 1900) or later")


def test_regression_an_advocacy_period_near_year_one_is_a_400(manager: Any, runner: Any) -> None:
    for query in YEAR_ONE:
        response = manager.get(f"/staff/advocacy?{query}")
        assert response.status_code == 400 and EARLIEST_WORDS.search(response.get_data(as_text=True)), query
        args = [f"--{part}" for part in query.split("&")]
        for report in ("advocacy", "themes"):
            result = runner.invoke(args=["report", report, *args])
            assert result.exit_code == 2 and EARLIEST_WORDS.search(result.output), (report, query)


def test_regression_a_list_page_past_any_number_or_a_nul_search_is_a_page(manager: Any) -> None:
    """Found by the tests above: a page number past what the database can count was a 500 on both databases,
    and a NUL byte in the search a 500 on PostgreSQL. A page past the end shows the last."""
    for path in ["/staff/people", "/staff/advocacy/offers"]:
        for query in ["page=99999999999999999999", "page=9223372036854775807", "q=SL%00", "q=%00"]:
            assert manager.get(f"{path}?{query}").status_code == 200, (path, query)


@SETTINGS
@given(
    options=st.dictionaries(
        st.sampled_from(["--period", "--since", "--until", "--by", "--locality"]), VALUES, max_size=3
    ),
    report=st.sampled_from(["themes", "advocacy"]),
    fmt=st.sampled_from(["csv", "json"]),
)
def test_any_report_option_prints_the_report_or_a_usage_error(
    app: Any, options: dict[str, str], report: str, fmt: str
) -> None:
    if report == "advocacy":
        for summary_only in ("--by", "--period", "--locality"):
            options.pop(summary_only, None)
    args = ["report", report, "--format", fmt, *itertools.chain.from_iterable(options.items())]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code in {0, 2}, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)


@SETTINGS
@given(
    options=st.dictionaries(st.sampled_from(["--period", "--since", "--until", "--by"]), VALUES, max_size=3),
    fmt=st.sampled_from(["csv", "json"]),
)
def test_any_survey_results_option_prints_the_results_or_a_usage_error(
    app: Any, options: dict[str, str], fmt: str
) -> None:
    args = ["report", "survey", "monthly-checkin", "--format", fmt, *itertools.chain.from_iterable(options.items())]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code in {0, 2}, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- the browser forms that write the register and the advocacy log ---------------------------------------------

PERSON_FIELDS = [*register.RECORD_FIELDS, "remove_phone"]
OFFER_FIELDS = ["ref", "offered_on", "offered_by", "context", "response", "follow_up_on", "notes"]


def _form(fields: list[str], real: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    return {**{name: real.get(name, "") for name in fields}, **values}


@SETTINGS
@given(values=st.dictionaries(st.sampled_from(PERSON_FIELDS), st.one_of(TEXT, DATES)))
def test_any_new_record_is_saved_whole_or_refused_with_nothing_written(manager: Any, values: dict[str, str]) -> None:
    real = {"ref": f"SL-{next(_serial)}", "phone": "", "date_of_birth": "2010-05-01", "locality": "Hamilton",
            "care_setting": "foster", "consent_sms": "yes"}  # fmt: skip
    before = count("person")
    response = manager.post("/staff/people/new", data=_form(PERSON_FIELDS, real, values))
    assert response.status_code in {302, 400}, response.status_code
    db.session.expire_all()
    if response.status_code == 400:
        assert count("person") == before
    else:
        ref = _form(PERSON_FIELDS, real, values)["ref"].strip()
        assert db.session.scalar(select(func.count()).select_from(Person).where(Person.ref == ref)) == 1


@SETTINGS
@given(values=st.dictionaries(st.sampled_from(OFFER_FIELDS), st.one_of(TEXT, DATES)))
def test_any_new_offer_is_saved_whole_or_refused_with_nothing_written(
    app: Any, advocate: Any, values: dict[str, str]
) -> None:
    if db.session.scalar(select(Person.id).where(Person.ref == "SL-001")) is None:
        register.save_one(db.session, {"ref": "SL-001", "date_of_birth": "2010-05-01"}, now=now(),
                          localities=app.config["LOCALITIES"])  # fmt: skip
        db.session.commit()
    real = {"ref": "SL-001", "offered_on": "2026-11-02", "offered_by": "IRO", "context": "looked-after-review",
            "response": "accepted"}  # fmt: skip
    before = count("advocacy_offer")
    response = advocate.post("/staff/advocacy/offers/new", data=_form(OFFER_FIELDS, real, values))
    assert response.status_code in {302, 400}, response.status_code
    db.session.expire_all()
    assert count("advocacy_offer") == before + (response.status_code == 302)
    if response.status_code == 400:
        assert count("advocacy_session") == 0


# --- Twilio's webhooks, signed as Twilio signs them --------------------------------------------------------------


@SETTINGS
@given(sender=st.text(max_size=40), body=TEXT, retries=st.integers(0, 2))
def test_any_sender_is_answered_and_its_message_stored_once_however_often_twilio_retries(
    app: Any, twilio: TwilioWebhook, sender: str, body: str, retries: int
) -> None:
    """No input makes the webhook fail, nor a worker's handling of what it stored. A retry of the same MessageSid is
    recognised, not stored again."""
    sid = twilio.new_sid()
    params = twilio.sms_params(body, sender=sender, sid=sid)
    statuses = {twilio.post("/sms/inbound", params).status_code for _ in range(retries + 1)}
    twilio.handle()
    if not sender.strip():
        assert statuses == {400} and not stored(sid)  # no From: not Twilio, nothing written
        return
    assert statuses == {200}
    messages = stored(sid)
    assert len(messages) == 1 and messages[0].body == body and messages[0].status == inbound.PROCESSED
    assert messages[0].handling_attempts == 0


@SETTINGS
@given(
    params=st.dictionaries(
        st.sampled_from(["MessageSid", "MessageStatus", "ErrorCode", "AccountSid", "To"]),
        st.one_of(
            st.text(max_size=30),
            st.integers().map(str),
            st.sampled_from(["sent", "delivered", "FAILED", "undelivered", "21610"]),
        ),
    )
)
def test_any_status_callback_is_applied_or_refused_never_a_server_error(
    app: Any, twilio: TwilioWebhook, params: dict[str, str]
) -> None:
    response = twilio.post("/sms/status", {"AccountSid": ACCOUNT_SID, "To": SERVICE_NUMBER, **params})
    assert response.status_code in {204, 400}, response.status_code
