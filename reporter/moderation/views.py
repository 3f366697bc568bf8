"""Queue and case pages. Every decryption and every change is written to the audit log."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

from flask import (
    Blueprint,
    Flask,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask import Response as FlaskResponse
from flask_babel import lazy_gettext as _l
from PIL import Image
from werkzeug.wrappers import Response

from reporter import bounds
from reporter import vocabulary as v
from reporter.accounts.models import ROLES_WITH_REPORT_ACCESS
from reporter.accounts.service import end_session
from reporter.attachments import storage
from reporter.attachments.sanitize import AttachmentRejected, sanitise
from reporter.context import current_settings
from reporter.db import get_session, new_session
from reporter.followup.service import RepliesNotAllowed, ThreadClosed, add_staff_message
from reporter.forms import choices
from reporter.i18n import LANGUAGE_NAMES, current_language
from reporter.labels import CASE_STATUS_LABELS as STATUS_LABELS
from reporter.labels import PRIORITY_LABELS
from reporter.moderation import coding
from reporter.moderation import service as moderation
from reporter.moderation.forms import (
    LinkForm,
    NoteForm,
    QueueFilterForm,
    StaffMessageForm,
    StoryForm,
    WorkflowForm,
)
from reporter.orgs.keyring import KeyMissing
from reporter.orgs.service import covered_countries
from reporter.reports.models import Case
from reporter.staff import auth
from reporter.vocabulary import places

blueprint = Blueprint("moderation", __name__, url_prefix="/staff")
# Ids in paths are `<id:...>`: bounded, so a number no column can hold is a 404, not a 500.
blueprint.record_once(bounds.register_converter)
blueprint.before_request(auth.load_staff)
readers = auth.login_required(*sorted(ROLES_WITH_REPORT_ACCESS))


@blueprint.errorhandler(KeyMissing)
def key_missing(_error: KeyMissing) -> Response:
    """After a key rotation an older session lacks the new key: log in again to get it."""
    staff = auth.current_staff()
    end_session(get_session(), staff)
    return auth.clear_cookie(redirect(url_for("staff.login", next=request.path)))


def _filter_form() -> QueueFilterForm:
    session = get_session()
    staff = auth.current_staff()
    form = QueueFilterForm(request.args)
    anyone = ("", _l("Any"))
    form.status.choices = choices([anyone, *STATUS_LABELS.items()])
    form.priority.choices = choices([anyone, *PRIORITY_LABELS.items()])
    people = [
        (str(m.id), m.username) for m in moderation.colleagues(session, staff.member.organisation)
    ]
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
@readers
def queue() -> tuple[str, int] | str:
    staff = auth.current_staff()
    form = _filter_form()
    if not form.validate():
        return render_template("staff/queue.html", form=form, page=None), 400
    page_number = bounds.page_number(request.args.get("page"))
    filters = moderation.QueueFilters(
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
    page = moderation.queue(
        get_session(),
        auth.keyring(),
        staff.member,
        filters,
        current_settings().queue_page_size,
    )
    auth.record("queue_viewed", details={"rows": len(page.rows), "page": page.page})
    names = {
        str(m.id): m.username
        for m in moderation.colleagues(get_session(), staff.member.organisation)
    }
    arguments = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "staff/queue.html", form=form, page=page, names=names, arguments=arguments
    )


def case_or_404(report_id: uuid.UUID) -> Case:
    try:
        return moderation.find_case(
            get_session(), report_id, auth.current_staff().member.organisation
        )
    except moderation.CaseNotFound:
        abort(404)


def _workflow_form(case: Case) -> WorkflowForm:
    form = WorkflowForm(
        status=case.status, priority=case.priority, assignee=str(case.assignee_id or "")
    )
    form.status.choices = choices((key, STATUS_LABELS[key]) for key in moderation.STAFF_STATUSES)
    form.priority.choices = choices(PRIORITY_LABELS.items())
    people = moderation.colleagues(get_session(), auth.current_staff().member.organisation)
    form.assignee.choices = choices(
        [("", _l("Nobody")), *((str(m.id), m.username) for m in people)]
    )
    return form


def case_page_with(case: Case, status_code: int = 200, **forms: object) -> tuple[str, int]:
    view = moderation.open_case(get_session(), case, auth.keyring())
    return render_template(
        "staff/case.html",
        view=view,
        workflow_form=forms.get("workflow_form") or _workflow_form(case),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        message_form=forms.get("message_form") or StaffMessageForm(formdata=None),
        notice=forms.get("notice", ""),
        referral_form=forms.get("referral_form") or _referral_form(),
        link_form=forms.get("link_form") or LinkForm(formdata=None),
        story_form=forms.get("story_form")
        or StoryForm(formdata=None, text=view.story.text if view.story else ""),
        staff_names={
            str(m.id): m.username
            for m in moderation.colleagues(get_session(), auth.current_staff().member.organisation)
        },
    ), status_code


@blueprint.get("/cases/<uuid:report_id>")
@readers
def case_page(report_id: uuid.UUID) -> tuple[str, int]:
    case = case_or_404(report_id)
    auth.record("report_decrypted", target=str(report_id))
    moderation.mark_replies_read(case)
    return case_page_with(case)


@blueprint.post("/cases/<uuid:report_id>/workflow")
@readers
def workflow(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    form = _workflow_form(case)
    form.process(request.form)
    if not form.validate():
        return case_page_with(case, 400, workflow_form=form)
    session = get_session()
    before = (case.status, case.priority, str(case.assignee_id or ""))
    try:
        if form.status.data != case.status:
            moderation.set_status(case, form.status.data)
            # Spam leaves the statistics; taken back out of spam, the case counts again.
            coding.refresh_statistics(session, case, auth.keyring().for_case(case))
        moderation.set_priority(case, form.priority.data)
        moderation.set_assignee(
            session, case, auth.current_staff().member.organisation, form.assignee.data or ""
        )
    except moderation.InvalidChange:
        return case_page_with(case, 400, workflow_form=form)
    after = (case.status, case.priority, str(case.assignee_id or ""))
    changed = {
        name: new
        for name, old, new in zip(("status", "priority", "assignee"), before, after, strict=True)
        if old != new
    }
    auth.record("case_updated", target=str(report_id), details=changed)
    return redirect(url_for("moderation.case_page", report_id=report_id))


@blueprint.post("/cases/<uuid:report_id>/notes")
@readers
def note(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    form = NoteForm()
    if not form.validate():
        return case_page_with(case, 400, note_form=form)
    moderation.add_note(
        get_session(),
        case,
        auth.keyring().for_case(case),
        auth.current_staff().member,
        form.text.data.strip(),
    )
    auth.record("note_added", target=str(report_id))
    return redirect(url_for("moderation.case_page", report_id=report_id) + "#notes")


@blueprint.post("/cases/<uuid:report_id>/messages")
@readers
def message(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    form = StaffMessageForm()
    if not form.validate():
        return case_page_with(case, 400, message_form=form)
    staff = auth.current_staff()
    try:
        add_staff_message(
            get_session(),
            case.report,
            staff.member.organisation,
            auth.keyring().for_case(case),
            form.text.data.strip(),
        )
    except (RepliesNotAllowed, ThreadClosed):
        return case_page_with(case, 409, message_form=form, notice="replies_closed")
    auth.record("message_sent", target=str(report_id))
    return redirect(url_for("moderation.case_page", report_id=report_id) + "#messages")


@blueprint.get("/cases/<uuid:report_id>/files/<id:number>")
@readers
def attachment(report_id: uuid.UUID, number: int) -> Response:
    """A decrypted attachment: images re-encoded to show inline, other files streamed as downloads."""
    case = case_or_404(report_id)
    view = moderation.open_case(get_session(), case, auth.keyring())
    if not 1 <= number <= len(view.files):
        abort(404)
    ref = view.files[number - 1]
    auth.record("attachment_decrypted", target=str(report_id), details={"file": number})
    inline = request.args.get("inline") == "1" and ref["kind"] == "image"
    if inline:
        session = get_session()
        data = b"".join(storage.read(session, ref))
        try:
            # Decode and encode again: a crafted file never reaches the browser as it was sent.
            clean = sanitise(data)
            with Image.open(io.BytesIO(clean.data)) as image:
                image.load()
        except (AttachmentRejected, OSError):
            abort(415)
        response = FlaskResponse(clean.data, mimetype=clean.mime)
        response.headers["Content-Disposition"] = "inline"
    else:

        def chunks() -> Iterator[bytes]:
            # The request's session is closed before streaming; this generator has its own.
            session = new_session()
            try:
                yield from storage.read(session, ref)
            finally:
                session.close()

        response = FlaskResponse(stream_with_context(chunks()), mimetype="application/octet-stream")
        response.headers["Content-Disposition"] = f'attachment; filename="{ref["name"]}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    result: Response = response
    return result


def _referral_form() -> object:
    from reporter.moderation.casework_views import referral_form

    return referral_form()


def init_app(app: Flask) -> None:
    # The coding and casework pages add their routes to this blueprint.
    from reporter.moderation import casework_views, coding_views  # noqa: F401

    app.register_blueprint(blueprint)
