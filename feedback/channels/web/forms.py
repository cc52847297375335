"""The forms a young person posts: a question page's answer, with the page's nonce and (open links) a honeypot; and an
answer to their worker's reply, with the form's nonce."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


class AnswerForm(FlaskForm):
    # The answer as typed or chosen; its length and value are checked by the service, which stores it first.
    answer = TextAreaField("Your answer")
    # Names this rendering of the page: submitting it twice records one answer.
    nonce = HiddenField()
    # Hidden from people (and from screen readers); a bot that fills in every field fills this in too.
    website = StringField("Leave this empty")


class ThreadAnswerForm(FlaskForm):
    """The young person's answer to their worker's reply, from the form under it on their own page."""

    # Checked (empty, too long) by the service, which stores it first; it stays in the box with the reason.
    body = TextAreaField("Your answer")
    # Names this rendering of the form: sending it twice records one answer.
    nonce = HiddenField()
