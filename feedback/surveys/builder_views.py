"""The survey builder: staff write surveys (and statement flows) in the browser, preview them as a phone, and
publish them. Saving makes a draft; publishing freezes it; editing a published survey makes a new draft.

The form is turned into the same definition a survey file holds and checked by the same code, so a survey
built here and one imported from a file obey the same rules.
"""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from feedback.core.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.insight import themes
from feedback.staff.forms import SurveyForm, error_sentence
from feedback.staff.views import bp, requires
from feedback.surveys import operations as surveys
from feedback.surveys.models import Survey, SurveyVersion
from feedback.surveys.web_responses import MAX_TEXT_LENGTH


def _theme_choices() -> list[SelectChoice]:
    return [SelectChoice(slug, label) for slug, label in themes.live(current_session())]


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# Where a survey file's check names a field, the builder's form field that holds it.
_SURVEY_FIELDS = ("slug", "title", "keyword", "intro", "web_intro", "thanks", "web_thanks", "sms_invite")
_QUESTION_FIELDS = ("key", "type", "text", "web_text", "choices", "min", "max", "labels", "optional", "themes")
_PLACE = re.compile(r"^(?P<field>[a-z_]+)(?:\[(?P<index>\d+)\](?:\.(?P<part>[a-z_]+))?)?$")
# The checks' words for a field that does not fit its pattern, said for the builder's fields.
_PATTERN_WORDS = {
    "slug": "the web address name must be 2 to 64 lower-case letters, numbers and dashes",
    "keyword": "the SMS keyword must be 2 to 20 letters or numbers, with no spaces",
    "key": "the short name must be lower-case letters, numbers, dashes and underscores",
}
# How a length warning names a text, in words.
_TEXT_WORDS = {
    "thanks": "The thank you message",
    "web_thanks": "The thank you message on the web",
    "text": "as texted",
    "web_text": "on the web",
}


def _definition(form: SurveyForm, slug: str, purpose: str) -> tuple[dict[str, Any], list[int]]:
    """The survey file the form describes, questions in the order given, removed and blank ones left out; and,
    for each question of the file, the form's entry it came from (to put a check's error beside it)."""
    entries = []
    for index, entry in enumerate(form.questions.entries):
        q = entry.form
        if q.remove.data or not (q.text.data or "").strip():
            continue
        question: dict[str, Any] = {
            "key": (q.key.data or "").strip() or f"q{index + 1}",
            "type": q.type.data,
            "text": q.text.data or "",
            "optional": bool(q.optional.data),
            "themes": list(q.themes.data or []),
        }
        if (q.web_text.data or "").strip():
            question["web_text"] = q.web_text.data
        if q.type.data == "choice":
            question["choices"] = _lines(q.choices.data)
        if q.type.data == "rating":
            question["min"] = q.min.data if q.min.data is not None else 1
            question["max"] = q.max.data if q.max.data is not None else 5
            if _lines(q.labels.data):
                question["labels"] = _lines(q.labels.data)
        entries.append((q.position.data or index + 1, index, question))
    entries.sort(key=lambda e: (e[0], e[1]))
    definition: dict[str, Any] = {
        "slug": slug,
        "title": form.title.data or "",
        "intro": form.intro.data or "",
        "status": surveys.DRAFT,
        "purpose": purpose,
        "questions": [question for _, _, question in entries],
    }
    # A statement is only ever on the web, from a young person's own page, whose thanks is the page's own.
    if purpose == surveys.SURVEY:
        definition["thanks"] = form.thanks.data or ""
        definition["sms_invite"] = form.sms_invite.data
        definition["web_thanks"] = form.web_thanks.data or ""
        if (form.web_intro.data or "").strip():
            definition["web_intro"] = form.web_intro.data
        if (form.keyword.data or "").strip():
            definition["keyword"] = form.keyword.data.strip()
    return definition, [index for _, index, _ in entries]


def _fill(form: SurveyForm, definition: dict[str, Any]) -> None:
    """Put a survey definition into the form, with one blank question to add."""
    form.title.data = definition.get("title", "")
    form.keyword.data = definition.get("keyword") or ""
    form.intro.data = definition.get("intro", "")
    form.web_intro.data = definition.get("web_intro") or ""
    form.thanks.data = definition.get("thanks", "")
    form.web_thanks.data = definition.get("web_thanks", "")
    form.sms_invite.data = definition.get("sms_invite", "questions")
    while form.questions.entries:
        form.questions.pop_entry()
    for position, question in enumerate([*definition.get("questions", []), {}], start=1):
        form.questions.append_entry()
        q = form.questions.entries[-1].form
        q.position.data = position
        q.key.data = question.get("key", "")
        q.type.data = question.get("type", "text")
        q.text.data = question.get("text", "")
        q.web_text.data = question.get("web_text", "")
        q.choices.data = "\n".join(question.get("choices") or [])
        q.min.data = question.get("min")
        q.max.data = question.get("max")
        q.labels.data = "\n".join(question.get("labels") or [])
        q.optional.data = bool(question.get("optional"))
        q.themes.data = question.get("themes", [])


def _prepare(form: SurveyForm, purpose: str = surveys.SURVEY) -> SurveyForm:
    for entry in form.questions.entries:
        entry.form.themes.choices = _theme_choices()
    if purpose == surveys.STATEMENT:  # only ever on the web: nothing of it is texted
        form.intro.description = "Shown to the young person before the first question."
    return form


def _place_error(form: SurveyForm, order: list[int], place: str, message: str) -> str | None:
    """Put a check's error beside the field it names; the sentence for the top of the page if no field shows it."""
    match = _PLACE.match(place)
    field, index, part = (match["field"], match["index"], match["part"]) if match else ("", None, None)
    if field == "questions" and index is not None and int(index) < len(order):
        entry = form.questions.entries[order[int(index)]].form
        if part not in _QUESTION_FIELDS:  # about the question as a whole: beside the field it is about
            part = next((name for name in ("choices", "labels", "min") if name in message), "text")
        target = getattr(entry, part)
        message = _PATTERN_WORDS.get(part or "", message) if "should match pattern" in message else message
        target.errors = [*target.errors, f"Question {int(index) + 1}: {message}"]
        return None
    if field in _SURVEY_FIELDS and index is None and field in form:
        message = _PATTERN_WORDS.get(field, message) if "should match pattern" in message else message
        form[field].errors = [*form[field].errors, error_sentence("", message)]
        return None
    return error_sentence("", message)


def _show_problems(form: SurveyForm, order: list[int], exc: surveys.SurveyFileError) -> list[str]:
    """The checks' errors ("questions[1].choices: a choice question needs...") beside the fields they are about;
    the rest (about the survey as a whole) for the top of the page."""
    general = []
    for problem in str(exc).split("; "):
        place, _, message = problem.partition(": ")
        sentence = _place_error(form, order, place, message) if message else error_sentence("", problem)
        if sentence:
            general.append(sentence)
    return general


def _warning_words(warning: str) -> str:
    """ "questions[1].text: needs 3 SMS segments" as "Question 2 as texted needs 3 SMS segments"."""
    place, _, rest = warning.partition(": ")
    match = _PLACE.match(place)
    if match and match["field"] == "questions" and match["index"] is not None:
        place = f"Question {int(match['index']) + 1} {_TEXT_WORDS.get(match['part'] or '', '')}".strip()
    elif place in _TEXT_WORDS:
        place = _TEXT_WORDS[place]
    else:
        place = place[0].upper() + place[1:]
    return f"{place} {rest}"


def _removing(form: SurveyForm) -> list[tuple[int, str]]:
    """The questions ticked to be deleted, as (number, words)."""
    return [
        (number, entry.form.text.data or "")
        for number, entry in enumerate(form.questions.entries, start=1)
        if entry.form.remove.data and (entry.form.text.data or "").strip()
    ]


def _save(form: SurveyForm, slug: str, purpose: str) -> tuple[SurveyVersion | None, list[str]]:
    """Save the form as the survey's draft; (None, the problems for the top of the page) when it does not pass
    the checks, each other problem put beside its field."""
    definition, order = _definition(form, slug, purpose)
    try:
        result = surveys.import_survey(current_session(), surveys.check_definition(definition))
    except surveys.SurveyFileError as exc:
        db.session.rollback()
        return None, _show_problems(form, order, exc)
    db.session.commit()
    for warning in result.warnings:
        flash(f"Check before publishing: {_warning_words(warning)}.")
    return result.version, []


def _asks_to_confirm(form: SurveyForm) -> bool:
    """A question ticked for deleting is deleted only once confirmed ("Yes, delete"); "Keep" unticks it."""
    choice = request.form.get("confirm_delete")
    if choice == "keep":
        for entry in form.questions.entries:
            entry.form.remove.data = False
        return False
    return bool(_removing(form)) and choice != "delete"


@bp.get("/surveys", endpoint="surveys")
@requires(Capability.RUN_SURVEYS)
def surveys_page() -> ResponseReturnValue:
    return render_template("surveys/surveys.html", surveys=surveys.list_surveys(current_session()))


@bp.route("/surveys/new", methods=["GET", "POST"])
@requires(Capability.RUN_SURVEYS)
def survey_new() -> ResponseReturnValue:
    form = _prepare(SurveyForm())
    general: list[str] = []
    if request.method == "GET":
        _fill(form, {})
        _prepare(form)
        return _edit_page(form, None, [], 200)
    if form.validate_on_submit():
        slug = (form.slug.data or "").strip().lower()
        if not slug:
            form.slug.errors = ["Enter a web address name."]
        elif _exists(slug):
            form.slug.errors = ["That web address name is taken: choose another."]
        elif _asks_to_confirm(form):
            return _edit_page(form, None, [], 200)
        else:
            version, general = _save(form, slug, surveys.SURVEY)
            if version is not None:
                flash("Saved as a draft. Preview it, then publish it.")
                return redirect(url_for("staff.survey_page", slug=version.survey.slug))
    return _edit_page(form, None, general, 400)


def _edit_page(form: SurveyForm, survey: Survey | None, general: list[str], status: int) -> ResponseReturnValue:
    return (
        render_template(
            "surveys/survey_edit.html",
            form=form,
            survey=survey,
            slug=survey.slug if survey else None,
            new=survey is None,
            general=general,
            removing=_removing(form) if request.method == "POST" else [],
        ),
        status,
    )


def _exists(slug: str) -> bool:
    try:
        surveys.find_survey(current_session(), slug)
    except surveys.SurveyNotFound:
        return False
    return True


@bp.get("/surveys/<slug>")
@requires(Capability.RUN_SURVEYS)
def survey_page(slug: str) -> ResponseReturnValue:
    survey = surveys.find_survey(current_session(), slug)
    versions = list(reversed(survey.versions))
    published = [v for v in versions if v.status == surveys.PUBLISHED]
    in_use = published[0].number if published and survey.closed_at is None else None
    return render_template("surveys/survey.html", survey=survey, versions=versions, in_use=in_use)


@bp.route("/surveys/<slug>/edit", methods=["GET", "POST"])
@requires(Capability.RUN_SURVEYS)
def survey_edit(slug: str) -> ResponseReturnValue:
    survey = surveys.find_survey(current_session(), slug)
    form = _prepare(SurveyForm(), survey.purpose)
    if request.method == "GET":
        _fill(form, surveys.export_definition(survey.versions[-1]))
        _prepare(form, survey.purpose)
        return _edit_page(form, survey, [], 200)
    general: list[str] = []
    if form.validate_on_submit():
        if _asks_to_confirm(form):
            return _edit_page(form, survey, [], 200)
        version, general = _save(form, slug, survey.purpose)
        if version is not None:
            flash("Saved as a draft. Preview it, then publish it: until then the published version stays in use.")
            return redirect(url_for("staff.survey_page", slug=slug))
    return _edit_page(form, survey, general, 400)


@bp.post("/surveys/<slug>/publish")
@requires(Capability.RUN_SURVEYS)
def survey_publish(slug: str) -> ResponseReturnValue:
    surveys.find_survey(current_session(), slug)
    try:
        version = surveys.publish(current_session(), slug)
    except surveys.SurveyFileError as exc:
        db.session.rollback()
        flash(f"Not published: {exc}", "error")
    else:
        db.session.commit()
        flash(f"Version {version.number} is published: {_opens(version)} from now on.")
    return redirect(url_for("staff.survey_page", slug=slug))


def _opens(version: SurveyVersion) -> str:
    if version.survey.purpose == surveys.STATEMENT:
        return "young people send it from their own page"
    return "its link and its keyword open it" if version.keyword else "its link opens it"


@bp.post("/surveys/<slug>/close")
@requires(Capability.RUN_SURVEYS)
def survey_close(slug: str) -> ResponseReturnValue:
    survey = surveys.close(current_session(), slug, now())
    db.session.commit()
    if survey.purpose == surveys.STATEMENT:
        stopped, kept = "young people can no longer send it", "What they sent is kept"
    elif any(v.keyword for v in survey.versions):
        stopped, kept = "its link and keyword no longer open it", "Its answers are kept"
    else:
        stopped, kept = "its link no longer opens it", "Its answers are kept"
    flash(f"Closed: {stopped}. {kept}. Publishing a version opens it again.")
    return redirect(url_for("staff.survey_page", slug=slug))


@bp.get("/surveys/<slug>/preview/<int:number>")
@bp.get("/surveys/<slug>/preview/<int:number>/<int:position>")
@requires(Capability.RUN_SURVEYS)
def survey_preview(slug: str, number: int, position: int = 1) -> ResponseReturnValue:
    """The survey as a young person's phone shows it, one question at a time (nothing can be answered), then the
    thank you page (at the position after the last question)."""
    version = surveys.get_version(current_session(), slug, number)
    questions = version.questions
    position = min(max(position, 1), len(questions) + 1)
    return render_template(
        "surveys/survey_preview.html",
        version=version,
        question=questions[position - 1] if position <= len(questions) else None,
        number=position,
        total=len(questions),
        max_length=MAX_TEXT_LENGTH,
        preview=True,
        value=None,
        error=None,
    )
