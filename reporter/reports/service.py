"""Public intake: seal a report to its recipient organisations and store it all or nothing."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter import vocabulary as v
from reporter.attachments import storage
from reporter.attachments.sanitize import CleanFile
from reporter.attachments.storage import AttachmentRef
from reporter.crypto import contexts
from reporter.db import take_write_lock
from reporter.orgs.models import Organisation
from reporter.orgs.service import recipients_for
from reporter.reports.models import Case, InstanceValue, Report, SentDraft
from reporter.settings import Settings

RECEIPT_SALT = "receipt_salt"
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class SubmissionFailed(Exception):
    """The report could not be stored; nothing of it was kept."""


@dataclass(frozen=True)
class ReceiptSecrets:
    """What a receipt derivation needs besides the receipt: the server pepper and the cost."""

    pepper: bytes
    cost: crypto.Cost

    @classmethod
    def from_settings(cls, settings: Settings) -> ReceiptSecrets:
        return cls(settings.receipt_pepper.encode("utf-8"), settings.receipt_cost)


@dataclass
class ReportContent:
    """Everything the reporter wrote or chose. Stored only encrypted."""

    violations: list[str]
    violation_other: str
    incident_year: int | None
    incident_month: int | None
    incident_day: int | None
    date_precision: str
    country: str
    region: str
    city: str
    location_type: str
    perpetrators: list[str]
    relation: str
    populations: list[str]
    narrative: str
    sought_protection: str
    reasons_not: list[str]
    share_with_network: bool
    count_in_statistics: bool
    allow_replies: bool
    contact: str
    language: str
    attachments: list[AttachmentRef] = field(default_factory=list)
    # The kinds of violation chosen (police, health care…), also those with no detail chosen.
    violation_groups: list[str] = field(default_factory=list)

    def kinds_without_detail(self) -> list[str]:
        """Kinds the reporter chose without saying which thing of that kind happened."""
        detailed = {
            group.key
            for group in v.VIOLATION_GROUPS
            if set(self.violations) & {term.key for term in group.terms}
        }
        return [key for key in self.violation_groups if key not in detailed]


@dataclass(frozen=True)
class SubmittedReport:
    report: Report
    receipt: str
    # The same report sent again under its receipt (Back, a retry on a slow circuit): kept once.
    resent: bool = False


def receipt_salt(session: Session) -> bytes:
    """The instance-wide receipt salt, created on first use."""
    row = session.get(InstanceValue, RECEIPT_SALT)
    if row is None:
        row = InstanceValue(name=RECEIPT_SALT, value=crypto.new_salt())
        session.add(row)
        session.flush()
    return row.value


def content_associated_data(report_id: uuid.UUID) -> bytes:
    return contexts.report_content(report_id)


def thread_key_associated_data(report_id: uuid.UUID) -> bytes:
    return contexts.thread_key(report_id)


def sealed_key_associated_data(
    report_id: uuid.UUID, organisation_id: uuid.UUID, purpose: str
) -> bytes:
    return contexts.sealed_key(report_id, organisation_id, purpose)


def _new_reference(session: Session) -> str:
    while True:
        reference = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        reference = f"{reference[:4]}-{reference[4:]}"
        if session.scalar(select(Report.id).where(Report.reference == reference)) is None:
            return reference


def receipt_keys(session: Session, receipt: str, secrets_: ReceiptSecrets) -> crypto.ReceiptKeys:
    """The keys a receipt derives (the Argon2id cost of a submission)."""
    return crypto.derive_receipt_keys(
        receipt, receipt_salt(session), secrets_.pepper, secrets_.cost
    )


# How long a sent draft's pages stay refused: a browser tab's history rarely lives longer.
SENT_DRAFT_KEEP_DAYS = 30


def draft_was_sent(session: Session, tag: bytes) -> bool:
    return session.get(SentDraft, tag) is not None


def mark_draft_sent(session: Session, tag: bytes, today: dt.date | None = None) -> None:
    if session.get(SentDraft, tag) is None:
        session.add(SentDraft(tag=tag, sent_on=today or dt.date.today()))
        session.flush()


def report_with_lookup(session: Session, keys: crypto.ReceiptKeys) -> Report | None:
    return session.scalar(select(Report).where(Report.lookup_id == keys.lookup_id))


def _new_receipt(session: Session, secrets_: ReceiptSecrets) -> tuple[str, crypto.ReceiptKeys]:
    salt = receipt_salt(session)
    while True:
        receipt = crypto.new_receipt()
        keys = crypto.derive_receipt_keys(receipt, salt, secrets_.pepper, secrets_.cost)
        if session.scalar(select(Report.id).where(Report.lookup_id == keys.lookup_id)) is None:
            return receipt, keys


def submit_report(
    session: Session,
    content: ReportContent,
    files: list[CleanFile],
    receipt_secrets: ReceiptSecrets,
    today: dt.date | None = None,
    issued: tuple[str, crypto.ReceiptKeys] | None = None,
) -> SubmittedReport:
    """Encrypt and store a report with its attachments in one savepoint, and return its receipt.

    `issued` is the receipt shown before sending, with its keys: a report already stored under
    it is the same report sent again, and is not stored twice.
    """
    recipients = recipients_for(session, content.country, content.share_with_network)
    if issued is None:
        receipt, keys = _new_receipt(session, receipt_secrets)
    else:
        receipt, keys = issued
        existing = report_with_lookup(session, keys)
        if existing is not None:
            return SubmittedReport(report=existing, receipt=receipt, resent=True)
    report_id = uuid.uuid4()
    content_key = crypto.new_key()
    thread_key = crypto.new_key()

    take_write_lock(session)
    savepoint = session.begin_nested()
    try:
        received_on = today or dt.date.today()
        report = Report(
            id=report_id,
            reference=_new_reference(session),
            received_on=received_on,
            language=content.language,
            lookup_id=keys.lookup_id,
            content=b"",
            thread_key_for_reporter=crypto.encrypt(
                keys.reporter_key, thread_key, thread_key_associated_data(report_id)
            ),
            attachment_count=len(files),
        )
        session.add(report)
        session.flush()
        content.attachments = [
            storage.store(session, report_id, clean, position)
            for position, clean in enumerate(files, start=1)
        ]
        report.content = crypto.encrypt_text(
            content_key, _to_json(asdict(content)), content_associated_data(report_id)
        )
        for position, organisation in enumerate(recipients):
            case = _new_case(report, organisation, content_key, thread_key)
            case.is_primary = position == 0
            session.add(case)
        session.flush()
    except Exception as exc:
        savepoint.rollback()
        # Two copies of one report raced (a double tap on a slow circuit): the other one won.
        existing = report_with_lookup(session, keys) if issued is not None else None
        if existing is not None:
            return SubmittedReport(report=existing, receipt=receipt, resent=True)
        raise SubmissionFailed("the report could not be stored") from exc
    savepoint.commit()
    return SubmittedReport(report=report, receipt=receipt)


def _new_case(
    report: Report, organisation: Organisation, content_key: bytes, thread_key: bytes
) -> Case:
    """The organisation's case on a new report, with the report's keys sealed to it."""
    public_key, version = organisation.intake_key

    def sealed(key: bytes, purpose: str) -> bytes:
        return crypto.seal(
            public_key, key, sealed_key_associated_data(report.id, organisation.id, purpose)
        )

    return Case(
        report_id=report.id,
        organisation_id=organisation.id,
        received_on=report.received_on,
        language=report.language,
        key_version=version,
        sealed_content_key=sealed(content_key, "content"),
        sealed_thread_key=sealed(thread_key, "thread"),
        sealed_case_key=sealed(crypto.new_key(), "case"),
    )


def _to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class NotARecipient(Exception):
    """The organisation was not sent this report."""


class ContentPurged(Exception):
    """Retention removed the raw content of this report; its coding remains."""


def references_of(session: Session, report_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The short reference staff know each report by (for pages that hold only ids)."""
    if not report_ids:
        return {}
    rows = session.execute(select(Report.id, Report.reference).where(Report.id.in_(report_ids)))
    return {row.id: row.reference for row in rows}


def case_of(session: Session, report: Report, organisation: Organisation) -> Case:
    case = session.get(Case, (report.id, organisation.id))
    if case is None:
        raise NotARecipient(str(organisation.id))
    return case


def open_case_key(case: Case, private_key: bytes, purpose: str) -> bytes:
    """One of the report keys sealed to the case's organisation: content, thread or case."""
    return crypto.unseal(
        private_key,
        case.sealed_key(purpose),
        sealed_key_associated_data(case.report_id, case.organisation_id, purpose),
    )


def open_report(
    session: Session, report: Report, organisation: Organisation, private_key: bytes
) -> ReportContent:
    """Decrypt a report for staff of a recipient organisation holding its private key."""
    return decrypt_content(case_of(session, report, organisation), report, private_key)


def decrypt_content(case: Case, report: Report, private_key: bytes) -> ReportContent:
    """Decrypt a report through a case already loaded (the queue decrypts a page of them)."""
    if report.content is None:
        raise ContentPurged(str(report.id))
    content_key = open_case_key(case, private_key, "content")
    data = json.loads(
        crypto.decrypt_text(content_key, report.content, content_associated_data(report.id))
    )
    return ReportContent(**data)


def open_thread_key(
    session: Session, report: Report, organisation: Organisation, private_key: bytes
) -> bytes:
    """The message-thread key of a report, for staff of a recipient organisation."""
    return open_case_key(case_of(session, report, organisation), private_key, "thread")


def attachment_key(ref: AttachmentRef) -> bytes:
    return base64.b64decode(ref["key"])
