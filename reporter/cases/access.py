"""The case a staff request names, if it was routed to the staff member's organisation."""

from __future__ import annotations

import uuid

from flask import abort

from reporter.cases.service import CaseNotFound, find_case
from reporter.db import get_session
from reporter.reports.models import Case
from reporter.staff import auth


def case_or_404(report_id: uuid.UUID) -> Case:
    try:
        return find_case(get_session(), report_id, auth.current_staff().member.organisation)
    except CaseNotFound:
        abort(404)
