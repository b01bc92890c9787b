"""`feedsite ping` against real hubs: small HTTP servers on 127.0.0.1 that record what they get."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from feed_helpers import BASE, project, story
from helpers import build_project, write

from feedsite.cli import main

SUBSCRIPTIONS = [
    f"{BASE}{base}{name}" for base in ("", "tags/world/") for name in ("atom.xml", "feed.json", "feed.xml")
]


class Hub:
    """A WebSub hub that answers `status` and records (content type, form) of every POST."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("ascii")
                hub.requests.append((self.headers["Content-Type"], parse_qs(body)))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def urls(self) -> list[str]:
        return sorted(form["hub.url"][0] for _kind, form in self.requests)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def hubs() -> Iterator[tuple[Hub, Hub]]:
    made = (Hub(204), Hub(202))
    yield made
    for hub in made:
        hub.stop()


def site_with(root: Path, *hubs: Hub) -> Path:
    project(root, 5, websub_hubs=[hub.url for hub in hubs])
    build_project(root)
    return root


def ping(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["-C", str(root), "ping", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_first_ping_sends_every_subscription_feed_form_encoded(
    tmp_path: Path, hubs: tuple[Hub, Hub], capsys: pytest.CaptureFixture[str]
) -> None:
    root = site_with(tmp_path, *hubs)
    code, lines, _err = ping(root, capsys)
    assert code == 0
    assert lines == [f"{hub.url}: notified of 6 changed feeds" for hub in hubs]
    for hub in hubs:
        assert hub.urls() == SUBSCRIPTIONS  # archive pages are not subscribed to: never sent
        for kind, form in hub.requests:
            assert kind == "application/x-www-form-urlencoded"
            assert form["hub.mode"] == ["publish"] and len(form["hub.url"]) == 1
    assert (root / ".feedsite-cache/websub.json").is_file()


def test_only_the_feeds_whose_bytes_changed(
    tmp_path: Path, hubs: tuple[Hub, Hub], capsys: pytest.CaptureFixture[str]
) -> None:
    root = site_with(tmp_path, *hubs)
    write(root / "content/story-006.md", story(6, tags="[Sport]"))
    build_project(root)
    assert ping(root, capsys)[0] == 0
    for hub in hubs:
        hub.requests.clear()
    code, lines, _err = ping(root, capsys)
    assert code == 0 and lines == [f"{hub.url}: no feed changed since the last ping" for hub in hubs]
    assert not hubs[0].requests and not hubs[1].requests
    write(root / "content/story-007.md", story(7, tags="[Sport]"))  # the site's feeds and Sport's change
    build_project(root)
    code, lines, _err = ping(root, capsys)
    assert code == 0 and lines == [f"{hub.url}: notified of 6 changed feeds" for hub in hubs]
    expected = sorted(
        f"{BASE}{base}{name}"
        for base in ("", "tags/sport/")
        for name in ("atom.xml", "feed.json", "feed.xml")
    )
    assert hubs[0].urls() == hubs[1].urls() == expected


def test_a_failing_hub_is_exit_1_and_is_asked_again_next_time(
    tmp_path: Path, hubs: tuple[Hub, Hub], capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = hubs
    bad.status = 500
    root = site_with(tmp_path, good, bad)
    code, lines, _err = ping(root, capsys)
    assert code == 1
    assert lines[0] == f"{good.url}: notified of 6 changed feeds"
    assert lines[1].startswith(f"{bad.url}: FAILED for 6 of 6 changed feeds (0 notified): atom.xml: HTTP 500")
    bad.status = 202
    good.requests.clear()
    bad.requests.clear()
    code, lines, _err = ping(root, capsys)
    assert code == 0
    assert lines == [
        f"{good.url}: no feed changed since the last ping",
        f"{bad.url}: notified of 6 changed feeds",
    ]
    assert not good.requests and bad.urls() == SUBSCRIPTIONS


def test_an_unreachable_hub(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gone = Hub()
    gone.stop()  # its port is closed now
    root = site_with(tmp_path, gone)
    code, lines, _err = ping(root, capsys)
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"{gone.url}: FAILED for 6 of 6")


@pytest.mark.parametrize("damage", ["garbage", "wrong shape", "a file instead of the folder", "missing"])
def test_a_damaged_or_missing_memory_sends_everything(
    tmp_path: Path, hubs: tuple[Hub, Hub], capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    root = site_with(tmp_path, hubs[0])
    assert ping(root, capsys)[0] == 0
    hubs[0].requests.clear()
    cache = root / ".feedsite-cache"
    state = cache / "websub.json"
    if damage == "garbage":
        state.write_bytes(b"\x00\xff{not json")
    elif damage == "wrong shape":
        state.write_text(json.dumps({"version": 1, "base_url": BASE, "hubs": [1, 2]}))
    elif damage == "a file instead of the folder":
        for item in cache.iterdir():
            item.unlink()
        cache.rmdir()
        cache.write_text("not a folder")
    else:
        state.unlink()
    code, lines, err = ping(root, capsys)
    assert code == 0 and lines == [f"{hubs[0].url}: notified of 6 changed feeds"]
    assert hubs[0].urls() == SUBSCRIPTIONS
    if damage == "a file instead of the folder":
        assert "cannot be written" in err and "the next ping sends every feed again" in err


def test_all_sends_everything_and_another_base_url_forgets(
    tmp_path: Path, hubs: tuple[Hub, Hub], capsys: pytest.CaptureFixture[str]
) -> None:
    root = site_with(tmp_path, hubs[0])
    assert ping(root, capsys)[0] == 0
    hubs[0].requests.clear()
    assert ping(root, capsys, "--all")[0] == 0
    assert hubs[0].urls() == SUBSCRIPTIONS
    hubs[0].requests.clear()
    config = root / "feedsite.toml"
    config.write_text(config.read_text().replace(BASE, "https://moved.example.org/"))
    build_project(root)
    assert ping(root, capsys)[0] == 0
    assert hubs[0].urls() == [url.replace(BASE, "https://moved.example.org/") for url in SUBSCRIPTIONS]


def test_without_hubs_or_a_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 2)
    code, lines, _err = ping(tmp_path, capsys)
    assert code == 0 and lines == ["feedsite ping: no hubs in feeds.websub_hubs: nothing to send"]
    hubbed = tmp_path / "hubbed"
    project(hubbed, 2, websub_hubs=["https://hub.example/"])
    code, lines, err = ping(hubbed, capsys)
    assert code == 1 and "site/ is not built yet: run `feedsite build` first" in err
