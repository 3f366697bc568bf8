"""Forms of the admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from reporter.forms import ListField, clean_text
from reporter.statistics.disclosure import MAX_THRESHOLD, MIN_THRESHOLD


class InviteForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=2, max=80),
            Regexp(
                r"^[\w.@-]+$", message=_l("Use letters, digits, dots, dashes, @ or underscores.")
            ),
            clean_text,
        ],
    )
    role = ListField(_l("Role"), validators=[DataRequired()])


class MemberActionForm(FlaskForm):
    member_id = HiddenField(validators=[DataRequired()])
    # "yes" once the admin confirmed on the second page.
    confirm = HiddenField()


class InvitationActionForm(FlaskForm):
    invitation_id = HiddenField(validators=[DataRequired()])


class RetentionForm(FlaskForm):
    purge_spam_after_days = IntegerField(
        _l("Delete spam after (days)"), validators=[Optional(), NumberRange(min=1, max=3650)]
    )
    purge_closed_content_after_days = IntegerField(
        _l("Delete the content of closed reports after (days)"),
        validators=[Optional(), NumberRange(min=1, max=36500)],
    )


class PublishingForm(FlaskForm):
    statistics_threshold = IntegerField(
        _l("Smallest number the statistics show"),
        validators=[
            InputRequired(
                _l("Write a number from %(min)d to %(max)d.", min=MIN_THRESHOLD, max=MAX_THRESHOLD)
            ),
            NumberRange(
                min=MIN_THRESHOLD,
                max=MAX_THRESHOLD,
                message=_l(
                    "Write a number from %(min)d to %(max)d.", min=MIN_THRESHOLD, max=MAX_THRESHOLD
                ),
            ),
        ],
    )
