"""Attachments are rebuilt from their content: no metadata slot of any accepted format reaches
staff, decoding stays within its memory budget, and no input makes the cleaner fail otherwise
than with AttachmentRejected."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import mutagen
import pypdfium2
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.apev2 import APENoHeaderError, APEv2
from mutagen.mp3 import MP3
from PIL import Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.attachments import sanitize, storage
from reporter.attachments.sanitize import AttachmentRejected, clean, sanitise
from reporter.forms import REJECTION_MESSAGES
from reporter.reports.models import Report
from reporter.reports.service import open_report
from tests import media
from tests.conftest import Network, submit

MiB = 1024 * 1024
MEMORY_LIMIT = 256 * MiB

# What a PDF may not contain once rebuilt: every way for a PDF to act, link, carry a file or
# describe itself.
PDF_FORBIDDEN = (
    b"/JS",
    b"/JavaScript",
    b"/AA",
    b"/OpenAction",
    b"/URI",
    b"/Launch",
    b"/SubmitForm",
    b"/EmbeddedFiles",
    b"/Metadata",
    b"/Annots",
    b"/Names",
    b"/AcroForm",
    b"/Info",
    b"/Producer",
    b"/CreationDate",
    b"/ID",
)


def _stored_file(db: Session, network: Network) -> tuple[dict[str, object], bytes]:
    report = db.scalars(select(Report)).one()
    content = open_report(db, report, network.brazil, network.key(network.brazil))
    [ref] = content.attachments
    return dict(ref), b"".join(storage.read(db, ref))


def _submit_one(client: FlaskClient, data: bytes, name: str) -> None:
    response = submit(client, files=[(io.BytesIO(data), name)])
    assert response.status_code == 200
    assert "receipt" in response.get_data(as_text=True)


# --- every metadata slot, through the real form --------------------------------------------------

IMAGES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "jpeg": (media.hostile_jpeg, "photo.jpg", "JPEG"),
    "png": (media.hostile_png, "screen.png", "PNG"),
    "webp": (media.hostile_webp, "photo.webp", "WEBP"),
}


@pytest.mark.parametrize("kind", sorted(IMAGES))
def test_no_image_metadata_reaches_staff(
    kind: str, client: FlaskClient, network: Network, db: Session
) -> None:
    make, name, pil_format = IMAGES[kind]
    original = make()
    planted = media.canaries_in(original)
    assert {"exif_model", "exif_description", "xmp"} <= set(planted)  # the test file is hostile
    assert Image.open(io.BytesIO(original)).info.get("icc_profile")

    _submit_one(client, original, name)
    ref, data = _stored_file(db, network)

    assert media.canaries_in(data) == []
    assert media.CANARY_GPS_BYTES not in data
    assert b"Exif" not in data and b"http://ns.adobe.com" not in data
    stored = Image.open(io.BytesIO(data))
    assert stored.format == pil_format and ref["mime"] == original_mime(pil_format)
    assert stored.size == Image.open(io.BytesIO(original)).size
    assert not set(stored.info) & {"exif", "icc_profile", "xmp", "comment", "dpi"}
    assert len(stored.getexif()) == 0
    if pil_format == "PNG":
        assert not {"Author", "Comment", "Description", "XML:com.adobe.xmp"} & set(stored.info)
        assert b"tEXt" not in data and b"zTXt" not in data and b"iTXt" not in data
        assert b"iCCP" not in data and b"eXIf" not in data
    # The pixels survive: red top-left, blue bottom-right.
    rgb = stored.convert("RGB")
    red = rgb.getpixel((2, 2))
    blue = rgb.getpixel((stored.width - 3, stored.height - 3))
    assert isinstance(red, tuple) and isinstance(blue, tuple)
    assert red[0] > 180 and red[2] < 90
    assert blue[2] > 150 and blue[0] < 90


def original_mime(pil_format: str) -> str:
    return {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[pil_format]


def test_no_pdf_metadata_action_or_embedded_file_reaches_staff(
    client: FlaskClient, network: Network, db: Session
) -> None:
    original = media.hostile_pdf()
    planted = set(media.canaries_in(original))
    assert {
        "exif_model",
        "pdf_info",
        "xmp",
        "pdf_js_page",
        "pdf_js_open",
        "pdf_js_names",
        "pdf_uri",
        "pdf_annotation_author",
        "pdf_annotation_date",
        "pdf_embedded_file",
    } <= planted
    for token in (b"/AA", b"/OpenAction", b"/URI", b"/EmbeddedFiles", b"/Metadata"):
        assert token in original

    _submit_one(client, original, "statement.pdf")
    ref, data = _stored_file(db, network)

    assert ref["mime"] == "application/pdf" and ref["name"] == "attachment-1.pdf"
    assert media.canaries_in(data) == []
    assert media.CANARY_GPS_BYTES not in data
    for token in PDF_FORBIDDEN:
        assert token not in data, token
    assert b"Exif" not in data and b"PDFium" not in data and b"pypdf" not in data
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == media.PDF_PAGES
    assert not reader.metadata and reader.xmp_metadata is None
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (300, 400)
        for image in page.images:  # the page's picture is our JPEG, without EXIF
            assert b"Exif" not in image.data
    # The content survives: the photo (red) and the text (dark) are on the page.
    rendered = pypdfium2.PdfDocument(data)[1].render(scale=1).to_pil().convert("RGB")
    photo = rendered.getpixel((100, 400 - 295))
    assert isinstance(photo, tuple) and photo[0] > 160 and photo[1] < 80
    text_box = rendered.crop((40, 400 - 180, 200, 400 - 140))
    assert text_box.convert("L").getextrema()[0] < 80


AUDIO: dict[str, tuple[Callable[[], bytes], str, set[str]]] = {
    "mp3": (media.hostile_mp3, "voice.mp3", {"id3v2", "id3v1", "apev2", "lyrics3"}),
    "m4a": (media.hostile_m4a, "voice.m4a", {"mp4_title", "mp4_location", "mp4_comment"}),
    "opus": (lambda: media.hostile_ogg("libopus"), "voice.opus", {"vorbis_comment"}),
    "vorbis": (lambda: media.hostile_ogg("vorbis"), "voice.ogg", {"vorbis_location"}),
    "amr": (media.amr, "voice.amr", set()),
}


@pytest.mark.parametrize("kind", sorted(AUDIO))
def test_no_audio_tag_or_container_time_reaches_staff(
    kind: str, client: FlaskClient, network: Network, db: Session
) -> None:
    make, name, expected = AUDIO[kind]
    original = make()
    assert expected <= set(media.canaries_in(original))
    if kind == "m4a":
        assert media.CANARY_MP4_TIME in original  # the container's creation time

    _submit_one(client, original, name)
    ref, data = _stored_file(db, network)

    assert ref["mime"] == "audio/mpeg" and ref["name"] == "attachment-1.mp3"
    assert media.canaries_in(data) == []
    assert media.CANARY_MP4_TIME not in data
    assert data.startswith(b"\xff\xfb")  # a bare MPEG audio frame: no ID3v2 before it
    assert data[-128:-125] != b"TAG"  # no ID3v1
    for marker in (b"ID3", b"APETAGEX", b"LYRICSBEGIN", b"Xing", b"Info", b"Lavf", b"Lavc"):
        assert marker not in data, marker
    with pytest.raises(APENoHeaderError):
        APEv2(io.BytesIO(data))
    audio = mutagen.File(io.BytesIO(data))
    assert isinstance(audio, MP3) and audio.tags is None
    assert audio.info.channels == 1
    assert abs(audio.info.length - 3.0) < 0.15


def test_a_film_in_an_mp4_is_refused_but_a_sound_only_mp4_is_accepted() -> None:
    sound_only = media.tone(2.0, "aac", "mp4")  # brand "isom", as many Android recorders write
    assert sanitise(sound_only).mime == "audio/mpeg"
    with pytest.raises(AttachmentRejected) as rejected:
        sanitise(media.film())
    assert rejected.value.reason == "type"


# --- refusals ------------------------------------------------------------------------------------


def _pdf(pages: int, user_password: str = "", owner_password: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if user_password or owner_password:
        writer.encrypt(user_password, owner_password or user_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdfs_that_need_a_password_or_are_too_long_are_refused() -> None:
    with pytest.raises(AttachmentRejected) as locked:
        sanitise(_pdf(1, user_password="secret"))
    assert locked.value.reason == "pdf_encrypted"
    with pytest.raises(AttachmentRejected) as long:
        sanitise(_pdf(sanitize.MAX_PDF_PAGES + 1))
    assert long.value.reason == "pdf_too_long"
    assert len(PdfReader(io.BytesIO(sanitise(_pdf(sanitize.MAX_PDF_PAGES)).data)).pages) == 60


def test_a_pdf_that_only_restricts_printing_is_drawn_without_its_encryption() -> None:
    data = sanitise(_pdf(2, owner_password="owner-only")).data
    reader = PdfReader(io.BytesIO(data))
    assert not reader.is_encrypted and len(reader.pages) == 2
    assert b"/Encrypt" not in data


def test_a_rotated_pdf_page_keeps_the_shape_it_is_shown_with() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=500).rotate(90)
    out = io.BytesIO()
    writer.write(out)
    [page] = PdfReader(io.BytesIO(sanitise(out.getvalue()).data)).pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (500, 200)
    assert not page.get("/Rotate")


def test_audio_longer_than_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sanitize, "MAX_AUDIO_SECONDS", 2)
    with pytest.raises(AttachmentRejected) as rejected:
        clean(media.tone(3.0, "libmp3lame", "mp3"))
    assert rejected.value.reason == "audio_too_long"
    assert clean(media.tone(1.5, "libmp3lame", "mp3")).mime == "audio/mpeg"


def test_every_refusal_has_a_message_with_the_right_limits() -> None:
    assert set(REJECTION_MESSAGES) >= sanitize.REASONS
    assert str(sanitize.MAX_PDF_PAGES) in str(REJECTION_MESSAGES["pdf_too_long"])
    assert str(sanitize.MAX_AUDIO_SECONDS // 60) in str(REJECTION_MESSAGES["audio_too_long"])


def test_too_long_files_get_a_clear_message_and_the_form_is_kept(
    client: FlaskClient, network: Network, db: Session
) -> None:
    response = submit(
        client,
        files=[(io.BytesIO(_pdf(sanitize.MAX_PDF_PAGES + 1)), "long.pdf")],
        narrative="They took everything I had.",
    )
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 422)
    assert "This PDF has too many pages. Send at most 60 pages." in page
    assert "They took everything I had." in page
    assert db.scalars(select(Report)).first() is None


# --- the cleaning child --------------------------------------------------------------------------


def test_at_most_a_few_files_are_cleaned_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def slow_clean(data: bytes) -> sanitize.CleanFile:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return sanitize.CleanFile("image", "image/png", "png", data)

    monkeypatch.setattr(sanitize, "_clean_in_child", slow_clean)
    threads = [threading.Thread(target=sanitise, args=(media.png_with_text(),)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == sanitize.MAX_PARALLEL_CLEANERS == 2


@pytest.mark.parametrize(
    "outcome",
    [
        subprocess.CompletedProcess([], -9, b"", b""),  # killed: out of memory or time
        subprocess.CompletedProcess([], -11, b"clean image image/png png\n\x89PNG", b""),
        subprocess.CompletedProcess([], 1, b"", b"Traceback"),
        subprocess.CompletedProcess([], 0, b"clean image text/html html\n<script>", b""),
        subprocess.CompletedProcess([], 0, b"rejected no_such_reason\n", b""),
        subprocess.CompletedProcess([], 0, b"clean image image/png html\n\x89PNG", b""),
        subprocess.CompletedProcess([], 0, b"", b""),
    ],
)
def test_a_child_that_crashes_or_answers_oddly_means_a_refusal(
    outcome: subprocess.CompletedProcess[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sanitize.subprocess, "run", lambda *_a, **_k: outcome)
    with pytest.raises(AttachmentRejected) as rejected:
        sanitise(media.png_with_text())
    assert rejected.value.reason == "damaged"


def test_a_child_that_runs_too_long_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    def too_long(*_args: object, **_kwargs: object) -> None:
        raise subprocess.TimeoutExpired("python", 1)

    monkeypatch.setattr(sanitize.subprocess, "run", too_long)
    with pytest.raises(AttachmentRejected) as rejected:
        sanitise(media.png_with_text())
    assert rejected.value.reason == "damaged"


def test_the_child_cannot_write_a_file_or_exceed_its_memory(tmp_path: Path) -> None:
    code = (
        "import errno, sys\n"
        "from reporter.attachments import sanitize\n"
        "sanitize._limit_child()\n"
        "try:\n"
        f"    with open({str(tmp_path) + '/leak'!r}, 'wb') as leak:\n"
        "        leak.write(b'x')\n"
        "        leak.flush()\n"
        "    print('wrote')\n"
        "except OSError as exc:\n"
        "    print('refused' if exc.errno == errno.EFBIG else exc)\n"
        "try:\n"
        "    block = bytearray(300 * 1024 * 1024)\n"
        "    print('allocated')\n"
        "except MemoryError:\n"
        "    print('memory refused')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=60)
    assert done.stdout.decode().split("\n")[:2] == ["refused", "memory refused"]


# --- memory --------------------------------------------------------------------------------------

# Peak memory is read in a fresh interpreter. In the process that cleans, from /proc's VmHWM
# (the peak resident size of this process image): ru_maxrss cannot be used there, because Linux
# carries it over from the parent across fork and exec, so it would start at pytest's size. For
# the cleaning child, ru_maxrss of RUSAGE_CHILDREN is right: the measuring process that starts it
# is small.
MEASURE = """
import resource, sys
from reporter.attachments import sanitize

def peak_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")

data = sys.stdin.buffer.read()
how = sys.argv[1]
if how == "here":
    sanitize.prepare_process()
before = peak_kib()
try:
    result = (sanitize.clean if how == "here" else sanitize.sanitise)(data)
    outcome = "clean"
    size = len(result.data)
    if result.kind == "image":
        from PIL import Image
        import io
        size = max(Image.open(io.BytesIO(result.data)).size)
except sanitize.AttachmentRejected as rejected:
    outcome = rejected.reason
    size = 0
here = peak_kib() - before
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(outcome, size, here * 1024, child * 1024)
"""


def _measure(data: bytes, how: str) -> tuple[str, int, int]:
    """Clean data in a fresh interpreter: the outcome, the size, and the peak memory."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, how],
        input=data,
        capture_output=True,
        check=True,
        timeout=300,
    )
    outcome, size, here, child = done.stdout.decode().split()
    return outcome, int(size), int(here) if how == "here" else int(child)


BOMBS: dict[str, tuple[Callable[[], bytes], set[str]]] = {
    # 190 KB that decode to 196 MB of RGB pixels: refused, or shrunk within the budget.
    "png_7000_rgb": (lambda: media.png_bomb(7000, 7000), {"clean", "image_too_large"}),
    "png_7000_grey": (lambda: media.png_bomb(7000, 7000, "L"), {"clean"}),
    "png_6000_rgb": (lambda: media.png_bomb(6000, 6000), {"clean"}),
    "png_20000": (lambda: media.png_bomb(20000, 20000, "L"), {"image_too_large"}),
    "png_7000_palette": (lambda: media.png_bomb(7000, 7000, "P"), {"clean", "image_too_large"}),
    # Phone photos of 48 and 108 megapixels, and larger: decoded at reduced scale.
    "jpeg_48mp": (lambda: media.big_jpeg(8000, 6000), {"clean"}),
    "jpeg_48mp_progressive": (lambda: media.big_jpeg(8000, 6000, progressive=True), {"clean"}),
    "jpeg_108mp": (lambda: media.big_jpeg(12000, 9000), {"clean"}),
    "jpeg_200mp_grey": (lambda: media.big_jpeg(16000, 12500, "L"), {"clean"}),
    # Progressive: libjpeg holds every coefficient, whatever the scale: refused.
    "jpeg_200mp_progressive": (
        lambda: media.big_jpeg(16000, 12500, "L", progressive=True),
        {"image_too_large"},
    ),
    "pdf_image_20000": (lambda: media.pdf_with_image_bomb(20000, 20000), {"clean"}),
    # libwebp keeps four copies of the picture while decoding: accepted up to about 12.5 MP.
    "webp_4096x3072": (lambda: media.big_webp(4096, 3072), {"clean"}),
    "webp_5000x4000": (lambda: media.big_webp(5000, 4000), {"image_too_large"}),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_pixel_bombs_are_cleaned_within_the_memory_budget_or_refused(name: str) -> None:
    make, allowed = BOMBS[name]
    data = make()
    for how in ("here", "child"):
        outcome, size, peak = _measure(data, how)
        assert outcome in allowed, (how, outcome)
        assert peak <= MEMORY_LIMIT, f"{how}: {peak / MiB:.0f} MiB"
        if outcome == "clean" and not name.startswith("pdf"):
            assert 1000 <= size <= sanitize.MAX_IMAGE_EDGE  # shrunk, not shrunk to nothing


# --- any bytes -----------------------------------------------------------------------------------

MAGIC = {
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "webp": b"RIFF\x00\x10\x00\x00WEBPVP8 ",
    "pdf": b"%PDF-1.7\n",
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "mp3_frame": b"\xff\xfb\x90\x64",
    "m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    "ogg": b"OggS\x00\x02",
    "amr": b"#!AMR\n",
}
VALID = {
    "jpeg": media.hostile_jpeg((64, 48), orientation=6),
    "png": media.hostile_png(),
    "webp": media.hostile_webp(),
    "pdf": media.hostile_pdf(1),
    "mp3": media.hostile_mp3(0.5),
    "m4a": media.hostile_m4a(0.5),
    "ogg": media.hostile_ogg("libopus", 0.5),
    "amr": media.amr(0.5),
}


def _clean_or_refuse(data: bytes) -> None:
    try:
        result = clean(data)
    except AttachmentRejected as rejected:
        assert rejected.reason in sanitize.REASONS
    else:
        assert result.data and result.kind in ("image", "pdf", "audio")
        assert media.canaries_in(result.data) == []


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(magic=st.sampled_from(sorted(MAGIC)), tail=st.binary(max_size=4096))
def test_random_bytes_behind_a_valid_signature_are_only_ever_refused(
    magic: str, tail: bytes
) -> None:
    _clean_or_refuse(MAGIC[magic] + tail)


@FUZZ
@given(kind=st.sampled_from(sorted(VALID)), cut=st.floats(min_value=0, max_value=1))
def test_truncated_files_are_cleaned_or_refused(kind: str, cut: float) -> None:
    data = VALID[kind]
    _clean_or_refuse(data[: max(1, int(len(data) * cut))])


@FUZZ
@given(
    kind=st.sampled_from(sorted(VALID)),
    flips=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.integers(0, 255)),
        min_size=1,
        max_size=12,
    ),
)
def test_corrupted_files_are_cleaned_or_refused(kind: str, flips: list[tuple[float, int]]) -> None:
    data = bytearray(VALID[kind])
    for where, value in flips:
        data[min(len(data) - 1, 16 + int((len(data) - 16) * where))] = value
    _clean_or_refuse(bytes(data))


@settings(max_examples=8, deadline=None)
@given(kind=st.sampled_from(sorted(VALID)), cut=st.floats(min_value=0.05, max_value=1))
def test_the_child_only_ever_refuses_or_cleans(kind: str, cut: float) -> None:
    data = VALID[kind][: max(1, int(len(VALID[kind]) * cut))]
    try:
        result = sanitise(data)
    except AttachmentRejected as rejected:
        assert rejected.reason in sanitize.REASONS
    else:
        assert media.canaries_in(result.data) == []
