"""Small media files made in the test, each carrying identifying metadata to be stripped."""

from __future__ import annotations

import io
import os

from PIL import Image, PngImagePlugin

CANARY_GPS_LATITUDE = (4.0, 35.0, 59.23)


def jpeg_with_gps(
    size: tuple[int, int] = (64, 48), noise: bool = False, description: str = "EXIFCANARY"
) -> bytes:
    """A JPEG with GPS coordinates, a camera model and a description in its EXIF."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = description  # ImageDescription
    exif[0x0110] = "CanaryPhone 3000"  # Model
    exif[0x0132] = "2025:03:14 21:45:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"
    gps[2] = CANARY_GPS_LATITUDE
    gps[3] = "W"
    gps[4] = (74.0, 4.0, 33.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95 if noise else 80)
    return out.getvalue()


def png_with_text(text: str = "PNGCANARY") -> bytes:
    image = Image.new("RGBA", (20, 20), (0, 120, 0, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", text)
    info.add_text("Location", text)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf_with_metadata(author: str = "PDFCANARY") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata(
        {"/Author": author, "/Title": author, "/Producer": author, "/Creator": author}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mp3_with_tags(artist: str = "MP3CANARY") -> bytes:
    """A few silent MPEG-1 Layer III frames behind an ID3v2 tag."""
    from mutagen.id3 import ID3, TIT2, TPE1

    # 128 kbit/s, 44.1 kHz, no padding: each frame is 417 bytes.
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    audio = io.BytesIO(frame * 20)
    tags = ID3()
    tags.add(TPE1(encoding=3, text=artist))
    tags.add(TIT2(encoding=3, text=artist))
    tags.save(audio)
    return audio.getvalue()
