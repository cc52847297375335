"""Personal links: made and texted from the command line, or sent instead of questions by a survey that is answered
online; and where a young person's statements go."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from feedback.extensions import db
from feedback.messages.models import OutboundMessage
from feedback.people import operations as people
from feedback.people.models import PersonalLink
from feedback.surveys import operations as surveys
from feedback.surveys.models import Conversation
from tests.conftest import PUBLIC_BASE_URL, YOUNG_PERSON, TwilioWebhook, count
from tests.web_client import Respondent

LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"(/\S+)")


def test_links_issue_prints_a_working_link_and_stores_only_its_hash(app: Any, runner: Any, client: Any) -> None:
    result = runner.invoke(args=["links", "issue", "--phone", "07700 900123"])
    assert result.exit_code == 0, result.output
    match = LINK.search(result.output)
    assert match is not None and match.group(1).startswith("/me/")
    token = match.group(1).removeprefix("/me/")
    stored = db.session.scalars(select(PersonalLink)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert client.get(match.group(1)).status_code == 200


def test_links_issue_for_a_survey_and_revoke(app: Any, runner: Any, client: Any) -> None:
    result = runner.invoke(args=["links", "issue", "--phone", YOUNG_PERSON, "--survey", "monthly-checkin"])
    path = LINK.search(result.output).group(1)  # type: ignore[union-attr]
    assert path.startswith("/s/monthly-checkin/")
    assert client.get(path).status_code == 200
    revoked = runner.invoke(args=["links", "revoke", "--phone", YOUNG_PERSON])
    assert revoked.exit_code == 0 and "Revoked 1" in revoked.output
    assert client.get(path).status_code == 404


def test_links_issue_refuses_bad_input_and_writes_nothing(app: Any, runner: Any) -> None:
    bad_number = runner.invoke(args=["links", "issue", "--phone", "not a number"])
    assert bad_number.exit_code != 0 and "--phone" in bad_number.output
    no_survey = runner.invoke(args=["links", "issue", "--phone", YOUNG_PERSON, "--survey", "nope"])
    assert no_survey.exit_code != 0 and "nope" in no_survey.output
    assert count("personal_link") == 0
    unknown = runner.invoke(args=["links", "revoke", "--phone", "+447700900555"])
    assert unknown.exit_code != 0 and "nobody" in unknown.output


def test_links_send_texts_the_link_through_the_outbox(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["links", "issue", "--phone", YOUNG_PERSON, "--send"])
    assert result.exit_code == 0 and PUBLIC_BASE_URL not in result.output  # the link is never printed when texted
    message = db.session.scalars(select(OutboundMessage)).one()
    assert message.status == "queued" and f"{PUBLIC_BASE_URL}/me/" in message.body


def test_a_survey_answered_online_is_texted_as_a_link(
    app: Any, runner: Any, client: Any, twilio: TwilioWebhook
) -> None:
    definition = surveys.export_definition(surveys.current_version(db.session, "monthly-checkin"))
    definition.update(slug="online-checkin", keyword="ONLINE", sms_invite="link")
    surveys.import_survey(db.session, surveys.check_definition(definition))
    db.session.commit()
    result = runner.invoke(args=["surveys", "send", "online-checkin", "--to", YOUNG_PERSON])
    assert result.exit_code == 0, result.output
    invite = db.session.scalars(select(OutboundMessage)).one()
    assert "Do it online: " in invite.body and "How are things" not in invite.body
    path = LINK.search(invite.body).group(1)  # type: ignore[union-attr]
    assert path.startswith("/s/online-checkin/")
    # Texting back does not answer it: the invitation is for the web.
    runner.invoke(args=["outbox", "flush"])
    twilio.replies("5")
    assert count("answer") == 0
    Respondent(client).complete(path, ["4", "yes", "yes", None])
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.status == "completed" and conversation.occurrence == "version-1"
    # Sending the same occurrence again reaches nobody twice.
    again = runner.invoke(args=["surveys", "send", "online-checkin", "--to", YOUNG_PERSON])
    assert "Queued 0" in again.output


def test_a_survey_answered_online_needs_the_public_address(app: Any, runner: Any) -> None:
    app.config["PUBLIC_BASE_URL"] = None
    app.config["FEEDBACK_ENV"] = "production"
    definition = surveys.export_definition(surveys.current_version(db.session, "monthly-checkin"))
    definition.update(slug="online-checkin", keyword="ONLINE", sms_invite="link")
    surveys.import_survey(db.session, surveys.check_definition(definition))
    db.session.commit()
    result = runner.invoke(args=["surveys", "send", "online-checkin", "--to", YOUNG_PERSON])
    assert result.exit_code != 0 and "PUBLIC_BASE_URL" in result.output
    assert count("outbound_message") == 0 and count("conversation") == 0


def test_people_assign_names_a_worker_and_their_team(app: Any, runner: Any) -> None:
    created = runner.invoke(
        args=["users", "create", "sam@example.org", "--role", "worker", "--team", "Hamilton", "--name", "Sam",
              "--password-stdin"],
        input="a long enough password\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    result = runner.invoke(args=["people", "assign", "--phone", YOUNG_PERSON, "--worker", "sam@example.org"])
    assert result.exit_code == 0, result.output
    person = people.find_person(db.session, YOUNG_PERSON)
    assert person is not None and person.worker is not None and person.worker.display_name == "Sam"
    assert person.team_id == person.worker.team_id


def test_people_assign_refuses_what_cannot_be(app: Any, runner: Any) -> None:
    runner.invoke(
        args=["users", "create", "champ@example.org", "--role", "champions", "--password-stdin"],
        input="a long enough password\n",
    )
    not_a_worker = runner.invoke(args=["people", "assign", "--phone", YOUNG_PERSON, "--worker", "champ@example.org"])
    assert not_a_worker.exit_code != 0 and "worker or manager role" in not_a_worker.output
    nobody = runner.invoke(args=["people", "assign", "--phone", YOUNG_PERSON, "--worker", "ghost@example.org"])
    assert nobody.exit_code != 0 and "no staff account" in nobody.output
    neither = runner.invoke(args=["people", "assign", "--phone", YOUNG_PERSON])
    assert neither.exit_code != 0
    person = people.find_person(db.session, YOUNG_PERSON)
    assert person is None or person.worker_id is None


def test_survey_files_can_say_how_the_web_asks(app: Any, runner: Any, tmp_path: Any) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps(
            {
                "slug": "club",
                "title": "Club",
                "questions": [{"key": "q", "type": "rating", "text": "Rate it", "min": 0, "max": 2, "labels": ["a"]}],
            }
        )
    )
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code != 0 and "labels needs one word or phrase for each of the 3 points" in result.output
    assert count("survey") == 8  # the defaults only
