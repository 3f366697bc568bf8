"""Media files made in the test, each carrying identifying metadata to be stripped.

The ``hostile_*`` builders put a canary in every metadata slot their format has, with the same
libraries a phone app or an attacker would use (Pillow, pypdf, mutagen, FFmpeg through PyAV), on
top of real content: real pixels, real pages, real sound. A cleaned file must keep the content
and lose every canary.
"""

from __future__ import annotations

import io
import math
import os
import struct
from fractions import Fraction

from PIL import Image, PngImagePlugin

CANARY_GPS_LATITUDE = (4.0, 35.0, 59.23)

# Each canary names its slot, so that a failing test says which one survived.
CANARIES = {
    "exif_model": b"CanaryPhone 3000",
    "exif_description": b"EXIFCANARY",
    "exif_datetime": b"2025:03:14 21:45:00",
    "exif_software": b"SOFTWARECANARY",
    "exif_artist": b"ARTISTCANARY",
    "xmp": b"XMPCANARY",
    "icc": b"ICCCANARY",
    "jpeg_comment": b"COMMENTCANARY",
    "png_text": b"PNGTEXTCANARY",
    "png_ztxt": b"PNGZTXTCANARY",
    "png_itxt": b"PNGITXTCANARY",
    "pdf_info": b"PDFINFOCANARY",
    "pdf_js_page": b"PAGEJSCANARY",
    "pdf_js_open": b"OPENJSCANARY",
    "pdf_js_names": b"NAMESJSCANARY",
    "pdf_uri": b"URICANARY",
    "pdf_annotation_author": b"ANNOTAUTHORCANARY",
    "pdf_annotation_date": b"20250314214500",
    "pdf_annotation_text": b"ANNOTTEXTCANARY",
    "pdf_embedded_file": b"EMBEDDEDCANARY",
    "pdf_embedded_name": b"EMBEDDEDNAMECANARY",
    "id3v2": b"ID3V2CANARY",
    "id3v2_comment": b"ID3COMMENTCANARY",
    "id3v1": b"ID3V1CANARY",
    "apev2": b"APECANARY",
    "lyrics3": b"LYRICS3CANARY",
    "mp4_title": b"MP4TITLECANARY",
    "mp4_artist": b"MP4ARTISTCANARY",
    "mp4_location": b"+04.5987-074.0758/",
    "mp4_comment": b"MP4COMMENTCANARY",
    "mp4_encoder": b"MP4ENCODERCANARY",
    "vorbis_comment": b"VORBISCANARY",
    "vorbis_location": b"VORBISLOCATIONCANARY",
}
# The GPS latitude as the EXIF rational it is stored as (59.23 seconds = 5923/100).
CANARY_GPS_BYTES = struct.pack(">II", 5923, 100)
# A container creation time (2025-03-14 21:45:00 UTC) as MP4 stores it: seconds since 1904.
CANARY_CREATION_TIME = "2025-03-14T21:45:00.000000Z"
CANARY_MP4_TIME = struct.pack(">I", 3824833500)


def canaries_in(data: bytes) -> list[str]:
    """The names of the canaries found in data (upper, lower and UTF-16 forms)."""
    found = []
    for name, canary in CANARIES.items():
        forms = {canary, canary.lower(), canary.decode().encode("utf-16-be")}
        if any(form in data for form in forms):
            found.append(name)
    return found


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


# --- hostile images ------------------------------------------------------------------------------


def _pattern(size: tuple[int, int]) -> Image.Image:
    """A picture with a left-right and top-bottom difference, so a wrong turn shows."""
    width, height = size
    image = Image.new("RGB", size, (20, 20, 200))
    image.paste((230, 40, 40), (0, 0, max(1, width // 2), max(1, height // 2)))
    return image


def _full_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = CANARIES["exif_description"].decode()
    exif[0x0110] = CANARIES["exif_model"].decode()
    exif[0x0131] = CANARIES["exif_software"].decode()
    exif[0x013B] = CANARIES["exif_artist"].decode()
    exif[0x0132] = CANARIES["exif_datetime"].decode()
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"
    gps[2] = CANARY_GPS_LATITUDE
    gps[3] = "W"
    gps[4] = (74.0, 4.0, 33.0)
    return exif


def _xmp() -> bytes:
    return (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="4,35.98S">'
        b"<dc:creator>" + CANARIES["xmp"] + b"</dc:creator>"
        b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def _icc_profile() -> bytes:
    """A real sRGB profile whose description is the canary."""
    from PIL import ImageCms

    profile = ImageCms.createProfile("sRGB")
    data = ImageCms.ImageCmsProfile(profile).tobytes()
    return data + CANARIES["icc"]  # trailing bytes: the profile still parses


def hostile_jpeg(size: tuple[int, int] = (64, 48), orientation: int = 1) -> bytes:
    """A JPEG with EXIF (GPS, camera, software, artist, date), XMP, an ICC profile and a comment."""
    exif = _full_exif()
    if orientation != 1:
        exif[0x0112] = orientation
    out = io.BytesIO()
    _pattern(size).save(
        out,
        "JPEG",
        exif=exif,
        xmp=_xmp(),
        icc_profile=_icc_profile(),
        comment=CANARIES["jpeg_comment"],
        quality=90,
    )
    return out.getvalue()


def hostile_png(size: tuple[int, int] = (40, 30)) -> bytes:
    """A PNG with tEXt, zTXt and iTXt chunks, XMP, an eXIf chunk and an ICC profile."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CANARIES["png_text"].decode())
    info.add_text("Comment", CANARIES["png_ztxt"].decode(), zip=True)
    info.add_itxt("Description", CANARIES["png_itxt"].decode(), lang="en", tkey="Desc")
    info.add_itxt("XML:com.adobe.xmp", _xmp().decode())
    out = io.BytesIO()
    image = _pattern(size).convert("RGBA")
    image.save(out, "PNG", pnginfo=info, exif=_full_exif(), icc_profile=_icc_profile())
    return out.getvalue()


def hostile_webp(size: tuple[int, int] = (40, 30)) -> bytes:
    """A WebP with EXIF, XMP and an ICC profile."""
    out = io.BytesIO()
    _pattern(size).save(
        out, "WEBP", exif=_full_exif(), xmp=_xmp(), icc_profile=_icc_profile(), quality=90
    )
    return out.getvalue()


# --- hostile PDF ---------------------------------------------------------------------------------

PDF_PAGES = 3


def hostile_pdf(pages: int = PDF_PAGES) -> bytes:
    """A PDF whose pages show text and a photo, wrapped in every kind of metadata and action.

    The photo is a JPEG image XObject whose EXIF carries GPS and a camera model; the document has
    document information, XMP, a JavaScript open action and name tree, an embedded file; each
    page has JavaScript in its additional actions, a link to a URI, and a note whose author and
    date are canaries.
    """
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript
    from pypdf.annotations import Link, Text
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    photo = jpeg_with_gps(size=(120, 90))
    image = DecodedStreamObject()
    image.set_data(photo)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(120),
            NameObject("/Height"): NumberObject(90),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    image_ref = writer._add_object(image)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for number in range(pages):
        page = writer.add_blank_page(width=300, height=400)
        contents = DecodedStreamObject()
        contents.set_data(
            b"q 120 0 0 90 40 250 cm /Photo Do Q "
            b"BT /F1 28 Tf 40 150 Td (Page %d) Tj ET" % (number + 1)
        )
        page[NameObject("/Contents")] = writer._add_object(contents)
        page[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/XObject"): DictionaryObject({NameObject("/Photo"): image_ref}),
                NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
            }
        )
        page[NameObject("/AA")] = DictionaryObject(
            {
                NameObject("/O"): DictionaryObject(
                    {
                        NameObject("/S"): NameObject("/JavaScript"),
                        NameObject("/JS"): TextStringObject(
                            "app.launchURL('https://canary.example/?"
                            + CANARIES["pdf_js_page"].decode()
                            + "');"
                        ),
                    }
                )
            }
        )
        uri = "https://" + CANARIES["pdf_uri"].decode() + ".example/"
        writer.add_annotation(number, Link(rect=(40, 100, 260, 140), url=uri))
        note = Text(rect=(250, 350, 280, 380), text=CANARIES["pdf_annotation_text"].decode())
        note[NameObject("/T")] = TextStringObject(CANARIES["pdf_annotation_author"].decode())
        note[NameObject("/M")] = TextStringObject("D:" + CANARIES["pdf_annotation_date"].decode())
        note[NameObject("/C")] = ArrayObject([FloatObject(1), FloatObject(1), FloatObject(0)])
        writer.add_annotation(number, note)
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(
                "this.submitForm('https://canary.example/"
                + CANARIES["pdf_js_open"].decode()
                + "');"
            ),
        }
    )
    writer.add_open_action(JavaScript("app.alert('" + CANARIES["pdf_js_names"].decode() + "');"))
    writer.add_attachment(
        CANARIES["pdf_embedded_name"].decode() + ".txt", CANARIES["pdf_embedded_file"]
    )
    info = CANARIES["pdf_info"].decode()
    writer.add_metadata({"/Author": info, "/Title": info, "/Producer": info, "/Creator": info})
    writer.xmp_metadata = _xmp()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- audio ---------------------------------------------------------------------------------------


def tone(
    seconds: float,
    codec: str,
    container: str,
    rate: int = 44100,
    layout: str = "stereo",
    metadata: dict[str, str] | None = None,
) -> bytes:
    """A real recording (a 441 Hz tone) encoded with FFmpeg into the given container."""
    import av

    out = io.BytesIO()
    channels = 2 if layout == "stereo" else 1
    period = [round(8000 * math.sin(2 * math.pi * i * 441 / rate)) for i in range(rate // 441)]
    block_samples = len(period) * 10
    block = struct.pack(
        f"<{block_samples * channels}h", *[v for v in period * 10 for _ in range(channels)]
    )
    options = {"strict": "experimental"} if codec == "vorbis" else {}
    with av.open(out, "w", format=container) as target:
        stream = target.add_stream(codec, rate=rate, layout=layout, options=options)
        if metadata:
            target.metadata.update(metadata)
        total = round(seconds * rate)
        pts = 0
        while pts < total:
            frame = av.AudioFrame(format="s16", layout=layout, samples=block_samples)
            frame.planes[0].update(block)
            frame.rate = rate
            frame.pts = pts
            frame.time_base = Fraction(1, rate)
            pts += block_samples
            target.mux(stream.encode(frame))
        target.mux(stream.encode(None))
    return out.getvalue()


def _lyrics3(text: bytes) -> bytes:
    fields = b"IND0000210" + b"LYR" + b"%05d" % len(text) + text
    body = b"LYRICSBEGIN" + fields
    return body + b"%06d" % len(body) + b"LYRICS200"


def _id3v1(title: bytes) -> bytes:
    return (
        b"TAG"
        + title.ljust(30, b"\0")
        + title.ljust(30, b"\0")
        + b"album".ljust(30, b"\0")
        + b"2025"
        + b"comment".ljust(30, b"\0")
        + b"\x0c"
    )


def hostile_mp3(seconds: float = 3.0) -> bytes:
    """An MP3 recording with an ID3v2 tag (text, comment, picture), Lyrics3, APEv2 and ID3v1."""
    from mutagen.apev2 import APEv2
    from mutagen.id3 import APIC, COMM, ID3, TIT2, TPE1, TXXX

    audio = io.BytesIO(tone(seconds, "libmp3lame", "mp3"))
    tags = ID3()
    tags.add(TPE1(encoding=3, text=CANARIES["id3v2"].decode()))
    tags.add(TIT2(encoding=3, text=CANARIES["id3v2"].decode()))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=CANARIES["id3v2_comment"].decode()))
    tags.add(TXXX(encoding=3, desc="GPS", text=CANARIES["id3v2"].decode()))
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=hostile_jpeg()))
    tags.save(audio, v1=0)
    audio.seek(0, io.SEEK_END)
    audio.write(_lyrics3(CANARIES["lyrics3"]))
    ape = APEv2()
    ape["Artist"] = CANARIES["apev2"].decode()
    ape["Location"] = CANARIES["apev2"].decode()
    ape.save(audio)
    audio.seek(0, io.SEEK_END)
    audio.write(_id3v1(CANARIES["id3v1"]))  # last, where players look for it
    return audio.getvalue()


def hostile_m4a(seconds: float = 3.0) -> bytes:
    """An AAC recording in M4A with a creation time, iTunes tags and the ©xyz location."""
    from mutagen.mp4 import MP4, MP4Cover

    audio = io.BytesIO(
        tone(seconds, "aac", "ipod", metadata={"creation_time": CANARY_CREATION_TIME})
    )
    tags = MP4(audio)
    tags["\xa9nam"] = CANARIES["mp4_title"].decode()
    tags["\xa9ART"] = CANARIES["mp4_artist"].decode()
    tags["\xa9xyz"] = CANARIES["mp4_location"].decode()
    tags["\xa9cmt"] = CANARIES["mp4_comment"].decode()
    tags["\xa9too"] = CANARIES["mp4_encoder"].decode()
    tags["\xa9day"] = "2025-03-14T21:45:00Z"
    tags["covr"] = [MP4Cover(hostile_jpeg(), imageformat=MP4Cover.FORMAT_JPEG)]
    audio.seek(0)
    tags.save(audio)
    return audio.getvalue()


def hostile_ogg(codec: str = "libopus", seconds: float = 3.0) -> bytes:
    """An Ogg Opus (or Vorbis) recording with Vorbis comments."""
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    rate = 48000 if codec == "libopus" else 44100
    audio = io.BytesIO(tone(seconds, codec, "ogg", rate=rate))
    tags = OggOpus(audio) if codec == "libopus" else OggVorbis(audio)
    tags["ARTIST"] = CANARIES["vorbis_comment"].decode()
    tags["LOCATION"] = CANARIES["vorbis_location"].decode()
    tags["DATE"] = "2025-03-14T21:45:00"
    audio.seek(0)
    tags.save(audio)
    return audio.getvalue()


def amr(seconds: float = 3.0) -> bytes:
    """A narrow-band AMR voice note, as older phones record."""
    return tone(seconds, "libopencore_amrnb", "amr", rate=8000, layout="mono")


# --- pixel bombs ---------------------------------------------------------------------------------


def png_bomb(width: int, height: int, mode: str = "RGB") -> bytes:
    """A PNG of one flat colour: a few hundred kilobytes that decode to width by height pixels.

    Written chunk by chunk with zlib, so that making it costs the test no memory.
    """
    import zlib

    colour_types = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4), "P": (3, 1)}
    colour_type, channels = colour_types[mode]

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    extra = chunk(b"PLTE", bytes([90, 60, 30] * 256)) if mode == "P" else b""
    row = b"\x00" + bytes([90]) * (width * channels)
    compressor = zlib.compressobj(9)
    parts = []
    for _ in range(height):
        parts.append(compressor.compress(row))
    parts.append(compressor.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def big_jpeg(
    width: int, height: int, mode: str = "RGB", progressive: bool = False, quality: int = 60
) -> bytes:
    """A camera-sized (or larger) JPEG with a simple picture on it."""
    image = Image.new(mode, (width, height), 128 if mode == "L" else (120, 80, 40))
    image.paste(30 if mode == "L" else (20, 20, 200), (0, 0, width // 2, height // 2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, progressive=progressive, exif=_full_exif())
    image.close()
    return out.getvalue()


def pdf_with_image_bomb(width: int, height: int) -> bytes:
    """A one-page PDF showing a flat grey picture of width by height pixels, stored in a few
    hundred kilobytes of Flate data."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    compressor = zlib.compressobj(9)
    row = bytes([128]) * width
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    writer = PdfWriter()
    image = DecodedStreamObject()
    image.set_data(b"".join(parts))
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(width),
            NameObject("/Height"): NumberObject(height),
            NameObject("/ColorSpace"): NameObject("/DeviceGray"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/FlateDecode"),
        }
    )
    page = writer.add_blank_page(width=600, height=600)
    contents = DecodedStreamObject()
    contents.set_data(b"q 500 0 0 500 50 50 cm /Bomb Do Q")
    page[NameObject("/Contents")] = writer._add_object(contents)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Bomb"): writer._add_object(image)})}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def big_webp(width: int, height: int) -> bytes:
    image = _pattern((width, height))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=50, method=0)
    return out.getvalue()


def film(seconds: float = 1.0) -> bytes:
    """A short MP4 film with picture and sound: not a voice recording."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as target:
        video = target.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        for index in range(round(seconds * 10)):
            frame = av.VideoFrame.from_image(_pattern((64, 48)))
            frame.pts = index
            target.mux(video.encode(frame.reformat(format="yuv420p")))
        target.mux(video.encode(None))
    return out.getvalue()
