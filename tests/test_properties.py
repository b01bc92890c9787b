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
from feedsite.content import clean_text, parse_entry
from feedsite.feeds import FeedInfo, render_feeds
from feedsite.markup import Renderer, first_paragraph
from feedsite.pages import Theme
from feedsite.posts import make_post, tag_index

CONFIG = SiteConfig(
    root=Path("."), title="P & Q <news>", base_url="https://p.example/", timezone="Europe/Rome"
)
INFO = FeedInfo(
    "P", "P feed", "https://p.example/", "https://p.example/feed.xml", "https://p.example/atom.xml"
)
RENDER = Renderer(CONFIG.markdown_extensions)

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
    entry = parse_entry(CONFIG, "content/x.md", raw)
    html = RENDER(entry.body)
    post = make_post(CONFIG, entry, html, first_paragraph(html), tag_index([entry]))
    rss, atom = render_feeds(CONFIG, INFO, [post])
    for document in (rss, atom):
        root = etree.fromstring(document)  # well-formed XML 1.0: lxml refuses anything else
        titles = root.xpath("//*[local-name()='item' or local-name()='entry']/*[local-name()='title']/text()")
        assert titles == [entry.title]
        feed = feedparser.parse(document)
        assert not feed.bozo, feed.bozo_exception
        assert len(feed.entries) == 1
        if not MOJIBAKE.search(entry.title):  # feedparser "repairs" text that looks double-encoded
            assert feed.entries[0].title == entry.title
        assert feed.entries[0].id == "urn:uuid:1"


THEME = Theme(CONFIG)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    titles=st.lists(texts.filter(lambda t: " ".join(clean_text(t).split())), min_size=1, max_size=3),
    root=st.sampled_from(["./", "../../", "../../../../", "/news/", "/a&b/"]),
)
def test_archive_titles_made_in_python_equal_the_macro(titles: list[str], root: str) -> None:
    posts = []
    for n, title in enumerate(titles):
        meta = {"title": title, "date": f"2024-11-0{n + 1}T09:00:00+01:00", "slug": f"s{n}"}
        raw = ("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\nBody.\n").encode("utf-8")
        entry = parse_entry(CONFIG, f"content/x{n}.md", raw)
        posts.append(make_post(CONFIG, entry, "<p>Body.</p>", "Body.", tag_index([entry])))
    macro = THEME.env.get_template("_macros.html").module.title_list  # type: ignore[attr-defined]
    assert str(THEME.titles(posts, root)) == str(macro(posts, root))
    assert str(THEME.titles(posts, root)) == str(macro(posts, root))  # again: from the memo
