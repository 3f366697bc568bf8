"""Forms of the case page's own sections: workflow, internal note, message to the reporter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reporter.forms import ListField, clean_text


class WorkflowForm(FlaskForm):
    status = ListField(_l("Status"), validators=[DataRequired()])
    priority = ListField(_l("Priority"), validators=[DataRequired()])
    assignee = ListField(_l("Assigned to"), validators=[Optional()])


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Internal note"), validators=[DataRequired(), Length(max=20000), clean_text]
    )


class StaffMessageForm(FlaskForm):
    text = TextAreaField(
        _l("Message to the reporter"), validators=[DataRequired(), Length(max=20000), clean_text]
    )
