"""Case work: referrals and their outcome, links between related reports, and the redacted story
for advocacy with its approval by a second staff member."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import StaffMember
from reporter.casework.models import AdvocacyStory, CaseLink, Referral
from reporter.crypto import contexts
from reporter.reports.models import Case, Report
from reporter.reports.service import open_case_key
from reporter.vocabulary import INTERVENTION_STATUSES, INTERVENTION_TYPES, OUTCOMES, keys


class CaseworkError(Exception):
    """A referral, link or approval that is not allowed; reason is a stable key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ReferralData:
    intervention_type: str
    status: str
    date: str  # ISO day, or ""
    outcome: str
    note: str

    def check(self) -> None:
        if (
            self.intervention_type not in keys(INTERVENTION_TYPES)
            or self.status not in keys(INTERVENTION_STATUSES)
            or self.outcome not in ("", *keys(OUTCOMES))
        ):
            raise CaseworkError("vocabulary")


@dataclass(frozen=True)
class StoredReferral:
    id: int
    data: ReferralData


def _aad(case: Case, kind: bytes) -> bytes:
    return contexts.casework(kind, case.report_id, case.organisation_id)


def save_referral(
    session: Session,
    case: Case,
    private_key: bytes,
    data: ReferralData,
    referral_id: int | None = None,
) -> Referral:
    data.check()
    body = crypto.encrypt_text(
        open_case_key(case, private_key, "case"),
        json.dumps(asdict(data)).encode(),
        _aad(case, b"referral"),
    )
    if referral_id is None:
        row = Referral(report_id=case.report_id, organisation_id=case.organisation_id, data=body)
        session.add(row)
    else:
        found = session.get(Referral, referral_id)
        if (
            found is None
            or found.report_id != case.report_id
            or found.organisation_id != case.organisation_id
        ):
            raise CaseworkError("not_found")
        found.data = body
        row = found
    session.flush()
    return row


def list_referrals(session: Session, case: Case, private_key: bytes) -> list[StoredReferral]:
    case_key = open_case_key(case, private_key, "case")
    rows = session.scalars(
        select(Referral)
        .where(
            Referral.report_id == case.report_id, Referral.organisation_id == case.organisation_id
        )
        .order_by(Referral.id)
    )
    return [
        StoredReferral(
            row.id,
            ReferralData(
                **json.loads(crypto.decrypt_text(case_key, row.data, _aad(case, b"referral")))
            ),
        )
        for row in rows
    ]


def link_report(session: Session, case: Case, reference: str) -> Report:
    """Link another report of the same organisation, named by its reference."""
    other = session.scalar(select(Report).where(Report.reference == reference.strip().upper()))
    if (
        other is None
        or other.id == case.report_id
        or session.get(Case, (other.id, case.organisation_id)) is None
    ):
        raise CaseworkError("no_such_report")
    for first, second in ((case.report_id, other.id), (other.id, case.report_id)):
        if session.get(CaseLink, (first, case.organisation_id, second)) is None:
            session.add(
                CaseLink(
                    report_id=first, organisation_id=case.organisation_id, linked_report_id=second
                )
            )
    session.flush()
    return other


def linked_reports(session: Session, case: Case) -> list[Report]:
    return list(
        session.scalars(
            select(Report)
            .join(CaseLink, CaseLink.linked_report_id == Report.id)
            .where(
                CaseLink.report_id == case.report_id,
                CaseLink.organisation_id == case.organisation_id,
            )
            .order_by(Report.reference)
        )
    )


@dataclass(frozen=True)
class StoryView:
    text: str
    author_id: object
    approved_by_id: object
    updated_on: dt.date

    @property
    def approved(self) -> bool:
        return self.approved_by_id is not None


def save_story(
    session: Session, case: Case, private_key: bytes, author: StaffMember, text: str
) -> AdvocacyStory:
    """Write or rewrite the redacted story; any change needs a new approval."""
    body = crypto.encrypt_text(
        open_case_key(case, private_key, "case"), text.encode("utf-8"), _aad(case, b"story")
    )
    story = session.get(AdvocacyStory, (case.report_id, case.organisation_id))
    if story is None:
        story = AdvocacyStory(
            report_id=case.report_id, organisation_id=case.organisation_id, body=body
        )
        session.add(story)
    story.body = body
    story.author_id = author.id
    story.approved_by_id = None
    story.updated_on = dt.date.today()
    session.flush()
    return story


def approve_story(session: Session, case: Case, approver: StaffMember) -> None:
    """A second staff member, not the author, approves the story for advocacy."""
    story = session.get(AdvocacyStory, (case.report_id, case.organisation_id))
    if story is None:
        raise CaseworkError("no_story")
    if story.author_id == approver.id:
        raise CaseworkError("own_story")
    story.approved_by_id = approver.id
    session.flush()


def read_story(session: Session, case: Case, private_key: bytes) -> StoryView | None:
    story = session.get(AdvocacyStory, (case.report_id, case.organisation_id))
    if story is None:
        return None
    text = crypto.decrypt_text(
        open_case_key(case, private_key, "case"), story.body, _aad(case, b"story")
    ).decode("utf-8")
    return StoryView(text, story.author_id, story.approved_by_id, story.updated_on)
