"""A young person's pages: open and personal survey links, their own page, and statements to their worker.

Thin: who is answering (a personal link, or an anonymous visitor remembered by a cookie), which conversation and
question a page is, then the services do the rest. Their own page shows each statement as a thread with their worker,
and answering a reply there is `statements.operations.answer_reply`. A link that does not work for any reason shows
the same "this link has expired" page, which says how to get a new one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from feedback.core.clock import now
from feedback.extensions import current_session, limiter
from feedback.messages.wording import Wording
from feedback.people import links
from feedback.people.models import Person
from feedback.statements import operations as statements
from feedback.statements import queries as statement_queries
from feedback.surveys import operations as surveys
from feedback.surveys import web_responses
from feedback.surveys.models import Conversation, Question, SurveyVersion
from feedback.surveys.web_responses import MAX_TEXT_LENGTH, WebPolicy

from .forms import AnswerForm, ThreadAnswerForm
from .phone_links import phone_links, texting

bp = Blueprint("web", __name__)
# Every young person's page shows help numbers (the footer at least): tap to call.
bp.add_app_template_filter(phone_links, "phone_links")

ANONYMOUS_KEY = "respondent"  # the anonymous person's id in the (signed) session cookie
# After an answer that may show a risk or asks for help: which help page to show, and where carrying on goes.
HELP_KEY = "show-help"
RISK_HELP, ASKED_FOR_HELP = "risk", "asks-for-help"
BEGUN_KEY = "begun"  # the open-link surveys this visitor has begun and not finished
# Beside the limit on new responses, a looser one on every answer an address submits, so that no client can fill
# the database by answering one page again and again.
ANSWERS_PER_RESPONSE = 10
MISSING_KEY = "missing"  # the young person was sent back to a question that still needs an answer
ANSWERED_KEY = "answered"  # the statement whose reply the young person has just answered: their page says it went
ANSWER_HELP_KEY = "answer-help"  # after an answer to a reply that may show a risk or asks for help: which help
# What the expired-link page asks them to text for a new link (`links.help_replies` answers it).
HELP_KEYWORD = "HELP"


class LinkNotValid(HTTPException):
    """Unknown, expired, revoked or closed: all look the same (no oracle)."""

    code = 404


@bp.errorhandler(LinkNotValid)
def link_not_valid(error: LinkNotValid) -> tuple[str, int]:
    # The same page for every link that does not work: it says nothing about whose link it was.
    return render_template(
        "young/expired.html",
        keyword=HELP_KEYWORD,
        text_to=texting(current_app.config.get("TWILIO_FROM_NUMBER"), HELP_KEYWORD),
        sends_links=Wording.from_config(current_app.config).sends_page_links,
        help_numbers=current_app.config["HELP_NUMBERS"],
    ), 404


@bp.errorhandler(429)
def too_many(error: HTTPException) -> tuple[str, int]:
    return render_template("young/too_many.html"), 429


@bp.errorhandler(500)
def went_wrong(error: Exception) -> tuple[str, int]:
    # A young person never sees a staff page or a traceback; what they answered before this page is stored.
    current_session().rollback()
    return render_template("young/error.html", help_numbers=current_app.config["HELP_NUMBERS"]), 500


@dataclass
class Flow:
    """Who is answering which survey, and the conversation their answers go into (None before the first)."""

    slug: str
    token: str | None
    person: Person | None
    version: SurveyVersion
    conversation: Conversation | None

    @property
    def questions(self) -> list[Question]:
        return self.version.questions

    def url(self, endpoint: str, **values: Any) -> str:
        if self.token:
            return url_for(f"web.personal_{endpoint}", slug=self.slug, token=self.token, **values)
        return url_for(f"web.open_{endpoint}", slug=self.slug, **values)


def _personal() -> bool:
    return request.view_args is not None and bool(request.view_args.get("token"))


def _continuing() -> bool:
    """Whether this visitor is answering a survey they have begun: the limit counts new responses, so young people
    sharing a children's house's wifi can each finish theirs. Known from the (signed) session, without a query."""
    slug = (request.view_args or {}).get("slug")
    return bool(slug) and slug in session.get(BEGUN_KEY, [])


def _policy() -> WebPolicy:
    return WebPolicy.from_config(current_app.config)


def _person_for(token: str | None) -> Person | None:
    db = current_session()
    if token is not None:
        person = links.resolve(db, token, now=now())
        if person is None:
            raise LinkNotValid()
        return person
    person_id = session.get(ANONYMOUS_KEY)
    if isinstance(person_id, int):
        person = db.get(Person, person_id)
        # An anonymous visitor's cookie can only ever name an anonymous person.
        if person is not None and person.phone_hash is None:
            return person
    return None


def _flow(slug: str, token: str | None) -> Flow:
    db = current_session()
    person = _person_for(token)
    try:
        survey = surveys.find_survey(db, slug)
    except surveys.SurveyNotFound:
        raise LinkNotValid() from None
    if survey.purpose == surveys.STATEMENT and token is None:
        raise LinkNotValid()  # statements go to a named worker: only from a personal link
    conversation = web_responses.open_conversation(db, person.id, survey.id) if person else None
    if conversation is not None:
        version = conversation.version  # answers belong to the version they began
    else:
        try:
            version = surveys.current_version(db, slug)
        except surveys.SurveyNotFound:
            raise LinkNotValid() from None
    return Flow(slug=slug, token=token, person=person, version=version, conversation=conversation)


def _done_already(flow: Flow) -> bool:
    return (
        flow.conversation is None
        and flow.person is not None
        and web_responses.already_completed(current_session(), flow.person.id, flow.version)
    )


# --- routes: each open-link route has a personal twin with the token --------------------------------------------


@bp.get("/s/<slug>", endpoint="open_start")
@bp.get("/s/<slug>/<token>", endpoint="personal_start")
def start(slug: str, token: str | None = None) -> ResponseReturnValue:
    flow = _flow(slug, token)
    if _done_already(flow):
        return redirect(flow.url("done"))
    resume = flow.conversation.position + 1 if flow.conversation else None
    if resume is not None and resume > len(flow.questions):
        resume = None
    return render_template("young/start.html", flow=flow, resume=resume, token=token)


@bp.route("/s/<slug>/q/<int:number>", methods=["GET", "POST"], endpoint="open_question")
@bp.route("/s/<slug>/<token>/q/<int:number>", methods=["GET", "POST"], endpoint="personal_question")
@limiter.limit(
    lambda: f"{current_app.config['ANONYMOUS_SUBMISSIONS_PER_HOUR']}/hour",
    methods=["POST"],
    exempt_when=lambda: _personal() or _continuing(),
    scope="open-link-responses",
)
@limiter.limit(
    lambda: f"{current_app.config['ANONYMOUS_SUBMISSIONS_PER_HOUR'] * ANSWERS_PER_RESPONSE}/hour",
    methods=["POST"],
    exempt_when=_personal,
    scope="open-link-answers",
)
def question(slug: str, number: int, token: str | None = None) -> ResponseReturnValue:
    flow = _flow(slug, token)
    if not 1 <= number <= len(flow.questions):
        return redirect(flow.url("question", number=1))
    if request.method == "GET" and _done_already(flow):
        return redirect(flow.url("done"))
    item = flow.questions[number - 1]
    form = AnswerForm()
    if request.method == "GET":
        form.answer.data = _earlier_answer(flow, item)
        return _page(flow, item, number, form)

    if not form.validate_on_submit():
        # The page was open too long (its token expired) or the cookie was lost: show it again, answer kept.
        return _page(
            flow,
            item,
            number,
            form,
            error="This page was open a long time, so we couldn't save "
            "your answer yet. Check it, then press the button again.",
            status=400,
        )
    if token is None and form.website.data:
        # Only a bot fills in the hidden field: it is shown the next page and nothing is kept.
        return redirect(_next_url(flow, number))
    if _done_already(flow):
        return redirect(flow.url("done"))  # the back button after finishing: nothing more is recorded
    db = current_session()
    person = flow.person
    if person is None:
        person = web_responses.anonymous_person(db, now=now())
        session[ANONYMOUS_KEY] = person.id
        session.permanent = True  # the link resumes where they left off, even after closing the browser
    result = web_responses.answer_page(
        db,
        person.id,
        flow.version,
        item,
        form.answer.data or "",
        skip="skip" in request.form,
        nonce=form.nonce.data or secrets.token_urlsafe(16),
        now=now(),
        policy=_policy(),
    )
    help_kind = RISK_HELP if result.risk else ASKED_FOR_HELP if result.asks_for_help else None
    if result.error:
        return _page(flow, item, number, form, error=result.error, status=400, help_now=help_kind)
    if token is None:
        _remember_begun(slug, begun=not result.completed)
        if result.completed:
            # Finished: the device forgets them, so the next young person on a shared tablet starts afresh and
            # can never page back through someone else's answers.
            session.pop(ANONYMOUS_KEY, None)
    if result.completed:
        following = flow.url("done")
    elif result.missing is not None:
        session[MISSING_KEY] = True
        following = flow.url("question", number=result.missing)
    else:
        following = _next_url(flow, number)
    if help_kind is not None:
        # Where to get help now comes next, on a page of its own: the next question waits until they carry on.
        session[HELP_KEY] = {"kind": help_kind, "next": following}
        return redirect(flow.url("help"))
    return redirect(following)


@bp.get("/s/<slug>/help", endpoint="open_help")
@bp.get("/s/<slug>/<token>/help", endpoint="personal_help")
def help_now(slug: str, token: str | None = None) -> ResponseReturnValue:
    """Where to get help now, after an answer that may show a risk or that asks for help; then on with the survey.
    Opened again (or directly), it still lists the help numbers, and carries on from the survey's first page."""
    flow = _flow(slug, token)
    shown = session.pop(HELP_KEY, None)
    shown = shown if isinstance(shown, dict) else {}
    start = flow.url("start")
    following = shown.get("next")
    if not isinstance(following, str) or not following.startswith(start + "/"):
        following = start  # only ever a page of this survey: the session is signed, but be sure
    return render_template(
        "young/help_now.html",
        flow=flow,
        kind=shown.get("kind", RISK_HELP),
        known=token is not None,  # a personal link: a worker can find them
        following=following,
        help_numbers=current_app.config["HELP_NUMBERS"],
    )


@bp.get("/s/<slug>/done", endpoint="open_done")
@bp.get("/s/<slug>/<token>/done", endpoint="personal_done")
def done(slug: str, token: str | None = None) -> ResponseReturnValue:
    flow = _flow(slug, token)
    return render_template(
        "young/done.html",
        flow=flow,
        token=token,
        help_numbers=current_app.config["HELP_NUMBERS"],
        statement=flow.version.survey.purpose == surveys.STATEMENT,
    )


@bp.get("/me/<token>")
def my_page(token: str) -> ResponseReturnValue:
    person = _person_for(token)
    assert person is not None  # noqa: S101 - a token always names a person, or LinkNotValid was raised
    shown = session.pop(ANSWER_HELP_KEY, None)
    return _my_page(
        token,
        person,
        answered=session.pop(ANSWERED_KEY, None),
        help_now=shown if shown in (RISK_HELP, ASKED_FOR_HELP) else None,
    )


@bp.post("/me/<token>/statements/<int:statement_id>/answer")
def answer_reply(token: str, statement_id: int) -> ResponseReturnValue:
    """The young person answers their worker's reply: stored and screened first (`statements.answer_reply`), then
    their page again, with where to get help now when the words may show a risk or ask for help."""
    db = current_session()
    person = _person_for(token)
    assert person is not None  # noqa: S101 - as above
    statement = statement_queries.owned_by(db, statement_id, person.id)
    if statement is None:
        raise LinkNotValid()  # someone else's statement looks like a link that does not work
    mine = url_for("web.my_page", token=token)
    if not statement_queries.can_answer(statement):
        return redirect(mine)  # no reply yet, so no form to answer it from: only a forged post comes here
    form = ThreadAnswerForm()
    body = form.body.data or ""
    if not form.validate_on_submit():
        # Open too long (its token expired) or the cookie was lost: shown again, the answer kept in the box.
        error = "This page was open a long time, so we couldn't send your answer yet. Check it, then press Send again."
        return _my_page(token, person, failed=(statement.id, body, error), status=400)
    result = statements.answer_reply(
        db,
        statement,
        body,
        nonce=form.nonce.data or secrets.token_urlsafe(16),
        now=now(),
        policy=statements.AnswerPolicy.from_config(current_app.config),
    )
    help_kind = RISK_HELP if result.risk else ASKED_FOR_HELP if result.asks_for_help else None
    if result.error:
        return _my_page(token, person, failed=(statement.id, body, result.error), help_now=help_kind, status=400)
    session[ANSWERED_KEY] = statement.id
    if help_kind is not None:
        session[ANSWER_HELP_KEY] = help_kind
    return redirect(f"{mine}#statement-{statement.id}")


# --- helpers ----------------------------------------------------------------------------------------------------


def _my_page(
    token: str,
    person: Person,
    *,
    answered: Any = None,
    failed: tuple[int, str, str] | None = None,
    help_now: str | None = None,
    status: int = 200,
) -> Any:
    """Their own page: what they can do, who reads what they send, and each statement as a thread. `failed` is an
    answer that could not be sent (the statement, the words kept in the box, why); each answer form has a nonce of
    its own, new with every rendering, so that sending it twice records one answer."""
    db = current_session()
    threads = statement_queries.threads_for(db, person.id)
    html = render_template(
        "young/me.html",
        token=token,
        person=person,
        kinds=surveys.open_statements(db),
        own_surveys=web_responses.surveys_for(db, person.id),
        reader=statement_queries.reader_for(db, person),
        threads=threads,
        nonces={t.statement.id: secrets.token_urlsafe(16) for t in threads if t.can_answer},
        answered=answered,
        failed=failed,
        max_length=statements.MAX_ANSWER_LENGTH,
        show_help=help_now,
        help_numbers=current_app.config["HELP_NUMBERS"],
    )
    return html, status


def _remember_begun(slug: str, *, begun: bool) -> None:
    surveys_begun = [s for s in session.get(BEGUN_KEY, []) if s != slug]
    session[BEGUN_KEY] = [*surveys_begun, slug][-10:] if begun else surveys_begun


def _next_url(flow: Flow, number: int) -> str:
    if number >= len(flow.questions):
        return flow.url("done")
    return flow.url("question", number=number + 1)


def _earlier_answer(flow: Flow, item: Question) -> str | None:
    if flow.conversation is None:
        return None
    return web_responses.earlier_answer(current_session(), flow.conversation.id, item.id)


def _page(
    flow: Flow,
    item: Question,
    number: int,
    form: AnswerForm,
    *,
    error: str | None = None,
    status: int = 200,
    help_now: str | None = None,
) -> Any:
    form.nonce.data = secrets.token_urlsafe(16)  # a fresh page: its submit is a new answer
    form.website.data = ""
    back = flow.url("question", number=number - 1) if number > 1 else flow.url("start")
    html = render_template(
        "young/question.html",
        flow=flow,
        question=item,
        number=number,
        total=len(flow.questions),
        form=form,
        error=error,
        back=back,
        max_length=MAX_TEXT_LENGTH,
        last=number == len(flow.questions),
        statement=flow.version.survey.purpose == surveys.STATEMENT,
        honeypot=flow.token is None,
        # The answer could not be saved yet (too long, say) but may show a risk: the help goes above it.
        show_help=help_now,
        help_numbers=current_app.config["HELP_NUMBERS"],
        missing=session.pop(MISSING_KEY, False),
    )
    return html, status
