"""The survey builder: staff write a survey in the browser, preview it as a phone, publish it, and edit it into a
new version without changing the published one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.extensions import db
from feedback.surveys import operations as surveys
from feedback.surveys.models import SurveyVersion
from tests.conftest import count

PASSWORD = "a long enough password"


@pytest.fixture
def admin(app: Any) -> Any:
    staff.create_user(db.session, "admin@example.org", PASSWORD, "admin")
    db.session.commit()
    client = app.test_client()
    assert client.post("/staff/login", data={"email": "admin@example.org", "password": PASSWORD}).status_code == 302
    return client


def question(index: int, **fields: Any) -> dict[str, Any]:
    return {f"questions-{index}-{name}": value for name, value in fields.items()}


def new_survey_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "youth-club",
        "title": "Youth club",
        "keyword": "CLUB",
        "intro": "A quick one about the youth club.",
        "thanks": "Thanks!",
        "sms_invite": "questions",
        **question(
            0,
            position="1",
            type="rating",
            text="How good is the club? Reply 1 to 5",
            web_text="How good is the club?",
            min="1",
            max="5",
            labels="Rubbish\nNot great\nOK\nGood\nBrilliant",
            themes=["activities"],
        ),
        **question(1, position="2", type="choice", text="Which night? A Mon, B Wed", choices="Monday\nWednesday"),
        **question(2, position="3", type="text", text="Anything else? Or reply SKIP", optional="y"),
    }
    data.update(overrides)
    return data


def test_a_survey_built_in_the_browser_is_a_draft_until_published(app: Any, admin: Any, client: Any) -> None:
    response = admin.post("/staff/surveys/new", data=new_survey_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    version = surveys.get_version(db.session, "youth-club")
    assert version.status == "draft" and [q.type for q in version.questions] == ["rating", "choice", "text"]
    assert version.questions[0].labels == ["Rubbish", "Not great", "OK", "Good", "Brilliant"]
    assert version.questions[0].themes == ["activities"]
    assert version.questions[2].optional
    assert client.get("/s/youth-club").status_code == 404  # a draft is not open to anyone

    preview = admin.get("/staff/surveys/youth-club/preview/1/1").get_data(as_text=True)
    assert "How good is the club?" in preview and "Brilliant" in preview and "Question 1 of 3" in preview

    assert admin.post("/staff/surveys/youth-club/publish").status_code == 302
    assert client.get("/s/youth-club").status_code == 200
    assert surveys.find_by_keyword(db.session, "CLUB") is not None


def test_editing_a_published_survey_makes_a_new_version_and_leaves_the_old_one_alone(app: Any, admin: Any) -> None:
    admin.post("/staff/surveys/new", data=new_survey_form())
    admin.post("/staff/surveys/youth-club/publish")
    edit_page = admin.get("/staff/surveys/youth-club/edit").get_data(as_text=True)
    assert "How good is the club?" in edit_page  # the form starts from the newest version
    form = new_survey_form(title="Youth club (winter)", **question(1, remove="y"))
    form.pop("slug")
    # Deleting a question is asked about first: nothing is saved until it is confirmed.
    asked = admin.post("/staff/surveys/youth-club/edit", data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Delete this question?" in page
    assert "Question 2: Which night? A Mon, B Wed" in page and 'value="delete"' in page
    assert len(surveys.get_version(db.session, "youth-club").questions) == 3
    form["confirm_delete"] = "delete"
    assert admin.post("/staff/surveys/youth-club/edit", data=form).status_code == 302
    # Saving again replaces the draft rather than piling up versions.
    assert admin.post("/staff/surveys/youth-club/edit", data=form).status_code == 302
    versions = db.session.scalars(select(SurveyVersion).order_by(SurveyVersion.number)).all()
    youth = [v for v in versions if v.survey.slug == "youth-club"]
    assert [(v.number, v.status) for v in youth] == [(1, "published"), (2, "draft")]
    assert len(youth[0].questions) == 3 and youth[0].title == "Youth club"
    assert len(youth[1].questions) == 2
    assert surveys.current_version(db.session, "youth-club").number == 1
    admin.post("/staff/surveys/youth-club/publish")
    assert surveys.current_version(db.session, "youth-club").number == 2


def test_a_question_that_does_not_fit_its_type_is_explained_and_nothing_is_saved(app: Any, admin: Any) -> None:
    response = admin.post("/staff/surveys/new", data=new_survey_form(**question(1, choices="Only one")))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved: there is a problem" in html
    assert '<a href="#questions-1-choices">Question 2: a choice question needs between 2 and 26 choices</a>' in html
    assert "How good is the club?" in html  # what they wrote is still in the form
    assert count("survey") == 8  # the defaults only


def test_a_taken_name_or_keyword_is_refused(app: Any, admin: Any) -> None:
    taken = admin.post("/staff/surveys/new", data=new_survey_form(slug="monthly-checkin"))
    assert taken.status_code == 400 and "That web address name is taken" in taken.get_data(as_text=True)
    admin.post("/staff/surveys/new", data=new_survey_form(keyword="CHECKIN"))
    refused = admin.post("/staff/surveys/youth-club/publish", follow_redirects=True)
    assert "Not published" in refused.get_data(as_text=True) and "CHECKIN" in refused.get_data(as_text=True)
    assert surveys.get_version(db.session, "youth-club").status == "draft"


def test_keeping_a_question_ticked_for_deleting_saves_it_with_the_rest(app: Any, admin: Any) -> None:
    form = new_survey_form(**question(2, remove="y"), confirm_delete="keep")
    assert admin.post("/staff/surveys/new", data=form).status_code == 302
    assert len(surveys.get_version(db.session, "youth-club").questions) == 3


def test_a_field_that_does_not_fit_its_pattern_is_named_in_words_beside_it(app: Any, admin: Any) -> None:
    response = admin.post("/staff/surveys/new", data=new_survey_form(keyword="CL UB", **question(0, key="Home!")))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "should match pattern" not in html
    assert '<a href="#keyword">The SMS keyword must be 2 to 20 letters or numbers, with no spaces.</a>' in html
    assert "Question 1: the short name must be lower-case letters, numbers, dashes and underscores" in html
    assert count("survey") == 8


def test_web_thanks_is_saved_by_the_builder_and_kept_in_each_new_version(app: Any, admin: Any) -> None:
    thanks = "Thanks! The Champions Board reads every answer."
    assert admin.post("/staff/surveys/new", data=new_survey_form(web_thanks=thanks)).status_code == 302
    admin.post("/staff/surveys/youth-club/publish")
    first = surveys.current_version(db.session, "youth-club")
    assert (first.thanks, first.web_thanks) == ("Thanks!", thanks)
    assert surveys.export_definition(first)["web_thanks"] == thanks  # a file exported imports it again
    edit_page = admin.get("/staff/surveys/youth-club/edit").get_data(as_text=True)
    assert "Thank you message on the web (optional)" in edit_page and thanks in edit_page
    assert "Do not mention replying by text." in edit_page
    preview = admin.get(f"/staff/surveys/youth-club/preview/{first.number}/4").get_data(as_text=True)
    assert thanks in preview and "By text: Thanks!" in preview

    form = new_survey_form(title="Youth club (winter)", web_thanks=thanks)  # as the edit page sends it back
    form.pop("slug")
    assert admin.post("/staff/surveys/youth-club/edit", data=form).status_code == 302
    admin.post("/staff/surveys/youth-club/publish")
    second = surveys.current_version(db.session, "youth-club")
    assert (second.number, second.title, second.web_thanks) == (2, "Youth club (winter)", thanks)

    form["web_thanks"] = ""
    admin.post("/staff/surveys/youth-club/edit", data=form)
    assert surveys.get_version(db.session, "youth-club", 3).web_thanks == ""  # emptied: the general thank you


def test_web_thanks_comes_and_goes_in_a_survey_file(app: Any) -> None:
    definition = surveys.parse_definition(
        '{"slug": "club", "title": "Club", "questions": [{"key": "q", "type": "text", "text": "Hi?"}],'
        ' "thanks": "Thanks! Reply HELP for help.", "web_thanks": "Thanks!"}'
    )
    version = surveys.import_survey(db.session, definition).version
    assert version.web_thanks == "Thanks!" and surveys.export_definition(version)["web_thanks"] == "Thanks!"
    again = surveys.import_survey(db.session, surveys.check_definition(surveys.export_definition(version))).version
    assert (again.number, again.web_thanks) == (2, "Thanks!")
    too_long = {**surveys.export_definition(version), "web_thanks": "x" * 1601}
    with pytest.raises(surveys.SurveyFileError, match="web_thanks"):
        surveys.check_definition(too_long)


def test_the_default_surveys_thank_young_people_on_the_web_without_speaking_of_texts(app: Any) -> None:
    for slug in ("monthly-checkin", "advocacy-voice"):
        version = surveys.current_version(db.session, slug)
        assert version.web_thanks and "reply" not in version.web_thanks.lower()
        assert "HELP" in version.thanks  # the texted thanks still may


def test_closing_a_survey_stops_its_link_and_keeps_its_answers(app: Any, admin: Any, client: Any) -> None:
    assert client.get("/s/monthly-checkin").status_code == 200
    assert admin.post("/staff/surveys/monthly-checkin/close").status_code == 302
    assert client.get("/s/monthly-checkin").status_code == 404
    assert surveys.find_by_keyword(db.session, "CHECKIN") is None


def test_statement_wording_is_edited_like_a_survey(app: Any, admin: Any) -> None:
    form = {
        "title": "I'm worried",
        "intro": "Tell your worker what's wrong.",
        "thanks": "Sent.",
        "sms_invite": "questions",
        **question(0, position="1", type="text", text="What's worrying you?"),
    }
    assert admin.post("/staff/surveys/statement-worried/edit", data=form).status_code == 302
    admin.post("/staff/surveys/statement-worried/publish")
    version = surveys.current_version(db.session, "statement-worried")
    assert version.number == 2 and version.questions[0].text == "What's worrying you?"
    assert version.survey.purpose == "statement"


@pytest.mark.parametrize("role", ["worker", "champions", "advocacy"])
def test_only_admins_and_managers_build_surveys(app: Any, role: str) -> None:
    staff.create_user(db.session, "someone@example.org", PASSWORD, role)
    db.session.commit()
    client = app.test_client()
    client.post("/staff/login", data={"email": "someone@example.org", "password": PASSWORD})
    for path in (
        "/staff/surveys",
        "/staff/surveys/new",
        "/staff/surveys/monthly-checkin",
        "/staff/surveys/monthly-checkin/edit",
        "/staff/surveys/monthly-checkin/preview/1",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/staff/surveys/monthly-checkin/close").status_code == 403
    assert surveys.current_version(db.session, "monthly-checkin") is not None


def test_the_survey_pages_need_a_sign_in(app: Any, client: Any) -> None:
    response = client.get("/staff/surveys")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
