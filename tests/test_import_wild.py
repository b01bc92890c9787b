"""Feeds in the wild (issue 13, item 3): untitled items, every encoding feedparser reads, characters
XML forbids, and "binary" only on evidence."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_import_support import Result, entries, make_project, run, split_entry

from feedsite.importers.article import MAX_TITLE, Article, title_from_text
from feedsite.importers.feed import parse_feed

ROME = ZoneInfo("Europe/Rome")
TOOT = (
    "<p>Just shipped a new release of our parser! It reads feeds nobody else can, and the "
    '<a href="https://example.social/tags/python">#python</a> crowd seems happy.</p>'
)
MASTODON = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Ann (@ann@example.social)</title><link>https://example.social/@ann</link>
<item><guid isPermaLink="true">https://example.social/@ann/1</guid><link>https://example.social/@ann/1</link>
<pubDate>Fri, 08 Nov 2024 09:00:00 +0000</pubDate>
<description>{TOOT.replace("&", "&amp;").replace("<", "&lt;")}</description>
</item></channel></rss>"""


def only(data: bytes, suffix: str = ".xml") -> Article:
    (item,) = parse_feed(data, suffix, ROME)
    assert isinstance(item, Article), item
    return item


def test_an_untitled_mastodon_post_gets_its_first_sentence() -> None:
    post = only(MASTODON.encode())
    assert post.title == "Just shipped a new release of our parser!"
    assert post.id == "https://example.social/@ann/1"
    assert "[#python](https://example.social/tags/python)" in post.body


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Storm closes the port. Ferries resume tomorrow.", "Storm closes the port"),
        (
            "Mr. Rossi met Dr. Bianchi in the U.S. capital. Then he left.",
            "Mr. Rossi met Dr. Bianchi in the U.S. capital",
        ),
        ("Who pays? Nobody knows.", "Who pays?"),
        ("He said “stop.” Then he left.", "He said “stop.”"),
        ("港が閉鎖された。フェリーは明日再開。", "港が閉鎖された。"),
        ("no punctuation at all", "no punctuation at all"),
        ("", ""),
    ],
)
def test_title_from_text(text: str, title: str) -> None:
    assert title_from_text(text) == title


def test_a_long_first_sentence_is_cut_at_a_word_boundary() -> None:
    text = "The regional council approved on Tuesday evening a plan " * 4 + "that nobody expected. Next."
    title = title_from_text(text)
    assert len(title) <= MAX_TITLE == 90 and title.endswith("…")
    assert text.startswith(title[:-1]) and text[len(title) - 1] == " "  # whole words only
    assert len(title_from_text("x" * 200)) == 90  # one endless word: cut where it must be


BODY = "Привет, мир: новости дня. 世界你好 — Grüße"
FEED = (
    '<rss version="2.0"><channel><title>W</title>'
    f"<item><title>T</title><description>{BODY}</description></item></channel></rss>"
)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [True, False])
def test_utf16_and_utf32_feeds_with_or_without_bom(codec: str, bom: bool) -> None:
    marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    marks |= {"utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}
    encoding = codec[:6].upper()
    data = f'<?xml version="1.0" encoding="{encoding}"?>\n{FEED}'.encode(codec)
    assert only((marks[codec] if bom else b"") + data).body == BODY


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("KOI8-R", "Новости дня: порт закрыт из-за шторма"),
        ("Big5", "颱風過後港口重新開放"),
        ("Shift_JIS", "台風の後、港が再開した"),
        ("windows-1252", "Café “quoted” – ok"),
        ("EUC-KR", "태풍 후 항구 재개"),
    ],
)
def test_declared_legacy_encodings(encoding: str, text: str) -> None:
    feed = f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>W</title>'
    feed += f"<item><title>{text}</title><description>{text}.</description></item></channel></rss>"
    article = only(feed.encode(encoding))
    assert (article.title, article.body) == (text, text + ".")


def test_characters_xml_forbids_are_removed_not_fatal(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    seeds = config.path("seeds")
    text = ("Port reopens\n" + "The harbour reopened on Monday after the storm. " * 40).encode()
    (seeds / "nul.txt").write_bytes(text[:200] + b"\x00" + text[200:])  # one NUL: not "binary"
    feed = FEED.replace("<title>T</title>", "<title>Null\x00 and\x01 bell\x07</title>").encode()
    (seeds / "nul.xml").write_bytes(feed)
    (seeds / "utf16.txt").write_bytes("Harbour news\nThe port reopened.\n".encode("utf-16"))
    result = run(config, date=None)
    assert result.status == 0, result.err
    found = {name: split_entry(data.decode())[0]["title"] for name, data in entries(config).items()}
    assert sorted(found.values()) == ["Harbour news", "Null and bell", "Port reopens"]
    assert not any(b"\x00" in data or b"\x07" in data for data in entries(config).values())


def test_binary_files_are_told_by_their_magic_numbers(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    seeds = config.path("seeds")
    files = {
        "report.txt": (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\n", "a PDF document"),
        "photo.html": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "a JPEG image"),
        "feed.xml": (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive (or .docx, .odt, .epub)"),
        "feed.json": (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
        "noise.rss": (bytes(range(1, 32)) * 50, ""),
    }
    for name, (data, _) in files.items():
        (seeds / name).write_bytes(data)
    result = run(config)
    assert result.status == 1 and not entries(config)
    for name, (_, kind) in files.items():
        expected = (
            f"seeds/{name}: binary file ({kind}), not text"
            if kind
            else f"seeds/{name}: binary file, not text"
        )
        assert expected in result.err.splitlines()


def test_the_feeds_language_is_used_and_checked() -> None:
    feed = '<rss version="2.0"><channel><title>W</title><language>{}</language><item><title>T</title>'
    feed += "<description>Text.</description></item></channel></rss>"
    assert only(feed.format("pt-BR").encode()).lang == "pt-BR"
    assert only(feed.format("fr_CA").encode()).lang == "fr-CA"
    assert only(feed.format("Français").encode()).lang == ""  # not a BCP 47 tag: left out


def test_an_untitled_json_feed_item_gets_its_first_sentence() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Microblog",
        "items": [{"id": "1", "content_html": "<p>Short note: the ferry runs again. More soon.</p>"}],
    }
    note = only(json.dumps(feed).encode("utf-16"), ".json")  # RFC 8259 allows UTF-16 too
    assert (note.title, note.body) == (
        "Short note: the ferry runs again",
        "Short note: the ferry runs again. More soon.",
    )


def test_a_feed_read_leniently_numbers_its_items_as_they_stand(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    feed = (
        "<rss><channel><title>W</title><item><title>One</title><description>A &amp; B.</description></item>"
    )
    feed += "<item><title>Two</title><description>Broken &amp B.</description></item></channel></rss>"
    (config.path("seeds") / "w.xml").write_text(feed)
    result = run(config)
    assert result.status == 0
    assert [line.split("← ")[1] for line in result.lines[:2]] == ["seeds/w.xml #1", "seeds/w.xml #2"]
    assert "seeds/w.xml: warning: not well-formed XML: " in result.err


def imports_its_item(tmp_path: Path, name: str, feed: str) -> Result:
    """Import seeds/<name> holding `feed`: it must succeed, its first item created, with no
    internal error; the result, for what else a test checks."""
    config = make_project(tmp_path)
    (config.path("seeds") / name).write_text(feed)
    result = run(config)
    assert result.status == 0, result.err
    assert result.lines[0].startswith("created ") and result.lines[0].endswith(f"← seeds/{name} #1")
    assert "internal error" not in result.err
    return result


def test_a_broken_element_in_a_lenient_feed_is_no_internal_error(tmp_path: Path) -> None:
    """A description whose tag is broken reads as nothing (feedparser gives None), and the warning
    that the feed was read leniently is one line (the XML parser's message holds a line break)."""
    feed = "<rss><channel><title>W</title><item><title>One</title><link>https://w.example/1</link>"
    feed += "<pubDate>Fri, 08 Nov 2024 09:00:00 GMT</pubDate><description>/description>\n<content:encoded xmlns:content='http://purl.org/rss/1.0/modules/"
    feed += "content/'><![CDATA[<p>Body.</p>]]></content:encoded></item></channel></rss>"
    result = imports_its_item(tmp_path, "w.xml", feed)
    (warning,) = result.err.splitlines()
    assert warning.startswith("seeds/w.xml: warning: not well-formed XML: ")


def test_a_broken_author_in_a_lenient_atom_feed_is_no_internal_error(tmp_path: Path) -> None:
    """`<author>\\0name>…` (found by the attack property test): feedparser gives the author a name of
    None, which reads as no author; the entry imports."""
    feed = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry>'
    feed += "<title>Hello</title><id>urn:x:1</id><updated>2024-01-01T00:00:00Z</updated>"
    feed += "<author>\0name>Bob</name></author><content>Body text here.</content></entry></feed>"
    imports_its_item(tmp_path, "w.atom", feed)


def test_a_link_python_cannot_parse_is_dropped_not_an_internal_error(tmp_path: Path) -> None:
    """An item's link "https://[x]…" (a bracketed host that is no IPv6 address) is no base to join
    the body's relative links to: the link is dropped with a warning, and the item imports."""
    feed = "<rss><channel><title>W</title><item><title>One</title><link>https://[x]/2024/one</link>"
    feed += "<pubDate>Fri, 08 Nov 2024 09:00:00 GMT</pubDate>"
    feed += "<description>Text &lt;a href='/more'&gt;more&lt;/a&gt;.</description></item></channel></rss>"
    result = imports_its_item(tmp_path, "w.xml", feed)
    assert "source url 'https://[x]/2024/one' dropped" in result.err
