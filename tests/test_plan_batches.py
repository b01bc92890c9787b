"""Planner.batch: the paths and keys an earlier build remembered for a batch are taken only when they
are what planning it again would give. After any run of edits, a plan that starts from the batches
remembered by the previous plan must equal, output for output (path, key and bytes), a plan made
from nothing; the sites here have several batches of entry pages, list pages and feed archive pages,
so that most batches are taken from memory and a few are planned again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsite.config import load_config
from feedsite.loading import load_entries
from feedsite.outputs import Planned, from_oldest, plan_site
from feedsite.posts import newest_first, render_posts
from feedsite.theme import Theme
from feedsite.writer import Output

START = datetime(2024, 1, 1, tzinfo=UTC)
TAGS = ("Politics", "Sport", "Culture", "Science")
AUTHORS = ("Ada Byron", "Bo Chen", "Cy Diaz")
CONFIG = """\
[site]
title = "T"
base_url = "https://t.example/"
[pagination]
per_page = 2
[feeds]
limit = 3
archive_size = 4
"""


def front(fields: dict[str, Any]) -> str:
    lines = ["---"]
    for key, value in fields.items():
        if key == "body":
            continue
        shown = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else value
        lines.append(f"{key}: {shown}")
    return "\n".join([*lines, "---", fields["body"], ""])


def story(number: int) -> dict[str, Any]:
    return {
        "title": f'"Story {number}"',
        "date": (START + timedelta(hours=7 * number)).isoformat(),
        "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "tags": f"[{TAGS[number % 4]}, {TAGS[(number // 4) % 4]}]",
        "authors": f"[{AUTHORS[number % 3]}]",
        "body": f"Paragraph {number} of the story.",
    }


# One edit: (which story, which field, a value drawn for it).
EDITS = {
    "title": st.sampled_from(['"A new title"', '"Story 1"', '"Other"']),
    "date": st.integers(0, 2000).map(lambda h: (START + timedelta(hours=h)).isoformat()),
    "tags": st.sampled_from(["[Politics]", "[Sport, Science]", "[]", "[New]"]),
    "authors": st.sampled_from(["[Ada Byron]", "[Dee Ek]", "[]"]),
    "section": st.sampled_from(["World", "Sport"]),
    "featured": st.booleans(),
    "summary": st.sampled_from(['"A standfirst."', '"Another."']),
    "image": st.sampled_from(["/media/a.jpg", "https://img.example/b.png"]),
    "retracted": st.just("{date: 2024-06-01T00:00:00+00:00, reason: Wrong}"),
    "body": st.sampled_from(["Changed.", "Paragraph 3 of the story.", "A *new* body\n\nin two paragraphs."]),
    "remove": st.just(None),
    "add": st.just(None),
}
edit = st.tuples(st.integers(0, 10_000), st.sampled_from(sorted(EDITS))).flatmap(
    lambda pick: st.tuples(st.just(pick[0]), st.just(pick[1]), EDITS[pick[1]])
)


def plan(root: Path, known: dict[str, Planned]) -> list[Output]:
    config = load_config(root)
    entries, bodies = load_entries(config, {}, {})
    posts = render_posts(config, newest_first(entries), bodies, {})
    return plan_site(config, Theme(root, config.path("templates")), posts, "salt", {}, known)


def same(left: list[Output], right: list[Output]) -> None:
    assert [(o.path, o.key) for o in left] == [(o.path, o.key) for o in right]
    fresh = {o.path: o for o in right}
    for out in left[:: max(1, len(left) // 40)]:  # a sample rendered both ways
        assert out.render() == fresh[out.path].render(), out.path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("batches")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.lists(edit, min_size=1, max_size=3), min_size=1, max_size=3))
def test_a_plan_from_remembered_batches_equals_a_plan_from_nothing(
    folder: Path, edits: list[list[tuple[int, str, Any]]]
) -> None:
    root = folder / f"site{len(list(folder.iterdir()))}"
    (root / "content").mkdir(parents=True)
    (root / "feedsite.toml").write_text(CONFIG)
    stories = {number: story(number) for number in range(230)}  # three batches of entry pages

    def write() -> None:
        for old in (root / "content").glob("*.md"):
            old.unlink()
        for number, fields in stories.items():
            (root / "content" / f"s{number}.md").write_text(front(fields))

    write()
    known: dict[str, Planned] = {}
    plan(root, known)
    for round_ in edits:
        for pick, field, value in round_:
            number = sorted(stories)[pick % len(stories)] if stories else 0
            if field == "remove" and len(stories) > 1:
                del stories[number]
            elif field == "add":
                new = max(stories, default=0) + 1 + pick % 3
                stories[new] = story(new)
            elif number in stories and field not in ("remove", "add"):
                stories[number][field] = value
        write()
        remembered = plan(root, known)
        assert any(len(o.key) for o in remembered)
        same(remembered, plan(root, {}))


def test_most_batches_of_an_unchanged_site_are_not_planned_again(folder: Path) -> None:
    """The point of batches: a second plan of the same site takes every batch from memory, so no
    context is made until a file is rendered."""
    root = folder / "unchanged"
    (root / "content").mkdir(parents=True)
    (root / "feedsite.toml").write_text(CONFIG)
    for number in range(150):
        (root / "content" / f"s{number}.md").write_text(front(story(number)))
    known: dict[str, Planned] = {}
    first = plan(root, known)
    assert len(known) >= 10
    second = plan(root, known)
    same(second, first)
    batched = {path for planned in known.values() for path, _key in planned}
    taken = [o for o in second if o.path in batched]
    assert taken and all(o.render.__class__.__name__ == "partial" for o in taken)


def test_batches_are_counted_from_the_oldest() -> None:
    assert from_oldest(0, 10) == []
    assert [(s.start, s.stop) for s in from_oldest(25, 10)] == [(0, 5), (5, 15), (15, 25)]
    assert [(s.start, s.stop) for s in from_oldest(30, 10)] == [(0, 10), (10, 20), (20, 30)]
    # a new newest item changes only the newest batch: the older ones keep their items
    before = [tuple(range(1, 26))[s] for s in from_oldest(25, 10)]
    after = [tuple(range(0, 26))[s] for s in from_oldest(26, 10)]
    assert before[1:] == after[1:]
