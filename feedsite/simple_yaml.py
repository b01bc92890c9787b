"""Front matter of the usual shape read without the YAML parser, to exactly what the parser gives.

Nearly every entry's front matter is a few `key: value` lines: quoted or plain text, a date, a list
of plain words in brackets. mapping() reads just that shape, several times quicker than PyYAML
(which costs a cold build of ten thousand entries about a second). Its scalars go through
PyYAML's own resolver and constructors, so `draft: yes` or a date come out as YAML makes them.
Anything else (comments, nesting, block lists, escapes, anchors, odd characters) gives None, and
the caller hands the text to YAML.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

# Only characters YAML reads as themselves: no tab, no line breaks but "\n" (YAML 1.1 also breaks
# lines at CR, NEL, U+2028 and U+2029), no BOM, nothing its reader refuses.
_SIMPLE_TEXT = re.compile(
    "[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): +(\S(?:.*\S)?)")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")  # no plain scalar starts with one
# A plain scalar in a [flow, list]: none of the flow indicators, ":" or "#" at all.
_FLOW_PLAIN = re.compile(r"""[^-?:,\[\]{}#&*!|>'"%@`\s][^:,\[\]{}#]*(?<! )""")
_QUOTED = re.compile(r""""([^"\\]*)"|'([^']*)'""")


def mapping(front: str) -> dict[str, Any] | None:
    """The mapping YAML's safe loader reads from front, or None when front is not of the simple shape."""
    if not _SIMPLE_TEXT.fullmatch(front):
        return None
    result: dict[str, Any] = {}
    for line in front.split("\n"):
        if not line:
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        key, text = match.groups()
        value = _value(text)
        if value is _NOT_SIMPLE or key in result or _plain(key) != key:
            return None
        result[key] = value
    return result or None  # no lines at all: YAML reads None, not a mapping


_NOT_SIMPLE = object()


def _value(text: str) -> Any:
    first = text[0]
    if first == "[":
        if text[-1] != "]":
            return _NOT_SIMPLE
        inside = text[1:-1].strip(" ")
        if not inside:
            return []
        items = []
        for item in inside.split(","):
            item = item.strip(" ")
            if item[:1] in ('"', "'"):
                value = _quoted(item)
            else:
                value = _plain(item) if _FLOW_PLAIN.fullmatch(item) else _NOT_SIMPLE
            if value is _NOT_SIMPLE:
                return _NOT_SIMPLE
            items.append(value)
        return items
    if first in ('"', "'"):
        return _quoted(text)
    # a plain scalar in a block (text has no blank at either end): no ": " or " #" in it, no ":" last
    if first in _INDICATORS or ": " in text or " #" in text or text[-1] == ":":
        return _NOT_SIMPLE
    return _plain(text)


def _quoted(text: str) -> Any:
    match = _QUOTED.fullmatch(text)
    if match is None:
        return _NOT_SIMPLE
    double, single = match.groups()
    return double if double is not None else single


def _plain(text: str) -> Any:
    """A plain scalar's value: text, or what YAML's resolver makes of it (a date, true, 12, null)."""
    resolver, constructor, node = _yaml()
    tag = resolver.resolve(node, text, (True, False))
    if tag == "tag:yaml.org,2002:str":
        return text
    if tag.rpartition(":")[2] not in _CONSTRUCTED:
        return _NOT_SIMPLE  # "=" or "<<": YAML's own errors are for YAML to give
    return constructor.yaml_constructors[tag](constructor, node(tag, text))


_CONSTRUCTED = frozenset({"bool", "int", "float", "null", "timestamp"})


@cache
def _yaml() -> tuple[Any, Any, Any]:
    """PyYAML's resolver and safe constructor (the ones its C-accelerated safe loader uses too), and
    its scalar node class."""
    import yaml

    return yaml.resolver.Resolver(), yaml.constructor.SafeConstructor(), yaml.ScalarNode
