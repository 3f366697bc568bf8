"""The choices of the published stories page, read from the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional, Regexp

from reporter.forms import MultiCheckboxField
from reporter.statistics.forms import MONTH, MONTH_MESSAGE


class StoriesForm(FlaskForm):
    """The statistics page's choices (countries, kinds of violation, months), the months being
    those of approval. Bookmarkable, and changes nothing: no token."""

    class Meta:
        csrf = False

    countries = MultiCheckboxField(_l("Countries"), validators=[Optional()])
    groups = MultiCheckboxField(_l("Kinds of violation"), validators=[Optional()])
    first_month = StringField(
        _l("Approved from (month)"), validators=[Optional(), Regexp(MONTH, message=MONTH_MESSAGE)]
    )
    last_month = StringField(
        _l("Approved until (month)"), validators=[Optional(), Regexp(MONTH, message=MONTH_MESSAGE)]
    )
