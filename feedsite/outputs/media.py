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


class StaticFiles:
    """Byte sizes of the project's static files by site path, each looked up once per plan."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sizes: dict[str, int | None] = {}

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
    length = None
    if url.startswith(base_url) and not parts.query:
        length = static.size(unquote(parts.path[len(urlsplit(base_url).path) :]))
    return Media(url, kind, length)
