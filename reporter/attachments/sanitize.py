"""Rebuild uploads from their content alone before they are encrypted.

Nothing of what a reporter's phone or computer wrote around the content may reach staff: no EXIF,
GPS, XMP, ICC profile, text chunk, document information, JavaScript, link, embedded file, audio
tag or container time. So no file is "cleaned" by deleting what is known to be dangerous; each
accepted kind is rebuilt from scratch:

- images (JPEG, PNG, WebP) are decoded to pixels, turned upright, shrunk to at most
  ``MAX_IMAGE_EDGE`` pixels and encoded again in their own format with nothing but pixels;
- PDFs are drawn page by page as pictures (PDFium, without JavaScript) and a new PDF is made of
  those pictures, as Dangerzone does: no structure, action, annotation or embedded file survives;
- voice recordings (MP3, M4A/AAC, Ogg Vorbis/Opus, AMR) are decoded and encoded again as a mono
  MP3 without any tag (FFmpeg through PyAV, in memory).

The type is read from the bytes, never trusted from the browser; anything else is refused.

Decoders are the most exposed code in the service, so every file is cleaned in a short-lived child
process (this module run as a script) that gets the upload on its standard input and gives the
rebuilt file on its standard output: nothing is ever written to disk (the child may not create
files at all), a decoder that crashes or loops cannot take the web worker and the reporter's form
with it, and the kernel holds the child to ``CHILD_MEMORY_BYTES`` of memory and ``CHILD_SECONDS``
of processor time. Within that, decoding is planned so that accepted files fit: big JPEGs are
decoded at reduced scale, other images are refused when their pixels alone would not fit, PDFs
are drawn one page at a time at a bounded size, and audio is decoded and encoded as a stream.
At most ``MAX_PARALLEL_CLEANERS`` children run at once per web process.
"""

from __future__ import annotations

import io
import math
import os
import struct
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import filetype
from PIL import Image, ImageCms, UnidentifiedImageError

if TYPE_CHECKING:
    import av.container
    import pypdfium2

IMAGE_TYPES = {
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/webp": ("WEBP", "webp"),
}
# Containers read as voice recordings, with the FFmpeg demuxer forced for each. MP4 files without
# the "M4A " brand (what many Android recorders write) are accepted when they hold sound only.
AUDIO_CONTAINERS = {
    "audio/mpeg": "mp3",
    "audio/mp4": "mov",
    "video/mp4": "mov",
    "audio/ogg": "ogg",
    "audio/amr": "amr",
}
PDF_TYPE = "application/pdf"
ACCEPTED_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "pdf", "mp3", "m4a", "ogg", "opus", "amr")

MiB = 1024 * 1024

# --- limits --------------------------------------------------------------------------------------
# A web process runs at most this many cleaning children at once; more uploads wait their turn.
# Two keeps a two-core server responsive while a report with several attachments is cleaned.
MAX_PARALLEL_CLEANERS = 2
# Hard limits the kernel enforces on each child (heap and anonymous memory; processor time).
CHILD_MEMORY_BYTES = 256 * MiB
CHILD_SECONDS = 120
# Images: the longest edge of a cleaned image, and the memory its pixels may take while decoded,
# converted and shrunk (leaving room under CHILD_MEMORY_BYTES for the interpreter and the input).
MAX_IMAGE_EDGE = 4096
IMAGE_PIXEL_BUDGET = 192 * MiB
# PDFs: pages accepted, and the longest edge of each page's picture (about 170 dpi on A4).
MAX_PDF_PAGES = 60
PDF_PAGE_EDGE = 2000
PDF_JPEG_QUALITY = 80
# Audio: the longest recording accepted, and what it becomes.
MAX_AUDIO_SECONDS = 30 * 60
AUDIO_RATE = 44100
AUDIO_BITRATE = 64000
# Decoders accepted inside the audio containers above (FFmpeg decoder names).
AUDIO_DECODERS = frozenset(
    {
        "mp3",
        "mp3float",
        "aac",
        "aac_fixed",
        "alac",
        "vorbis",
        "opus",
        "libopus",
        "flac",
        "amrnb",
        "amrwb",
        "libopencore_amrnb",
    }
)

_slots = threading.BoundedSemaphore(MAX_PARALLEL_CLEANERS)


class AttachmentRejected(Exception):
    """The upload is not a file this service accepts; reason is a stable key for the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


REASONS = frozenset(
    {
        "empty",
        "type",
        "image_too_large",
        "damaged",
        "pdf_encrypted",
        "pdf_too_long",
        "audio_too_long",
    }
)
# What a cleaned file can be: its MIME type, kind and extension (the child's answer is checked).
_RESULTS = {
    "image/jpeg": ("image", "jpg"),
    "image/png": ("image", "png"),
    "image/webp": ("image", "webp"),
    PDF_TYPE: ("pdf", "pdf"),
    "audio/mpeg": ("audio", "mp3"),
}


@dataclass(frozen=True)
class CleanFile:
    kind: str  # image | pdf | audio
    mime: str
    extension: str
    data: bytes


def sanitise(data: bytes) -> CleanFile:
    """Return the file rebuilt from its content, or raise AttachmentRejected."""
    sniff(data)  # refuse empty and unknown files without starting a child
    with _slots:
        return _clean_in_child(data)


def sniff(data: bytes) -> str:
    """The MIME type read from the file's first bytes, if it is one this service accepts."""
    if not data:
        raise AttachmentRejected("empty")
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess else ""
    if mime in IMAGE_TYPES or mime in AUDIO_CONTAINERS or mime == PDF_TYPE:
        return str(mime)
    raise AttachmentRejected("type")


def clean(data: bytes) -> CleanFile:
    """Rebuild the file in this process; the child runs this. Raises only AttachmentRejected."""
    mime = sniff(data)
    try:
        with warnings.catch_warnings():
            # Decoders warn about what is odd in a hostile file; only their answer counts.
            warnings.simplefilter("ignore")
            if mime in IMAGE_TYPES:
                return _clean_image(data, mime)
            if mime == PDF_TYPE:
                return _clean_pdf(data)
            return _clean_audio(data, mime)
    except MemoryError as exc:
        raise AttachmentRejected("image_too_large" if mime in IMAGE_TYPES else "damaged") from exc
    except RecursionError as exc:
        raise AttachmentRejected("damaged") from exc


# --- the child process ---------------------------------------------------------------------------


def _clean_in_child(data: bytes) -> CleanFile:
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell, no input in argv
            [sys.executable, "-I", os.path.abspath(__file__)],
            input=data,
            capture_output=True,
            timeout=CHILD_SECONDS + 10,
            env={},  # the child needs no configuration, and gets no secret
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AttachmentRejected("damaged") from exc
    header, _, body = done.stdout.partition(b"\n")
    fields = header.decode("ascii", "replace").split(" ")
    if done.returncode == 0 and fields[0] == "rejected" and len(fields) == 2:
        raise AttachmentRejected(fields[1] if fields[1] in REASONS else "damaged")
    if (
        done.returncode == 0
        and len(fields) == 4
        and fields[0] == "clean"
        and _RESULTS.get(fields[2]) == (fields[1], fields[3])
        and body
    ):
        return CleanFile(fields[1], fields[2], fields[3], body)
    # Killed for using too much memory or time, or crashed inside a decoder.
    raise AttachmentRejected("damaged")


def _limit_child() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file can be written
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_SECONDS, CHILD_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_DATA, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))


def prepare_process() -> None:
    """Settings for a process that only cleans files (the child): this module's own budget
    replaces Pillow's global decompression-bomb limit, which would refuse the 108-megapixel
    photos some phones take, although they are decoded at reduced scale."""
    Image.MAX_IMAGE_PIXELS = None


def _child_main() -> int:
    _limit_child()
    prepare_process()
    data = sys.stdin.buffer.read()
    try:
        result = clean(data)
    except AttachmentRejected as rejected:
        header = f"rejected {rejected.reason}\n".encode("ascii")
        sys.stdout.buffer.write(header)
        return 0
    header = f"clean {result.kind} {result.mime} {result.extension}\n".encode("ascii")
    sys.stdout.buffer.write(header)
    sys.stdout.buffer.write(result.data)
    sys.stdout.buffer.flush()
    return 0


# --- images --------------------------------------------------------------------------------------

# Bytes per pixel of Pillow's image memory, by mode (RGB takes four, like RGBA).
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
# How many copies of the picture each decoder holds while decoding (measured: libwebp's animation
# decoder keeps two canvases, which Pillow copies to bytes and then into the image).
_DECODE_COPIES = {"JPEG": 1, "PNG": 1, "WEBP": 4}
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.createProfile("sRGB")


def _clean_image(data: bytes, mime: str) -> CleanFile:
    pil_format, extension = IMAGE_TYPES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[pil_format])
            _decode_within_budget(opened, data, pil_format)
            image = _upright_and_small(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AttachmentRejected("image_too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise AttachmentRejected("damaged") from exc
    except (TypeError, IndexError, KeyError, struct.error) as exc:
        raise AttachmentRejected("damaged") from exc
    if pil_format == "JPEG" and image.mode == "RGBA":
        image = _replace(image, image.convert("RGB"))
    # Pillow's encoders take an ICC profile, comment or transparency from ``info`` when no option
    # overrides them: the pixels leave with nothing of the original but their values.
    image.info = {}
    out = io.BytesIO()
    if pil_format == "JPEG":
        image.save(out, "JPEG", quality=88)
    elif pil_format == "WEBP":
        image.save(out, "WEBP", quality=88, method=4)
    else:
        image.save(out, "PNG", compress_level=6)
    image.close()
    return CleanFile("image", mime, extension, out.getvalue())


def _replace(old: Image.Image, new: Image.Image) -> Image.Image:
    """Free the old picture's memory as soon as the new one is made from it."""
    if new is not old:
        old.close()
    return new


def _decode_within_budget(opened: Image.Image, data: bytes, pil_format: str) -> None:
    """Decode the image, at reduced scale when its format allows, or refuse it as too large."""
    width, height = opened.size
    if width < 1 or height < 1:
        raise AttachmentRejected("damaged")
    extra = 0
    scales = [1]
    if pil_format == "JPEG":
        extra = _jpeg_coefficient_bytes(data, width, height)
        scales = [1, 2, 4, 8]
    copies = _DECODE_COPIES[pil_format]
    mode = opened.mode
    for scale in scales:
        w, h = -(-width // scale), -(-height // scale)
        if extra + _peak_bytes(w, h, mode, copies) <= IMAGE_PIXEL_BUDGET:
            break
    else:
        raise AttachmentRejected("image_too_large")
    if scale > 1:
        draft_mode = mode if mode in ("L", "RGB") else None
        opened.draft(draft_mode, (width // scale, height // scale))
        w, h = opened.size
        if extra + _peak_bytes(w, h, opened.mode, copies) > IMAGE_PIXEL_BUDGET:
            raise AttachmentRejected("image_too_large")
    opened.load()


def _peak_bytes(width: int, height: int, mode: str, decode_copies: int) -> int:
    """The most memory the pixels take from decoding to the shrunk, upright picture."""
    pixels = width * height
    decoded = pixels * _BYTES_PER_PIXEL.get(mode, 4)
    peak = decoded * decode_copies
    working = decoded
    if _working_mode(mode) != mode:
        working = pixels * 4
        peak = max(peak, decoded + working)
    longest = max(width, height)
    if longest > MAX_IMAGE_EDGE:
        factor = _reduction(width, height)
        out = -(-width // factor) * -(-height // factor) * 4
        # Pillow reduces pictures with alpha through a premultiplied full-size copy (a palette
        # picture with a transparent colour becomes one).
        copies = 2 if _working_mode(mode) == "RGBA" or mode == "P" else 1
        peak = max(peak, copies * working + out)
        working = out
    # Then its colours made sRGB and turned upright, each a copy of the small picture.
    return max(peak, 2 * working)


def _reduction(width: int, height: int) -> int:
    return max(1, math.ceil(max(width, height) / MAX_IMAGE_EDGE))


def _working_mode(mode: str) -> str:
    if mode in ("L", "RGB", "RGBA"):
        return mode
    if mode in ("1", "I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return "L"
    if mode in ("LA", "La", "PA", "RGBa"):
        return "RGBA"
    return "RGB"  # P, CMYK, YCbCr, LAB, HSV, RGBX


def _upright_and_small(opened: Image.Image) -> Image.Image:
    """The decoded picture in L, RGB or RGBA, at most MAX_IMAGE_EDGE wide and high, upright."""
    orientation = _orientation(opened)
    icc = opened.info.get("icc_profile")
    image = _replace(opened, _normalise_mode(opened))
    if max(image.size) > MAX_IMAGE_EDGE:
        # A box average over whole blocks of pixels: one pass, and the output is all it allocates.
        image = _replace(image, image.reduce(_reduction(*image.size)))
    image = _replace(image, _to_srgb(image, icc))
    if orientation in _TRANSPOSE:
        image = _replace(image, image.transpose(_TRANSPOSE[orientation]))
    return image


def _orientation(opened: Image.Image) -> int:
    try:
        value = opened.getexif().get(0x0112)
    except Exception:  # an unreadable EXIF block only loses the orientation
        return 1
    return value if isinstance(value, int) else 1


def _normalise_mode(opened: Image.Image) -> Image.Image:
    mode = opened.mode
    target = _working_mode(mode)
    if target == mode:
        return opened
    if mode.startswith("I;16"):
        # Sixteen-bit grey: scale to eight bits rather than clip.
        return opened.point(lambda value: value * (1 / 256)).convert("L")
    if mode in ("I", "F"):
        return opened.convert("L")
    if mode == "P":
        return opened.convert("RGBA" if opened.has_transparency_data else "RGB")
    return opened.convert(target)


def _to_srgb(image: Image.Image, icc: object) -> Image.Image:
    """Apply the picture's colour profile so that dropping it keeps the colours as they looked."""
    if not isinstance(icc, bytes) or not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unusable profile is dropped
    return converted if converted is not None else image


def _jpeg_coefficient_bytes(data: bytes, width: int, height: int) -> int:
    """The memory libjpeg needs besides the pixels, from the JPEG's markers: progressive and
    multi-scan files are decoded through a buffer of every coefficient of the whole image,
    whatever the scale they are decoded at."""
    position = 2
    scans = 0
    progressive = False
    sampling: list[tuple[int, int]] = []
    size = len(data)
    try:
        while position + 4 <= size:
            if data[position] != 0xFF:
                raise ValueError("no marker")
            marker = data[position + 1]
            if marker == 0xFF:  # fill byte
                position += 1
                continue
            if marker == 0xD9:  # end of image
                break
            if 0xD0 <= marker <= 0xD7 or marker == 0x01:
                position += 2
                continue
            length = int.from_bytes(data[position + 2 : position + 4], "big")
            if length < 2:
                raise ValueError("bad length")
            segment = data[position + 4 : position + 2 + length]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
                progressive = marker in (0xC2, 0xC6, 0xCA, 0xCE)
                count = segment[5]
                sampling = [
                    (segment[7 + 3 * i] >> 4, segment[7 + 3 * i] & 0x0F) for i in range(count)
                ]
            position += 2 + length
            if marker == 0xDA:
                scans += 1
                if scans > 1:
                    break
                position = _after_entropy_coded_data(data, position)
    except (ValueError, IndexError):
        progressive = True  # cannot tell: assume the worst
    if not (progressive or scans > 1):
        return 0
    if not sampling or any(h < 1 or v < 1 for h, v in sampling):
        sampling = [(1, 1)] * 3
    h_max = max(h for h, _ in sampling)
    v_max = max(v for _, v in sampling)
    blocks = sum(
        math.ceil(width * h / h_max / 8) * math.ceil(height * v / v_max / 8) for h, v in sampling
    )
    return blocks * 64 * 2


def _after_entropy_coded_data(data: bytes, position: int) -> int:
    """The position of the first marker after a scan's data (skipping stuffing and restarts)."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            return len(data)
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position = found + 1
            continue
        return found


# --- PDF -----------------------------------------------------------------------------------------


def _clean_pdf(data: bytes) -> CleanFile:
    import pypdfium2

    try:
        source = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pypdfium2.raw.FPDF_ERR_PASSWORD:
            raise AttachmentRejected("pdf_encrypted") from exc
        raise AttachmentRejected("damaged") from exc
    try:
        # Fields of filled-in forms are drawn too (this PDFium has no JavaScript engine).
        source.init_forms()
        count = len(source)
        if count < 1:
            raise AttachmentRejected("damaged")
        if count > MAX_PDF_PAGES:
            raise AttachmentRejected("pdf_too_long")
        rebuilt = pypdfium2.PdfDocument.new()
        try:
            for index in range(count):
                _copy_page_as_picture(source, index, rebuilt)
            drawn = io.BytesIO()
            rebuilt.save(drawn, version=17)
        finally:
            rebuilt.close()
    except (pypdfium2.PdfiumError, ValueError, OSError) as exc:
        raise AttachmentRejected("damaged") from exc
    finally:
        source.close()
    return CleanFile("pdf", PDF_TYPE, "pdf", _without_document_info(drawn))


def _without_document_info(drawn: io.BytesIO) -> bytes:
    """PDFium's writer dates the new document to the second and gives it an ID: copy the pages
    (our own pictures and content streams) into a file that has neither."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(drawn).pages:
        writer.add_page(page)
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _copy_page_as_picture(
    source: pypdfium2.PdfDocument, index: int, rebuilt: pypdfium2.PdfDocument
) -> None:
    """Draw one page of the source as a JPEG and add it as a page of the same size to rebuilt."""
    import pypdfium2

    page = source[index]
    try:
        width, height = page.get_size()
        if not (math.isfinite(width) and math.isfinite(height)) or min(width, height) <= 0:
            raise AttachmentRejected("damaged")
        scale = PDF_PAGE_EDGE / max(width, height)
        bitmap = page.render(
            scale=scale,
            may_draw_forms=True,
            draw_annots=True,
            fill_color=(255, 255, 255, 255),
            limit_image_cache=True,
        )
    finally:
        page.close()
    try:
        picture = bitmap.to_pil()
        pixel_width, pixel_height = picture.size
        encoded = io.BytesIO()
        picture.convert("RGB").save(encoded, "JPEG", quality=PDF_JPEG_QUALITY)
        picture.close()
    finally:
        bitmap.close()
    # The new page has the size the source page is shown at (its rotation applied).
    page_width, page_height = pixel_width / scale, pixel_height / scale
    image = pypdfium2.PdfImage.new(rebuilt)
    encoded.seek(0)
    image.load_jpeg(encoded, inline=True)
    image.set_matrix(pypdfium2.PdfMatrix().scale(page_width, page_height))
    new_page = rebuilt.new_page(page_width, page_height)
    try:
        new_page.insert_obj(image)
        new_page.gen_content()
    finally:
        new_page.close()


# --- audio ---------------------------------------------------------------------------------------


def _clean_audio(data: bytes, mime: str) -> CleanFile:
    import av

    try:
        with av.open(io.BytesIO(data), "r", format=AUDIO_CONTAINERS[mime]) as source:
            out = io.BytesIO()
            _reencode(source, out)
    except AttachmentRejected:
        raise
    except (av.FFmpegError, ValueError, EOFError, IndexError, KeyError, TypeError) as exc:
        raise AttachmentRejected("damaged") from exc
    encoded = out.getvalue()
    if not encoded:
        raise AttachmentRejected("damaged")
    return CleanFile("audio", "audio/mpeg", "mp3", encoded)


def _reencode(source: av.container.InputContainer, out: io.BytesIO) -> None:
    """Decode the first sound stream and encode it again as mono MP3, with no tag at all."""
    import av

    attached = av.stream.Disposition.attached_pic
    if any(not (stream.disposition & attached) for stream in source.streams.video):
        raise AttachmentRejected("type")  # a film, not a voice recording
    if not source.streams.audio:
        raise AttachmentRejected("damaged")
    stream = source.streams.audio[0]
    if stream.codec_context is None:
        # A truncated header can name a sound stream whose codec FFmpeg never learned.
        raise AttachmentRejected("damaged")
    if stream.codec_context.codec.name not in AUDIO_DECODERS:
        raise AttachmentRejected("type")
    stream.codec_context.thread_count = 1
    with av.open(
        out,
        "w",
        format="mp3",
        # No ID3v2 (it would carry the muxer's name), no ID3v1, no Xing/LAME header.
        options={"id3v2_version": "0", "write_id3v1": "0", "write_xing": "0"},
        container_options={"fflags": "+bitexact"},
    ) as target:
        encoder = target.add_stream(
            "libmp3lame",
            rate=AUDIO_RATE,
            layout="mono",
            # LAME's quality 7 (of 0 best to 9): a third faster than its default, fine for voices.
            options={"flags": "+bitexact", "compression_level": "7"},
        )
        encoder.bit_rate = AUDIO_BITRATE
        encoder.codec_context.thread_count = 1
        resampler = av.AudioResampler(
            format="s16p", layout="mono", rate=AUDIO_RATE, frame_size=1152
        )
        limit = MAX_AUDIO_SECONDS * AUDIO_RATE
        samples = 0
        for frame in _decoded(source, stream):
            for chunk in resampler.resample(frame):
                samples += chunk.samples
                if samples > limit:
                    raise AttachmentRejected("audio_too_long")
                chunk.pts = None
                target.mux(encoder.encode(chunk))
        for chunk in resampler.resample(None):
            samples += chunk.samples
            chunk.pts = None
            target.mux(encoder.encode(chunk))
        if samples > limit:
            raise AttachmentRejected("audio_too_long")
        if samples == 0:
            raise AttachmentRejected("damaged")
        target.mux(encoder.encode(None))


def _decoded(
    source: av.container.InputContainer, stream: av.AudioStream
) -> Iterator[av.AudioFrame]:
    """The stream's sound, skipping packets that do not decode (as players do: junk such as a
    Lyrics3 tag after the last frame is read as a broken frame)."""
    import av

    for packet in source.demux(stream):
        try:
            frames = packet.decode()
        except av.InvalidDataError:
            continue
        yield from frames


if __name__ == "__main__":
    sys.exit(_child_main())
