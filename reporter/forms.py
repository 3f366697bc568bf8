"""Form pieces shared by the public forms: checkbox lists, text checks, file checks."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from wtforms import Field, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select

from reporter.attachments.sanitize import AttachmentRejected, CleanFile, sanitise

REJECTION_MESSAGES = {
    "empty": _l("This file is empty."),
    "type": _l(
        "This kind of file cannot be sent. You can send photos, documents (PDF) and voice recordings."
    ),
    "image_too_large": _l("This picture is too large."),
    "damaged": _l("This file seems damaged and cannot be read."),
    "pdf_encrypted": _l("This PDF has a password. Send it without a password."),
    "pdf_too_long": _l("This PDF has too many pages. Send at most 60 pages."),
    "audio_too_long": _l("This recording is too long. Send at most 30 minutes."),
    "too_big": _l("This file is too large."),
}


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class ChoiceSelect(Select):
    """A drop-down list without the `required` attribute: HTML allows it only on a list whose
    first choice is an empty placeholder, and a list with no empty choice always sends one.
    The form's validators still refuse a missing or unknown value."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("required", False)
        rendered: Markup = super().__call__(field, **kwargs)
        return rendered


class ListField(SelectField):
    widget = ChoiceSelect()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def clean_text(_form: Any, field: Field) -> None:
    """Refuse text that could not be read as UTF-8 or carries control characters."""
    value = field.data or ""
    if "\ufffd" in value:
        raise ValidationError(_l("Some letters could not be read. Please type them again."))
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in "\n\r\t":
            raise ValidationError(_l("Some letters could not be read. Please type them again."))


def check_files(
    files: list[FileStorage], max_count: int, max_bytes: int
) -> tuple[list[CleanFile], list[str]]:
    """Read, check and clean uploaded files; return the clean files and the error messages."""
    chosen = [item for item in files if isinstance(item, FileStorage) and item.filename]
    errors: list[str] = []
    if len(chosen) > max_count:
        errors.append(str(_l("You can send at most %(count)d files.", count=max_count)))
        return [], errors
    cleaned: list[CleanFile] = []
    for position, item in enumerate(chosen, start=1):
        data = item.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            errors.append(_file_error(position, "too_big"))
            continue
        try:
            cleaned.append(sanitise(data))
        except AttachmentRejected as rejected:
            errors.append(_file_error(position, rejected.reason))
    return cleaned, errors


def _file_error(position: int, reason: str) -> str:
    return str(
        _l("File %(number)d: %(problem)s", number=position, problem=REJECTION_MESSAGES[reason])
    )


def csrf_expired(form: FlaskForm) -> bool:
    return "csrf_token" in form.errors
