"""outputs/keys.py: an output's key covers exactly its context's plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from feedsite.outputs.keys import Hasher


@dataclass(frozen=True)
class Point:
    x: Any
    y: Any = None


@dataclass(frozen=True)
class Other:
    x: Any
    y: Any = None


@dataclass
class Mutable:
    x: int


class Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def __fingerprint__(self) -> str:
        return self.name


NOW = datetime(2024, 11, 8, 9, 0, tzinfo=UTC)
VALUES: list[Any] = [
    None, True, False, 0, 1, 1.0, -1, "", "1", "a", "a\x1fs1:b", "s1:a", b"a", "True", "n",
    (), [], {}, ("a",), ["a"], {"a": None}, {"a": "b"}, {"a": ("b",)}, {"a": ["b"]}, {1: "a"},
    ("a", "b"), ("ab",), ("a", ("b",)), (("a",), "b"), ["a", "b"], [("a", "b")], {"a": "b", "c": "d"},
    {"c": "d", "a": "b"}, NOW, NOW.astimezone(timezone(timedelta(hours=1))), date(2024, 11, 8),
    Point("a"), Point("a", "b"), Point(("a", "b")), Other("a"), Point(Point("a")), Named("a"),
    Named("b"), {"a": Point("a")}, {"a": Named("a")}, (Point("a"), Point("a")), [NOW],
]  # fmt: skip


def test_different_data_never_shares_a_digest() -> None:
    hasher = Hasher()
    digests = [hasher.digest(value) for value in VALUES]
    assert len(set(digests)) == len(VALUES)
    fresh = [Hasher().digest(value) for value in VALUES]
    assert fresh == digests  # what a Hasher remembers never changes a digest


def test_equal_data_in_other_objects_shares_its_digest() -> None:
    hasher = Hasher()
    one = {"post": Point("a", ("b", NOW)), "more": (Point("c"),), "n": 3}
    two = {"post": Point("a", ("b", NOW)), "more": (Point("c"),), "n": 3}
    assert hasher.digest(one) == hasher.digest(two) == Hasher().digest(two)


def test_the_head_is_part_of_the_digest() -> None:
    hasher = Hasher()
    assert (
        len(
            {
                hasher.digest("x"),
                hasher.digest("x", "a"),
                hasher.digest("x", "b"),
                hasher.digest("x", "a", ""),
            }
        )
        == 4
    )


@pytest.mark.parametrize("value", [Mutable(1), object(), {"a": {1, 2}}, (lambda: 1,), [Point(Mutable(1))]])
def test_anything_but_plain_data_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        Hasher().digest(value)
