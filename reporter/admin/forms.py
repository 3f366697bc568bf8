"""Forms of the admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from reporter.forms import clean_text


class InviteForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=2, max=80),
            Regexp(
                r"^[\w.@-]+$", message=_l("Use letters, digits, dots, dashes, @ or underscores.")
            ),
            clean_text,
        ],
    )
    role = SelectField(_l("Role"), validators=[DataRequired()])


class MemberActionForm(FlaskForm):
    member_id = HiddenField(validators=[DataRequired()])
