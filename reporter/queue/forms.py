"""The filter form of the queue page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from reporter.forms import clean_text

SEARCH_MAX_CHARS = 200


class QueueFilterForm(FlaskForm):
    """Filters are read from the query string: bookmarkable, and they change nothing. Words to
    search for come in a POST (the global CSRF check covers it), never in an address: a browser
    keeps addresses in its history, and the words say what a case is about."""

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
    words = StringField(
        _l("Words in the case"),
        validators=[Optional(), Length(max=SEARCH_MAX_CHARS), clean_text],
        description=_l(
            "Finds cases whose story, place, coding, notes or messages hold every word."
        ),
    )
    # Where a search goes on from (the next page, or past where its time ran out).
    after = HiddenField(validators=[Optional(), Length(max=64)])
