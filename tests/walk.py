"""Walk the report's question pages as a browser with JavaScript off would: post back every
hidden field the page carries, add the answers typed on it, and press one of its buttons."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def carried(response: TestResponse) -> MultiDict[str, str]:
    """Every hidden field of the page, as the browser would send it back."""
    page = response.get_data(as_text=True)
    fields: MultiDict[str, str] = MultiDict(
        (name, html.unescape(value)) for name, value in HIDDEN.findall(page)
    )
    token = CSRF.search(page)
    if token:
        fields["csrf_token"] = token.group(1)
    return fields


def controls(response: TestResponse) -> MultiDict[str, str]:
    """What the page's visible controls hold before anyone touches them."""
    page = response.get_data(as_text=True)
    found: MultiDict[str, str] = MultiDict()
    for name, value in CHECKED.findall(page):
        found.add(name, html.unescape(value))
    for name, value in TEXT.findall(page):
        found.add(name, html.unescape(value))
    for name, text in TEXTAREA.findall(page):
        found.add(name, html.unescape(text.removeprefix("\n")))
    for name, body in SELECT.findall(page):
        chosen = SELECTED.search(body)
        found.add(name, html.unescape(chosen.group(1)) if chosen else "")
    return found


CHECKED = re.compile(
    r'<input type="(?:checkbox|radio)" id="[^"]*" name="([^"]+)" value="([^"]*)" checked>'
)
TEXT = re.compile(r'<input type="text" id="[^"]*" name="([^"]+)" value="([^"]*)"')
TEXTAREA = re.compile(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>', re.S)
SELECT = re.compile(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r'<option value="([^"]*)" selected>')


def step(
    client: FlaskClient,
    response: TestResponse,
    action: str = "next",
    language: str = "en",
    files: list[Any] | None = None,
    **answers: Any,
) -> TestResponse:
    """Answer the page shown in `response` and press the button whose value is `action`.

    The page's controls keep what they show unless an answer replaces it (a list for a group
    of boxes: the boxes ticked in the end); hidden fields always go back, unless replaced.
    """
    data = carried(response)
    shown = controls(response)
    for name, value in answers.items():
        values = value if isinstance(value, list) else [value]
        if name in shown or isinstance(value, list):
            shown.setlist(name, values)
        else:
            data.setlist(name, values)
    for name in shown:
        for item in shown.getlist(name):
            data.add(name, item)
    data["action"] = action
    if files is not None:
        payload: dict[str, Any] = {key: data.getlist(key) for key in data}
        payload["attachments"] = files
        return client.post(f"/{language}/report", data=payload, content_type="multipart/form-data")
    return client.post(f"/{language}/report", data=data)


def page_key(response: TestResponse) -> str:
    match = re.search(
        r'<input type="hidden" name="page" value="([^"]+)">', response.get_data(as_text=True)
    )
    assert match, "not a question page"
    return match.group(1)


def heading(response: TestResponse) -> str:
    page = response.get_data(as_text=True)
    match = re.search(r"<h1>(?:<label[^>]*>)?(.*?)(?:</label>)?</h1>", page)
    assert match, "no heading"
    return html.unescape(match.group(1))
