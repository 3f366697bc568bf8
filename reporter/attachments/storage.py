"""Encrypted, chunked storage of attachments in the database, inside the caller's transaction."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.attachments.sanitize import CleanFile
from reporter.reports.models import Attachment, AttachmentChunk


class AttachmentRef(TypedDict):
    """How the encrypted report or message refers to a stored file."""

    id: str
    key: str
    name: str
    mime: str
    kind: str
    size: int


def store(
    session: Session,
    report_id: uuid.UUID,
    clean: CleanFile,
    position: int,
    message_id: int | None = None,
) -> AttachmentRef:
    """Encrypt and add an attachment; the caller's transaction makes it all or nothing."""
    attachment_id = uuid.uuid4()
    key = crypto.new_key()
    # Padded: a cleaned file's exact size would match the original it was made from.
    chunks = list(crypto.encrypt_chunks(key, attachment_id.bytes, crypto.pad_file(clean.data)))
    session.add(
        Attachment(
            id=attachment_id, report_id=report_id, message_id=message_id, chunk_count=len(chunks)
        )
    )
    session.flush()
    for index, chunk in enumerate(chunks):
        write_chunk(session, attachment_id, index, chunk)
    return AttachmentRef(
        id=str(attachment_id),
        key=base64.b64encode(key).decode("ascii"),
        name=f"attachment-{position}.{clean.extension}",
        mime=clean.mime,
        kind=clean.kind,
        size=len(clean.data),
    )


def write_chunk(session: Session, attachment_id: uuid.UUID, index: int, data: bytes) -> None:
    session.add(AttachmentChunk(attachment_id=attachment_id, index=index, data=data))
    session.flush()


def read(session: Session, ref: AttachmentRef) -> Iterator[bytes]:
    """Yield the decrypted file chunk by chunk, never holding it whole."""
    attachment_id = uuid.UUID(ref["id"])
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise crypto.DecryptionFailed("attachment is missing")
    chunk_rows = session.scalars(
        select(AttachmentChunk.data)
        .where(AttachmentChunk.attachment_id == attachment_id)
        .order_by(AttachmentChunk.index)
        .execution_options(yield_per=4)
    )
    remaining = ref["size"]
    for piece in crypto.decrypt_chunks(
        base64.b64decode(ref["key"]), attachment_id.bytes, chunk_rows, attachment.chunk_count
    ):
        # The padding after the file's true length is not part of it.
        if remaining > 0:
            yield piece[:remaining]
        remaining -= len(piece)
