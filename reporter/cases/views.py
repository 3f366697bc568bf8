"""The case page and its own actions: workflow, notes, messages to the reporter, files, deletion.

Every decryption and every change is written to the audit log.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask import Response as FlaskResponse
from PIL import Image
from werkzeug.wrappers import Response

from reporter import bounds
from reporter.attachments import storage
from reporter.attachments.sanitize import AttachmentRejected, sanitise
from reporter.cases import retention
from reporter.cases import service as cases
from reporter.cases.access import case_or_404
from reporter.cases.forms import NoteForm, StaffMessageForm
from reporter.cases.page import case_page_with, workflow_form
from reporter.coding.service import coded_acts
from reporter.db import get_session, new_session
from reporter.followup.service import RepliesNotAllowed, ThreadClosed, add_staff_message
from reporter.orgs.keyring import KeyMissing
from reporter.search import service as search_texts
from reporter.staff import auth
from reporter.staff.forms import ConfirmForm
from reporter.statistics.service import refresh_statistics, remove_from_statistics

blueprint = Blueprint("cases", __name__, url_prefix="/staff")
# Ids in paths are `<id:...>`: bounded, so a number no column can hold is a 404, not a 500.
blueprint.record_once(bounds.register_converter)
blueprint.before_request(auth.load_staff)
blueprint.register_error_handler(KeyMissing, auth.log_in_again_for_new_key)


@blueprint.get("/cases/<uuid:report_id>")
@auth.report_readers
def case_page(report_id: uuid.UUID) -> tuple[str, int]:
    case = case_or_404(report_id)
    auth.record("report_decrypted", target=str(report_id))
    cases.mark_replies_read(case)
    return case_page_with(case)


@blueprint.post("/cases/<uuid:report_id>/workflow")
@auth.report_readers
def workflow(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    form = workflow_form(case)
    form.process(request.form)
    if not form.validate():
        return case_page_with(case, 400, workflow_form=form)
    session = get_session()
    before = (case.status, case.priority, str(case.assignee_id or ""))
    try:
        if form.status.data != case.status:
            cases.set_status(case, form.status.data)
            # Spam leaves the statistics; taken back out of spam, the case counts again.
            keyring = auth.keyring()
            acts = coded_acts(session, case, keyring.for_case(case))
            refresh_statistics(session, case, keyring, acts)
        cases.set_priority(case, form.priority.data)
        cases.set_assignee(
            session, case, auth.current_staff().member.organisation, form.assignee.data or ""
        )
    except cases.InvalidChange:
        return case_page_with(case, 400, workflow_form=form)
    after = (case.status, case.priority, str(case.assignee_id or ""))
    changed = {
        name: new
        for name, old, new in zip(("status", "priority", "assignee"), before, after, strict=True)
        if old != new
    }
    auth.record("case_updated", target=str(report_id), details=changed)
    return redirect(url_for("cases.case_page", report_id=report_id))


@blueprint.post("/cases/<uuid:report_id>/notes")
@auth.report_readers
def note(report_id: uuid.UUID) -> tuple[str, int] | Response:
    case = case_or_404(report_id)
    form = NoteForm()
    if not form.validate():
        return case_page_with(case, 400, note_form=form)
    cases.add_note(
        get_session(),
        case,
        auth.keyring().for_case(case),
        auth.current_staff().member,
        form.text.data.strip(),
    )
    search_texts.refresh(get_session(), case, auth.keyring())
    auth.record("note_added", target=str(report_id))
    return redirect(url_for("cases.case_page", report_id=report_id) + "#notes")


@blueprint.post("/cases/<uuid:report_id>/messages")
@auth.report_readers
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
    search_texts.refresh(get_session(), case, auth.keyring())
    auth.record("message_sent", target=str(report_id))
    return redirect(url_for("cases.case_page", report_id=report_id) + "#messages")


@blueprint.get("/cases/<uuid:report_id>/files/<id:number>")
@auth.report_readers
def attachment(report_id: uuid.UUID, number: int) -> Response:
    """A decrypted attachment: images re-encoded to show inline, other files streamed as downloads."""
    case = case_or_404(report_id)
    view = cases.open_case(get_session(), case, auth.keyring())
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


@blueprint.route("/cases/<uuid:report_id>/delete", methods=["GET", "POST"])
@auth.login_required("network_admin", "org_admin")
def delete_case(report_id: uuid.UUID) -> tuple[str, int] | Response:
    """Delete this organisation's case, after a confirmation page."""
    case = case_or_404(report_id)
    form = ConfirmForm()
    if request.method == "GET" or not form.validate():
        return render_template("staff/delete_case.html", case=case, form=form), 200
    session = get_session()
    remove_from_statistics(session, case, auth.keyring())
    reference = case.report.reference
    report_gone = retention.delete_case(session, case)
    auth.record(
        "case_deleted",
        target=str(report_id),
        details={"report_deleted": report_gone, "reference": reference},
    )
    return redirect(url_for("queue.queue"))
