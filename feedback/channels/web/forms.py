"""The one form every question page posts: the answer, the page's nonce and (open links) a honeypot."""

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
