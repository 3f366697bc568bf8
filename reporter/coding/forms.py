"""The form to code one act of a case."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.validators import DataRequired, Optional

from reporter.forms import MultiCheckboxField


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
