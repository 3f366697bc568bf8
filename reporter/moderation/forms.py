"""Forms of the queue and case pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reporter.forms import clean_text


class QueueFilterForm(FlaskForm):
    """Read from the query string: filters are bookmarkable and change nothing."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()], default="")
    priority = SelectField(_l("Priority"), validators=[Optional()], default="")
    assignee = SelectField(_l("Assigned to"), validators=[Optional()], default="")
    country = SelectField(_l("Country"), validators=[Optional()], default="")
    violation = SelectField(_l("What happened"), validators=[Optional()], default="")
    language = SelectField(_l("Language"), validators=[Optional()], default="")
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_to = DateField(_l("Received until"), validators=[Optional()])
    sort = SelectField(_l("Order"), validators=[Optional()], default="newest")


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
