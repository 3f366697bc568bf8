"""Forms of the queue and case pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reporter.forms import MultiCheckboxField, clean_text


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


class ActForm(FlaskForm):
    """One coded act. Choices are set by the view from the vocabularies."""

    violation_type = SelectField(_l("Violation"), validators=[DataRequired()])
    year = SelectField(_l("Year"), validators=[Optional()])
    month = SelectField(_l("Month"), validators=[Optional()])
    day = SelectField(_l("Day"), validators=[Optional()])
    date_precision = SelectField(_l("Date precision"), validators=[DataRequired()])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    region = SelectField(_l("Region"), validators=[Optional()])
    location_type = SelectField(_l("Type of place"), validators=[Optional()])
    perpetrators = MultiCheckboxField(_l("Perpetrators"))
    populations = MultiCheckboxField(_l("Affected population"))
    violation_status = RadioField(_l("Verification"), validators=[DataRequired()])
    sought_protection = SelectField(_l("Sought protection"), validators=[Optional()])
    reasons_not = MultiCheckboxField(_l("If not, why not"))


class ReferralForm(FlaskForm):
    intervention_type = SelectField(_l("Type"), validators=[DataRequired()])
    status = SelectField(_l("Status"), validators=[DataRequired()])
    date = DateField(_l("Date"), validators=[Optional()])
    outcome = SelectField(_l("Outcome"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=500), clean_text])


class LinkForm(FlaskForm):
    reference = StringField(
        _l("Reference of the related report"), validators=[DataRequired(), Length(max=16)]
    )


class StoryForm(FlaskForm):
    text = TextAreaField(
        _l("Story for advocacy, with names, places and anything identifying removed"),
        validators=[DataRequired(), Length(max=20000), clean_text],
    )
