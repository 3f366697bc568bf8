"""Forms of the case page's own sections: workflow, internal note, message to the reporter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reporter.forms import clean_text


class WorkflowForm(FlaskForm):
    status = SelectField(_l("Status"), validators=[DataRequired()])
    priority = SelectField(_l("Priority"), validators=[DataRequired()])
    assignee = SelectField(_l("Assigned to"), validators=[Optional()])


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Internal note"), validators=[DataRequired(), Length(max=20000), clean_text]
    )


class StaffMessageForm(FlaskForm):
    text = TextAreaField(
        _l("Message to the reporter"), validators=[DataRequired(), Length(max=20000), clean_text]
    )
