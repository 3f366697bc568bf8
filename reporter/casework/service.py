"""Case work: referrals and their outcome, links between related reports, and the redacted story
for advocacy with its approval by a second staff member."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import StaffMember
from reporter.casework.models import AdvocacyStory, CaseLink, Referral
from reporter.coding.service import coded_acts
from reporter.crypto import contexts
from reporter.orgs.keyring import Keyring
from reporter.reports.models import Case, Report
from reporter.reports.service import ContentPurged, decrypt_content, open_case_key
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
    story.announce_approval = True
    # No longer approved: advocates' copy goes, and with it the story from every later export.
    story.published = None
    story.published_key_version = None
    story.updated_on = dt.date.today()
    session.flush()
    return story


@dataclass(frozen=True)
class PublishedStory:
    """An approved story as advocates read it: the redacted text and what they filter on."""

    text: str
    country: str
    violations: list[str]
    approved_on: str  # year-month


def approve_story(
    session: Session, case: Case, keyring: Keyring, approver: StaffMember, today: dt.date | None
) -> None:
    """A second staff member, not the author, approves the story for advocacy; it is published
    under the advocacy key, with the country and violation types of the case's coding (or, before
    any coding, of the report)."""
    story = session.get(AdvocacyStory, (case.report_id, case.organisation_id))
    if story is None:
        raise CaseworkError("no_story")
    if story.author_id == approver.id:
        raise CaseworkError("own_story")
    story.approved_by_id = approver.id
    story.announce_approval = False
    _publish(session, case, story, keyring, today or dt.date.today())


def withdraw_story(session: Session, case: Case) -> bool:
    """Withdraw the approval of the case's story: it is a draft again (a second person may approve
    it again), and its published copy goes, and with it the story from every later export.
    Returns False when there was nothing approved to withdraw (the button pressed twice)."""
    story = session.get(AdvocacyStory, (case.report_id, case.organisation_id))
    if story is None or (story.approved_by_id is None and story.published is None):
        return False
    story.approved_by_id = None
    story.announce_approval = True
    story.published = None
    story.published_key_version = None
    session.flush()
    return True


def publish_approved_stories(session: Session, keyring: Keyring) -> int:
    """At a staff login: publish stories approved before they were published under the advocacy
    key (approved on a version without it). Returns how many."""
    waiting = session.scalars(
        select(AdvocacyStory).where(
            AdvocacyStory.organisation_id == keyring.organisation.id,
            AdvocacyStory.approved_by_id.is_not(None),
            AdvocacyStory.published.is_(None),
        )
    ).all()
    for story in waiting:
        case = session.get(Case, (story.report_id, story.organisation_id))
        assert case is not None
        _publish(session, case, story, keyring, story.updated_on)
    return len(waiting)


def _publish(
    session: Session, case: Case, story: AdvocacyStory, keyring: Keyring, approved_on: dt.date
) -> None:
    private_key = keyring.for_case(case)
    text = crypto.decrypt_text(
        open_case_key(case, private_key, "case"), story.body, _aad(case, b"story")
    ).decode("utf-8")
    acts = coded_acts(session, case, private_key)
    if acts:
        country = acts[0].country
        violations = sorted({act.violation_type for act in acts})
    else:
        try:
            content = decrypt_content(case, case.report, private_key)
        except ContentPurged:
            country, violations = "", []
        else:
            country, violations = content.country, sorted(content.violations)
    published = PublishedStory(text, country, violations, f"{approved_on:%Y-%m}")
    version, advocacy_key = keyring.advocacy_key
    story.published = crypto.encrypt_text(
        advocacy_key,
        json.dumps(asdict(published)).encode("utf-8"),
        contexts.published_story(case.report_id, case.organisation_id),
    )
    story.published_key_version = version
    session.flush()


def published_stories(
    session: Session, organisation_id: uuid.UUID, advocacy_keys: dict[int, bytes]
) -> list[PublishedStory]:
    """The organisation's approved stories, opened with its advocacy keys; newest first."""
    stories = session.scalars(
        select(AdvocacyStory).where(
            AdvocacyStory.organisation_id == organisation_id, AdvocacyStory.published.is_not(None)
        )
    )
    opened = []
    for story in stories:
        assert story.published is not None and story.published_key_version is not None
        data = crypto.decrypt_text(
            advocacy_keys[story.published_key_version],
            story.published,
            contexts.published_story(story.report_id, story.organisation_id),
        )
        opened.append(PublishedStory(**json.loads(data)))
    return sorted(opened, key=lambda published: published.approved_on, reverse=True)


def read_story(session: Session, case: Case, private_key: bytes) -> StoryView | None:
    story = session.get(AdvocacyStory, (case.report_id, case.organisation_id))
    if story is None:
        return None
    text = crypto.decrypt_text(
        open_case_key(case, private_key, "case"), story.body, _aad(case, b"story")
    ).decode("utf-8")
    return StoryView(text, story.author_id, story.approved_by_id, story.updated_on)
