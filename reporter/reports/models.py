"""Reports as stored: everything the reporter wrote is ciphertext; only routing facts are clear."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporter.db import Base

STATUSES: tuple[str, ...] = (
    "new",
    "in_review",
    "documented",
    "referred",
    "closed",
    "spam",
    "withdrawn",
)


class InstanceValue(Base):
    """Instance-wide values that are not secret, such as the receipt salt."""

    __tablename__ = "instance_values"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), index=True
    )
    # Day only: a precise time could be matched against network logs elsewhere.
    received_on: Mapped[dt.date] = mapped_column(index=True)
    language: Mapped[str] = mapped_column(String(8))
    lookup_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # The message-thread key, wrapped under the key the receipt derives.
    thread_key_for_reporter: Mapped[bytes] = mapped_column(LargeBinary)
    attachment_count: Mapped[int] = mapped_column(default=0)
    unread_replies: Mapped[int] = mapped_column(default=0)

    recipients: Mapped[list[ReportRecipient]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Message.id"
    )


class ReportRecipient(Base):
    """The report's content key and thread key, each sealed to one organisation's public key."""

    __tablename__ = "report_recipients"

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )
    key_version: Mapped[int] = mapped_column(default=1)
    sealed_content_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_thread_key: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="recipients")


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
