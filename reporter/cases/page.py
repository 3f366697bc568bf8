"""The case page, rendered with every section's form: the views of each section render it again
with their own form showing its errors."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from reporter.cases import service as cases
from reporter.cases.forms import NoteForm, StaffMessageForm, WorkflowForm
from reporter.casework.forms import LinkForm, StoryForm, referral_form
from reporter.db import get_session
from reporter.forms import choices
from reporter.labels import CASE_STATUS_LABELS as STATUS_LABELS
from reporter.labels import PRIORITY_LABELS
from reporter.reports.models import STAFF_STATUSES, Case
from reporter.staff import auth


def workflow_form(case: Case) -> WorkflowForm:
    form = WorkflowForm(
        status=case.status, priority=case.priority, assignee=str(case.assignee_id or "")
    )
    form.status.choices = choices((key, STATUS_LABELS[key]) for key in STAFF_STATUSES)
    form.priority.choices = choices(PRIORITY_LABELS.items())
    people = cases.colleagues(get_session(), auth.current_staff().member.organisation)
    form.assignee.choices = choices(
        [("", _l("Nobody")), *((str(m.id), m.username) for m in people)]
    )
    return form


def case_page_with(case: Case, status_code: int = 200, **forms: object) -> tuple[str, int]:
    view = cases.open_case(get_session(), case, auth.keyring())
    return render_template(
        "staff/case.html",
        view=view,
        workflow_form=forms.get("workflow_form") or workflow_form(case),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        message_form=forms.get("message_form") or StaffMessageForm(formdata=None),
        notice=forms.get("notice", ""),
        referral_form=forms.get("referral_form") or referral_form(),
        link_form=forms.get("link_form") or LinkForm(formdata=None),
        story_form=forms.get("story_form")
        or StoryForm(formdata=None, text=view.story.text if view.story else ""),
        staff_names={
            str(m.id): m.username
            for m in cases.colleagues(get_session(), auth.current_staff().member.organisation)
        },
    ), status_code
