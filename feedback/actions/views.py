""" "You said, we did" for staff: admins and managers record and edit actions against themes and text the young
people who raised a theme about what changed; the champions role reads the list. Thin: the work is in
`feedback.actions.operations`."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from feedback.actions import operations as actions
from feedback.actions.models import Action
from feedback.config import ConfigurationError, public_base_url
from feedback.core import permissions
from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.core.plain_dates import when
from feedback.core.segments import count_segments
from feedback.extensions import current_session, db
from feedback.insight import themes
from feedback.insight.models import Theme
from feedback.messages import outbox
from feedback.staff.forms import FORM_EXPIRED as EXPIRED
from feedback.staff.views import bp, requires


class ActionForm(FlaskForm):
    """What staff type. The service checks every field (so the same rules hold wherever an action comes from, and
    too long a text is explained rather than cut short by the browser); the form carries the fields and the CSRF
    token."""

    theme = SelectField("Theme", validate_choice=False)
    you_said = TextAreaField(
        "You said: what young people told us",
        description='Plain words a 10 year old reads easily. On the public page it follows "You told us:".',
        render_kw={"rows": 3},
    )
    we_did = TextAreaField(
        "We did: what was done, or will be done",
        description='A short sentence, such as "We got free bus passes for college." It is on the public page and '
        "in the text to young people: about 60 characters fits in one text.",
        render_kw={"rows": 3},
    )
    by_whom = StringField(
        "Who is doing it",
        description="A team or a role, never a person's name: young people see it. Such as: Throughcare team.",
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice(value, words) for value, words in actions.STATUS_WORDS.items()],
        validate_choice=False,
    )
    action_date = StringField(
        "Date",
        description="Planned for this day, in progress since it, or done on it. Up to a year ahead, such as "
        "2026-03-31.",
        render_kw={"type": "date"},
    )

    def proposed(self) -> actions.Proposed:
        return actions.Proposed(
            theme=self.theme.data or "",
            you_said=self.you_said.data or "",
            we_did=self.we_did.data or "",
            by_whom=self.by_whom.data or "",
            status=self.status.data or "",
            action_date=self.action_date.data or "",
        )


class NoticeForm(FlaskForm):
    """The "Text young people about this" button: only its CSRF token."""


def _theme_choices(keep: Theme | None = None) -> list[SelectChoice]:
    """Live themes, and an action's own theme if it was retired since (so the action can still be edited)."""
    choices = [SelectChoice(slug, label) for slug, label in themes.live(current_session())]
    if keep is not None and keep.retired_at is not None:
        choices.insert(0, SelectChoice(keep.slug, f"{keep.label} (retired)"))
    return choices


def _public_link() -> str:
    return public_base_url(current_app.config) + url_for("public.you_said_we_did")


@bp.app_template_filter("action_status")
def action_status(action: Action) -> str:
    """ "In progress since 15 January 2027": an action's status with its date, for any page (the public one too)."""
    return actions.status_on(action.status, action.action_date)


@bp.get("/actions")
@requires(Capability.SEE_SUMMARIES)
def action_list() -> ResponseReturnValue:
    session = current_session()
    editor = permissions.can(current_user, Capability.RECORD_ACTIONS)
    return render_template(
        "actions/actions.html",
        actions=actions.listed(session),
        status_words=actions.STATUS_WORDS,
        date_words=actions.STATUS_DATE_WORDS,
        # How many were texted is for the staff who text them; the champions role sees no small counts.
        texted=actions.notice_counts(session) if editor else {},
        editor=editor,
    )


@bp.route("/actions/new", methods=["GET", "POST"])
@requires(Capability.RECORD_ACTIONS)
def action_new() -> ResponseReturnValue:
    form = ActionForm()
    form.theme.choices = _theme_choices()
    if not form.is_submitted():
        form.status.data = actions.PLANNED
        form.action_date.data = local_date(now()).isoformat()
        return _form_page(form, None)
    if not form.validate():
        abort(400, description=EXPIRED)
    try:
        action = actions.create(current_session(), form.proposed(), created_by_id=current_user.id, now=now())
    except actions.ActionError as exc:
        return _refused(form, exc, None)
    db.session.commit()
    flash(f"Saved the action on {action.theme.label}. It is on the public page now.")
    return redirect(url_for("staff.action_edit", action_id=action.id))


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@requires(Capability.RECORD_ACTIONS)
def action_edit(action_id: int) -> ResponseReturnValue:
    action = actions.get(current_session(), action_id)
    form = ActionForm(obj=None if request.method == "POST" else _Fields(action))
    form.theme.choices = _theme_choices(action.theme)
    if form.is_submitted():
        if not form.validate():
            abort(400, description=EXPIRED)
        try:
            actions.edit(current_session(), action.id, form.proposed(), now=now())
        except actions.ActionError as exc:
            return _refused(form, exc, action)
        db.session.commit()
        flash("Saved. The public page shows the change now.")
        return redirect(url_for("staff.action_edit", action_id=action.id))
    return _form_page(form, action)


@bp.post("/actions/<int:action_id>/text")
@requires(Capability.RECORD_ACTIONS)
def action_text(action_id: int) -> ResponseReturnValue:
    if not NoticeForm().validate_on_submit():
        abort(400, description=EXPIRED)
    action = actions.get(current_session(), action_id)
    try:
        link = _public_link()
    except ConfigurationError as exc:
        flash(f"Nothing was sent: {exc}", "error")
        return redirect(url_for("staff.action_edit", action_id=action.id))
    moment = now()
    queued = actions.notify(current_session(), action.id, link=link, now=moment)
    db.session.commit()
    if queued:
        texts = f"{queued} text{'s' if queued != 1 else ''}"
        goes = outbox.goes_at(outbox.QuietHours.from_config(current_app.config), moment, actions.NOTICE_KIND)
        when_sent = f" They will go {when(goes, today=local_date(moment))}, after quiet hours." if goes > moment else ""
        flash(f"Queued {texts} to young people who raised {action.theme.label}.{when_sent}")
    else:
        flash(f"Nobody new to text: everyone who raised {action.theme.label} and can be texted has been told.")
    return redirect(url_for("staff.action_edit", action_id=action.id))


class _Fields:
    """An action's values as the form shows them."""

    def __init__(self, action: Action) -> None:
        self.theme = action.theme.slug
        self.you_said = action.you_said
        self.we_did = action.we_did
        self.by_whom = action.by_whom
        self.status = action.status
        self.action_date = action.action_date.isoformat()


def _refused(form: ActionForm, exc: actions.ActionError, action: Action | None) -> Any:
    db.session.rollback()
    for name, message in exc.errors.items():
        getattr(form, name).errors.append(message)
    return _form_page(form, action, status=400)


def _form_page(form: ActionForm, action: Action | None, status: int = 200) -> Any:
    notice = None
    if action is not None:
        try:
            link = _public_link()
        except ConfigurationError:
            link = url_for("public.you_said_we_did", _external=True)
        body = actions.notice_body(action.theme.label, action.we_did, link)
        notice = {
            "body": body,
            "segments": count_segments(body).segments,
            "waiting": actions.waiting(current_session(), action),
            "told": actions.notice_counts(current_session()).get(action.id, 0),
            "form": NoticeForm(),
        }
    return render_template("actions/actions_edit.html", form=form, action=action, notice=notice), status
