"""HTML article pages: metadata, main text, and nothing harmful or off-topic in the entry."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import markdown
import pytest
from test_import_support import FIXTURES, make_project, run, split_entry

from feedsite.importers.article import Article, SourceError, decode
from feedsite.importers.bylines import split_names
from feedsite.importers.extract import own_article
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


# ---- real-page cases: bylines, dates, titles, wrappers, links (issue 13 item 4) ------------------

PAGES = Path(__file__).parent / "fixtures" / "html"


def page(name: str) -> Article:
    return parse_html(decode((PAGES / name).read_bytes()), ROME)


@pytest.mark.parametrize(
    ("name", "authors"),
    [
        ("byline-meta.html", ("Jane Doe",)),  # <meta name="author">
        ("byline-jsonld-cdata.html", ("Anna Schmidt", "Jonas Weber")),  # CDATA, @graph, @id, trailing commas
        ("byline-article-author.html", ("Marta Rossi",)),  # a profile URL as article:author is no name
        ("byline-rel-author.html", ("Omar Haddad",)),  # <a rel="author">
        ("byline-itemprop.html", ("Li Wei",)),  # itemprop="author" / itemprop="name"
        ("byline-visible.html", ("Ana García", "Tom Berg")),  # "By Ana García and Tom Berg, Staff Writers"
    ],
)
def test_bylines_of_each_kind(name: str, authors: tuple[str, ...]) -> None:
    assert page(name).authors == authors


@pytest.mark.parametrize(
    ("name", "title", "site"),
    [
        ("byline-meta.html", "Council approves new cycle lanes", "The Daily Example"),  # " | Site"
        (
            "byline-jsonld-cdata.html",
            "Neue Brücke über die Elbe eröffnet",
            "Elbkurier",
        ),  # first <h1> is the site
        (
            "byline-article-author.html",
            "Il porto riapre dopo la tempesta",
            "La Gazzetta del Golfo",
        ),  # " - Site"
        ("byline-rel-author.html", "Library extends its opening hours", "Riverside Post"),  # " — Site"
        ("byline-itemprop.html", "Night ferry returns for the winter", "Harbour Times"),  # "Site: "
        ("byline-visible.html", "Abre el mercado de invierno", "Crónica del Valle"),  # "Site | "
    ],
)
def test_title_is_the_headline_without_the_site_name(name: str, title: str, site: str) -> None:
    a = page(name)
    assert (a.title, a.source_name) == (title, site)


DATED = """<html><head><title>Dated</title>{head}</head><body><article>{body}
<p>The council met on Thursday and agreed the budget for the coming year after a long debate.</p>
<p>The vote was close, and the opposition said it would ask for a review of the spending plans.</p>
</article></body></html>"""
NOON = datetime(2024, 11, 7, 12, 0, tzinfo=ROME)
DAY = datetime(2024, 11, 7, tzinfo=ROME)


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        *[
            (f'<meta {attr}="{name}" content="2024-11-07T11:00:00Z">', "", NOON)
            for attr, name in [
                ("property", "article:published_time"),
                ("itemprop", "datePublished"),
                ("name", "publicationdate"),
                ("name", "pubdate"),
                ("name", "publishdate"),
                ("name", "date"),
                ("name", "DC.date.issued"),
                ("name", "dc.date"),
                ("name", "dcterms.created"),
                ("name", "parsely-pub-date"),
                ("name", "sailthru.date"),
                ("name", "citation_publication_date"),
                ("name", "article.published"),
                ("name", "publish-date"),
            ]
        ],
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": '
            '"2024-11-07T12:00:00+01:00"}</script>',
            "",
            NOON,
        ),
        ('<meta name="sailthru.date" content="2024/11/07 12:00:00">', "", NOON),
        ('<meta name="date" content="7 November 2024">', "", DAY),
        ("", '<time datetime="2024-11-07T11:00:00Z">7 Nov</time>', NOON),
        ("", "<time pubdate>2024-11-07</time>", DAY),
        ("", '<span itemprop="datePublished" content="2024-11-07">7 Nov</span>', DAY),
        ("", '<span class="article-publish-date">Nov. 7, 2024, 9:00 AM</span>', DAY),
        ('<link rel="canonical" href="https://n.example/2024/11/07/budget/">', "", DAY),
    ],
)
def test_dates_of_each_kind(head: str, body: str, expected: datetime) -> None:
    assert parse_html(DATED.format(head=head, body=body), ROME).date == expected


def test_a_date_that_is_not_one_is_no_date() -> None:
    page_ = DATED.format(head='<meta name="date" content="2024-02-30">', body="")
    assert parse_html(page_, ROME).date is None


@pytest.mark.parametrize("name", ["wrapper-sidebar.html", "wrapper-widget.html", "wrapper-ad-portal.html"])
def test_a_wrapper_class_around_the_article_keeps_it(name: str) -> None:
    text = (PAGES / name).read_text("utf-8")
    a = parse_html(text, ROME)
    assert a.body.startswith("Heavy snow closed the mountain pass on Friday morning")
    assert "Two coaches that were stuck near the summit" in a.body
    assert "Home" not in a.body
    ours, _ = own_article(lxml.html.document_fromstring(text))  # our own reading, trafilatura's fallback
    assert "Heavy snow closed" in ours and "Two coaches" in ours and "Weather" not in ours


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ('lang="en-GB"', "en-GB"),
        ('lang="pt_BR"', "pt-BR"),
        ('lang="english"', ""),
        ('lang="xx"', ""),
        ('lang=""', ""),
        ('xml:lang="de"', "de"),
    ],
)
def test_html_lang_is_the_entry_language_when_it_is_a_language_tag(lang: str, expected: str) -> None:
    text = DATED.format(head="", body="").replace("<html>", f"<html {lang}>")
    assert parse_html(text, ROME).lang == expected


EXTENSIONS = ("extra", "sane_lists")
LINKS = {
    "byline-meta.html": ["https://daily.example/documents/cycle-plan.pdf"],
    "byline-jsonld-cdata.html": ["https://elbkurier.example/verkehr"],
    "byline-article-author.html": ["https://gazzetta.example/avvisi/traghetti"],
    "byline-rel-author.html": ["https://riverside.example/library/grant"],
    "byline-itemprop.html": ["https://ferry.example/timetable"],
    "byline-visible.html": ["https://valle.example/mercado/plano"],
    "wrapper-sidebar.html": ["https://roads.example/pass/status"],
    "wrapper-widget.html": ["https://roads.example/pass/status"],
    "wrapper-ad-portal.html": ["https://roads.example/pass/status"],
    "links-and-images.html": [
        "https://courier.example/photo-week",
        "https://courier.example/readers/anna",
        "https://courier.example/readers/ben",
        "https://courier.example/rules",
    ],
}
IMAGES = {
    "links-and-images.html": [
        "https://courier.example/photos/boats.jpg",
        "https://courier.example/photos/lighthouse.jpg",
    ]
}


def rendered(body: str) -> lxml.html.HtmlElement:
    html, _ = render_markdown(EXTENSIONS, body)
    return lxml.html.fragment_fromstring(html, create_parent="div")


def test_every_fixture_page_covers_a_case() -> None:
    assert sorted(p.name for p in PAGES.glob("*.html")) == sorted(LINKS)


@pytest.mark.parametrize("name", sorted(LINKS))
def test_every_fixture_body_renders_its_links_and_images(name: str) -> None:
    root = rendered(page(name).body)
    assert "](" not in root.text_content()  # no Markdown left over as text
    assert [a.get("href") for a in root.iter("a")] == LINKS[name]
    assert [i.get("src") for i in root.iter("img")] == IMAGES.get(name, [])
    assert all(a.text_content().strip() for a in root.iter("a"))


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


@pytest.mark.parametrize(
    ("text", "names", "strict"),
    [
        ("By Jane Doe, Staff Writer", ["Jane Doe"], ["Jane Doe"]),
        ("Jane Doe and John Roe", ["Jane Doe", "John Roe"], ["Jane Doe", "John Roe"]),
        ("Sarah E. Needleman", ["Sarah E. Needleman"], ["Sarah E. Needleman"]),
        ("Troy L. Smith, Cleveland.com", ["Troy L. Smith"], ["Troy L. Smith"]),
        ("HNN Staff", ["HNN Staff"], []),  # an institutional byline, not shown text of a person
        ("https://www.facebook.com/someone", [], []),
        ("Jeff Foust Monday, November 18, 2019", ["Jeff Foust Monday"], ["Jeff Foust"]),
        ("Nama (wajib)", ["Nama (wajib)"], []),  # a comment form's label
    ],
)
def test_names_in_a_byline(text: str, names: list[str], strict: list[str]) -> None:
    assert (split_names(text), split_names(text, strict=True)) == (names, strict)
