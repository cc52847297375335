"""The Notifications page: the emails and texts that told staff about safeguarding alerts and unread statements,
newest first, with what became of each. Without a mail server (`make run`) emails are stored and read here, as the
SMS simulator shows texts. None of them holds a young person's words or phone number; staff phone numbers are shown
only by their last digits."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from feedback.core.permissions import Capability
from feedback.extensions import current_session
from feedback.safeguarding.models import Notification
from feedback.staff.views import bp, requires

PAGE_SIZE = 50


def masked(notification: Notification) -> str:
    if notification.channel == "email":
        return notification.recipient
    return "mobile ending " + notification.recipient[-3:]


@bp.get("/notifications")
@requires(Capability.ADMINISTER)
def notifications() -> ResponseReturnValue:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    session = current_session()
    total = int(session.scalar(select(func.count()).select_from(Notification)) or 0)
    found = session.scalars(
        select(Notification).order_by(Notification.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render_template(
        "safeguarding/notifications.html",
        found=found,
        page=page,
        more=total > page * PAGE_SIZE,
        total=total,
        masked=masked,
    )
