"""Plain English: every page a young person sees, and the default wording, reads at about age 11 or under."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest

from feedback.accounts import operations as staff
from feedback.actions import operations as actions
from feedback.analysis.readability import MAX_READING_AGE, reading, syllables
from feedback.core.clock import local_date, now
from feedback.core.segments import count_segments
from feedback.extensions import db
from feedback.messages.wording import HELP_MAX_SEGMENTS, Wording
from feedback.people import links
from feedback.people import operations as people
from feedback.surveys import operations as surveys
from tests.conftest import YOUNG_PERSON


def visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(script|style|head)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


@pytest.mark.parametrize(("word", "count"), [("worker", 2), ("make", 1), ("happen", 2), ("a", 1), ("people", 2)])
def test_syllables_are_counted_near_enough(word: str, count: int) -> None:
    assert syllables(word) == count


def test_officialese_reads_older_than_plain_words() -> None:
    plain = reading("Tell your worker what is worrying you. They will read it and reply.")
    official = reading(
        "Notwithstanding the aforementioned considerations, practitioners shall endeavour to facilitate "
        "comprehensive multidisciplinary consultation regarding individualised intervention arrangements."
    )
    assert plain.age <= MAX_READING_AGE < official.age


def test_every_page_a_young_person_sees_reads_at_eleven_or_under(app: Any, client: Any) -> None:
    person = people.get_or_create_person(db.session, YOUNG_PERSON)
    token = links.issue(db.session, person.id, now=now(), valid_for=timedelta(days=1))
    # Something done, so "You said, we did" shows its own words around what staff wrote, not only "Nothing here yet"
    # (that one is read in tests/actions/test_actions.py).
    champion = staff.create_user(db.session, "champion@example.org", "a long enough password", "champions")
    done = actions.Proposed(
        theme="transport",
        you_said="The bus to college is late a lot.",
        we_did="We got free bus passes for college.",
        by_whom="Throughcare team",
        status=actions.DONE,
        action_date=local_date(now()),
    )
    actions.create(db.session, done, created_by_id=champion.id, now=now())
    db.session.commit()
    pages = [
        "/s/monthly-checkin",
        *[f"/s/monthly-checkin/q/{n}" for n in range(1, 5)],
        "/s/monthly-checkin/done",
        f"/me/{token}",
        "/me/no-such-link",
        *[f"/s/{kind.slug}/{token}" for kind in surveys.open_statements(db.session)],
        f"/s/statement-worried/{token}/q/1",
        f"/s/statement-worried/{token}/done",
        "/you-said-we-did",
        "/privacy",
    ]
    too_hard = {}
    for path in pages:
        level = reading(visible_text(client.get(path).get_data(as_text=True)))
        if level.age > MAX_READING_AGE:
            too_hard[path] = level.age
    assert too_hard == {}


def test_the_help_reply_links_the_privacy_notice_only_while_it_fits_in_two_texts(app: Any) -> None:
    base = app.config["PUBLIC_BASE_URL"]
    short = Wording.from_config(
        {**app.config, "SERVICE_NAME": "the Champions Board", "HELP_NUMBERS": "Childline 0800 1111"}
    )
    assert short.help.endswith(f" Privacy: {base}/privacy")
    assert count_segments(short.help).segments <= HELP_MAX_SEGMENTS
    for config in (app.config, {**app.config, "PUBLIC_BASE_URL": base + "/a-much-longer-address" * 5}):
        help_text = Wording.from_config(config).help
        assert count_segments(help_text).segments <= HELP_MAX_SEGMENTS
        assert "Childline 0800 1111" in help_text and "STOP" in help_text
    assert "/privacy" not in Wording.from_config({**app.config, "PUBLIC_BASE_URL": None}).help
    # With the default name and help numbers, the link fits too.
    assert Wording.from_config(app.config).help.endswith(f" Privacy: {base}/privacy")


def test_importing_hard_wording_warns(app: Any, runner: Any, tmp_path: Any) -> None:
    path = tmp_path / "hard.json"
    path.write_text(
        '{"slug": "hard", "title": "Hard", "questions": [{"key": "q", "type": "text", "text": '
        '"Please articulate comprehensively your considered evaluation regarding organisational communication."}]}'
    )
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code == 0
    assert "reading age of about" in result.output
