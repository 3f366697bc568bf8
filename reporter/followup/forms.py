"""Forms of the follow-up pages: receipt, reply, withdrawal."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from reporter.forms import clean_text


class ReceiptForm(FlaskForm):
    receipt = StringField(
        _l("Your receipt number (16 digits)"),
        validators=[DataRequired(_l("Type your receipt number."))],
    )


class ReplyForm(FlaskForm):
    receipt = HiddenField(validators=[DataRequired()])
    text = TextAreaField(
        _l("Your message"), validators=[DataRequired(_l("Write a message.")), clean_text]
    )
    attachments = MultipleFileField(_l("Add photos, documents or voice recordings (optional)"))

    def __init__(self, *args: Any, text_max: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text.validators = [
            *self.text.validators,
            Length(
                max=text_max, message=_l("Please keep it under %(max)d characters.", max=text_max)
            ),
        ]


class WithdrawForm(FlaskForm):
    receipt = HiddenField(validators=[DataRequired()])
    confirm = HiddenField()
