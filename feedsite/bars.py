"""Progress bars (tqdm, on a terminal only) that `feedsite build` and `feedsite import` report to."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO, cast

MIN_BAR = 20  # steps: fewer finish too fast for a progress bar to help

Advance = Callable[[int], None]


def isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _sized(stream: TextIO) -> bool:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return False
    return size.columns > 0 and size.lines > 0


def _ignore(steps: int) -> None:
    return None


class TerminalBars:
    """A Stages for build() and run_import(): one tqdm bar at a time on `stream`, cleared when its
    stage ends; nothing at all (tqdm not even imported) when `stream` is not a terminal, or for a
    stage of fewer than MIN_BAR steps. Use it as a context manager: the last bar goes on exit.

        with TerminalBars(sys.stderr) as bars:
            build(config, options, bars)
    """

    def __init__(self, stream: TextIO, *, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = isatty(stream) if enabled is None else enabled
        self.bar: Any = None  # the tqdm bar shown now

    def __call__(self, label: str, total: int) -> Advance:
        self.close()  # one bar at a time: the previous stage is over
        if not self.enabled or total < MIN_BAR:
            return _ignore
        from tqdm import tqdm  # here: a build that shows no bar does not pay for the import

        class Bar(tqdm):  # type: ignore[type-arg]
            monitor_interval = 0  # no monitor thread: a build forks workers, best with one thread

        # follow the terminal's size; 80×24 when it tells none (tqdm would then draw nothing)
        size: dict[str, Any] = {"dynamic_ncols": True} if _sized(self.stream) else {"ncols": 80, "nrows": 24}
        bar = self.bar = Bar(total=total, desc=label, file=self.stream, leave=False, **size)

        def advance(steps: int) -> None:
            bar.update(steps)

        return advance

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def above(self, stream: TextIO) -> TextIO:
        """`stream`, whose lines are printed above the bar instead of through it."""
        return cast(TextIO, _Above(self, stream))

    def __enter__(self) -> TerminalBars:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Above(io.TextIOBase):
    def __init__(self, bars: TerminalBars, stream: TextIO) -> None:
        super().__init__()
        self.bars = bars
        self.stream = stream

    def write(self, text: str) -> int:
        bar = self.bars.bar
        if bar is not None:
            bar.clear()
        self.stream.write(text)
        if bar is not None:
            self.stream.flush()
            bar.refresh()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return isatty(self.stream)
