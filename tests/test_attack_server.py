"""Attack: the preview server on 127.0.0.1. Traversal in every encoding, encoded NULs, absurd paths,
request lines and headers, half-open connections, a fifo in site/, and 1,000 requests from 20
clients: each request is refused or served (never a file outside site/, never a traceback), and the
server keeps serving."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from preview_helpers import TIMEOUT, get

from feedsite.preview import server as server_module
from feedsite.preview.server import SCRIPT_PATH, PreviewServer

SECRETS = (b"base_url", b"root:", b"title = ")  # feedsite.toml, /etc/passwd

TRAVERSALS = [
    "/../feedsite.toml", "/%2e%2e/feedsite.toml", "/%2E%2E/%2E%2E/etc/passwd", "/.%2e/feedsite.toml",
    "/%2e./feedsite.toml", "/%252e%252e/feedsite.toml", "/%25%32%65%25%32%65/feedsite.toml",
    "/..%2ffeedsite.toml", "/..%2Ffeedsite.toml", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%5cfeedsite.toml",
    "/..\\feedsite.toml", "/.\\.\\..\\feedsite.toml", "/%c0%ae%c0%ae/feedsite.toml",
    "/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd", "/%e0%80%ae%e0%80%ae/feedsite.toml",
    "/%c1%9c..%c1%9cfeedsite.toml", "/..;/feedsite.toml", "/;/../feedsite.toml",
    "/2024;x=../../feedsite.toml",
    "/....//feedsite.toml", "/..../feedsite.toml", "//etc/passwd", "///etc/passwd", "/%2f%2fetc%2fpasswd",
    "/%2F..%2F..%2Fetc/passwd", "http://evil.example/../feedsite.toml", "/?/../../feedsite.toml",
    "/index.html/../../feedsite.toml", "/%00", "/index.html%00", "/index.html%00.txt", "/%2500",
    "/a%00b/../../feedsite.toml", "/%u002e%u002e/feedsite.toml", "/%", "/%%", "/%zz", "/%ff%fe",
    "/\x7f", "/" + "a" * 5000, "/" + "a/" * 3000, "/" + "%2e%2e/" * 500 + "etc/passwd", "/~", "/~root",
    "//[::1/", "http://[::1/", "http://[x]/", "/[", "/.feedsite/lock", "/" + "\xe9" * 100,
]  # fmt: skip


def request(port: int, raw: bytes, read_timeout: float = 10.0) -> bytes:
    """Send raw bytes and read until the server closes (or read_timeout): whatever it answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as sock:
        sock.sendall(raw)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def still_serving(server: PreviewServer) -> None:
    status, _, body = get(server.port, "/")
    assert status == 200 and b"First story" in body


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_in_every_encoding_is_refused(server: PreviewServer, path: str) -> None:
    raw = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin-1")
    head, _, body = request(server.port, raw).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert status in (400, 404, 414) or (status == 200 and SCRIPT_PATH.encode() in body), (path, head)
    assert not any(secret in body for secret in SECRETS), path  # "/?/../x" is the home page: served


ABSURD = [
    b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n",  # too many headers
    b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",  # a header longer than a line may be
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",  # a request line longer than a line may be
    b"FOO / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET / HTTP/1.1 extra words\r\n\r\n",
    b"GET /\r\n",  # HTTP/0.9
    b"\x00\x01\x02\x03\r\n\r\n",
    b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: \xff\xfe\x00\r\nCookie: \xc0\xae\r\n\r\n",
    b"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
    b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /__feedsite/events HTTP/1.0\r\n\r\n",
    b"HEAD /__feedsite/events HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 50,  # pipelined
    b"GET / HTTP/1.1\nHost: x\n\n",  # bare newlines
    bytes(range(256)) * 8,
]


@pytest.mark.parametrize("raw", ABSURD, ids=range(len(ABSURD)))
def test_absurd_requests_are_answered_or_dropped_and_serving_goes_on(
    server: PreviewServer, raw: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    answer = request(server.port, raw, read_timeout=3.0)
    if answer:
        assert answer.startswith((b"HTTP/1.0 ", b"HTTP/1.1 ", b"<!DOCTYPE", b"retry:")), answer[:200]
    still_serving(server)
    assert "Traceback" not in capfd.readouterr().err


def test_half_open_connections_are_closed_and_never_block_others(
    server: PreviewServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert server_module._Handler.timeout == server_module.IDLE_SECONDS <= 60  # what serve uses
    monkeypatch.setattr(server_module._Handler, "timeout", 1.0)  # shortened for the test
    idle = []
    for n in range(60):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" if n % 2 else b"")  # never finished
        idle.append(sock)
    try:
        still_serving(server)
        deadline = time.monotonic() + 10
        for sock in idle:  # each is closed by the server once idle for its timeout
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            assert sock.recv(1024) == b""
    finally:
        for sock in idle:
            sock.close()
    still_serving(server)


def test_a_thousand_requests_from_twenty_clients(server: PreviewServer) -> None:
    site = server.watcher.config.path("output")
    expected = {
        "/feed.xml": (site / "feed.xml").read_bytes(),
        "/atom.xml": (site / "atom.xml").read_bytes(),
        "/style.css": (site / "style.css").read_bytes(),
    }
    paths = ["/", "/2024/11/a/", "/feed.xml", "/atom.xml", "/style.css", "/nope/", "/%2e%2e/feedsite.toml"]

    def client(number: int) -> list[tuple[str, int, bytes]]:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)  # keep-alive
        seen = []
        try:
            for step in range(50):
                path = paths[(number + step) % len(paths)]
                if step % 10 == 9:  # now and then a new connection
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
                conn.request("GET", path)
                response = conn.getresponse()
                seen.append((path, response.status, response.read()))
        finally:
            conn.close()
        return seen

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = [r for part in pool.map(client, range(20)) for r in part]
    assert len(results) == 1000
    for path, status, body in results:
        if path in expected:
            assert status == 200 and body == expected[path], path
        elif path in ("/", "/2024/11/a/"):
            assert status == 200 and b"</html>" in body, path
        else:
            assert status == 404 and not any(secret in body for secret in SECRETS), path
    still_serving(server)


def test_a_fifo_or_device_in_site_is_not_read(server: PreviewServer) -> None:
    site = server.watcher.config.path("output")
    os.mkfifo(site / "pipe.html")
    (site / "zero.html").symlink_to("/dev/zero")
    (site / "media").mkdir()
    os.mkfifo(site / "media" / "index.html")
    try:
        for path in ("/pipe.html", "/zero.html", "/media/"):
            started = time.monotonic()
            status, _, body = get(server.port, path)
            assert status == 404 and b"Page not found" in body and time.monotonic() - started < 5, path
    finally:
        for name in ("pipe.html", "zero.html", "media/index.html"):
            (site / name).unlink()
        (site / "media").rmdir()
    still_serving(server)


def test_the_server_outlives_an_attack_run(server: PreviewServer, tmp_path: Path) -> None:
    """Everything above at once from several clients, then an ordinary page."""
    raws = [f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode("latin-1") for p in TRAVERSALS] + ABSURD
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda raw: request(server.port, raw, read_timeout=3.0), raws * 3))
    still_serving(server)
