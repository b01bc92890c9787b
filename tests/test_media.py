"""An entry's lead image from the project's static/ folder: its size in pixels read from the file
(og:image:width/height, the <img>'s width and height) and its byte length (RSS enclosure)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import lxml.html
from helpers import build_project, write
from lxml import etree

from feedsite.outputs.media import image_dimensions


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_image_dimensions_of_each_format() -> None:
    assert image_dimensions(png(64, 36)) == (64, 36)
    assert image_dimensions(b"GIF89a" + struct.pack("<HH", 320, 200)) == (320, 200)
    frame = b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 480, 800) + b"\x03"
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
    assert image_dimensions(b"\xff\xd8" + app0 + frame) == (800, 480)
    vp8x = b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x0a\x00\x00\x00" + b"\x00" * 4 + (99).to_bytes(3, "little")
    assert image_dimensions(vp8x + (49).to_bytes(3, "little")) == (100, 50)
    assert image_dimensions(b"not an image at all") is None
    assert image_dimensions(b"\xff\xd8\xff\xe0") is None  # cut short


def test_a_static_lead_image_gives_its_size_and_length(tmp_path: Path) -> None:
    root = tmp_path / "news"
    write(root / "feedsite.toml", '[site]\ntitle = "Media"\nbase_url = "https://m.example/paper/"\n')
    image = png(40, 30)
    (root / "static/media").mkdir(parents=True)
    (root / "static/media/lead.png").write_bytes(image)
    write(
        root / "content/story.md",
        "---\ntitle: A story\ndate: 2024-11-08T09:00:00+01:00\nid: urn:uuid:1\nimage: /media/lead.png\n"
        "image_alt: A field\n---\nBody.\n",
    )
    build_project(root)
    page = lxml.html.parse(str(root / "site/2024/11/story/index.html")).getroot()
    og = {m.get("property"): m.get("content") for m in page.iter("meta") if m.get("property")}
    assert og["og:image"] == "https://m.example/paper/media/lead.png"
    assert (og["og:image:width"], og["og:image:height"], og["og:image:type"]) == ("40", "30", "image/png")
    lead = page.find(".//figure/img")
    assert (lead.get("width"), lead.get("height")) == ("40", "30")
    rss = etree.parse(str(root / "site/feed.xml"))
    enclosure = rss.find(".//item/enclosure")
    assert enclosure.get("length") == str(len(image)) and enclosure.get("type") == "image/png"
