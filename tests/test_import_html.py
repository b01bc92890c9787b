"""HTML article pages: metadata, main text, and nothing harmful or off-topic in the entry."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import lxml.html
import markdown
import pytest
from test_import_support import FIXTURES, make_project, run, split_entry

from feedsite.importers.article import SourceError, decode
from feedsite.importers.html import parse_html
from feedsite.importers.tomarkdown import html_to_markdown
from feedsite.posts import render_markdown

ROME = ZoneInfo("Europe/Rome")
NOISE = [
    "MASTHEAD-TEXT", "NAV-NEWS", "NAV-SPORT", "ADVERT-TEXT", "SHARE-TEXT", "SOCIAL-TEXT",
    "COMMENT-TEXT", "SIDEBAR-TEXT", "FOOTER-TEXT", "RELATED-TEXT", "IFRAME-TEXT", "SCRIPT-TEXT",
    "SCRIPT-WRITE", "INLINE-SCRIPT", "STYLE-TEXT", "ONLOAD", "JSLINK", "javascript:", "onclick",
    "<script", "<iframe", "<style", "steal()",
]  # fmt: skip


def fixture_article():  # type: ignore[no-untyped-def]
    return parse_html(decode((FIXTURES / "article.html").read_bytes()), ROME)


def test_metadata_from_json_ld_and_open_graph() -> None:
    a = fixture_article()
    assert a.title == "Harbour reopens after storm"  # JSON-LD headline beats og:title
    assert a.summary == "The harbour reopened on Friday after three days of storm damage repairs."
    assert a.date == datetime(2024, 3, 1, 9, 30, tzinfo=ROME)
    assert a.updated == datetime(2024, 3, 2, 10, 0, tzinfo=ROME)
    assert a.authors == ("Zoë Martin", "Ian Reed")
    assert a.tags == ("Harbour", "Weather", "Local")
    assert a.lang == "en-GB"
    assert a.source_name == "The Coast Courier"
    assert a.source_url == "https://courier.example/news/harbour-reopens"
    assert a.image == "https://courier.example/media/harbour.jpg"
    assert a.image_alt == "Boats back in the harbour at dawn"
    assert a.rights == "© 2024 The Coast Courier"


def test_main_text_keeps_structure() -> None:
    body = fixture_article().body
    assert body.startswith("The harbour **reopened on Friday** after three days")
    assert "[ferry notice](https://courier.example/notices/ferry)" in body
    assert "the harmful link for details" in body  # link text kept, javascript: URL gone
    assert "## What was repaired" in body
    assert "- The north breakwater\n- Two cranes on *pier 4*" in body
    assert "1. First, the lights.\n2. Then the fuel station." in body
    assert "> We are open for business again." in body
    assert "Repairs cost **€2 million**, funded by the region." in body
    assert "# Harbour reopens" not in body  # the title is not repeated in the body


def test_page_text_renders_as_written() -> None:
    html = markdown.markdown(fixture_article().body, extensions=["extra", "sane_lists"])
    assert "<p># Not a heading, and 1. not a list, *literal stars* in text.</p>" in html
    assert "<h1" not in html


def test_nothing_off_topic_or_harmful_reaches_the_entry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = make_project(tmp_path)
    source = config.path("seeds") / "article.html"
    source.write_bytes((FIXTURES / "article.html").read_bytes())
    result = run(config)
    assert result.status == 0, result.err
    entry = config.path("content") / "2024" / "03" / "harbour-reopens-after-storm.md"
    text = entry.read_text(encoding="utf-8")
    for marker in NOISE:
        assert marker not in text
    front, _ = split_entry(text)
    assert front["source"] == {
        "name": "The Coast Courier",
        "url": "https://courier.example/news/harbour-reopens",
    }
    assert front["updated"] == datetime(2024, 3, 2, 10, 0, tzinfo=ROME)


def test_open_graph_meta_and_time_fallbacks_and_densest_block() -> None:
    page = """<html><head><title>Quiet day | Village News</title>
    <meta property="og:site_name" content="Village News">
    <meta name="author" content="Sam Hill"><meta name="keywords" content="Village, Calm">
    <meta name="description" content="Nothing happened.">
    </head><body><div class="menu"><a href="/">Home</a></div>
    <div class="wrap"><div class="story"><time datetime="2024-07-04">4 July</time>
    <p>It was a quiet day in the village, and nothing at all happened.</p>
    <p>The baker sold <i>bread</i> as usual.</p></div>
    <div class="comments"><p>A comment that is long enough to be a paragraph of text.</p></div>
    </div></body></html>"""
    a = parse_html(page, ROME)
    assert a.title == "Quiet day"
    assert a.summary == "Nothing happened."
    assert a.authors == ("Sam Hill",)
    assert a.tags == ("Village", "Calm")
    assert a.source_name == "Village News"
    assert a.date == datetime(2024, 7, 4, tzinfo=ROME)
    assert a.body == (
        "It was a quiet day in the village, and nothing at all happened.\n\nThe baker sold *bread* as usual."
    )


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Empty</title></head><body><nav>Menu</nav></body></html>",
        "<html><head><title>Only scripts</title><script>var a = 'x'.repeat(500);</script></head>"
        "<body><div class='ad'>Buy things now, buy lots of things, buy them all today</div></body></html>",
    ],
)
def test_page_without_article_text_fails(page: str) -> None:
    with pytest.raises(SourceError, match="HTML page with no article text"):
        parse_html(page, ROME)


def test_converter_escapes_and_drops() -> None:
    md = html_to_markdown(
        '<p>a_b *c* [d] <a href="javascript:x()">e</a> <a href="data:text/html,x">f</a></p>'
        "<pre><code>x = `y`</code></pre><table><tr><th>h|1</th></tr><tr><td>v</td></tr></table>"
        '<p onmouseover="x()"><img src="https://i.example/a.png" alt="pic"></p>'
    )
    assert md.split("\n\n") == [
        r"a\_b \*c\* \[d\] e f",
        "```\nx = `y`\n```",
        "| h\\|1 |\n|---|\n| v |",
        "![pic](https://i.example/a.png)",
    ]
    assert not re.search(r"javascript|data:|onmouseover", md)


# ---- links and linked images (issue 13 item 4) ---------------------------------------------------

EXTENSIONS = ("extra", "sane_lists")


def rendered(body: str) -> lxml.html.HtmlElement:
    html, _ = render_markdown(EXTENSIONS, body)
    return lxml.html.fragment_fromstring(html, create_parent="div")


@pytest.mark.parametrize(
    ("fragment", "links", "images"),
    [
        (
            '<p><a href="https://x.example/big.jpg"><img src="https://x.example/a.jpg" alt="A [1]"></a></p>',
            ["https://x.example/big.jpg"],
            ["https://x.example/a.jpg"],
        ),
        ('<p><a href="https://x.example/b">Start</a> of a paragraph.</p>', ["https://x.example/b"], []),
        ('<ul><li><a href="https://x.example/c">Item</a> text</li></ul>', ["https://x.example/c"], []),
        (
            '<blockquote><a href="https://x.example/d">Quote</a> start</blockquote>',
            ["https://x.example/d"],
            [],
        ),
        ('<h2><a href="https://x.example/e">Heading</a></h2>', ["https://x.example/e"], []),
        (
            '<table><tr><td><a href="https://x.example/f"><img src="https://x.example/f.png" alt=""></a>'
            "</td></tr></table>",
            ["https://x.example/f"],
            ["https://x.example/f.png"],
        ),
        (
            '<p><a href="https://x.example/g"><img src="https://x.example/g.png" alt="G"> and caption</a>'
            "</p>",
            ["https://x.example/g"],
            ["https://x.example/g.png"],
        ),
        ("<p>[not a link](https://x.example/h) stays text</p>", [], []),
        ("<p>[1]: https://x.example/i is no link definition</p>", [], []),
    ],
)
def test_links_and_linked_images_convert_to_markdown_that_renders(
    fragment: str, links: list[str], images: list[str]
) -> None:
    root = rendered(html_to_markdown(fragment))
    assert [a.get("href") for a in root.iter("a")] == links
    assert [i.get("src") for i in root.iter("img")] == images
    literal = lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()
    assert ("](" in root.text_content()) == ("](" in literal)  # only what the page wrote as text
