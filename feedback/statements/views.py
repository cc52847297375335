"""The worker's inbox: statements from their young people (and their team's duty inbox), to read and answer.
Admins may read every statement (`permissions.statements`), but only workers and managers answer them. A statement
is a thread: what the young person sent, the replies, and the young person's answers to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.core.plain_dates import when
from feedback.extensions import current_session, db
from feedback.messages import outbox
from feedback.staff.forms import ReplyForm
from feedback.staff.views import audited, bp, refuse, requires, viewer
from feedback.statements import operations as statements
from feedback.statements import queries as statement_queries


def _statement(statement_id: int) -> Any:
    try:
        return statement_queries.get_for(current_session(), statement_id, viewer())
    except statement_queries.NotAllowed:
        refuse(404, "statement", statement_id)  # not theirs looks the same as not there


@bp.get("/inbox")
@requires(Capability.READ_MESSAGES)
def inbox() -> ResponseReturnValue:
    found = statement_queries.inbox(current_session(), viewer())
    audited("view", "statement-list", None, shown=len(found))
    return render_template("statements/inbox.html", statements=found)


@bp.get("/statements/<int:statement_id>")
@requires(Capability.READ_MESSAGES)
def statement(statement_id: int) -> ResponseReturnValue:
    item = _statement(statement_id)
    audited("view", "statement", item.id)
    return _page(item, ReplyForm())


def _page(item: Any, form: ReplyForm) -> str:
    return render_template(
        "statements/statement.html",
        statement=item,
        lines=statement_queries.lines(current_session(), item),
        thread=statement_queries.thread(item),
        form=form,
    )


@bp.post("/statements/<int:statement_id>/acknowledge")
@requires(Capability.ANSWER_STATEMENTS)
def acknowledge(statement_id: int) -> ResponseReturnValue:
    item = _statement(statement_id)
    statements.acknowledge(current_session(), item, current_user, now=now())
    db.session.commit()
    flash("Marked as read. The young person can see that you have read it.")
    return redirect(url_for("staff.statement", statement_id=item.id))


@bp.post("/statements/<int:statement_id>/reply")
@requires(Capability.ANSWER_STATEMENTS)
def reply(statement_id: int) -> ResponseReturnValue:
    item = _statement(statement_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            moment = now()
            answer = statements.reply(current_session(), item, current_user, form.body.data or "", now=moment)
        except statements.StatementError as exc:
            form.body.errors = [str(exc)]
        else:
            db.session.commit()
            flash(_reply_words(answer.outbound_message_id is not None, moment))
            return redirect(url_for("staff.statement", statement_id=item.id))
    # The reply stays in the box with the reason it was not sent.
    return _page(item, form), 400


def _reply_words(texted: bool, moment: datetime) -> str:
    """What became of a reply, truthfully: on their page now, and the text queued now or held for quiet hours."""
    if not texted:
        return "Reply shown on their page. They cannot be texted, so no text was sent."
    quiet = outbox.QuietHours.from_config(current_app.config)
    goes = outbox.goes_at(quiet, moment, statements.REPLY_KIND)
    if goes > moment:
        return f"Reply shown on their page. The text will go {when(goes, today=local_date(moment))}, after quiet hours."
    return "Reply shown on their page, and queued to be texted to them now."
