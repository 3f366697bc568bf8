"""Forms of the staff login, invitation and enrolment pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from reporter.forms import ListField


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
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
