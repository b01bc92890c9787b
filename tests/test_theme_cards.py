"""The built-in theme's story card is made in Python (theme.Cards, called as a filter by the `story`
macro of _macros.html): it must make, byte for byte, what the Jinja markup it replaced made, for any
card, and make it again the same from its memo; a project's own _macros.html still decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsite.content import Author, Entry
from feedsite.posts import Html, Post, Tag
from feedsite.theme import Theme, long_date

# The markup of the `story` macro before it became a filter (with the `when` and `section_link`
# macros it called), rendered as the theme renders: the reference the filter is held to.
REFERENCE = """\
{% macro when(date) -%}
<time datetime="{{ date.isoformat() }}">{{ date | long_date }}, {{ date.strftime("%H:%M") }}</time>
{%- endmacro %}

{% macro section_link(section, root) -%}
{% if section %}<span class="section">{% if section.path %}<a href="{{ root }}{{ section.path }}">\
{{ section.name }}</a>{% else %}{{ section.name }}{% endif %}</span>{% endif %}
{%- endmacro %}

{% macro story(item, root, kind, level=2) %}
{% set post = item.post %}
<article class="story story-{{ kind }}{% if item.image %} has-image{% endif %}">
{% if item.image %}
<a class="thumb" href="{{ root }}{{ post.path }}" tabindex="-1" aria-hidden="true">\
<img src="{{ item.image }}" alt=""{% if kind != "lead" %} loading="lazy"{% endif %}></a>
{% endif %}
<div class="story-text">
{{ section_link(item.section, root) }}
<h{{ level }}><a href="{{ root }}{{ post.path }}">{{ post.entry.title }}</a></h{{ level }}>
{% if post.summary and kind != "row" %}
<p class="story-summary">{{ post.summary }}</p>
{% endif %}
<p class="meta">{% if post.entry.day_only %}<time datetime="{{ post.entry.date.isoformat() }}">\
{{ post.entry.date | long_date }}</time>{% else %}{{ when(post.entry.date) }}{% endif %}\
{% if post.entry.authors %} · <span class="by">\
{{ post.entry.authors | map(attribute="name") | join(", ") }}</span>{% endif %}</p>
</div>
</article>
{% endmacro %}
"""

CALL = '{% from "_macros.html" import story %}{{ story(item, root, kind, level) }}'

text = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", "<b>&'\"", "Ukraine", "tags/x/", "https://e.org/a.jpg?x=1&y=2"]
)
zones = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))])


def environment(templates: dict[str, str]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = long_date
    return env


REFERENCE_ENV = environment({"_macros.html": REFERENCE, "page.html": CALL})


@st.composite
def cards(draw: st.DrawFn) -> dict[str, object]:
    when = datetime(2024, 1, 1, tzinfo=draw(zones)) + timedelta(minutes=draw(st.integers(0, 10**6)))
    authors = tuple(Author(name) for name in draw(st.lists(text, max_size=3)))
    day_only = draw(st.booleans())  # a date without a time of day shows no clock
    entry = Entry("k", "a.md", draw(text), when, "urn:x", True, "a", authors=authors, day_only=day_only)
    post = Post(entry, draw(text), "https://e.org/a/", (Tag("T", "t"),), Html("", "k"), draw(text))
    section = draw(st.none() | st.fixed_dictionaries({"name": text, "path": st.none() | text}))
    return {"post": post, "section": section, "image": draw(st.none() | text), "image_alt": ""}


@settings(max_examples=400, deadline=None)
@given(cards(), text, st.sampled_from(["lead", "grid", "row", "<x>"]), st.sampled_from([2, 3]))
def test_the_card_is_what_the_jinja_markup_made(
    item: dict[str, object], root: str, kind: str, level: int
) -> None:
    theme = Theme(Path("."), Path("/nonexistent-templates"))
    page = theme.env.from_string(CALL)
    values = {"item": item, "root": root, "kind": kind, "level": level}
    expected = REFERENCE_ENV.get_template("page.html").render(values)
    assert page.render(values) == expected
    assert page.render(values) == expected  # again, from the memo


def test_a_project_macros_file_still_decides(tmp_path: Path) -> None:
    (tmp_path / "_macros.html").write_text(
        "{% macro story(item, root, kind, level=2) %}<p>{{ item.post.entry.title }}</p>{% endmacro %}"
    )
    theme = Theme(tmp_path, tmp_path)
    entry = Entry("k", "a.md", "T & U", datetime(2024, 1, 1, tzinfo=UTC), "urn:x", True, "a")
    item = {
        "post": Post(entry, "a/", "https://e.org/a/", (), Html("", "k"), ""),
        "section": None,
        "image": None,
    }
    out = theme.env.from_string(CALL).render(item=item, root="./", kind="row", level=2)
    assert out == "<p>T &amp; U</p>"


def test_a_card_without_a_post_is_a_template_error() -> None:
    theme = Theme(Path("."), Path("/nonexistent-templates"))
    with pytest.raises(jinja2.UndefinedError):
        theme.env.from_string(CALL).render(item={"image": None}, root="./", kind="row", level=2)


# The `title_list` macro's markup before it became a filter too (the archive pages list titles).
TITLES_REFERENCE = """\
{% macro title_list(posts, root) %}
<ul class="titles">
{% for post in posts %}
<li><time datetime="{{ post.entry.date.isoformat() }}">{{ post.entry.date | long_date }}</time> \
<a href="{{ root }}{{ post.path }}">{{ post.entry.title }}</a></li>
{% endfor %}
</ul>
{% endmacro %}
"""
TITLES_CALL = '{% from "_macros.html" import title_list %}<div>{{ title_list(posts, root) }}</div>'
TITLES_ENV = environment({"_macros.html": TITLES_REFERENCE, "page.html": TITLES_CALL})


@settings(max_examples=200, deadline=None)
@given(st.lists(cards(), max_size=4), text)
def test_the_title_list_is_what_the_jinja_markup_made(items: list[dict[str, object]], root: str) -> None:
    theme = Theme(Path("."), Path("/nonexistent-templates"))
    values = {"posts": tuple(item["post"] for item in items), "root": root}
    expected = TITLES_ENV.get_template("page.html").render(values)
    assert theme.env.from_string(TITLES_CALL).render(values) == expected
