"""The progress bar draws only on a terminal, rewrites one line and clears itself."""

from __future__ import annotations

import io

from feedsite.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal() -> None:
    screen, out = Terminal(), Terminal()
    with Progress(100, "Importing", screen) as bar:
        bar.advance(50)
        bar.write("created x", out)
        bar.advance(50)
    text = screen.getvalue()
    assert "\rImporting [###############...............] 50/100  50%" in text
    assert "100/100 100%" in text
    assert "\n" not in text and text.endswith("\r")  # cleared: spaces over the bar, cursor home
    assert out.getvalue() == "created x\n"


def test_silent_when_piped_or_small() -> None:
    piped = io.StringIO()
    with Progress(1000, "Importing", piped) as bar:
        bar.advance(1000)
    small = Terminal()
    with Progress(3, "Importing", small) as bar:
        bar.advance(3)
    disabled = Terminal()
    with Progress(1000, "Importing", disabled, enabled=False) as bar:
        bar.advance(1000)
    assert piped.getvalue() == small.getvalue() == disabled.getvalue() == ""
