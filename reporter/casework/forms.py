"""Forms of the case work sections of the case page: referral, related report, advocacy story."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reporter import vocabulary as v
from reporter.forms import ListField, choices, clean_text


class ReferralForm(FlaskForm):
    intervention_type = ListField(_l("Type"), validators=[DataRequired()])
    status = ListField(_l("Status"), validators=[DataRequired()])
    date = DateField(_l("Date"), validators=[Optional()])
    outcome = ListField(_l("Outcome"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=500), clean_text])


def referral_form(formdata: object = None) -> ReferralForm:
    """A referral form with its choices from the vocabularies."""
    form = ReferralForm(formdata=formdata)
    form.intervention_type.choices = choices((t.key, t.label) for t in v.INTERVENTION_TYPES)
    form.status.choices = choices((t.key, t.label) for t in v.INTERVENTION_STATUSES)
    form.outcome.choices = choices([("", "—"), *((t.key, t.label) for t in v.OUTCOMES)])
    return form


class LinkForm(FlaskForm):
    reference = StringField(
        _l("Reference of the related report"),
        # clean_text: a control character would reach the database's query (PostgreSQL refuses
        # a NUL in text outright).
        validators=[DataRequired(), Length(max=16), clean_text],
    )


class StoryForm(FlaskForm):
    text = TextAreaField(
        _l("Story for advocacy, with names, places and anything identifying removed"),
        validators=[DataRequired(), Length(max=20000), clean_text],
    )
