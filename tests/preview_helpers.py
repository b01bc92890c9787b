"""Helpers for the watch, server and browser tests: temp projects, polling, a proxy-free HTTP client."""

from __future__ import annotations

import http.client
import io
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from feedsite.config import load_config

T = TypeVar("T")

TIMEOUT = 15.0

CONFIG = '[site]\ntitle = "T"\nbase_url = "https://example.org/"\n'


def entry_text(title: str, body: str = "Body text.", day: int = 8, uid: str | None = None) -> str:
    uid = uid or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, title)}"
    return f"---\ntitle: {title!r}\ndate: 2024-11-{day:02d}T09:00:00+01:00\nid: {uid}\n---\n\n{body}\n"


def write_entry(root: Path, slug: str, title: str, **kw: object) -> Path:
    path = root / "content" / "2024" / "11" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(entry_text(title, **kw), "utf-8")  # type: ignore[arg-type]
    return path


def make_project(root: Path, entries: dict[str, str] | None = None) -> Path:
    """A project at root: feedsite.toml and entries (slug → title) in content/2024/11/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "feedsite.toml").write_text(CONFIG, "utf-8")
    for day, (slug, title) in enumerate((entries or {"a": "First story"}).items(), 1):
        write_entry(root, slug, title, day=day)
    return root


def config_of(root: Path):  # type: ignore[no-untyped-def]
    return load_config(root)


def wait_until(check: Callable[[], T], timeout: float = TIMEOUT, what: str = "condition") -> T:
    """Poll check() until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except OSError:
        return ""


class Streams:
    """Thread-safe out/err text streams to hand to the watcher."""

    def __init__(self) -> None:
        self.out = _Locked()
        self.err = _Locked()


class _Locked(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            return super().write(text)

    def text(self) -> str:
        with self._lock:
            return self.getvalue()


def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request to 127.0.0.1:port, path sent exactly as given (no proxy, no normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()
