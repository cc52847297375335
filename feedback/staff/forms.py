from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


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
