"""The choices of the statistics page, read from the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional, Regexp

from reporter.forms import ChoiceSelect, MultiCheckboxField

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH_MESSAGE = _l("Write a month as year and month, for example 2025-03.")


class StatisticsForm(FlaskForm):
    """Bookmarkable, and changes nothing: no token."""

    class Meta:
        csrf = False

    countries = MultiCheckboxField(_l("Countries"), validators=[Optional()])
    groups = MultiCheckboxField(_l("Kinds of violation"), validators=[Optional()])
    first_month = StringField(
        _l("From (month)"), validators=[Optional(), Regexp(MONTH, message=MONTH_MESSAGE)]
    )
    last_month = StringField(
        _l("Until (month)"), validators=[Optional(), Regexp(MONTH, message=MONTH_MESSAGE)]
    )
    # The language of the spreadsheet, the brief and its PDF (JSON and CSV use the keys).
    language = SelectField(
        _l("Language of the downloads"), validators=[Optional()], widget=ChoiceSelect()
    )
