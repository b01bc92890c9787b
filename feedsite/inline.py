"""Python-Markdown's inline stage, made faster by not trying patterns that cannot match.

Python-Markdown tries each of its inline patterns (backticks, escapes, links, emphasis…) on each piece
of text with a regular expression search. Most of those patterns need one character before they can
match at all (a backtick, a "[", a "<", a "*"), and most text holds few of them: checking for that
character with `in` first skips most searches and a third of the whole cost of rendering.

This only ever skips a search that could not have matched, so the HTML is byte for byte what
Python-Markdown makes (tests/test_markup.py holds it to that). A pattern is skipped only when its
regular expression is exactly one listed here; any other pattern (another Markdown version's, an
extension's) is always tried, and a Markdown without the internals this relies on is left as it is.
"""

from __future__ import annotations

from typing import Any

import markdown
from markdown import util
from markdown.treeprocessors import InlineProcessor

# A pattern's regular expression → text of which one must occur for it to match anywhere.
_NEEDS: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),  # code spans
    r"\\(.)": ("\\",),  # backslash escapes
    r"\[\^([^\]]*)\]": ("[^",),  # footnote references
    r"(?<!\!)\[": ("[",),  # links and references
    r"\!\[": ("![",),  # images
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),  # <https://…>
    r"<([^<> !]+@[^@<> ]+)>": ("<",),  # <name@host>
    r"  \n": ("  \n",),  # line breaks
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),  # entities
    r"\*|_": ("*", "_"),  # emphasis
    (
        "(<(\\/?+[a-zA-Z][^\\s\"'<>@]*+"
        "(?:\\s+[^\\s\"'=<>]++(?:\\s*+=\\s*+(?:\"[^\"]*+\"|'[^']*+'|[^\\s\"'=<>]++))?+)*+\\s*+/?"
        "|!--(?:(?!<!--|-->).)*--"
        "|[?](?:(?!<[?]|[?]>).)*[?]|!\\[CDATA\\[(?:(?!<!\\[CDATA\\[|\\]\\]>).)*\\]\\])>)"
    ): ("<",),  # inline HTML
}

_HOOKS = ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")


class _SkippingInline(InlineProcessor):  # type: ignore[misc]  # Markdown is untyped to mypy here
    """InlineProcessor whose pattern loop first asks whether a pattern's needed text is there."""

    _patterns: list[Any]
    _needs: list[tuple[str, ...] | None]

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        self._patterns = list(self.inlinePatterns)  # the registry, in its order, as a plain list
        self._needs = [_NEEDS.get(p.compiled_re.pattern) for p in self._patterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        """InlineProcessor.__handleInline, less the searches that could not match."""
        if isinstance(data, util.AtomicString):
            return data  # type: ignore[no-any-return]
        apply = self._InlineProcessor__applyPattern
        patterns, needs = self._patterns, self._needs
        start = 0
        index = patternIndex
        while index < len(patterns):
            need = needs[index]
            if need is not None:
                for text in need:
                    if text in data:
                        break
                else:  # none there: go on as after a search that found nothing
                    index, start = index + 1, 0
                    continue
            data, matched, start = apply(patterns[index], data, index, start)
            if not matched:
                index += 1
        return data


def install(md: markdown.Markdown) -> None:
    """Put the skipping inline stage in md's place of Python-Markdown's own, when the internals fit."""
    registry = md.treeprocessors
    if "inline" not in registry or type(registry["inline"]) is not InlineProcessor:
        return
    if not all(hasattr(InlineProcessor, hook) for hook in _HOOKS):
        return
    priority = next(item.priority for item in registry._priority if item.name == "inline")
    registry.register(_SkippingInline(md), "inline", priority)
