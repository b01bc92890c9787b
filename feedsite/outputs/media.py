"""An entry's lead image as feed media: its absolute URL, its MIME type (from the file name), and
its true byte length when the file lies in the project's static/ folder (RSS <enclosure>,
media:content, Atom's enclosure link, JSON Feed's image)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from stat import S_ISREG
from urllib.parse import unquote, urljoin, urlsplit

from feedsite.urls import absolute, allowed_url

# A fixed table, not the mimetypes module: that one reads the machine's /etc/mime.types, and the
# same site must build to the same bytes everywhere.
IMAGE_TYPES = {
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}


@dataclass(frozen=True)
class Media:
    url: str  # absolute http(s) URL
    type: str | None = None  # MIME type, when the file name's extension tells it
    length: int | None = None  # bytes, when the file is one of the project's static files
    width: int | None = None  # pixels, when it is a static PNG, GIF, JPEG or WebP file
    height: int | None = None


class StaticFiles:
    """Byte sizes of the project's static files by site path, each looked up once per plan."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sizes: dict[str, int | None] = {}
        self._dimensions: dict[str, tuple[int, int] | None] = {}

    def dimensions(self, path: str) -> tuple[int, int] | None:
        """(width, height) of static/<path> when it is an image whose header says so."""
        if path not in self._dimensions:
            found = None
            if self.size(path) is not None:
                try:
                    with open(self.folder.joinpath(*path.split("/")), "rb") as file:
                        found = image_dimensions(file.read(1 << 16))
                except OSError:
                    found = None
            self._dimensions[path] = found
        return self._dimensions[path]

    def size(self, path: str) -> int | None:
        """The size of static/<path> (a site path such as "media/call.jpg"), or None when that is
        not a regular file there (or names a hidden file, or climbs out of the folder)."""
        if path not in self._sizes:
            parts = path.split("/")
            if any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts):
                self._sizes[path] = None
            else:
                try:
                    stat = os.stat(self.folder.joinpath(*parts))
                except (OSError, ValueError):
                    self._sizes[path] = None
                else:
                    self._sizes[path] = stat.st_size if S_ISREG(stat.st_mode) else None
        return self._sizes[path]


def image_url(base_url: str, page_url: str, image: str) -> str | None:
    """The absolute URL of an entry's `image`: "/media/x.jpg" is a site path (under base_url, where
    static/media/x.jpg is published), "x.jpg" is relative to the entry's page; None for anything
    that is not http(s) once resolved."""
    if not allowed_url(image):
        return None
    if image.startswith("/") and not image.startswith("//"):
        url = absolute(base_url, image.lstrip("/"))
    else:
        url = urljoin(page_url, image)
    return url if url.startswith(("http://", "https://")) else None


def image_media(base_url: str, page_url: str, image: str | None, static: StaticFiles) -> Media | None:
    if not image:
        return None
    url = image_url(base_url, page_url, image)
    if url is None:
        return None
    parts = urlsplit(url)
    kind = IMAGE_TYPES.get(PurePosixPath(parts.path).suffix.lower())
    length = size = None
    if url.startswith(base_url) and not parts.query:
        path = unquote(parts.path[len(urlsplit(base_url).path) :])
        length, size = static.size(path), static.dimensions(path)
    return Media(url, kind, length, *(size or (None, None)))


def image_dimensions(head: bytes) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, GIF, JPEG or WebP file; None otherwise."""
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp(head)
    if head[:2] == b"\xff\xd8":
        return _jpeg(head)
    return None


def _webp(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8 " and len(head) >= 30:
        return int.from_bytes(head[26:28], "little") & 0x3FFF, int.from_bytes(head[28:30], "little") & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


def _jpeg(head: bytes) -> tuple[int, int] | None:
    """The size in the first start-of-frame marker (SOF0–SOF15 less DHT, JPG and DAC)."""
    at = 2
    while at + 9 < len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        length = int.from_bytes(head[at + 2 : at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(head[at + 7 : at + 9], "big"), int.from_bytes(head[at + 5 : at + 7], "big")
        at += 2 + length
    return None
