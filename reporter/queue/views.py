"""The queue page: the organisation's cases, filtered from the query string."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

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
from reporter.staff import auth
from reporter.vocabulary import places

blueprint = Blueprint("queue", __name__, url_prefix="/staff")
blueprint.before_request(auth.load_staff)
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)


def _filter_form() -> QueueFilterForm:
    session = get_session()
    staff = auth.current_staff()
    form = QueueFilterForm(request.args)
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


@blueprint.get("/queue")
@auth.report_readers
def queue() -> tuple[str, int] | str:
    staff = auth.current_staff()
    form = _filter_form()
    if not form.validate():
        return render_template("staff/queue.html", form=form, page=None), 400
    page_number = bounds.page_number(request.args.get("page"))
    filters = queue_service.QueueFilters(
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
    page = queue_service.queue(
        get_session(),
        auth.keyring(),
        staff.member,
        filters,
        current_settings().queue_page_size,
    )
    auth.record("queue_viewed", details={"rows": len(page.rows), "page": page.page})
    names = {str(m.id): m.username for m in colleagues(get_session(), staff.member.organisation)}
    arguments = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "staff/queue.html", form=form, page=page, names=names, arguments=arguments
    )
