"""Quality measured with the real checkers (issue 15): 0 Nu Html Checker errors and 0 axe-core
violations on every page type, light and dark, 390 and 1280 px wide.

The checkers come from npm (`npm install --prefix .checkers vnu-jar axe-core`, as .ci/run does):
vnu.jar runs on Debian's default-jre-headless, axe-core is injected through Playwright into
/usr/bin/chromium. A checker that is not installed skips its test, saying which and how to get it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ROOT, build_project
from newsroom_site import make_newsroom

from feedsite.config import load_config
from feedsite.errors import BuildError
from feedsite.search import index_site

CHECKERS = Path(os.environ.get("FEEDSITE_CHECKERS", ROOT / ".checkers")) / "node_modules"
VNU = CHECKERS / "vnu-jar/build/dist/vnu.jar"
AXE = CHECKERS / "axe-core/axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "npm install --prefix .checkers vnu-jar axe-core"

PAGE_TYPES = {  # one page of every kind the site has
    "home": "index.html",
    "older page": "page/1/index.html",
    "entry": "2024/11/story-0/index.html",
    "entry without image": "2024/11/story-2/index.html",
    "retracted entry": "2024/11/withdrawn/index.html",
    "tag": "tags/ukraine/index.html",
    "tag index": "tags/index.html",
    "author": "authors/jane-doe/index.html",
    "author index": "authors/index.html",
    "archive": "archive/index.html",
    "year": "2024/index.html",
    "month": "2024/11/index.html",
    "404": "404.html",
    "search": "search/index.html",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_newsroom(tmp_path_factory.mktemp("quality"))
    build_project(root)
    with contextlib.suppress(BuildError):  # without Pagefind, the search page is checked as it loads
        index_site(load_config(root))  # the search page's results need the index
    return root / "site"


def test_nu_html_checker_finds_no_errors(site: Path) -> None:
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.skip(
            f"the Nu Html Checker needs java (apt-get install default-jre-headless) and {VNU} ({INSTALL})"
        )
    pages = [str(site / path) for path in PAGE_TYPES.values()]
    assert all(Path(p).is_file() for p in pages)
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m.get('url', '').rsplit('/site/', 1)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages
    ]
    assert errors == []


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_axe_core_finds_no_violations(served: str) -> None:
    if not AXE.is_file() or not CHROMIUM.is_file():
        pytest.skip(f"axe-core needs {AXE} ({INSTALL}) and Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    script = AXE.read_text("utf-8")
    found: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            for scheme in ("light", "dark"):
                for width in (390, 1280):
                    context = browser.new_context(
                        viewport={"width": width, "height": 900}, color_scheme=scheme
                    )
                    page = context.new_page()
                    for name, path in PAGE_TYPES.items():
                        page.goto(
                            served
                            + path.removesuffix("index.html")
                            + ("?q=budget" if name == "search" else "")
                        )
                        if name == "search":  # Pagefind's results, when it indexed the site
                            page.wait_for_selector(
                                ".pagefind-ui__result, .pagefind-ui__message", timeout=10_000
                            )
                        page.add_script_tag(content=script)
                        result = page.evaluate(
                            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
                        )
                        found += [f"{name} ({scheme}, {width} px): {v}" for v in result]
                    context.close()
        finally:
            browser.close()
    assert found == []
