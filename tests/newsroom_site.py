"""A small newsroom project for the front-page and quality tests (no tests here): ten stories
in three sections, some with images, one featured, one with a `section:` of its own, one with
corrections, one retracted; no site description (so pages need generated ones); search on."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from helpers import write

CONFIG = """\
[site]
title = "The Daily Fixture"
base_url = "https://daily.example/"
language = "en"
timezone = "Europe/Rome"
rights = "© The Daily Fixture"

[pagination]
per_page = 7

[search]
enabled = true
"""

SECTIONS = ("Ukraine", "Economy", "Climate")
TITLES = (
    "Ceasefire talks resume in Istanbul",
    "Central bank holds rates steady",
    "Record heat shrinks Alpine glaciers",
    "Parliament passes the budget by four votes",
    "Grain exports rise through the Black Sea",
    "Floods close the Po valley motorway",
    "Opera house reopens after five years",
    "Markets rally as inflation eases",
    "Coach resigns after a third defeat",
    "Energy prices fall for the first time",
)
FEATURED = 3  # an older story the newsroom puts first
OWN_SECTION = 6  # `section: Culture`, a section that is no tag


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = (b"\0" + bytes(rgb) * width) * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_newsroom(root: Path) -> Path:
    write(root / "feedsite.toml", CONFIG)
    (root / "static/media").mkdir(parents=True)
    for n, title in enumerate(TITLES):
        lines = [
            "---",
            f'title: "{title}"',
            f"date: 2024-11-{20 - n:02d}T{8 + n:02d}:{5 * n:02d}:00+01:00",
            f"id: urn:uuid:00000000-0000-4000-8000-{n:012d}",
            "summary: What happened, in one sentence for the front page.",
            f"authors: [{('Jane Doe', 'Marco Rossi')[n % 2]}]",
            f"tags: [{SECTIONS[n % 3]}, World]",
        ]
        if n % 3 != 2:
            (root / f"static/media/p{n}.png").write_bytes(png(60, 40, (40 + 20 * n, 90, 160 - 10 * n)))
            lines += [
                f"image: /media/p{n}.png",
                f"image_alt: Scene of story {n}",
                "image_credit: Photo Agency",
            ]
            lines += ["image_caption: Where it happened."]
        if n == 0:
            lines += ["updated: 2024-11-21T18:30:00+01:00", "corrections:"]
            lines += ["  - {date: 2024-11-21T18:30:00+01:00, text: An earlier version misnamed the city.}"]
        if n == FEATURED:
            lines += ["featured: true"]
        if n == OWN_SECTION:
            lines += ["section: Culture"]
        lines += [
            "---",
            f"First paragraph of story {n}.",
            "",
            "## What comes next",
            "",
            "Second paragraph.",
            "",
        ]
        write(root / f"content/2024/11/story-{n}.md", "\n".join(lines))
    write(root / "content/2024/11/withdrawn.md", RETRACTED)  # its page stays, as a notice; lists drop it
    return root


RETRACTED = """\
---
title: A story that was withdrawn
date: 2024-11-10T07:00:00+01:00
id: urn:uuid:00000000-0000-4000-8000-999999999999
tags: [Economy]
retracted: {date: 2024-11-10T12:00:00+01:00, reason: It relied on a forged document.}
---
The text that was withdrawn.
"""
