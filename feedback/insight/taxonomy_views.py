"""The theme taxonomy in the browser, for admins: a short list of the themes with how many messages each files, a
page per theme to rename it, give it cues, merge it into another or retire it (each of the last two behind a
confirmation step), a page to add one, and the phrases young people keep raising that no theme covers yet.

The counts are not protected (`suppression`): they are for admins, who may read every message; never show them to
the board."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from feedback.core.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.insight import themes
from feedback.insight.models import Theme
from feedback.staff.forms import FORM_EXPIRED
from feedback.staff.views import audited, bp, requires

EMERGING_DAYS = 90
RECENT_DAYS = 90  # the list's second count: messages filed in the last this many days
# The address of the page that adds a theme: a theme of that slug would have no page, so none may have it.
NEW = "new"
# Said wherever a change reaches only new messages: stored ones are filed again by re-analysis, which the people
# who run the service start (there is no button for it).
STORED = "To file the messages already stored by the new rules too, ask whoever runs the service to analyse them again."


class ThemeForm(FlaskForm):
    """A theme's words, as an admin types them. `themes` checks every value (the same rules from the command line
    or the browser); the form carries the fields, their labels and hints, and the CSRF token."""

    label = StringField("Name", description="What staff and the Champions Board read, such as School transport.")
    description = TextAreaField(
        "What it covers",
        description="A sentence that tells staff which messages belong here.",
        render_kw={"rows": 3},
    )
    cues = TextAreaField(
        "Cue phrases",
        description="A message with one of these in it is filed under this theme. One a line (or separated by "
        "commas), each 3 to 60 characters, up to 50.",
        render_kw={"rows": 4},
    )


class NewThemeForm(ThemeForm):
    slug = StringField(
        "Slug",
        description="The short name surveys, reports and downloads use: 3 to 64 lower-case letters, numbers and "
        "dashes, such as school-transport. It can never be changed, or used again for another theme.",
    )


class MergeForm(FlaskForm):
    """The theme to merge into: no theme is chosen until the admin chooses one."""

    into = SelectField("Merge into", validate_choice=False, default="")


def _phrases(raw: str | None) -> list[str]:
    return [line for line in (raw or "").replace(",", "\n").splitlines() if line.strip()]


def _find(slug: str) -> Theme:
    theme = current_session().scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        abort(404)
    return theme


def _checked(form: FlaskForm) -> None:
    """A posted form whose only check is its CSRF token (the service checks the values)."""
    if not form.validate():
        abort(400, description=FORM_EXPIRED)


def _refused(form: FlaskForm, exc: themes.ThemeError, field: Field | None = None) -> list[str]:
    """Undo the change and put the reason beside the field it is about (`exc.field`, else `field`); a reason about
    no one field is returned, for the error summary at the top of the page."""
    db.session.rollback()
    about = form[exc.field] if exc.field and exc.field in form else field
    if about is None:
        return [str(exc)]
    about.errors = [*about.errors, str(exc)]
    return []


# --- the list ---------------------------------------------------------------------------------------------------


@bp.get("/themes")
@requires(Capability.ADMINISTER)
def theme_list() -> ResponseReturnValue:
    session = current_session()
    listed = session.scalars(select(Theme).order_by(Theme.label, Theme.id)).all()
    return render_template(
        "insight/themes.html",
        live=[t for t in listed if t.retired_at is None],
        retired=sorted((t for t in listed if t.retired_at is not None), key=lambda t: t.retired_at, reverse=True),
        labels={t.id: t.label for t in listed},
        usage=themes.usage(session),
        recent=themes.usage(session, since=now() - timedelta(days=RECENT_DAYS)),
        recent_days=RECENT_DAYS,
        emerging=themes.emerging(session, since=now() - timedelta(days=EMERGING_DAYS)),
        days=EMERGING_DAYS,
    )


# --- adding one -------------------------------------------------------------------------------------------------


def _new_page(form: NewThemeForm, general: list[str] | None = None, status: int = 200) -> Any:
    return render_template("insight/theme_new.html", form=form, general=general or []), status


@bp.get("/themes/new")
@requires(Capability.ADMINISTER)
def theme_new() -> ResponseReturnValue:
    return _new_page(NewThemeForm(formdata=None))


@bp.post("/themes")
@requires(Capability.ADMINISTER)
def theme_add() -> ResponseReturnValue:
    form = NewThemeForm()
    _checked(form)
    slug = (form.slug.data or "").strip().lower()
    try:
        if slug == NEW:  # the address of this very form
            raise themes.ThemeError(f"The slug {NEW!r} is the address of this page: choose another.", field="slug")
        theme = themes.add(
            current_session(), slug, form.label.data or "", form.description.data or "", _phrases(form.cues.data)
        )
    except themes.ThemeError as exc:
        return _new_page(form, _refused(form, exc), status=400)
    audited("edit", "theme", theme.slug, change="added")
    db.session.commit()
    flash(f"Added {theme.label}. New messages are filed under it from now on. {STORED}")
    return redirect(url_for("staff.theme_page", slug=theme.slug))


# --- one theme --------------------------------------------------------------------------------------------------


def _theme_page(
    theme: Theme,
    *,
    form: ThemeForm | None = None,
    merge: MergeForm | None = None,
    general: list[str] | None = None,
    status: int = 200,
) -> Any:
    session = current_session()
    if form is None:
        form = ThemeForm(
            formdata=None,
            data={"label": theme.label, "description": theme.description, "cues": "\n".join(theme.cues or [])},
        )
    if merge is None:
        merge = MergeForm(formdata=None)
    merge.into.label.text = f"Merge {theme.label} into"
    others = [(slug, label) for slug, label in themes.live(session) if slug != theme.slug]
    merge.into.choices = [SelectChoice("", "Choose a theme"), *(SelectChoice(s, label) for s, label in others)]
    merged_into = session.get(Theme, theme.merged_into_id) if theme.merged_into_id else None
    return render_template(
        "insight/theme.html",
        theme=theme,
        merged_into=merged_into,
        messages=themes.usage(session).get(theme.id, 0),
        recent=themes.usage(session, since=now() - timedelta(days=RECENT_DAYS)).get(theme.id, 0),
        recent_days=RECENT_DAYS,
        form=form,
        merge=merge,
        general=general or [],
    ), status


@bp.get("/themes/<slug>")
@requires(Capability.ADMINISTER)
def theme_page(slug: str) -> ResponseReturnValue:
    return _theme_page(_find(slug))


@bp.post("/themes/<slug>")
@requires(Capability.ADMINISTER)
def theme_edit(slug: str) -> ResponseReturnValue:
    theme = _find(slug)
    form = ThemeForm()
    _checked(form)
    try:
        themes.edit(
            current_session(),
            slug,
            label=form.label.data or "",
            description=form.description.data or "",
            phrases=_phrases(form.cues.data),
        )
    except themes.ThemeError as exc:
        return _theme_page(_find(slug), form=form, general=_refused(form, exc), status=400)
    audited("edit", "theme", slug, change="edited")
    db.session.commit()
    flash(f"Saved {theme.label}. Changed cues apply to new messages. {STORED}")
    return redirect(url_for("staff.theme_page", slug=slug))


@bp.post("/themes/<slug>/retire")
@requires(Capability.ADMINISTER)
def theme_retire(slug: str) -> ResponseReturnValue:
    _find(slug)
    _checked(FlaskForm())
    theme = themes.retire(current_session(), slug, now=now())
    audited("edit", "theme", slug, change="retired")
    db.session.commit()
    flash(f"Retired {theme.label}: nothing new is filed under it. Messages already filed under it keep it.")
    return redirect(url_for("staff.theme_list"))


@bp.post("/themes/<slug>/merge")
@requires(Capability.ADMINISTER)
def theme_merge(slug: str) -> ResponseReturnValue:
    theme = _find(slug)
    merge = MergeForm()
    _checked(merge)
    into = (merge.into.data or "").strip()
    filed = themes.usage(current_session()).get(theme.id, 0)
    try:
        if not into:
            raise themes.ThemeError(f"Choose the theme to merge {theme.label} into.", field="into")
        themes.merge(current_session(), slug, into, now=now())
    except themes.ThemeError as exc:
        return _theme_page(_find(slug), merge=merge, general=_refused(merge, exc, merge.into), status=400)
    target = _find(into)
    audited("edit", "theme", slug, change="merged", into=into, messages=filed)
    db.session.commit()
    flash(
        f"Merged {theme.label} into {target.label}: the {filed:,} message{'' if filed == 1 else 's'} filed under "
        f"{theme.label} {'is' if filed == 1 else 'are'} filed under {target.label} now, and surveys and reports "
        f"that name {theme.label} mean {target.label}."
    )
    return redirect(url_for("staff.theme_page", slug=into))
