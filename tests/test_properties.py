"""Property tests: whatever text an entry holds, the feeds come out valid and read back the same."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedsite.config import SiteConfig
from feedsite.content import parse_entry, settings_of
from feedsite.outputs import Planner
from feedsite.outputs.feeds import FeedInfo, atom, rss
from feedsite.posts import render_posts
from feedsite.text import clean_text
from feedsite.theme import Theme

CONFIG = SiteConfig(
    root=Path("."), title="P & Q <news>", base_url="https://p.example/", timezone="Europe/Rome"
)
INFO = FeedInfo(
    "P", "P feed", "https://p.example/", "https://p.example/feed.xml", "https://p.example/atom.xml"
)
SITE = Planner(CONFIG, Theme(Path("."), Path("templates")), "salt").site

MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")  # UTF-8 read as Latin-1
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=texts.filter(lambda t: " ".join(clean_text(t).split())),
    body=texts,
    tags=st.lists(texts, max_size=3),
)
def test_any_text_gives_valid_feeds(title: str, body: str, tags: list[str]) -> None:
    meta = {"title": title, "date": "2024-11-08T09:00:00+01:00", "id": "urn:uuid:1", "tags": tags}
    raw = ("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body).encode("utf-8")
    entry, markdown = parse_entry(settings_of(CONFIG), "content/x.md", raw)
    posts = tuple(render_posts(CONFIG, [entry], {entry.key: markdown}, {}))
    context = {"site": SITE, "info": INFO, "posts": posts}
    for document in (rss(context), atom(context)):
        root = etree.fromstring(document)  # well-formed XML 1.0: lxml refuses anything else
        titles = root.xpath("//*[local-name()='item' or local-name()='entry']/*[local-name()='title']/text()")
        assert titles == [entry.title]
        feed = feedparser.parse(document)
        assert not feed.bozo, feed.bozo_exception
        assert len(feed.entries) == 1
        if not MOJIBAKE.search(entry.title):  # feedparser "repairs" text that looks double-encoded
            assert feed.entries[0].title == entry.title
        assert feed.entries[0].id == "urn:uuid:1"
