"""Strip identifying metadata from uploads before they are encrypted.

Images are re-encoded from their pixels alone (no EXIF, XMP, GPS, ICC or text chunks); PDFs are
rebuilt page by page without document information or XMP; audio files lose their tags. The file's
type is read from its bytes, never trusted from the browser, and its name is replaced.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import filetype
import mutagen
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import NameObject

# Large enough for any phone camera; larger images are refused rather than decoded.
MAX_IMAGE_PIXELS = 50_000_000

IMAGE_TYPES = {
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/webp": ("WEBP", "webp"),
}
AUDIO_TYPES = {"audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/ogg": "ogg", "audio/amr": "amr"}
PDF_TYPE = "application/pdf"
ACCEPTED_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "pdf", "mp3", "m4a", "ogg", "opus", "amr")

# Keys in a PDF page that can carry authoring metadata.
_PDF_PAGE_METADATA = ("/Metadata", "/PieceInfo", "/LastModified")


class AttachmentRejected(Exception):
    """The upload is not a file this service accepts; reason is a stable key for the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanFile:
    kind: str  # image | pdf | audio
    mime: str
    extension: str
    data: bytes


def sanitise(data: bytes) -> CleanFile:
    """Return the file without its metadata, or raise AttachmentRejected."""
    if not data:
        raise AttachmentRejected("empty")
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess else ""
    if mime in IMAGE_TYPES:
        return _clean_image(data, mime)
    if mime == PDF_TYPE:
        return _clean_pdf(data)
    if mime in AUDIO_TYPES:
        return _clean_audio(data, mime)
    raise AttachmentRejected("type")


def _clean_image(data: bytes, mime: str) -> CleanFile:
    pil_format, extension = IMAGE_TYPES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_IMAGE_PIXELS:
                    raise AttachmentRejected("image_too_large")
                upright = ImageOps.exif_transpose(opened)
                if upright.mode not in ("RGB", "RGBA", "L"):
                    upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
                if pil_format == "JPEG" and upright.mode == "RGBA":
                    upright = upright.convert("RGB")
                # A new image from the pixels alone: nothing of the original's info survives.
                pixels_only = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AttachmentRejected("image_too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise AttachmentRejected("damaged") from exc
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 88} if pil_format in ("JPEG", "WEBP") else {}
    pixels_only.save(out, pil_format, **options)
    return CleanFile("image", mime, extension, out.getvalue())


def _clean_pdf(data: bytes) -> CleanFile:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise AttachmentRejected("pdf_encrypted")
        writer = PdfWriter()
        for page in reader.pages:
            added = writer.add_page(page)
            for key in _PDF_PAGE_METADATA:
                added.pop(NameObject(key), None)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except AttachmentRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise AttachmentRejected("damaged") from exc
    return CleanFile("pdf", PDF_TYPE, "pdf", out.getvalue())


def _clean_audio(data: bytes, mime: str) -> CleanFile:
    extension = AUDIO_TYPES[mime]
    if mime == "audio/amr":
        # AMR is a bare header and frames: it has no place for tags.
        return CleanFile("audio", mime, extension, data)
    buffer = io.BytesIO(data)
    try:
        audio = mutagen.File(buffer)
        if audio is None:
            raise AttachmentRejected("damaged")
        buffer.seek(0)
        audio.delete(buffer)
    except AttachmentRejected:
        raise
    except (mutagen.MutagenError, ValueError, EOFError, KeyError, IndexError) as exc:
        raise AttachmentRejected("damaged") from exc
    return CleanFile("audio", mime, extension, buffer.getvalue())
