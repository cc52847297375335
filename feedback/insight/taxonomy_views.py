"""The theme taxonomy in the browser: admins add, rename, give cues to, retire and merge themes; the list of
emerging phrases shows what young people keep raising that no theme covers yet."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.wrappers import Response

from feedback.core.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.insight import themes
from feedback.insight.models import Theme
from feedback.staff.views import bp, requires

EMERGING_DAYS = 90


def _page(status: int = 200, **extra: Any) -> Any:
    session = current_session()
    listed = session.scalars(select(Theme).order_by(Theme.retired_at.is_not(None), Theme.id)).all()
    return render_template(
        "insight/themes.html",
        themes=listed,
        usage=themes.usage(session),
        emerging=themes.emerging(session, since=now() - timedelta(days=EMERGING_DAYS)),
        days=EMERGING_DAYS,
        form=request.form,
        **extra,
    ), status


def _phrases(raw: str | None) -> list[str]:
    return [line for line in (raw or "").replace(",", "\n").splitlines() if line.strip()]


@bp.get("/themes")
@requires(Capability.ADMINISTER)
def theme_list() -> ResponseReturnValue:
    return _page()


def _done(message: str) -> Response:
    db.session.commit()
    flash(message)
    return redirect(url_for("staff.theme_list"))


def _failed(exc: themes.ThemeError) -> Any:
    db.session.rollback()
    return _page(400, error=str(exc))


@bp.post("/themes")
@requires(Capability.ADMINISTER)
def theme_add() -> ResponseReturnValue:
    try:
        theme = themes.add(
            current_session(),
            request.form.get("slug", ""),
            request.form.get("label", ""),
            request.form.get("description", ""),
            _phrases(request.form.get("cues")),
        )
    except themes.ThemeError as exc:
        return _failed(exc)
    return _done(f"Added {theme.label}. Run `feedback analyse --reprocess` to file stored messages under it.")


@bp.post("/themes/<slug>")
@requires(Capability.ADMINISTER)
def theme_edit(slug: str) -> ResponseReturnValue:
    try:
        theme = themes.edit(
            current_session(),
            slug,
            label=request.form.get("label", ""),
            description=request.form.get("description", ""),
            phrases=_phrases(request.form.get("cues")),
        )
    except themes.ThemeError as exc:
        return _failed(exc)
    return _done(f"Saved {theme.label}.")


@bp.post("/themes/<slug>/retire")
@requires(Capability.ADMINISTER)
def theme_retire(slug: str) -> ResponseReturnValue:
    try:
        theme = themes.retire(current_session(), slug, now=now())
    except themes.ThemeError as exc:
        return _failed(exc)
    return _done(f"Retired {theme.label}: nothing new is filed under it; messages already filed keep it.")


@bp.post("/themes/<slug>/merge")
@requires(Capability.ADMINISTER)
def theme_merge(slug: str) -> ResponseReturnValue:
    try:
        moved = themes.merge(current_session(), slug, request.form.get("into", ""), now=now())
    except themes.ThemeError as exc:
        return _failed(exc)
    return _done(f"Merged: {moved} messages moved.")
