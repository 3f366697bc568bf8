"""Forms of the staff login, invitation and enrolment pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from reporter.forms import ListField, MultiCheckboxField, clean_text
from reporter.notices.service import EMAIL_MAX_CHARS


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80), clean_text])
    passphrase = PasswordField(_l("Passphrase"), validators=[DataRequired(), Length(max=1024)])
    code = StringField(_l("Code from your authenticator app"), validators=[Length(max=12)])


class PassphraseForm(FlaskForm):
    passphrase = PasswordField(
        _l("Choose a passphrase"), validators=[DataRequired(), Length(max=1024)]
    )
    repeat = PasswordField(
        _l("Type it again"),
        validators=[DataRequired(), EqualTo("passphrase", _l("The two passphrases differ."))],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"), validators=[DataRequired(), Length(max=12)]
    )


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token: logout and other confirmed actions."""


class LanguageForm(FlaskForm):
    language = ListField(_l("Language of these pages"), validators=[DataRequired()])


class NoticeForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            Optional(),
            Length(max=EMAIL_MAX_CHARS),
            # Its form only: no look-up in the DNS, which would tell the world about it.
            Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
        ],
    )
    kinds = MultiCheckboxField(_l("Tell me when there is"), validators=[Optional()])
