"""Helpers for the feed tests: news projects of any size, the RFC 5005 chain walked as a reader
walks it, and JSON Feed 1.1 checked to the letter of its spec (feedparser 6.0 reads RSS and Atom,
not JSON Feed)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import feedparser
from helpers import write

BASE = "https://daily.example.org/"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)")


def config(limit: int = 3, archive_size: int = 2, **feeds: Any) -> str:
    lines = [
        "[site]",
        'title = "Daily"',
        f'base_url = "{BASE}"',
        'timezone = "Europe/Rome"',
        'author = "Desk"',
        "",
        "[feeds]",
        f"limit = {limit}",
        f"archive_size = {archive_size}",
    ]
    lines += [f"{key} = {json.dumps(value)}" for key, value in feeds.items()]
    return "\n".join(lines) + "\n"


def story(number: int, **fields: str) -> str:
    """Entry number n, dated n days after 2024-01-01 (so a higher number is newer)."""
    day = f"2024-{1 + (number - 1) // 28:02d}-{1 + (number - 1) % 28:02d}"
    front = {
        "title": f"Story {number}",
        "date": f"{day}T09:00:00+01:00",
        "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "tags": "[World]",
        **fields,
    }
    head = "".join(f"{key}: {value}\n" for key, value in front.items())
    return f"---\n{head}---\nBody of story {number}, with [a link](../../../) and **bold** text.\n"


def add_stories(root: Path, numbers: range, **fields: str) -> None:
    for n in numbers:
        write(root / "content" / f"story-{n:03d}.md", story(n, **fields))


def project(root: Path, count: int, **settings: Any) -> Path:
    write(root / "feedsite.toml", config(**settings))
    add_stories(root, range(1, count + 1))
    return root


def chain(site: Path, base_url: str, name: str) -> Iterator[Path]:
    """The documents of one feed, from the subscription document back along prev-archive
    (JSON Feed: next_url), as a reader follows them."""
    path: Path | None = site / name
    seen: set[Path] = set()
    while path is not None:
        assert path not in seen, f"{path} links back into the chain"
        seen.add(path)
        yield path
        data = path.read_bytes()
        if name.endswith(".json"):
            url = json.loads(data).get("next_url")
        else:
            links = feedparser.parse(data).feed.get("links", [])
            url = next((link.href for link in links if link.rel == "prev-archive"), None)
        assert url is None or url.startswith(base_url), url
        path = None if url is None else site / url[len(base_url) :]


def ids_along(site: Path, base_url: str, name: str) -> list[str]:
    """Every entry id of the feed, subscription document first, archives newest first."""
    found: list[str] = []
    for path in chain(site, base_url, name):
        if name.endswith(".json"):
            found += [item["id"] for item in json.loads(path.read_bytes())["items"]]
        else:
            feed = feedparser.parse(path.read_bytes())
            assert not feed.bozo, (path, feed.get("bozo_exception"))
            found += [entry.id for entry in feed.entries]
    return found


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"https?://[^\s]+$", value) is not None


def check_json_feed(data: bytes) -> dict[str, Any]:
    """JSON Feed 1.1 to the letter: required keys and the type of every key we write."""
    feed = json.loads(data.decode("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    for key in ("home_page_url", "feed_url", "next_url"):
        assert key not in feed or _is_url(feed[key]), key
    assert feed.get("next_url") != feed.get("feed_url")
    for author in feed.get("authors", []):
        assert set(author) <= {"name", "url", "avatar"} and author
    for hub in feed.get("hubs", []):
        assert set(hub) == {"type", "url"} and _is_url(hub["url"])
    assert isinstance(feed["items"], list)
    ids = [item["id"] for item in feed["items"]]
    assert len(ids) == len(set(ids)), "ids are unique"
    known = {"id", "url", "title", "content_html", "content_text", "summary", "image"}
    known |= {"date_published", "date_modified", "authors", "tags", "language"}
    for item in feed["items"]:
        assert set(item) <= known, set(item) - known
        assert isinstance(item["id"], str) and item["id"]
        assert "content_html" in item or "content_text" in item, "an item carries one of the two"
        for key in ("url", "image"):
            assert key not in item or _is_url(item[key]), key
        for key in ("date_published", "date_modified"):
            assert key not in item or RFC3339.fullmatch(item[key]), item[key]
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        for author in item.get("authors", []):
            assert set(author) <= {"name", "url", "avatar"} and author
    return dict(feed)


def by_title(feed: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["title"]: item for item in feed["items"]}
