"""The quick front-matter reader gives exactly what YAML gives, or leaves the text to YAML."""

from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedsite.simple_yaml import mapping

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the loader feedsite.content uses

# Characters that mean something to YAML, and some it refuses or reads as line breaks.
tricky = st.sampled_from([*":#-?,[]{}&*!|>'\"%@`~= \t\\\r\x85\u2028\ufeff\x07<", ": ", " #", "\n "])
words = st.sampled_from(
    ["yes", "No", "on", "null", "~", "true", "12", "0x1F", "1:30", "3.5", ".inf", "2024-11-08",
     "2024-11-08T09:00:00+01:00", "2024-11-08 09:00:00", "Amélie", "Zoë", "日本", "urn:uuid:1-2", "a b"]
)  # fmt: skip
scalars = st.lists(st.one_of(words, tricky, st.text(max_size=3)), max_size=4).map("".join)
values = st.one_of(
    scalars,
    scalars.map(lambda s: f'"{s}"'),
    scalars.map(lambda s: f"'{s}'"),
    st.lists(st.one_of(scalars, scalars.map('"{}"'.format)), max_size=4).map(", ".join).map("[{}]".format),
)
keys = st.sampled_from(["title", "date", "tags", "authors", "draft", "on", "null", "x_1", "Title", "12"])
lines = st.tuples(keys, st.sampled_from([": "] * 5 + [":  ", ":", " : "]), values).map("".join)


def _yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=LOADER)
    except yaml.YAMLError as exc:
        return exc


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(lines, st.just("")), min_size=1, max_size=6).map("\n".join))
@example('title: "Agreement"\ndate: 2023-01-16T12:33:40+00:00\nid: urn:uuid:0193c0f9\ntags: [AI, Travel]')
@example("draft: yes\ncount: 1:30\nwhen: 2024-11-08\nnothing: ~")
def test_the_same_as_yaml_or_none(front: str) -> None:
    quick = mapping(front)
    if quick is not None:
        assert repr(quick) == repr(_yaml(front))


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["title", "on", "12"]), st.one_of(words.map(lambda w: f"[{w}]"), words, values))
def test_one_line_the_same_as_yaml_or_none(key: str, value: str) -> None:
    quick = mapping(f"{key}: {value}")
    if quick is not None:
        assert repr(quick) == repr(_yaml(f"{key}: {value}"))


def test_the_usual_front_matter_is_read_quickly() -> None:
    front = (
        'title: "Agreement: rates #1"\ndate: 2023-01-16T12:33:40+00:00\nid: urn:uuid:0193c0f9-52d8\n'
        "authors: [Amélie Laurent, Olu Adebayo]\ntags: [Diplomacy, Travel, AI]\nsummary: It's here.\n"
        "draft: false\nslug: agreement-rates\nimage: https://example.org/a.jpg\n"
    )
    assert mapping(front) == yaml.load(front, Loader=LOADER)
    assert mapping(front) is not None
