"""Our Markdown renderer (Python-Markdown, with plain_markdown.py as its fast path for the plainest
bodies) makes byte for byte what stock Python-Markdown makes, for every construct and for any text
whose links pass the URL allow-list (tests/test_attack_markup.py holds what it does to the others)."""

from __future__ import annotations

import re

import markdown
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from feedsite.config import MARKDOWN_DEFAULT_EXTENSIONS
from feedsite.markup import Renderer, absolutize, is_harmful

EVERY_CONSTRUCT = """\
Intro with *em*, **strong**, ***both***, _under_, __dunder__, snake_case_word and 2 * 3 * 4.
A [link](https://example.org/a "title"), a [reference][ref], a [short ref], an ![image](/i.png),
an ![image ref][ref], <https://auto.example/x>, <mail@example.org>, `code *not em*`, ``a ` b``,
\\*escaped\\*, &amp; &copy; &#169; &#xA9; & alone, <span class="x">inline html</span> <!-- note -->,
a footnote[^1] and a line break{BREAK}
after two spaces. The HTML abbreviation is here. Lone [ and ] and ! and < and > too.

[ref]: https://example.org/ref
[short ref]: /short
[^1]: The footnote, with *emphasis*.
*[HTML]: Hyper Text Markup Language

| a | b *c* |
|---|---|
| `1` | [2](/two) |

Term
:   Definition with **bold**.

```python
x = "*not* [a link]"
```

1. one *item*
2. two [items](/x)

> quoted _text_ with <b>tags</b>
{: #quote .c }
""".replace("{BREAK}", "  ")


def stock(text: str, extensions: tuple[str, ...]) -> str:
    html: str = markdown.Markdown(extensions=list(extensions), output_format="html").convert(text)
    return html


def test_the_renderer_is_stock_python_markdown() -> None:
    """No patched stage of our own: the converter's inline stage is Python-Markdown's."""
    from markdown.treeprocessors import InlineProcessor

    md = Renderer(MARKDOWN_DEFAULT_EXTENSIONS)._md
    assert type(md.treeprocessors["inline"]) is InlineProcessor


def test_every_construct_renders_as_stock() -> None:
    for extensions in (MARKDOWN_DEFAULT_EXTENSIONS, (), ("extra", "smarty", "toc")):
        render = Renderer(extensions)
        expected = stock(EVERY_CONSTRUCT, extensions)
        assert render(EVERY_CONSTRUCT) == expected
        assert render(EVERY_CONSTRUCT) == expected  # and again, after a reset
    assert "<em>em</em>" in expected and "<br>" in expected and '<sup id="fnref:1">' in expected


ATTRIBUTE = re.compile(r'\s([a-z:]+)="([^"]*)"')
PIECES = [*"ab c\n\n  *_[]()!<>&#;`\\:/-|^.1=\"'@\t"]
PIECES += ["https://x.y/", "[^1]", "\n[^1]: ", "\n[a]: /u\n", "&amp;"]
MARKDOWNISH = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKDOWNISH)
def test_any_text_renders_as_stock(text: str) -> None:
    expected = stock(text, MARKDOWN_DEFAULT_EXTENSIONS)
    assume(not any(is_harmful(name, value) for name, value in ATTRIBUTE.findall(expected)))
    assert Renderer(MARKDOWN_DEFAULT_EXTENSIONS)(text) == expected


def test_relative_links_become_absolute_for_feeds() -> None:
    page = "https://news.example/2024/11/call/"
    html = (
        '<p><a href="../other/">o</a> <a href="#notes">n</a> <a href="mailto:a@b.example">m</a> '
        '<img src="media/a.jpg" SRCSET="media/a.jpg 1x, /media/a@2x.jpg 2x" alt=""> '
        "<a href='https://elsewhere.example/x?a=1&amp;b=2'>e</a></p>"
    )
    assert absolutize(html, page) == (
        '<p><a href="https://news.example/2024/11/other/">o</a> '
        '<a href="https://news.example/2024/11/call/#notes">n</a> <a href="mailto:a@b.example">m</a> '
        '<img src="https://news.example/2024/11/call/media/a.jpg" SRCSET="'
        'https://news.example/2024/11/call/media/a.jpg 1x, https://news.example/media/a@2x.jpg 2x" alt=""> '
        '<a href="https://elsewhere.example/x?a=1&amp;b=2">e</a></p>'
    )
    plain = '<p><a href="/tags/x/">x</a></p>'
    assert absolutize(plain, page) == '<p><a href="https://news.example/tags/x/">x</a></p>'
