"""A one-line progress bar for terminals; silent when the stream is not a terminal.

with Progress(total, "Importing", sys.stderr) as bar:
    for item in items:
        bar.write(f"done {item}", sys.stdout)   # prints above the bar
        bar.advance()
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

# What a long stage reports to: stages(label, total) gives the function to call with each step done.
Stages = Callable[[str, int], Callable[[int], None]]


def no_stages(label: str, total: int) -> Callable[[int], None]:
    return lambda steps: None


MIN_TOTAL = 20  # fewer steps than this finish too fast for a bar to help
MIN_INTERVAL = 0.1  # seconds between redraws (at most ~10 per second)
WIDTH = 30


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    def __init__(
        self, total: int, label: str, stream: TextIO, *, enabled: bool = True, min_total: int = MIN_TOTAL
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream
        self.done = 0
        self.active = enabled and self.total >= min_total and _isatty(stream)
        self._shown = ""  # what the bar line shows now ("" when cleared)
        self._last = 0.0
        self._start = time.monotonic()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.clear()

    def line(self) -> str:
        """The bar's text: 'Importing [#######.......]  512/2000  25%  3s'."""
        fraction = self.done / self.total if self.total else 1.0
        filled = int(WIDTH * fraction)
        elapsed = int(time.monotonic() - self._start)
        return (
            f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] "
            f"{self.done}/{self.total} {int(fraction * 100):3d}% {elapsed}s"
        )

    def advance(self, steps: int = 1) -> None:
        self.done = min(self.done + steps, self.total)
        if not self.active:
            return
        now = time.monotonic()
        if now - self._last >= MIN_INTERVAL or self.done == self.total:
            self._last = now
            self._draw()

    def _draw(self) -> None:
        text = self.line()
        pad = " " * max(len(self._shown) - len(text), 0)
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self._shown = text

    def clear(self) -> None:
        """Erase the bar (it comes back at the next advance)."""
        if self.active and self._shown:
            self.stream.write("\r" + " " * len(self._shown) + "\r")
            self.stream.flush()
            self._shown = ""

    def write(self, text: str, stream: TextIO) -> None:
        """Print one line on `stream` without garbling the bar."""
        shown = self._shown
        if shown and _isatty(stream):
            self.clear()
            stream.write(text + "\n")
            stream.flush()
            self._draw()
        else:
            stream.write(text + "\n")
