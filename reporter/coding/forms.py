"""The form to code one act of a case."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import DataRequired, Optional

from reporter.forms import ListField, MultiCheckboxField


class ActForm(FlaskForm):
    """One coded act. Choices are set by the view from the vocabularies."""

    violation_type = ListField(_l("Violation"), validators=[DataRequired()])
    year = ListField(_l("Year"), validators=[Optional()])
    month = ListField(_l("Month"), validators=[Optional()])
    day = ListField(_l("Day"), validators=[Optional()])
    date_precision = ListField(_l("Date precision"), validators=[DataRequired()])
    country = ListField(_l("Country"), validators=[DataRequired()])
    region = ListField(_l("Region"), validators=[Optional()])
    location_type = ListField(_l("Type of place"), validators=[Optional()])
    perpetrators = MultiCheckboxField(_l("Perpetrators"))
    populations = MultiCheckboxField(_l("Affected population"))
    violation_status = RadioField(_l("Verification"), validators=[DataRequired()])
    sought_protection = ListField(_l("Sought protection"), validators=[Optional()])
    reasons_not = MultiCheckboxField(_l("If not, why not"))
