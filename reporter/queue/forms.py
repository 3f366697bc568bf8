"""The filter form of the queue page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional


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
