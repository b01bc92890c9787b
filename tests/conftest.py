"""Fixtures shared by the preview tests; tests/ is on sys.path so they can import helpers."""

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# A test run started in the background by a script (`pytest &`) inherits SIGINT ignored, and so would
# every `feedsite serve` and `build --watch` it starts, then stops with Ctrl-C: they would never
# stop. The run takes Python's usual handler back, so that its children start with SIGINT as usual.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

from preview_helpers import TIMEOUT, Streams, make_project

from feedsite.build import BuildOptions
from feedsite.config import load_config
from feedsite.preview.server import PreviewServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PreviewServer]:
    """A preview server on 127.0.0.1 (OS-chosen port) for a project with two stories, built."""
    make_project(tmp_path, {"a": "First story", "b": "Second story"})
    streams = Streams()
    preview = PreviewServer(
        load_config(tmp_path), BuildOptions(), "127.0.0.1", 0, streams.out, streams.err, 0.1
    )
    preview.start(wait=TIMEOUT)
    assert preview.watcher.last is not None and preview.watcher.last.ok
    yield preview
    preview.stop()
