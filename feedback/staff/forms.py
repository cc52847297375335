from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from feedback.core.csvfile import RowError

# With only a CSRF token to check, a form that fails validation is one whose token expired.
FORM_EXPIRED = "The form had expired: go back, reload the page and try again."


def show_errors(form: FlaskForm, errors: Iterable[RowError], labels: Mapping[str, str]) -> list[str]:
    """A service's errors (a field and a message that never repeats a value) put beside the form's fields as
    sentences ("Date of birth is not a real date."); those about no field of the form are returned, for the top
    of the page."""
    general = []
    for error in errors:
        if error.field is not None and error.field in labels:
            getattr(form, error.field).errors.append(error_sentence(labels[error.field], error.message))
        else:
            general.append(error_sentence("", error.message))
    return general


def error_sentence(label: str, message: str) -> str:
    """ "Date of birth is not a real date." from a field's label and a service's message."""
    if label:
        # Most messages go on from the field's name ("is ...", "must ..."); the rest follow a colon.
        first = message.split(" ", 1)[0]
        joined = " " if first in {"is", "are", "has", "have", "gives", "belongs", "must", "cannot"} else ": "
        message = f"{label}{joined}{message}"
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class SimulatedTextForm(FlaskForm):
    phone = StringField(
        "Pretend phone number",
        default="07700 900123",
        validators=[DataRequired(), Length(max=32)],
        description="Only Ofcom's drama numbers, 07700 900000 to 07700 900999, so no real person is involved.",
    )
    body = TextAreaField("Text message", validators=[DataRequired(), Length(max=1600)])


class SimulatedSendForm(FlaskForm):
    survey = SelectField("Survey", validators=[DataRequired()])


class ReplyForm(FlaskForm):
    # Checked (length included) by the service, so the reason shows beside the reply, which stays in the box.
    body = TextAreaField(
        "Your reply", description="The young person sees it on their page, and by text if they can be texted."
    )


class _MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuestionForm(Form):
    """One question of the survey builder (a sub-form: the survey form carries the CSRF token)."""

    position = IntegerField(
        "Order",
        validators=[Optional(), NumberRange(min=1, max=99, message="Order must be a number from 1 to 99.")],
        description="Questions are asked lowest number first.",
    )
    key = StringField(
        "Short name (optional)",
        validators=[Optional(), Length(max=64)],
        description="Names the answers in exports: lower-case letters, numbers and dashes, such as home or worker.",
    )
    type = SelectField(
        "Type of answer",
        choices=[
            SelectChoice("text", "Their own words"),
            SelectChoice("rating", "A rating"),
            SelectChoice("choice", "One of some choices"),
            SelectChoice("yesno", "Yes or no"),
        ],
    )
    text = TextAreaField(
        "Question as texted",
        validators=[Length(max=1600)],
        description="Say how to answer, such as: Reply 1 (bad) to 5 (great).",
    )
    web_text = TextAreaField(
        "Question on the web (optional)",
        validators=[Length(max=1600)],
        description="Leave empty to use the texted question.",
    )
    choices = TextAreaField("Choices", description="Only for one of some choices: one choice a line.")
    min = IntegerField("Lowest rating", validators=[Optional()], description="Only for a rating: 0 or more.")
    max = IntegerField("Highest rating", validators=[Optional()], description="Only for a rating: 10 at most.")
    labels = TextAreaField(
        "Words for each rating (optional)",
        description="One a line, lowest first. Left empty, 1 to 5 reads Very bad, Bad, OK, Good, Great.",
    )
    optional = BooleanField("They may skip it")
    themes = _MultiCheckboxField("Themes this question is about")
    remove = BooleanField(
        "Delete this question",
        description="Deleted from the new version when you save (you are asked to confirm). Published versions "
        "and the answers to them keep it.",
    )


class SurveyForm(FlaskForm):
    slug = StringField(
        "Web address name",
        validators=[Optional(), Length(max=64)],
        description="Lower-case letters, numbers and dashes: it makes the link /s/NAME and never changes.",
    )
    title = StringField("Title", validators=[DataRequired("Enter a title."), Length(max=200)])
    keyword = StringField(
        "SMS keyword (optional)",
        validators=[Optional(), Length(max=20)],
        description="A word a young person texts to start it, such as CHECKIN: 2 to 20 letters or numbers.",
    )
    intro = TextAreaField(
        "Introduction",
        validators=[Length(max=1600)],
        description="Sent before the first question. Say who it is from, and that STOP opts out.",
    )
    web_intro = TextAreaField(
        "Introduction on the web (optional)",
        validators=[Length(max=1600)],
        description="Leave empty to use the introduction above.",
    )
    thanks = TextAreaField(
        "Thank you message", validators=[Length(max=1600)], description="Texted after the last answer."
    )
    web_thanks = TextAreaField(
        "Thank you message on the web (optional)",
        validators=[Length(max=1600)],
        description="Shown on the web after the last answer. Leave empty to show a general thank you. Do not "
        "mention replying by text.",
    )
    sms_invite = SelectField(
        "A text invitation",
        choices=[
            SelectChoice("questions", "asks the questions by text"),
            SelectChoice("link", "sends a link to answer online"),
        ],
    )
    questions = FieldList(FormField(QuestionForm), min_entries=1, max_entries=50)


class CodeForm(FlaskForm):
    # Checked by the service, so that a wrong code and a missing one get the same answer.
    code = StringField(
        "The 6-digit code your authenticator app shows",
        validators=[Length(max=16)],
        filters=[lambda v: v or ""],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )
