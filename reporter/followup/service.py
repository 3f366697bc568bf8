"""Follow-up with a receipt: status and message thread, replies, withdrawal; staff messages."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.attachments import storage
from reporter.attachments.sanitize import CleanFile
from reporter.attachments.storage import AttachmentRef
from reporter.crypto import contexts
from reporter.db import take_write_lock
from reporter.orgs.models import Organisation
from reporter.reports.models import Message, Report
from reporter.reports.service import (
    ReceiptSecrets,
    open_report,
    open_thread_key,
    receipt_salt,
    thread_key_associated_data,
)
from reporter.search.models import forget as forget_search_texts

REPORTER = "reporter"
STAFF = "staff"

# What the reporter sees of each internal status; spam is shown as closed so spammers learn nothing.
REPORTER_STATUS = {
    "new": "received",
    "in_review": "in_review",
    "documented": "in_progress",
    "referred": "in_progress",
    "closed": "closed",
    "spam": "closed",
    "withdrawn": "withdrawn",
}


class ReceiptNotFound(Exception):
    """No report has this receipt (or the receipt was typed wrongly)."""


class ThreadClosed(Exception):
    """The report was withdrawn: nothing more can be added."""


class RepliesNotAllowed(Exception):
    """The reporter did not allow staff to write back."""


@dataclass(frozen=True)
class ThreadMessage:
    author: str
    day: dt.date
    text: str
    attachments: list[AttachmentRef] = field(default_factory=list)


@dataclass(frozen=True)
class Thread:
    report: Report
    thread_key: bytes
    messages: list[ThreadMessage]

    @property
    def reporter_status(self) -> str:
        if self.report.withdrawn:
            return "withdrawn"
        primary = next((case for case in self.report.cases if case.is_primary), None)
        return REPORTER_STATUS.get(primary.status if primary else "new", "received")

    @property
    def is_open(self) -> bool:
        return not self.report.withdrawn


def message_associated_data(report: Report, author: str) -> bytes:
    return contexts.message(report.id, author)


def decrypt_messages(report: Report, thread_key: bytes) -> list[ThreadMessage]:
    """The report's message thread, decrypted with its thread key."""
    messages = []
    for message in report.messages:
        body = json.loads(
            crypto.decrypt_text(
                thread_key, message.body, message_associated_data(report, message.author)
            )
        )
        messages.append(
            ThreadMessage(
                message.author, message.created_on, body["text"], body.get("attachments", [])
            )
        )
    return messages


def open_thread(session: Session, receipt: str, receipt_secrets: ReceiptSecrets) -> Thread:
    """The report's thread for the holder of its receipt. The report itself stays sealed."""
    keys = crypto.derive_receipt_keys(
        receipt, receipt_salt(session), receipt_secrets.pepper, receipt_secrets.cost
    )
    report = session.scalar(select(Report).where(Report.lookup_id == keys.lookup_id))
    if report is None:
        raise ReceiptNotFound
    thread_key = crypto.decrypt(
        keys.reporter_key, report.thread_key_for_reporter, thread_key_associated_data(report.id)
    )
    return Thread(report, thread_key, decrypt_messages(report, thread_key))


def reload_thread(thread: Thread) -> Thread:
    """The same thread with the messages added since it was opened."""
    return Thread(
        thread.report, thread.thread_key, decrypt_messages(thread.report, thread.thread_key)
    )


def _add_message(
    session: Session,
    report: Report,
    thread_key: bytes,
    author: str,
    text: str,
    files: list[CleanFile],
    today: dt.date | None,
) -> Message:
    take_write_lock(session)
    savepoint = session.begin_nested()
    try:
        message = Message(
            report_id=report.id, author=author, created_on=today or dt.date.today(), body=b""
        )
        session.add(message)
        session.flush()
        start = report.attachment_count + 1
        refs = [
            storage.store(session, report.id, clean, position, message_id=message.id)
            for position, clean in enumerate(files, start=start)
        ]
        body = json.dumps({"text": text, "attachments": refs}, ensure_ascii=False).encode("utf-8")
        message.body = crypto.encrypt_text(
            thread_key, body, message_associated_data(report, author)
        )
        report.attachment_count += len(files)
        session.flush()
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    session.refresh(report, ["messages"])
    return message


def add_reporter_message(
    session: Session,
    thread: Thread,
    text: str,
    files: list[CleanFile],
    today: dt.date | None = None,
) -> Message:
    """The reporter answers or adds information, with optional attachments."""
    if not thread.is_open:
        raise ThreadClosed
    message = _add_message(session, thread.report, thread.thread_key, REPORTER, text, files, today)
    for case in thread.report.cases:
        case.unread_replies += 1
        # Told to the assignee in the next digest (reporter.notices), never at this moment.
        case.announce_reply = True
    forget_search_texts(session, thread.report.id)
    session.flush()
    return message


def withdraw_report(session: Session, thread: Thread) -> None:
    """The reporter withdraws the report; every receiving organisation sees it as withdrawn."""
    thread.report.withdrawn = True
    for case in thread.report.cases:
        case.status = "withdrawn"
        case.closed_on = dt.date.today()
        # Its counts leave the statistics on the next staff visit (only staff hold the keys).
        case.stats_dirty = True
    session.flush()


def add_staff_message(
    session: Session,
    report: Report,
    organisation: Organisation,
    private_key: bytes,
    text: str,
    today: dt.date | None = None,
) -> Message:
    """Staff of a recipient organisation write into the receipt thread, if the reporter allowed it."""
    if not open_report(session, report, organisation, private_key).allow_replies:
        raise RepliesNotAllowed
    if report.withdrawn:
        raise ThreadClosed
    thread_key = open_thread_key(session, report, organisation, private_key)
    message = _add_message(session, report, thread_key, STAFF, text, [], today)
    # The thread is every receiving organisation's: their search texts hold it too. The writer's
    # own is written again by the view, which holds its keys; the others', at their next login.
    forget_search_texts(session, report.id)
    return message
