"""The preview server, for real on 127.0.0.1 with an OS-chosen port."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from preview_helpers import TIMEOUT, Streams, get, make_project, write_entry

from feedsite.build import BuildOptions
from feedsite.config import load_config
from feedsite.preview.server import (
    EVENTS_PATH,
    SCRIPT_PATH,
    PreviewServer,
    inject,
    is_loopback,
    serve_forever,
)

REPO = Path(__file__).resolve().parent.parent


def root_of(server: PreviewServer) -> Path:
    return server.watcher.config.root


def test_pages_get_the_script_but_site_does_not(server: PreviewServer) -> None:
    status, headers, body = get(server.port, "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert body.count(SCRIPT_PATH.encode()) == 1
    assert body.index(SCRIPT_PATH.encode()) < body.rindex(b"</body>")
    on_disk = (root_of(server) / "site" / "index.html").read_bytes()
    assert SCRIPT_PATH.encode() not in on_disk and b"First story" in on_disk
    status, headers, script = get(server.port, SCRIPT_PATH)
    assert (
        status == 200 and headers["content-type"].startswith("text/javascript") and b"EventSource" in script
    )


def test_pretty_urls_and_redirect(server: PreviewServer) -> None:
    status, _, body = get(server.port, "/2024/11/a/")
    assert status == 200 and b"First story" in body
    status, headers, _ = get(server.port, "/2024/11/a?x=1")
    assert status in (301, 302) and headers["location"] == "/2024/11/a/?x=1"
    status, _, body = get(server.port, "/2024/11/a/index.html")
    assert status == 200 and b"First story" in body


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ],
)
def test_content_types(server: PreviewServer, path: str, kind: str) -> None:
    status, headers, body = get(server.port, path)
    assert status == 200 and headers["content-type"] == kind
    assert SCRIPT_PATH.encode() not in body  # only HTML gets the script
    assert body == (root_of(server) / "site" / path.lstrip("/")).read_bytes()


def test_head_request(server: PreviewServer) -> None:
    status, headers, body = get(server.port, "/feed.xml", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_missing_pages_get_404_html(server: PreviewServer) -> None:
    status, headers, body = get(server.port, "/no/such/page/")
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert b"Page not found" in body and SCRIPT_PATH.encode() in body


@pytest.mark.parametrize(
    "path",
    [
        "/../feedsite.toml",
        "/%2e%2e/feedsite.toml",
        "/2024/../../feedsite.toml",
        "/..%2ffeedsite.toml",
        "/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/..\\feedsite.toml",
        "/%00",
        "//etc/passwd",
    ],
)
def test_nothing_outside_site_is_served(server: PreviewServer, path: str) -> None:
    status, _, body = get(server.port, path)
    assert status in (400, 404), (path, status)
    assert b"base_url" not in body and b"root:" not in body


def test_symlinks_out_of_site_and_folders_without_index(server: PreviewServer, tmp_path: Path) -> None:
    site = root_of(server) / "site"
    secret = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    secret.write_text("top secret", "utf-8")
    try:
        (site / "leak.txt").symlink_to(secret)
        (site / "leakdir").symlink_to(tmp_path)
        (site / "media").mkdir()
        (site / "media" / "photo.txt").write_text("inside", "utf-8")
        for path in ("/leak.txt", "/leakdir/feedsite.toml", "/leakdir/"):
            status, _, body = get(server.port, path)
            assert status == 404 and b"top secret" not in body and b"base_url" not in body, path
        status, _, body = get(server.port, "/media/")
        assert status == 404 and b"photo.txt" not in body  # no listing
        assert get(server.port, "/media/photo.txt")[2] == b"inside"
    finally:
        secret.unlink()


def test_many_parallel_requests_while_event_streams_are_open(server: PreviewServer) -> None:
    streams = [_open_events(server.port) for _ in range(8)]
    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            paths = ["/", "/feed.xml", "/2024/11/a/", "/atom.xml", "/nope"] * 40
            results = list(pool.map(lambda p: get(server.port, p)[0], paths))
        assert results.count(200) == 160 and results.count(404) == 40
    finally:
        for conn, _ in streams:
            conn.close()


def _open_events(port: int) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("GET", EVENTS_PATH)
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
    return conn, response


def _next_event(response: http.client.HTTPResponse) -> tuple[str, dict[str, object]]:
    name, data = "", ""
    while True:
        line = response.readline().decode()
        assert line, "event stream closed"
        line = line.rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif not line and name:
            return name, json.loads(data)


def test_events_reload_after_a_good_build_and_report_a_bad_one(server: PreviewServer) -> None:
    conn, response = _open_events(server.port)
    try:
        name, data = _next_event(response)
        assert name == "hello" and data == {"version": 1, "problems": []}
        write_entry(root_of(server), "a", "Edited for the stream")
        assert _next_event(response) == ("reload", {"version": 2})
        broken = root_of(server) / "content/2024/11/b.md"
        broken.write_text("---\ntitle: [unclosed\n---\n", "utf-8")
        name, data = _next_event(response)
        assert name == "failed"
        problems = data["problems"]
        assert isinstance(problems, list) and any(str(p).startswith("content/2024/11/b.md") for p in problems)
        # the last good site is still served, and a new page load is told about the error at once
        assert b"Second story" in get(server.port, "/2024/11/b/")[2]
        conn2, response2 = _open_events(server.port)
        assert _next_event(response2) == ("hello", {"version": 2, "problems": problems})
        conn2.close()
        write_entry(root_of(server), "b", "Second story, fixed")
        assert _next_event(response) == ("reload", {"version": 3})
    finally:
        conn.close()


def test_stop_ends_open_event_streams(tmp_path: Path) -> None:
    make_project(tmp_path)
    streams = Streams()
    preview = PreviewServer(load_config(tmp_path), BuildOptions(), "127.0.0.1", 0, streams.out, streams.err)
    preview.start(wait=TIMEOUT)
    conn, response = _open_events(preview.port)
    assert _next_event(response)[0] == "hello"
    preview.stop()  # must not hang on the open stream
    assert response.read() == b""
    conn.close()


def test_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    make_project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        code = serve_forever(load_config(tmp_path), BuildOptions(), "127.0.0.1", port, out, err)
    assert code == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port} is already in use" in lines[0] and "--port 0" in lines[0]
    assert not (tmp_path / "site").exists()  # nothing built


def test_loopback_detection() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "", "192.168.1.10", "::", "example.org"):
        assert not is_loopback(host), host


def test_inject_without_body_tag() -> None:
    assert inject(b"<p>x", 3).startswith(b"<p>x<script")
    assert inject(b"<body>a</BODY></html>", 1).endswith(b'data-version="1"></script>\n</BODY></html>')


def test_serve_command_prints_the_url_and_stops_cleanly(tmp_path: Path) -> None:
    make_project(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "feedsite", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = ""
        while "serving" not in line:
            line = proc.stdout.readline()
            assert line, f"feedsite serve ended early: {proc.stderr.read() if proc.stderr else ''}"
        url = next(word for word in line.split() if word.startswith("http://127.0.0.1:"))
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        assert port != 0 and get(port, "/")[0] == 200
        conn, _response = _open_events(port)  # an open stream must not stop Ctrl-C
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        conn.close()
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped" in out
    assert "warning" not in err


def test_a_failed_first_build_still_serves_a_page_that_shows_it(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "content/2024/11/a.md").write_text("---\ntitle: No date\n---\nx\n", "utf-8")
    streams = Streams()
    preview = PreviewServer(
        load_config(tmp_path), BuildOptions(), "127.0.0.1", 0, streams.out, streams.err, 0.1
    )
    preview.start(wait=TIMEOUT)
    try:
        status, headers, body = get(preview.port, "/")
        assert (
            status == 404 and headers["content-type"].startswith("text/html") and SCRIPT_PATH.encode() in body
        )
        conn, response = _open_events(preview.port)
        name, data = _next_event(response)
        assert name == "hello" and data["version"] == 0
        assert any(str(p).startswith("content/2024/11/a.md") for p in data["problems"])  # type: ignore[union-attr]
        write_entry(tmp_path, "a", "Now with a date")
        assert _next_event(response) == ("reload", {"version": 1})
        assert b"Now with a date" in get(preview.port, "/")[2]
        conn.close()
    finally:
        preview.stop()


def test_serve_with_drafts_previews_outside_site(tmp_path: Path) -> None:
    """`serve --drafts` must never write drafts into the committed site/."""
    from feedsite.build import BuildOptions
    from feedsite.config import load_config
    from feedsite.preview.server import PreviewServer

    (tmp_path / "feedsite.toml").write_text('[site]\ntitle = "T"\nbase_url = "https://example.org/"\n')
    draft = tmp_path / "content/2024/11/d.md"
    draft.parent.mkdir(parents=True)
    draft.write_text("---\ntitle: Secret draft\ndate: 2024-11-08\nid: urn:uuid:1\ndraft: true\n---\nx\n")
    server = PreviewServer(load_config(tmp_path), BuildOptions(drafts=True), port=0)
    try:
        server.start()
        assert server.watcher.wait_for_build(1, timeout=30)
        preview = tmp_path / ".feedsite-cache/preview/2024/11/d/index.html"
        assert b"Secret draft" in preview.read_bytes()
        assert not (tmp_path / "site").exists()
    finally:
        server.stop()
