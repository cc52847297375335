"""The survey builder: staff write surveys (and statement flows) in the browser, preview them as a phone, and
publish them. Saving makes a draft; publishing freezes it; editing a published survey makes a new draft.

The form is turned into the same definition a survey file holds and checked by the same code, so a survey
built here and one imported from a file obey the same rules.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from feedback.core.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.insight import themes
from feedback.staff.forms import SurveyForm
from feedback.staff.views import bp, requires
from feedback.surveys import operations as surveys
from feedback.surveys.models import SurveyVersion
from feedback.surveys.web_responses import MAX_TEXT_LENGTH


def _theme_choices() -> list[SelectChoice]:
    return [SelectChoice(slug, label) for slug, label in themes.live(current_session())]


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _definition(form: SurveyForm, slug: str, purpose: str) -> dict[str, Any]:
    """The survey file the form describes: questions in the order given, removed and blank ones left out."""
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
    definition: dict[str, Any] = {
        "slug": slug,
        "title": form.title.data or "",
        "intro": form.intro.data or "",
        "thanks": form.thanks.data or "",
        "status": surveys.DRAFT,
        "purpose": purpose,
        "sms_invite": form.sms_invite.data,
        "questions": [question for _, _, question in sorted(entries, key=lambda e: (e[0], e[1]))],
    }
    if (form.web_intro.data or "").strip():
        definition["web_intro"] = form.web_intro.data
    if (form.keyword.data or "").strip():
        definition["keyword"] = form.keyword.data.strip()
    return definition


def _fill(form: SurveyForm, definition: dict[str, Any]) -> None:
    """Put a survey definition into the form, with one blank question to add."""
    form.title.data = definition.get("title", "")
    form.keyword.data = definition.get("keyword") or ""
    form.intro.data = definition.get("intro", "")
    form.web_intro.data = definition.get("web_intro") or ""
    form.thanks.data = definition.get("thanks", "")
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


def _prepare(form: SurveyForm) -> SurveyForm:
    for entry in form.questions.entries:
        entry.form.themes.choices = _theme_choices()
    return form


def _save(form: SurveyForm, slug: str, purpose: str) -> SurveyVersion | None:
    """Save the form as the survey's draft; None (and the reason shown) when it does not pass the checks."""
    try:
        definition = surveys.check_definition(_definition(form, slug, purpose))
        result = surveys.import_survey(current_session(), definition)
    except surveys.SurveyFileError as exc:
        db.session.rollback()
        flash(f"Not saved: {exc}", "error")
        return None
    db.session.commit()
    for warning in result.warnings:
        flash(f"Check the length: {warning}")
    return result.version


@bp.get("/surveys", endpoint="surveys")
@requires(Capability.RUN_SURVEYS)
def surveys_page() -> ResponseReturnValue:
    return render_template("surveys/surveys.html", surveys=surveys.list_surveys(current_session()))


@bp.route("/surveys/new", methods=["GET", "POST"])
@requires(Capability.RUN_SURVEYS)
def survey_new() -> ResponseReturnValue:
    form = _prepare(SurveyForm())
    if request.method == "GET":
        _fill(form, {})
        _prepare(form)
    elif form.validate_on_submit():
        slug = (form.slug.data or "").strip().lower()
        if not slug:
            form.slug.errors = ["Give the survey a web address name."]
        elif _exists(slug):
            form.slug.errors = ["That name is taken: choose another."]
        elif (version := _save(form, slug, surveys.SURVEY)) is not None:
            flash("Saved as a draft. Preview it, then publish it.")
            return redirect(url_for("staff.survey_page", slug=version.survey.slug))
    return render_template(
        "surveys/survey_edit.html", form=form, slug=None, new=True
    ), 200 if request.method == "GET" else 400


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
    return render_template("surveys/survey.html", survey=survey, versions=list(reversed(survey.versions)))


@bp.route("/surveys/<slug>/edit", methods=["GET", "POST"])
@requires(Capability.RUN_SURVEYS)
def survey_edit(slug: str) -> ResponseReturnValue:
    survey = surveys.find_survey(current_session(), slug)
    form = _prepare(SurveyForm())
    if request.method == "GET":
        _fill(form, surveys.export_definition(survey.versions[-1]))
        _prepare(form)
        return render_template("surveys/survey_edit.html", form=form, slug=slug, new=False, survey=survey)
    if form.validate_on_submit() and _save(form, slug, survey.purpose) is not None:
        flash("Saved as a draft. Preview it, then publish it: until then the published version stays in use.")
        return redirect(url_for("staff.survey_page", slug=slug))
    return render_template("surveys/survey_edit.html", form=form, slug=slug, new=False, survey=survey), 400


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
        flash(f"Version {version.number} is published: links and the keyword open it from now on.")
    return redirect(url_for("staff.survey_page", slug=slug))


@bp.post("/surveys/<slug>/close")
@requires(Capability.RUN_SURVEYS)
def survey_close(slug: str) -> ResponseReturnValue:
    surveys.find_survey(current_session(), slug)
    surveys.close(current_session(), slug, now())
    db.session.commit()
    flash("Closed: its links and keyword stop working. Its answers are kept. Publishing a version reopens it.")
    return redirect(url_for("staff.survey_page", slug=slug))


@bp.get("/surveys/<slug>/preview/<int:number>")
@bp.get("/surveys/<slug>/preview/<int:number>/<int:position>")
@requires(Capability.RUN_SURVEYS)
def survey_preview(slug: str, number: int, position: int = 1) -> ResponseReturnValue:
    """The survey as a young person's phone shows it, one question at a time (nothing can be answered)."""
    version = surveys.get_version(current_session(), slug, number)
    questions = version.questions
    position = min(max(position, 1), len(questions))
    return render_template(
        "surveys/survey_preview.html",
        version=version,
        question=questions[position - 1],
        number=position,
        total=len(questions),
        max_length=MAX_TEXT_LENGTH,
        preview=True,
        value=None,
        error=None,
    )
