"""Safeguarding screening with what staff have taught it: the learned screen is retrained on the messages staff
confirmed or cleared, beside the labelled messages shipped with the package. A confirmed message is taught as a risk
(and so a concern), a cleared one as neither; the shipped calibration and thresholds are kept (`risk_model.train`).

Each process keeps the model it trained and trains again only when a review has been added since (one small
query per message), so a worker's "this was a risk" reaches every web worker and the worker process on their
next message.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.analysis import risk_model
from feedback.analysis.risk_model import LinearScreen
from feedback.analysis.safeguarding import Screening, screen
from feedback.insight.models import Recode
from feedback.messages.models import InboundMessage

REVIEWS = ("confirm-risk", "clear-risk")
# A message staff reviewed is a real one from this service: it counts as this many shipped examples.
REVIEW_WEIGHT = 3

_lock = threading.Lock()
# The last model this process trained, by (database, number of reviews, latest review id).
_trained: dict[tuple[str, int, int | None], LinearScreen] = {}


def reviewed(session: Session) -> list[tuple[str, bool]]:
    """The words of every message staff reviewed, with their verdict (the latest one stands)."""
    rows = session.execute(
        select(InboundMessage.body, InboundMessage.risk_confirmed).where(InboundMessage.risk_confirmed.is_not(None))
    ).all()
    return [(body, bool(confirmed)) for body, confirmed in rows if body]


def model(session: Session) -> LinearScreen:
    """The learned screen as of the latest staff review."""
    count, latest = session.execute(select(func.count(), func.max(Recode.id)).where(Recode.action.in_(REVIEWS))).one()
    key = (str(session.get_bind().engine.url), int(count), latest)
    if count == 0:
        return risk_model.default_model()
    with _lock:
        if key not in _trained:
            _trained.clear()
            _trained[key] = risk_model.train(reviewed(session) * REVIEW_WEIGHT)
        return _trained[key]


def screen_message(session: Session, text: str) -> Screening:
    return screen(text, model=model(session))
