"""The worker's inbox: statements from their young people (and their team's duty inbox), to read and answer.
Admins may read every statement (`permissions.statements`), but only workers and managers answer them."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from feedback.core.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
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
    return render_template(
        "statements/statement.html",
        statement=item,
        lines=statement_queries.lines(current_session(), item),
        form=ReplyForm(),
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
            answer = statements.reply(current_session(), item, current_user, form.body.data or "", now=now())
        except statements.StatementError as exc:
            form.body.errors = [str(exc)]
        else:
            db.session.commit()
            flash(
                "Reply sent by text and shown on their page."
                if answer.outbound_message_id
                else "Reply shown on their page (they cannot be texted)."
            )
            return redirect(url_for("staff.statement", statement_id=item.id))
    # The reply stays in the box with the reason it was not sent.
    return render_template(
        "statements/statement.html", statement=item, lines=statement_queries.lines(current_session(), item), form=form
    ), 400
