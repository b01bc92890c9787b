"""Plain-text sources: the seed's shape, escaping, decoding."""

from __future__ import annotations

import re

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_import_support import SEED

from feedsite.importers.article import SourceError, decode
from feedsite.importers.text import parse_text, publisher

HEADINGS = [
    "Trump and Putin's conversation",
    "The prospect of peace and international pressure",
    "The Military Situation on the Ground and the Call for Moderation",
    "Scholz and the dialogue with Putin: The role of Germany",
    "Trump's Diplomatic Challenge and Future Implications",
]


def words(text: str) -> list[str]:
    return text.split()


def test_seed_title_summary_headings_rights() -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    article = parse_text(decode(SEED.read_bytes()))
    assert article.title == lines[0]
    assert article.summary == lines[1]
    assert re.findall(r"^## (.+)$", article.body, re.M) == HEADINGS
    assert article.rights == "Reproduction reserved © Copyright La Milano"
    assert article.source_name == "La Milano"
    assert "Reproduction reserved" not in article.body
    assert "Call to avoid new escalations" not in article.body  # the repeated title is dropped
    assert article.date is None and article.id == ""


def test_seed_keeps_every_body_word_in_order() -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    body_lines = lines[3:-1]  # after title, standfirst and repeated title; before the rights line
    article = parse_text(decode(SEED.read_bytes()))
    body_words = [w for w in words(article.body) if w != "##"]
    assert body_words == words(" ".join(body_lines))
    assert "*New York Times*" in article.body  # emphasis stays Markdown


@pytest.mark.parametrize(
    "repeat",
    ["My “Big” Title.", 'MY "BIG" TITLE', "my big title!", "My ‘Big’ Title…"],
)
def test_repeated_title_dropped_ignoring_quotes_case_punctuation(repeat: str) -> None:
    text = f'My "Big" Title\nA standfirst sentence.\n{repeat}\nFirst paragraph.\nSecond one.\n'
    article = parse_text(text)
    assert article.summary == "A standfirst sentence."
    assert article.body == "First paragraph.\n\nSecond one."


def test_lines_that_would_be_markdown_blocks_read_as_written() -> None:
    body = [
        "# not a heading",
        "> not a quote",
        "- not a list",
        "+ not a list",
        "* not a list",
        "1. not a list",
        "2) not a list",
        "[1]: https://example.org/not-a-definition",
        "---",
        "<script>alert(1)</script> stays text &amp; so does this",
    ]
    text = "Title\nOpening paragraph.\n" + "\n".join(body) + "\nLast paragraph.\n"
    article = parse_text(text)
    html = markdown.markdown(article.body, extensions=["extra", "sane_lists"])
    for tag in ("<h1", "<h2", "<blockquote", "<ul", "<ol", "<hr", "<script"):
        assert tag not in html
    plain = re.sub(r"<[^>]+>", "", html)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    for line in body:
        assert line in plain


def test_short_unpunctuated_line_needs_paragraphs_around_it() -> None:
    article = parse_text(
        "Title\nStandfirst.\nA real paragraph here.\nSection name\nMore text here.\nEnd line\n"
    )
    assert article.body == "A real paragraph here.\n\n## Section name\n\nMore text here.\n\nEnd line"


def test_short_body_has_no_summary() -> None:
    article = parse_text("Title\nOnly paragraph.\n")
    assert (article.summary, article.body) == ("", "Only paragraph.")


def test_title_without_body_fails() -> None:
    with pytest.raises(SourceError, match="a title but no body text"):
        parse_text("Just a title\n\n  \nJust a title.\n")


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = (
        "Title\n\nFirst line of a wrapped\nparagraph that goes on\nand ends here.\n\n"
        "Second wrapped\nparagraph is here\ntoo.\n"
    )
    article = parse_text(text)
    assert article.body == "Second wrapped paragraph is here too."
    assert article.summary == "First line of a wrapped paragraph that goes on and ends here."


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Reproduction reserved © Copyright La Milano", "La Milano"),
        ("© 2024 The Daily Planet. All rights reserved.", "The Daily Planet"),
        ("Copyright 2019-2024 Wire Service", "Wire Service"),
    ],
)
def test_publisher_from_rights_line(line: str, name: str) -> None:
    assert publisher(line) == name


def test_decode_bom_crlf_and_forbidden_characters() -> None:
    text = decode("\ufeffTitle\r\nBody\x0b line\x00\r\nend\rx\ufffe".encode())
    assert text == "Title\nBody line\nend\nx"  # a NUL is removed like the others, not "binary"


def test_decode_latin1_and_cp1252() -> None:
    assert decode("Café “quoted” – ok".encode("cp1252")) == "Café “quoted” – ok"
    assert decode("Zoë à Noël".encode("latin-1")) == "Zoë à Noël"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 4, "binary file, not text"),
        (b"%PDF-1.4\n" + b"x" * 100, r"binary file \(a PDF document\)"),
        (b"PK\x03\x04" + b"word/document.xml" * 5, r"binary file \(a ZIP archive"),
        (b"GIF89a" + b"\x01" * 50, r"binary file \(a GIF image\)"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", r"binary file \(a JPEG image\)"),
        (b"\x89PNG\r\n\x1a\n", r"binary file \(a PNG image\)"),
        (b"Text\x01\x02\x03\x04\x05\x06\x07\x08\x10\x11 and more", "binary file, not text"),
    ],
)
def test_decode_calls_binary_only_on_evidence(data: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        decode(data)


@given(st.text(min_size=1, max_size=300))
def test_any_text_gives_an_article_or_a_clear_error(text: str) -> None:
    try:
        article = parse_text(decode(text.encode("utf-8")))
    except SourceError as exc:
        assert str(exc) in ("empty file", "a title but no body text", "binary file, not text"), str(exc)
        return
    assert article.title and article.body.strip()
    html = markdown.markdown(article.body, extensions=["extra"])
    assert "<script" not in html and "<h1" not in html
