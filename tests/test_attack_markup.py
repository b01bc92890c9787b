"""Attack: Markdown bodies. Links and images with a URL outside the allow-list, and event-handler
attributes (attr_list), are dropped from what Markdown makes, in pages and feeds alike; with
`markdown.raw_html = false` the author's own raw HTML is sanitized too; a body too deeply nested
to render is one clean error. Bodies without such things render exactly as before (test_markup.py,
tests/golden)."""

from __future__ import annotations

import html
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsite.config import MARKDOWN_DEFAULT_EXTENSIONS, SiteConfig
from feedsite.content import Entry, parse_entry, settings_of
from feedsite.errors import ContentError
from feedsite.markup import Renderer, absolutize, is_harmful, sanitize_body
from feedsite.plain_markdown import plain_html
from feedsite.posts import markdown_key, render_posts
from feedsite.urls import allowed_url

RENDER = Renderer(MARKDOWN_DEFAULT_EXTENSIONS)
SANITIZE = Renderer(MARKDOWN_DEFAULT_EXTENSIONS, raw_html=False)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[x](javascript:alert(1))", "<p><a>x</a></p>"),
        ("[x](javascript:alert%281%29)", "<p><a>x</a></p>"),  # the plain fast path's URL characters
        ("[x](JaVaScRiPt:alert(1))", "<p><a>x</a></p>"),
        ("[x](java\tscript:alert(1))", "<p><a>x</a></p>"),
        ("[x](&#106;avascript:alert(1))", "<p><a>x</a></p>"),  # a browser decodes the reference
        ("[x](javascript&colon;alert(1))", "<p><a>x</a></p>"),
        ("[x](vbscript:msgbox)", "<p><a>x</a></p>"),
        ("[x](data:text/html,hi)", "<p><a>x</a></p>"),
        ("![i](javascript:alert(1))", '<p><img alt="i"></p>'),
        ("[x][r]\n\n[r]: javascript:alert(1)", "<p><a>x</a></p>"),
        ("<ftp://files.example/x>", "<p><a>ftp://files.example/x</a></p>"),
        ('[x](https://ok.example/){: onclick="alert(1)" }', '<p><a href="https://ok.example/">x</a></p>'),
        ('[x](https://ok.example/){: href="javascript:alert(1)" }', "<p><a>x</a></p>"),
        ('## Heading {: onmouseover="alert(1)" }', "<h2>Heading</h2>"),
        ('Para\n{: onclick="alert(1)" ONLOAD="x" }', "<p>Para</p>"),
    ],
)
def test_harmful_links_and_handlers_are_dropped(body: str, expected: str) -> None:
    assert RENDER(body) == expected
    assert SANITIZE(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "[a](https://ok.example/x?y=1&z=2) [b](/rel/) [c](../up) [d](#frag) [e](mailto:a@b.example)",
        "![i](//cdn.example/i.png) [f](page.html) [g](?q=1)",
        "<https://auto.example/> <mail@example.org>",
    ],
)
def test_allowed_links_render_as_stock(body: str) -> None:
    import markdown

    stock = markdown.Markdown(extensions=list(MARKDOWN_DEFAULT_EXTENSIONS), output_format="html")
    assert RENDER(body) == stock.convert(body)


def test_the_quick_path_never_takes_a_harmful_link() -> None:
    assert (
        plain_html("A [link](https://ok.example/) here.")
        == '<p>A <a href="https://ok.example/">link</a> here.</p>'
    )
    assert plain_html("A [link](javascript:void0) here.") is None  # Python-Markdown renders it, safely
    assert RENDER("A [link](javascript:void0) here.") == "<p>A <a>link</a> here.</p>"


def test_feeds_get_the_neutral_link_too() -> None:
    fragment = RENDER("[x](javascript:alert(1)) and [y](/ok/)")
    assert absolutize(fragment, "https://news.example/2024/11/a/") == (
        '<p><a>x</a> and <a href="https://news.example/ok/">y</a></p>'
    )


def test_raw_html_is_the_authors_own_unless_switched_off() -> None:
    body = (
        "<script>alert(1)</script>\n\n"
        '<p onclick="alert(2)">Hi <b>bold</b> <a href="javascript:x">a</a></p>\n\n'
        "<iframe src=https://evil.example/></iframe><style>body{}</style>"
        "<svg onload=alert(3)></svg><math><mi xlink:href=javascript:x>m</mi></math>\n\n"
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\nNote[^1]\n\n[^1]: The note."
    )
    kept = RENDER(body)
    assert "<script>alert(1)</script>" in kept  # raw_html = true (the default): as written
    clean = SANITIZE(body)
    doc = lxml.html.fragment_fromstring(clean, create_parent="div")
    assert not doc.xpath("//script|//iframe|//style|//svg|//math") and "alert" not in clean
    assert all(not a.startswith("on") for el in doc.iter() for a in el.attrib)
    assert all(allowed_url(el.get("href")) for el in doc.xpath("//a[@href]"))
    assert "<b>bold</b>" in clean and '<th style="text-align:left">a</th>' in clean
    assert 'id="fn:1"' in clean and 'href="#fnref:1"' in clean  # footnotes keep working


def test_sanitize_body_keeps_what_markdown_makes() -> None:
    made = RENDER('# T\n\n*em* **strong** `code` [a](/x "t")\n\n> quote\n\n1. one\n2. two\n\n---\n')
    assert sanitize_body(made) == made


def test_is_harmful() -> None:
    assert is_harmful("onclick", "x") and is_harmful("OnLoad", "")
    assert is_harmful("href", "javascript:x") and is_harmful("src", "&#x6A;avascript:x")
    assert is_harmful("srcset", "/a.png 1x, javascript:x 2x")
    assert not is_harmful("href", "/ok") and not is_harmful("title", "javascript:x")
    assert not is_harmful("srcset", "/a.png 1x, https://cdn.example/b.png 2x")


HOSTILE = [
    "[x](", "javascript:alert(1)", ")", "![i](", "<", ">", "&#106;", "&colon;", "{: onclick=alert(1) }",
    "\n", "\n\n", "[r]: ", "[r]", "*", "_", "`", "<script>", "</script>", "<img src=x onerror=alert(1)>",
    '<a href="javascript:x">', "</a>", "<svg onload=alert(1)>", "<math>", "<!--", "-->", "]]>", "\t",
    "    ", "- ", "> ", "# ", "|", ":--", "https://ok.example/", "data:", "vbscript:", '"', "'",
]  # fmt: skip
bodies = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=5)), max_size=40).map("".join)


def assert_harmless(fragment: str) -> None:
    doc = lxml.html.fragment_fromstring(fragment, create_parent="div")
    assert not doc.xpath("//script|//iframe|//object|//embed|//svg|//math|//style"), fragment
    for element in doc.iter():
        for name, value in element.attrib.items():
            assert not is_harmful(name, html.escape(value)), (name, value, fragment)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_any_body_with_raw_html_off_is_harmless(body: str) -> None:
    assert_harmless(SANITIZE(body) or "<p></p>")


@settings(max_examples=300, deadline=None)
@given(bodies.map(lambda text: text.replace("<", "")))
def test_any_body_without_raw_html_is_harmless(body: str) -> None:
    assert_harmless(RENDER(body) or "<p></p>")


CONFIG = SiteConfig(root=Path("."), base_url="https://p.example/")


def entry(body: str, name: str = "a") -> tuple[Entry, str]:
    raw = f"---\ntitle: T\ndate: 2024-11-08\n---\n\n{body}\n".encode()
    return parse_entry(settings_of(CONFIG), f"content/{name}.md", raw)


def test_a_body_too_deep_to_render_is_a_content_error_naming_its_file() -> None:
    deep, deep_body = entry("".join("    " * depth + "- item\n" for depth in range(400)), "deep")
    fine, fine_body = entry("Fine.", "fine")
    with pytest.raises(ContentError) as caught:
        render_posts(CONFIG, [fine, deep], {fine.key: fine_body, deep.key: deep_body}, {})
    assert [str(p) for p in caught.value.problems] == [
        "content/deep.md: body: nested too deeply to render (lists or quotes inside each other)"
    ]


def test_raw_html_is_part_of_the_rendered_bodys_key() -> None:
    one, _body = entry("Body.")
    assert markdown_key(("extra",), one, True) != markdown_key(("extra",), one, False)
