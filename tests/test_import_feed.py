"""Feeds: RSS 2.0, RSS 1.0, Atom and JSON Feed items → articles; malformed feeds fail clearly."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from test_import_support import FIXTURES

from feedsite.importers.article import Article, Notice, SourceError
from feedsite.importers.feed import parse_feed

ROME = ZoneInfo("Europe/Rome")


def articles(name: str) -> list[Article]:
    path = FIXTURES / name
    items = parse_feed(path.read_bytes(), path.suffix, ROME)
    assert all(isinstance(item, Article) for item in items), items
    return [item for item in items if isinstance(item, Article)]


def test_rss_items() -> None:
    strike, museum = articles("wire.rss")
    assert strike.title == "Rail strike ends after deal"
    assert strike.id == strike.item == "wire-2024-0001"
    assert strike.date == datetime(2024, 3, 5, 15, 0, tzinfo=ROME)
    assert strike.authors == ("Ana Lopez",)
    assert strike.tags == ("Transport", "Labour")
    assert strike.source_url == "https://wire.example/2024/rail-strike-ends"
    assert strike.source_name == "Wire Service"
    assert strike.rights == "© Wire Service"
    assert strike.lang == "en-us"
    assert strike.summary == "Unions and operators agreed a deal late on Monday."
    assert strike.body == (
        "Unions and operators *agreed a deal* late on Monday.\n\n"
        "Trains run normally from [Wednesday](https://wire.example/timetable)."
    )
    assert museum.id == "https://wire.example/2024/museum-wing"
    assert museum.date == datetime(2024, 3, 6, 9, 15, tzinfo=ROME)
    assert museum.body == "The wing shows **modern art** from the region.\n\nEntry is free."
    assert museum.summary == ""


def test_atom_entry() -> None:
    (bridge,) = articles("newsroom.atom")
    assert bridge.id == "tag:newsroom.example,2024:pont"
    assert bridge.date == datetime(2024, 4, 1, 10, 0, tzinfo=ROME)
    assert bridge.updated == datetime(2024, 4, 2, 14, 0, tzinfo=ROME)
    assert bridge.lang == "fr"
    assert bridge.authors == ("Chloé Dupont",)
    assert bridge.tags == ("Infrastructure",)
    assert bridge.summary == "Le pont relie les deux rives."
    assert bridge.body == (
        "## Une longue attente\n\nLe pont *relie enfin* les deux rives.\n\n- 300 mètres\n- deux voies"
    )


def test_json_feed_items() -> None:
    solar, short = articles("agency.json")
    assert (solar.id, solar.title, solar.lang) == ("agency-77", "Solarpark eröffnet", "de")
    assert solar.date == datetime(2024, 5, 10, 9, 0, tzinfo=ROME)
    assert solar.tags == ("Energie", "Klima") and solar.authors == ("Jonas Weber",)
    assert "onerror" not in solar.body and "alert" not in solar.body
    assert short.id == "78"
    assert short.body == "Erste Zeile.\n\n\\# Keine Überschrift"
    assert short.date == datetime(2024, 5, 11, tzinfo=ROME)


def test_rss_1_0() -> None:
    data = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
 <channel rdf:about="https://old.example/"><title>Old site</title><link>https://old.example/</link>
 <description>d</description></channel>
 <item rdf:about="https://old.example/1"><title>Old story</title><link>https://old.example/1</link>
 <description>Told long ago.</description><dc:date>2003-12-13T18:30:02Z</dc:date></item>
</rdf:RDF>"""
    (item,) = parse_feed(data, ".rss", ROME)
    assert isinstance(item, Article)
    assert (item.title, item.body, item.source_url) == (
        "Old story",
        "Told long ago.",
        "https://old.example/1",
    )
    assert item.date == datetime(2003, 12, 13, 19, 30, 2, tzinfo=ROME)


def test_characters_xml_forbids_and_crlf_and_latin1_are_handled() -> None:
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\r\n<rss version="2.0"><channel><title>C\x0b</title>'
        "<item><title>Caf\xe9 \x01news</title><guid>c1</guid><description>Body\x1f text.</description>"
        "</item></channel></rss>"
    ).encode("latin-1")
    (item,) = parse_feed(data, ".xml", ROME)
    assert isinstance(item, Article)
    assert (item.title, item.body, item.source_name) == ("Café news", "Body text.", "C")


def test_items_without_a_title_or_a_body_import_and_empty_ones_are_skipped() -> None:
    data = b"""<rss version="2.0"><channel><title>W</title>
    <item><title>Good</title><guid>1</guid><description>Text.</description></item>
    <item><title>No body</title><guid>2</guid></item>
    <item><guid>3</guid><description>No title. The text says it all.</description></item>
    <item><title>Twin</title><guid>1</guid><description>Same id.</description></item>
    <item><guid isPermaLink="false">5</guid><author>x@example.org (X)</author></item>
    </channel></rss>"""
    good, no_body, no_title, twin, empty = parse_feed(data, ".xml", ROME)
    assert isinstance(good, Article) and good.title == "Good"
    assert isinstance(no_body, Article) and (no_body.title, no_body.body) == ("No body", "")
    assert isinstance(no_title, Article) and no_title.title == "No title"
    assert isinstance(twin, Article) and twin.item == good.item  # the importer keeps the newest
    assert empty == Notice("item 5: no title, text or link: nothing to publish, skipped")


@pytest.mark.parametrize(
    ("data", "suffix", "message"),
    [
        (b"<!-- nothing but a comment -->", ".xml", r"malformed feed: .* \(line 1\)"),
        (b"<urlset><url/></urlset>", ".xml", r"not an RSS, Atom or JSON feed \(root element <urlset>\)"),
        (b"<html><body><p>A page</p></body></html>", ".rss", r"not an RSS, Atom or JSON feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', ".json", "malformed JSON Feed"),
        (b'{"name": "package"}', ".json", "JSON but not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": 3}', ".json", "'items' is not a list"),
    ],
)
def test_malformed_feeds(data: bytes, suffix: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_feed(data, suffix, ROME)


def test_feeds_readers_accept_are_read_leniently_with_a_warning() -> None:
    unclosed = b"<rss><channel><title>x</title><item><title>Kept</title><description>Text.</description>"
    item, warning = parse_feed(unclosed + b"</channel></rss>", ".xml", ROME)
    assert isinstance(warning, Notice) and warning.message.startswith("not well-formed XML: ")
    assert warning.message.endswith("read leniently, as feed readers do")
    assert isinstance(item, Article) and (item.title, item.body) == ("Kept", "Text.")
    # HTML's named entities, which XML does not define, are no problem at all
    entities = b'<?xml version="1.0"?>\n<rss>\n<channel>\n<title>a &nbsp; b</title><item><title>Caf&eacute;'
    (cafe,) = parse_feed(
        entities + b"</title><description>&mdash;</description></item></channel></rss>", ".rss", ROME
    )
    assert isinstance(cafe, Article) and (cafe.title, cafe.body, cafe.source_name) == ("Café", "—", "a b")
