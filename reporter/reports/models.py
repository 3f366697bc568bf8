"""Reports as stored: everything the reporter wrote is ciphertext; only routing facts are clear."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporter.db import Base

# A case's statuses: the one place they are defined. Staff set any but "withdrawn", which only
# the reporter's own withdrawal sets.
WITHDRAWN = "withdrawn"
STAFF_STATUSES: tuple[str, ...] = ("new", "in_review", "documented", "referred", "closed", "spam")
STATUSES: tuple[str, ...] = (*STAFF_STATUSES, WITHDRAWN)
# Work on the case is over: retention may remove its raw content after the set time.
FINISHED_STATUSES: frozenset[str] = frozenset({"closed", "spam", WITHDRAWN})
# Never counted in the statistics.
NOT_COUNTED_STATUSES: frozenset[str] = frozenset({"spam", WITHDRAWN})


# The keys of a report that each receiving organisation holds, sealed, on its case: the content,
# the message thread, and the case key for what staff write.
KEY_PURPOSES: tuple[str, ...] = ("content", "thread", "case")
_SEALED_COLUMNS = {purpose: f"sealed_{purpose}_key" for purpose in KEY_PURPOSES}


class InstanceValue(Base):
    """Instance-wide values that are not secret, such as the receipt salt."""

    __tablename__ = "instance_values"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


class SentDraft(Base):
    """A mark that the report written under a draft id has been sent: a keyed hash of the id, so
    that its pages, posted again from the browser's history on a shared phone, no longer show the
    story or the receipt. Nothing links it to the report; kept a few weeks (`reporter purge`)."""

    __tablename__ = "sent_drafts"

    tag: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    sent_on: Mapped[dt.date] = mapped_column(index=True)


class Report(Base):
    """What the reporter sent. Each receiving organisation works on it as its own Case."""

    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # Day only: a precise time could be matched against network logs elsewhere.
    received_on: Mapped[dt.date] = mapped_column(index=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    lookup_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    # Emptied by retention once a closed case's raw content may go; the coding stays.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The message-thread key, wrapped under the key the receipt derives.
    thread_key_for_reporter: Mapped[bytes] = mapped_column(LargeBinary)
    attachment_count: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[bool] = mapped_column(default=False)

    cases: Mapped[list[Case]] = relationship(back_populates="report", cascade="all, delete-orphan")
    messages: Mapped[list[Message]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Message.id"
    )


class Case(Base):
    """One receiving organisation's work on a report: its workflow in the clear, and the report's
    keys sealed to the organisation (content, message thread, and the case key for staff writing)."""

    __tablename__ = "cases"
    # Every queue view walks one of these in order and stops after a page: its cost does not
    # grow with the number of reports.
    __table_args__ = (
        Index("ix_cases_org_received", "organisation_id", "received_on"),
        Index("ix_cases_org_status_received", "organisation_id", "status", "received_on"),
        Index("ix_cases_org_rank_received", "organisation_id", "priority_rank", "received_on"),
        # Finding the few cases not yet in the blind index must not scan them all.
        Index("ix_cases_org_indexed", "organisation_id", "indexed"),
        Index("ix_cases_org_stats_dirty", "organisation_id", "stats_dirty"),
        Index("ix_cases_announce_arrival", "announce_arrival"),
        Index("ix_cases_announce_reply", "announce_reply"),
    )

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    # The national organisation (or the network where it receives alone): its status is what the
    # reporter sees.
    is_primary: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    # 0 urgent, 1 high, 2 normal, 3 low: sorts by urgency with an index.
    priority_rank: Mapped[int] = mapped_column(default=2)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), index=True
    )
    unread_replies: Mapped[int] = mapped_column(default=0)
    # Not yet in a notice to staff (reporter.notices): the report's arrival, a reporter's reply.
    # Cleared by the next `reporter notify`, which says only that there is new activity.
    announce_arrival: Mapped[bool] = mapped_column(default=True, server_default=false())
    announce_reply: Mapped[bool] = mapped_column(default=False, server_default=false())
    closed_on: Mapped[dt.date | None] = mapped_column()
    # Copied from the report so the queue filters and sorts on one table.
    received_on: Mapped[dt.date] = mapped_column(index=True)
    language: Mapped[str] = mapped_column(String(8))
    indexed: Mapped[bool] = mapped_column(default=False)
    # Whether the case's coding is in the statistics now; `stats_dirty` asks the next staff login
    # (which holds the keys) to reconcile it, e.g. after the reporter withdrew.
    stats_counted: Mapped[bool] = mapped_column(default=False)
    stats_dirty: Mapped[bool] = mapped_column(default=False)
    # The id of the case's own StatContribution, encrypted under the case key: nothing in the
    # clear links a contribution to its case.
    stats_link: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(default=1)
    sealed_content_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_thread_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_case_key: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="cases")

    def sealed_key(self, purpose: str) -> bytes:
        """The report key sealed to this case's organisation for one of KEY_PURPOSES."""
        return bytes(getattr(self, _SEALED_COLUMNS[purpose]))

    def reseal(self, purpose: str, sealed: bytes) -> None:
        setattr(self, _SEALED_COLUMNS[purpose], sealed)


class IndexToken(Base):
    """Blind index for filtering encrypted fields (country, violation type): keyed hashes made
    with the case key's organisation-wide index key, which only logged-in staff hold."""

    __tablename__ = "index_tokens"
    __table_args__ = (
        Index("ix_index_tokens_org_token_received", "organisation_id", "token", "received_on"),
    )

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    token: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    # Copied from the case so a filtered queue walks this index in date order.
    received_on: Mapped[dt.date] = mapped_column()


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))
    created_on: Mapped[dt.date] = mapped_column()
    body: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="messages")


class Attachment(Base):
    """A stored file; its name, type and key live inside the encrypted report or message."""

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    chunk_count: Mapped[int] = mapped_column()


class AttachmentChunk(Base):
    __tablename__ = "attachment_chunks"

    attachment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
