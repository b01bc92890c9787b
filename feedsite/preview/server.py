"""`feedsite serve`: a preview server for site/ with live reload, on loopback by default.

Watch mode rebuilds (watch.py); this module serves the output folder as it is on disk, so a
failed build (which writes nothing) leaves the last good site being served. HTML responses get a
small script, injected at serve time only (never written into site/), that listens to server-sent
events: `reload` after a good build that changed the site, `failed` with the problems after a bad
one (shown in an overlay), `ok` when a good build changed nothing.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import mimetypes
import queue
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from feedsite.build import BuildOptions
from feedsite.config import SiteConfig
from feedsite.files import FileReadError, read_regular
from feedsite.preview.watch import BuildResult, Clock, Watcher

EVENTS_PATH = "/__feedsite/events"
SCRIPT_PATH = "/__feedsite/livereload.js"
SCRIPT_FILE = Path(__file__).with_name("livereload.js")
KEEPALIVE_SECONDS = 15.0
IDLE_SECONDS = 30.0
MAX_FILE = 1 << 30  # a preview reads a file whole; nothing in a site comes near this
# when site/ has no 404.html (nothing built yet): still a page with the script, so it shows errors
NOT_FOUND = b"<!DOCTYPE html>\n<title>Not found</title>\n<h1>Not found</h1>\n<p>Nothing here (yet).</p>\n"

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
FEED_TYPES = {
    "feed.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
}


def content_type(path: Path) -> str:
    if path.name in FEED_TYPES:
        return FEED_TYPES[path.name]
    suffix = path.suffix.lower()
    if suffix in TYPES:
        return TYPES[suffix]
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def inject(html: bytes, version: int) -> bytes:
    """Put the live-reload script before </body> (or at the end)."""
    tag = f'<script src="{SCRIPT_PATH}" data-version="{version}"></script>\n'.encode()
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


def resolve(site: Path, url_path: str) -> Path | None:
    """The file or folder a decoded URL path names inside site/, or None if it is not there / not inside."""
    if not url_path.startswith("/") or "\x00" in url_path or "\\" in url_path:
        return None
    parts = [p for p in url_path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        return None
    try:
        root = site.resolve(strict=True)
        real = root.joinpath(*parts).resolve(strict=True)  # follows symlinks: then check where they went
    except (OSError, RuntimeError):
        return None
    return real if real == root or root in real.parents else None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Hub:
    """The latest build state, and the server-sent-event subscribers to tell about the next one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: set[queue.Queue[tuple[str, dict[str, Any]] | None]] = set()
        self.version = 0  # +1 for every good build that changed site/
        self.problems: list[str] = []
        self.closed = False

    def publish(self, result: BuildResult) -> None:
        message: tuple[str, dict[str, Any]]
        with self._lock:
            if not result.ok:
                self.problems = list(result.problems)
                message = ("failed", {"problems": self.problems})
            else:
                self.problems = []
                if result.changed:
                    self.version += 1
                message = ("reload" if result.changed else "ok", {"version": self.version})
            for q in self._queues:
                q.put(message)

    def subscribe(self) -> tuple[queue.Queue[tuple[str, dict[str, Any]] | None], dict[str, Any]] | None:
        """A queue of (event, data), and the current state to start from; None once closed."""
        with self._lock:
            if self.closed:
                return None
            q: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
            self._queues.add(q)
            return q, {"version": self.version, "problems": list(self.problems)}

    def unsubscribe(self, q: queue.Queue[tuple[str, dict[str, Any]] | None]) -> None:
        with self._lock:
            self._queues.discard(q)

    def subscribers(self) -> int:
        with self._lock:
            return len(self._queues)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            for q in self._queues:
                q.put(None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # many browser tabs (or clients) connecting at once are queued, not refused

    def __init__(self, address: tuple[str, int], site: Callable[[], Path], hub: Hub) -> None:
        self.site = site
        self.hub = hub
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's would look up the host name: slow
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "feedsite-preview"
    timeout = IDLE_SECONDS  # a connection that sends nothing (or stops reading) is closed, not kept

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the terminal is for build results

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        try:
            url = urlsplit(self.path)
        except ValueError:  # e.g. "http://[::1/": not a URL at all
            return self._send(HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", b"bad request\n", head)
        path = unquote(url.path)
        if path == EVENTS_PATH and not head:
            return self._events()
        if path == SCRIPT_PATH:
            return self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", SCRIPT_FILE.read_bytes(), head)
        version = (
            self.server.hub.version
        )  # read before the file: at worst one extra reload, never a missed one
        site = self.server.site()
        target = resolve(site, path)
        if target is not None and target.is_dir():
            if not url.path.endswith("/"):
                location = url.path + "/" + (f"?{url.query}" if url.query else "")
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                return None
            target = resolve(site, path + "/index.html")
            if target is not None and not target.is_file():
                target = None
        elif target is not None and url.path.endswith("/"):
            target = None  # /feed.xml/ is not a page
        if target is not None and self._file(target, HTTPStatus.OK, version, head):
            return None
        page = resolve(site, "/404.html")
        if page is not None and page.is_file() and self._file(page, HTTPStatus.NOT_FOUND, version, head):
            return None
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", inject(NOT_FOUND, version), head)
        return None

    def _file(self, path: Path, status: HTTPStatus, version: int, head: bool) -> bool:
        try:
            data = read_regular(path, MAX_FILE)  # never a fifo or a device, even inside site/
        except FileReadError:  # removed by a build a moment ago, or not a file
            return False
        kind = content_type(path)
        if kind.startswith("text/html"):
            data = inject(data, version)
        self._send(status, kind, data, head)
        return True

    def _send(self, status: HTTPStatus, kind: str, data: bytes, head: bool) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _events(self) -> None:
        subscription = self.server.hub.subscribe()
        if subscription is None:
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", b"shutting down\n", False)
            return
        q, state = subscription
        self.close_connection = True
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self._event("hello", state, retry=1000)
            while True:
                try:
                    message = q.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")  # also finds out when the browser has gone
                    self.wfile.flush()
                    continue
                if message is None:
                    return
                self._event(*message)
        except OSError:  # the browser went away
            pass
        finally:
            self.server.hub.unsubscribe(q)

    def _event(self, name: str, data: dict[str, Any], retry: int | None = None) -> None:
        text = (f"retry: {retry}\n" if retry else "") + f"event: {name}\ndata: {json.dumps(data)}\n\n"
        self.wfile.write(text.encode())
        self.wfile.flush()


class PreviewServer:
    """The watcher plus the HTTP server; start()/stop() from tests, serve_forever() for the command.
    The watcher rebuilds when a scheduled entry's time comes, on `clock` (tests give their own).

    Binding happens in __init__: a port in use raises OSError at once, before any build.
    """

    def __init__(
        self,
        config: SiteConfig,
        options: BuildOptions,
        host: str = "127.0.0.1",
        port: int = 0,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
        settle: float = Watcher.SETTLE,
        clock: Clock | None = None,
    ) -> None:
        self.hub = Hub()
        # Drafts and future entries are previewed from the cache folder, never written into site/.
        output = f"{config.cache_dir}/preview" if options.drafts or options.future else None
        self.watcher = Watcher(
            config, options, out, err, on_result=self.hub.publish, settle=settle, output=output, clock=clock
        )
        kind = _Server6 if ":" in host else _Server
        self.httpd = kind((host.strip("[]"), port), lambda: self.watcher.config.path("output"), self.hub)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.httpd.server_address[0])
        if host in ("", "0.0.0.0", "::"):
            host = "localhost"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    def start(self, wait: float | None = None) -> PreviewServer:
        """Build (waiting up to `wait` seconds for it, forever if None), then serve on a thread."""
        self.watcher.start()
        self.watcher.wait_for_build(1, wait)
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), name="feedsite-serve", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.hub.close()  # ends the event streams, so nothing waits on them
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()
        self.watcher.stop()

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"feedsite serve: {host}:{port} is already in use (another `feedsite serve`?); "
            "choose another with --port, or --port 0 for a free one"
        )
    if exc.errno == errno.EACCES:
        return f"feedsite serve: not allowed to listen on {host}:{port}; use a port above 1023"
    return f"feedsite serve: cannot listen on {host}:{port}: {exc.strerror or exc}"


def serve_forever(
    config: SiteConfig, options: BuildOptions, host: str, port: int, out: TextIO, err: TextIO
) -> int:
    """`feedsite serve`: build, serve site/ with live reload, rebuild on changes; Ctrl-C → exit 0."""
    if not is_loopback(host):
        print(
            f"feedsite serve: warning: listening on {host}, not only on this computer: anyone who can "
            "reach it can read the preview. It is meant for previews, not for publishing.",
            file=err,
            flush=True,
        )
    try:
        server = PreviewServer(config, options, host, port, out, err)
    except (OSError, OverflowError) as exc:
        reason = exc if isinstance(exc, OSError) else OSError(errno.EINVAL, str(exc))
        print(_bind_error(host, port, reason), file=err, flush=True)
        return 1
    try:
        server.watcher.start()
        server.watcher.wait_for_build(1)
        print(
            f"serving {server.watcher.config.output_dir}/ at {server.url} with live reload (Ctrl-C to stop)",
            file=out,
            flush=True,
        )
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("stopped", file=out, flush=True)
    return 0
