"""The plainest Markdown is rendered without Python-Markdown (feedsite/plain_markdown.py): its HTML must
be byte for byte what Python-Markdown makes, and anything it is not sure of is left to Python-Markdown."""

from __future__ import annotations

import markdown
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedsite.config import MARKDOWN_DEFAULT_EXTENSIONS, SiteConfig
from feedsite.markup import Renderer
from feedsite.plain_markdown import plain_html

STOCK = markdown.Markdown(extensions=list(MARKDOWN_DEFAULT_EXTENSIONS), output_format="html")


def stock(text: str) -> str:
    STOCK.reset()
    return STOCK.convert(text)


# Pieces of text that mean something to Markdown, or sit at the edge of what plain_html takes.
tricky = st.sampled_from(
    [*"*[]()#_-+=:>!`&<\\{}~^|.1 \t\n\xa0\u2028\x85\r", "**", "***", "\n\n", "\n\n\n", "  \n",
     "# ", "## ", "####### ", "1. ", "* ", "- ", "](", "](http://x.org/a_b)", "[^1]", "*[", "{: .c}",
     "&amp;", "a", "word", "Zoë", "日本", " ", "*a*", "**b**", "[a](/x)", "[*a* (b)](/x_y)", "(", ")"]
)  # fmt: skip
words = st.sampled_from(
    ["the", "council", "Zoë", "said", "rates", "2024", "(AP)", "it's", '"quoted"', "no. #1", "50%"]
)
urls = st.sampled_from(["https://example.org/a", "/local/path_x", "b", "http://x.org/?q=1#f", "mailto:a@b"])


def sentence(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        word = draw(words)
        kind = draw(st.integers(0, 5))
        if kind == 1:
            word = f"*{word}*"
        elif kind == 2:
            word = f"**{word} {draw(words)}**"
        elif kind == 3:
            label = draw(st.sampled_from([word, f"*{word}*", f"**{word}**", f"{word} *{word}*"]))
            word = f"[{label}]({draw(urls)})"
        parts.append(word)
    return " ".join(parts)


@st.composite
def plain_documents(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            blocks.append("#" * draw(st.integers(1, 6)) + " " + sentence(draw))
        else:
            lines = [sentence(draw) for _ in range(draw(st.integers(1, 3)))]
            if draw(st.integers(0, 3)) == 0:  # a heading line inside the block
                lines.insert(draw(st.integers(0, len(lines))), "### " + sentence(draw))
            blocks.append("\n".join(lines))
    text = draw(st.sampled_from(["", "\n"])) + draw(st.sampled_from(["\n\n", "\n\n\n"])).join(blocks) + "\n"
    return text.replace("\n", draw(st.sampled_from(["\n", "\n", "\r\n", "\r"])))


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(tricky, words), max_size=25).map("".join))
@example("a * b * c")
@example("*a**b*")
@example("x\n# y\nz")
@example("[*a* b](https://example.org/a) and *[c](d)*")
@example("\xa0lead")
@example("Windows\r\nline ends\r\n\r\n## and *all*\r")
def test_the_same_as_python_markdown_or_none(text: str) -> None:
    quick = plain_html(text)
    if quick is not None:
        assert quick == stock(text)


@settings(max_examples=1500, deadline=None)
@given(plain_documents())
def test_plain_articles_are_taken_and_rendered_the_same(text: str) -> None:
    assert plain_html(text) == stock(text)


def test_anything_else_is_left_to_python_markdown() -> None:
    for text in [
        "- a list",
        "> a quote",
        "    code",
        "a  \nbreak",
        "snake_case",
        "a & b",
        "![image](/i.png)",
        "[ref][x]",
        "a [link](/x 'title')",
        "Term\n: definition",
        "## Heading {: #id}",
        "Heading\n=======",
    ]:
        assert plain_html(text) is None, text


def test_renderer_takes_the_quick_way_only_for_extensions_that_leave_plain_text_alone() -> None:
    text = 'A "quoted" *word*.\n\n## Sub'
    assert Renderer(SiteConfig.markdown_extensions).__call__(text) == stock(text)
    smart = Renderer(("smarty",))
    assert smart(text) == markdown.markdown(text, extensions=["smarty"]) != stock(text)
