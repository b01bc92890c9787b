"""Live reload in a real headless Chromium (Debian's), driven by Playwright: no manual reload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from preview_helpers import TIMEOUT, wait_until, write_entry

from feedsite.preview.server import PreviewServer

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-proxy-server",
]
MS = int(TIMEOUT * 1000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, server: PreviewServer) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(MS)
    page.goto(server.url)
    wait_until(lambda: server.hub.subscribers() > 0, what="the page's event stream")
    yield page
    context.close()


def test_an_edit_appears_without_a_manual_reload(page: Page, server: PreviewServer) -> None:
    expect(page.locator("main")).to_contain_text("First story")
    root = server.watcher.config.root
    write_entry(root, "a", "A title typed a moment ago", day=1)
    expect(page.locator("main")).to_contain_text("A title typed a moment ago", timeout=MS)
    expect(page.locator("#feedsite-error-overlay")).to_have_count(0)


def test_a_broken_entry_shows_the_overlay_and_a_fix_clears_it(page: Page, server: PreviewServer) -> None:
    root = server.watcher.config.root
    (root / "content/2024/11/b.md").write_text("---\ntitle: Broken <b>bold</b>\n---\nno date here\n", "utf-8")
    overlay = page.locator("#feedsite-error-overlay")
    expect(overlay).to_be_visible(timeout=MS)
    expect(overlay).to_contain_text("content/2024/11/b.md")
    expect(overlay).to_contain_text("Build failed")
    expect(page.locator("main")).to_contain_text("Second story")  # the last good page stays
    # a page opened while the build is broken shows the overlay at once
    other = page.context.new_page()
    other.goto(server.url + "2024/11/a/")
    expect(other.locator("#feedsite-error-overlay")).to_be_visible(timeout=MS)
    other.close()
    write_entry(root, "b", "Second story, repaired", day=2)
    expect(page.locator("main")).to_contain_text("Second story, repaired", timeout=MS)
    expect(overlay).to_have_count(0)
