"""Slugs, permalinks and output paths. Nothing here touches the disk."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import quote, urljoin, urlsplit

# The one slug length: slugify cuts at it, and a slug (written in front matter, or a file name) may
# be no longer. 80 characters hold a headline's words and keep every published address as it is.
MAX_SLUG = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "entry", max_length: int = MAX_SLUG) -> str:
    """Lowercase ASCII words joined by hyphens: "Zoë Café" -> "zoe-cafe".

    Never empty, never "." or "..", never a path; cut at a word boundary.
    """
    if not text.isascii():
        from text_unidecode import unidecode  # its tables take a while to load: only when needed

        text = unidecode(text)
    ascii_text = text.lower().replace("'", "")
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut and slug[max_length] != "-" else cut
        slug = slug.strip("-")
    return slug or fallback


def is_valid_slug(slug: str) -> bool:
    """A slug may hold letters, digits, '-', '_' and '.' (MAX_SLUG at most), but is never '.', '..'
    or a path."""
    return (
        bool(slug)
        and slug not in (".", "..")
        and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", slug) is not None
        and len(slug) <= MAX_SLUG
    )


def entry_dir(date: datetime, slug: str) -> str:
    """The folder of an entry, relative to the site root: "2024/11/slug/"."""
    return f"{date.year}/{date.month:02d}/{slug}/"  # as %Y/%m/, without strftime's cost


def tag_slug(tag: str) -> str:
    return slugify(tag, fallback="tag")


def page_dir(base: str, number: int) -> str:
    """The folder of page `number` of a paginated list rooted at `base` ("" or "tags/x/"): page 0,
    the newest entries, is `base` itself; the others count from the oldest."""
    return f"{base}page/{number}/" if number else base


def absolute(base_url: str, path: str) -> str:
    """`path` (site-relative, may be "") as an absolute URL under base_url."""
    if base_url.endswith("/") and is_plain(path):  # what urljoin would give, at a fraction of its cost
        return base_url + path
    return urljoin(base_url, quote(path, safe="/#?=&%:@~+"))


_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]*"  # an ordinary name: no "..", no escapes
_PLAIN = re.compile(rf"(?:{_SEGMENT}/)*(?:{_SEGMENT})?")


def is_plain(path: str) -> bool:
    """Only ordinary name segments ("", "a/b/", "a/b.xml"): no "..", no escapes, nothing to quote."""
    return _PLAIN.fullmatch(path) is not None


_PLAIN_LINES = re.compile(rf"(?:{_SEGMENT}(?:/{_SEGMENT})*/?\n)*")


def all_plain(paths: list[str]) -> bool:
    """Every path is_plain and none empty, in one scan of them all (10,000 addresses: a few ms)."""
    text = "\n".join(paths)
    if text.count("\n") != max(len(paths) - 1, 0):  # a path holding a line break
        return False
    return not paths or _PLAIN_LINES.fullmatch(text + "\n") is not None


def output_file(path: str) -> str:
    """The file a URL path is written to: "a/b/" -> "a/b/index.html"."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def is_inside(path: str) -> bool:
    """True when a site-relative output path stays inside the output folder."""
    p = PurePosixPath(path)
    return not p.is_absolute() and ".." not in p.parts and "\\" not in path and path != ""


SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def allowed_url(url: str) -> bool:
    """The one URL allow-list: http, https and mailto URLs, and relative references.

    Browsers drop tabs, newlines and other controls inside a URL before reading its scheme
    ("java\\tscript:" is javascript:), so they are dropped here too before it is checked; a
    reference whose first segment holds a colon is a scheme, whatever else it looks like."""
    text = _INVISIBLE.sub("", url)
    match = _SCHEME.match(text)
    if match is not None:
        return match.group(1).lower() in SAFE_SCHEMES and readable(text)
    first = re.split(r"[/?#]", text, maxsplit=1)[0]
    return ":" not in first and not text.startswith("\\") and readable(text)


def is_uri(text: str) -> bool:
    """Whether text is an absolute URI ("urn:uuid:…", "tag:…", "https://…"): what an id must be."""
    return _URI.fullmatch(text) is not None


_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def readable(url: str) -> bool:
    """Whether Python's URL parser reads `url` at all ("https://[x]/" is no URL: a bracketed host
    must be an IPv6 address), so that nothing that joins or splits it later fails."""
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


ALLOWED_URLS = "only http, https and mailto URLs and relative references are"
# Front-matter keys beyond the known ones whose names say they hold a URL: templates may put them
# in an href or src, so they pass the allow-list too (the known ones are checked where parsed).
_URL_KEY = re.compile(r"(?:.*[_-])?(?:url|uri|href|src|link|canonical|enclosure|website|homepage)s?", re.I)


def checked_url(url: str, key: str) -> str:
    """`url` when the allow-list takes it; else ValueError("<key>: '<url>' is not allowed: ...")."""
    if not allowed_url(url):
        raise ValueError(f"{key}: {url!r} is not allowed: {ALLOWED_URLS}")
    return url


def is_url_key(key: str) -> bool:
    """True for a front-matter key named as a URL: canonical, link, video_url, homepage, ..."""
    return _URL_KEY.fullmatch(key) is not None


def check_urls(value: object, key: str) -> None:
    """The value of a URL-named key passes checked_url: a text, every text of a list, and in a
    mapping the values of its URL-named keys ({title: ..., href: ...}), at any depth."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            checked_url(item, key)
        elif isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, dict):
            todo.extend(v for k, v in item.items() if isinstance(k, str) and is_url_key(k))
