"""The one reader of front-matter files (temporary stand-in; the consolidate branch brings the full one)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml


class EntryFileError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class EntryText:
    meta: dict[str, Any]
    body: str
    body_line: int


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


_Loader.yaml_implicit_resolvers = {
    k: [(tag, r) for tag, r in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_entry(raw: bytes) -> EntryText:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EntryFileError("is not UTF-8 text", raw[: exc.start].count(b"\n") + 1) from None
    text = text.replace("\r\n", "\n")
    match = re.match(r"---[ \t]*\n(.*?)(?:^|\n)(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.S | re.M)
    if not text.startswith("---") or match is None:
        raise EntryFileError("has no front matter (it must start with a '---' line and a title: and date:)", 1)
    front = match.group(1)
    try:
        meta = yaml.load(front, Loader=_Loader) if front.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or "cannot be parsed"
        raise EntryFileError(f"front matter is not valid YAML: {reason}", mark.line + 2 if mark else 1) from None
    if not isinstance(meta, dict):
        raise EntryFileError("front matter must be a mapping of key: value lines", 2)
    return EntryText({str(k): v for k, v in meta.items()}, text[match.end() :], text[: match.end()].count("\n") + 1)
