"""The queue page: the organisation's cases, filtered from the query string."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from reporter import bounds
from reporter import vocabulary as v
from reporter.cases.service import colleagues
from reporter.context import current_settings
from reporter.db import get_session
from reporter.forms import choices
from reporter.i18n import LANGUAGE_NAMES, current_language
from reporter.labels import CASE_STATUS_LABELS as STATUS_LABELS
from reporter.labels import PRIORITY_LABELS
from reporter.orgs.keyring import KeyMissing
from reporter.orgs.service import covered_countries
from reporter.queue import service as queue_service
from reporter.queue.forms import QueueFilterForm
from reporter.search.text import query_words, terms_of
from reporter.staff import auth
from reporter.vocabulary import places

blueprint = Blueprint("queue", __name__, url_prefix="/staff")
blueprint.before_request(auth.load_staff)
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)


# The filters a search carries from page to page, and a plain queue keeps in its address.
FILTERS = (
    "status",
    "priority",
    "assignee",
    "country",
    "violation",
    "language",
    "received_from",
    "received_to",
    "sort",
)


def _filter_form(formdata: MultiDict[str, str]) -> QueueFilterForm:
    session = get_session()
    staff = auth.current_staff()
    form = QueueFilterForm(formdata)
    anyone = ("", _l("Any"))
    form.status.choices = choices([anyone, *STATUS_LABELS.items()])
    form.priority.choices = choices([anyone, *PRIORITY_LABELS.items()])
    people = [(str(m.id), m.username) for m in colleagues(session, staff.member.organisation)]
    form.assignee.choices = choices([anyone, ("me", _l("Me")), ("none", _l("Nobody")), *people])
    countries = places.sorted_countries(covered_countries(session), current_language())
    form.country.choices = choices([anyone, *countries])
    form.violation.choices = choices(
        [anyone, *((term.key, term.label) for group in v.VIOLATION_GROUPS for term in group.terms)]
    )
    form.language.choices = choices(
        [anyone, *((c, LANGUAGE_NAMES[c]) for c in current_settings().languages)]
    )
    form.sort.choices = choices(
        [
            ("newest", _l("Newest first")),
            ("oldest", _l("Oldest first")),
            ("priority", _l("Most urgent first")),
        ]
    )
    return form


def _filters(form: QueueFilterForm, page_number: int = 1) -> queue_service.QueueFilters:
    return queue_service.QueueFilters(
        status=form.status.data or "",
        priority=form.priority.data or "",
        assignee=form.assignee.data or "",
        country=form.country.data or "",
        violation=form.violation.data or "",
        language=form.language.data or "",
        received_from=form.received_from.data,
        received_to=form.received_to.data,
        sort=form.sort.data or "newest",
        page=page_number,
    )


def _names() -> dict[str, str]:
    organisation = auth.current_staff().member.organisation
    return {str(m.id): m.username for m in colleagues(get_session(), organisation)}


@blueprint.route("/queue", methods=["GET", "POST"])
@auth.report_readers
def queue() -> tuple[str, int] | str | Response:
    if request.method == "POST":
        return _search()
    staff = auth.current_staff()
    form = _filter_form(request.args)
    form.words.data = ""
    if not form.validate():
        return render_template("staff/queue.html", form=form, page=None), 400
    page_number = bounds.page_number(request.args.get("page"))
    page = queue_service.queue(
        get_session(),
        auth.keyring(),
        staff.member,
        _filters(form, page_number),
        current_settings().queue_page_size,
    )
    auth.record("queue_viewed", details={"rows": len(page.rows), "page": page.page})
    arguments = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "staff/queue.html", form=form, page=page, names=_names(), arguments=arguments
    )


def _search() -> tuple[str, int] | str | Response:
    """The queue's cases that say the words typed, with its filters. Without words, the filters
    alone: back to the queue's address that holds them."""
    form = _filter_form(request.form)
    if not form.validate():
        return render_template("staff/queue.html", form=form, page=None), 400
    carried = {name: request.form[name] for name in FILTERS if request.form.get(name)}
    words = query_words(form.words.data or "")
    if not words:
        query = f"?{urlencode(carried)}" if carried else ""
        return redirect(url_for("queue.queue") + query, 303)
    after = None
    if form.after.data:
        after = queue_service.SearchCursor.decode(form.after.data)
        if after is None:
            abort(400)
    settings = current_settings()
    session = get_session()
    found = queue_service.search(
        session,
        auth.keyring(),
        auth.current_staff().member,
        _filters(form),
        terms_of(words, settings.languages, tuple(covered_countries(session))),
        settings.queue_page_size,
        settings.search_seconds,
        after,
    )
    # Never the words: they say what a case is about, and the audit log keeps them for years.
    auth.record("queue_searched", details={"rows": len(found.rows), "read": found.read})
    return render_template(
        "staff/queue.html",
        form=form,
        found=found,
        names=_names(),
        carried={**carried, "words": form.words.data},
    )
