"""The report form: plain questions, controlled vocabularies, every answer validated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from reporter import vocabulary as v
from reporter.forms import MultiCheckboxField, choices, clean_text
from reporter.reports.service import ReportContent
from reporter.reports.wizard import COUNTRY_NOT_SAID

YEARS_BACK = 20


def _choices(keys: tuple[str, ...]) -> list[SelectChoice]:
    return choices((key, key) for key in keys)


class YesNoField(BooleanField):
    """A yes/no answer carried as "y" or "n" between pages. Absent, it keeps its default (a page
    not yet seen); a checkbox page posts a hidden "n" before the box, so the last value wins."""

    false_values = (False, "false", "", "n")

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            super().process_formdata(valuelist[-1:])


class ReportForm(FlaskForm):
    """Every answer of the report, whichever question page shows it."""

    narrative = TextAreaField(
        _l("What happened? Tell it in your own words."), validators=[clean_text]
    )
    voice_story = YesNoField(_l("I would rather speak than write: I will add a voice recording"))
    country = SelectField(
        _l("In which country did it happen?"),
        validators=[InputRequired(_l("Choose a country from the list."))],
        validate_choice=True,
    )
    violation_groups = MultiCheckboxField(
        choices=_choices(tuple(g.key for g in v.VIOLATION_GROUPS))
    )
    violations = MultiCheckboxField(choices=_choices(v.VIOLATION_KEYS))
    violation_other = StringField(
        _l("Something else happened (write it here)"), validators=[clean_text]
    )
    incident_year = SelectField(_l("Year"), validators=[Optional()], default="")
    incident_month = SelectField(_l("Month"), validators=[Optional()], default="")
    incident_day = SelectField(_l("Day"), validators=[Optional()], default="")
    ongoing = YesNoField(_l("It is still happening"))
    region = SelectField(_l("Region, state or province"), validators=[Optional()], default="")
    city = StringField(_l("City or town (optional)"), validators=[clean_text])
    location_type = RadioField(choices=_choices(v.keys(v.LOCATION_TYPES)), validators=[Optional()])
    perpetrators = MultiCheckboxField(choices=_choices(v.PERPETRATOR_KEYS))
    relation = RadioField(choices=_choices(v.keys(v.REPORTER_RELATIONS)), validators=[Optional()])
    populations = MultiCheckboxField(choices=_choices(v.keys(v.POPULATIONS)))
    sought_protection = RadioField(
        choices=_choices(v.keys(v.SOUGHT_PROTECTION)), validators=[Optional()]
    )
    reasons_not = MultiCheckboxField(choices=_choices(v.keys(v.REASONS_NOT)))
    share_with_network = YesNoField(_l("Also share my report with the regional network"))
    count_in_statistics = YesNoField(
        _l("Count my report in anonymous statistics (numbers only, no story)")
    )
    allow_replies = YesNoField(
        _l("Staff may write to me here, through my receipt number"), default=True
    )
    contact = TextAreaField(_l("How can we reach you? (optional)"), validators=[clean_text])
    attachments = MultipleFileField(_l("Photos, documents or voice recordings (optional)"))
    draft = HiddenField()
    # Honeypot: hidden from people by CSS; bots fill every field.
    website = StringField(_l("Leave this empty"))

    def __init__(
        self,
        *args: Any,
        countries: list[tuple[str, str]],
        regions: list[tuple[str, str]],
        month_names: dict[int, str],
        narrative_max: int,
        short_max: int,
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.country.choices = choices(
            [("", "—"), *countries, (COUNTRY_NOT_SAID, _l("I would rather not say"))]
        )
        self.region.choices = choices([("", _l("I don't know / I prefer not to say")), *regions])
        years = [(str(year), str(year)) for year in range(today.year, today.year - YEARS_BACK, -1)]
        self.incident_year.choices = choices([("", _l("I don't remember")), *years])
        months = [(str(number), name) for number, name in sorted(month_names.items())]
        self.incident_month.choices = choices([("", _l("I don't remember")), *months])
        days = [(str(day), str(day)) for day in range(1, 32)]
        self.incident_day.choices = choices([("", _l("I don't remember")), *days])
        self.narrative.validators = [
            *self.narrative.validators,
            Length(
                max=narrative_max,
                message=_l("Please keep it under %(max)d characters.", max=narrative_max),
            ),
        ]
        short = Length(
            max=short_max, message=_l("Please keep it under %(max)d characters.", max=short_max)
        )
        for field in (self.violation_other, self.city, self.contact):
            field.validators = [*field.validators, short]

    def validate_narrative(self, field: TextAreaField) -> None:
        if not (field.data or "").strip() and not self.voice_story.data:
            raise ValidationError(
                _l("Tell what happened, or choose to add a voice recording instead.")
            )

    def validate_incident_day(self, field: SelectField) -> None:
        if (field.data or self.incident_month.data) and not self.incident_year.data:
            raise ValidationError(_l("Choose the year too, or leave the day and month empty."))
        if field.data and not self.incident_month.data:
            raise ValidationError(_l("Choose the month too, or leave the day empty."))
        date = self.incident_date_lower_bound()
        if date is None:
            if field.data:
                raise ValidationError(_l("This date does not exist."))
            return
        if date > self.today:
            raise ValidationError(_l("This date is in the future."))

    def incident_date_lower_bound(self) -> dt.date | None:
        try:
            year = int(self.incident_year.data or 0)
            month = int(self.incident_month.data or 1)
            day = int(self.incident_day.data or 1)
            return dt.date(year, month, day)
        except ValueError:
            return None

    def to_content(self, language: str) -> ReportContent:
        """The answers, as the content that will be encrypted."""
        precision = self.date_precision()
        return ReportContent(
            violations=list(self.violations.data or []),
            violation_groups=list(self.violation_groups.data or []),
            violation_other=(self.violation_other.data or "").strip(),
            incident_year=int(self.incident_year.data) if self.incident_year.data else None,
            incident_month=int(self.incident_month.data) if self.incident_month.data else None,
            incident_day=int(self.incident_day.data) if self.incident_day.data else None,
            date_precision=precision,
            country="" if self.country.data == COUNTRY_NOT_SAID else self.country.data,
            region=self.region.data or "",
            city=(self.city.data or "").strip(),
            location_type=self.location_type.data or "",
            perpetrators=list(self.perpetrators.data or []),
            relation=self.relation.data or "",
            populations=list(self.populations.data or []),
            narrative=(self.narrative.data or "").strip(),
            sought_protection=self.sought_protection.data or "",
            reasons_not=[]
            if self.sought_protection.data == "yes"
            else list(self.reasons_not.data or []),
            share_with_network=bool(self.share_with_network.data),
            count_in_statistics=bool(self.count_in_statistics.data),
            allow_replies=bool(self.allow_replies.data),
            contact=(self.contact.data or "").strip(),
            language=language,
        )

    def date_precision(self) -> str:
        if self.ongoing.data:
            return "ongoing"
        if self.incident_day.data:
            return "exact_day"
        if self.incident_month.data:
            return "month"
        return "year"
