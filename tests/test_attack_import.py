"""Attack: `feedsite import` on hostile sources. Each source gives one entry or one clean line (never a
traceback, never "internal error"), nothing is written outside content/, and what is written is an
entry that parses and renders with no script, no event handler and no URL outside the allow-list.

Fuzzed bytes (random, and mutations of real sources: truncated UTF-8, NULs, huge lines, hostile
snippets spliced in), then a corpus of known attacks (XXE, entity bombs, <svg onload>, <math>
tricks, javascript: links in .txt text, deep nesting), the bugs issue 12 lists, a fifo or
/dev/zero named as an entry or a source, and `feedsite import` killed at random moments.
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_import_support import FIXTURES, SEED, TOML, entries, make_project, split_entry

import feedsite.cli
from feedsite.build import BuildOptions
from feedsite.config import SiteConfig, load_config
from feedsite.content import parse_entry, settings_of
from feedsite.importers import ImportOptions, run_import
from feedsite.markup import Renderer, is_harmful
from feedsite.preview.watch import Watcher

CODE = Path(feedsite.cli.__file__).resolve().parent
DAY = "2024-11-08T09:00:00+01:00"
RENDER = Renderer(("extra", "sane_lists"))  # raw_html on: what the importer stored must be harmless as it is


def imported(config: SiteConfig, data: bytes, name: str) -> tuple[int, list[str], dict[str, bytes]]:
    """Import one source (in a project whose content/ is emptied first): status, error lines, entries."""
    for old in (
        sorted(config.path("content").rglob("*"), reverse=True) if config.path("content").exists() else []
    ):
        old.unlink() if old.is_file() else old.rmdir()
    source = config.path("seeds") / name
    source.write_bytes(data)
    from datetime import datetime

    out, err = io.StringIO(), io.StringIO()
    status = run_import(config, [source], ImportOptions(date=datetime.fromisoformat(DAY)), out, err)
    source.unlink()
    return status, err.getvalue().splitlines(), entries(config)


def assert_clean(
    config: SiteConfig, status: int, errors: list[str], made: dict[str, bytes], name: str
) -> None:
    text = "\n".join(errors)
    assert "Traceback" not in text and "internal error" not in text, text
    failures = [line for line in errors if ": warning: " not in line]
    assert all(line.startswith(f"seeds/{name}") for line in errors), errors
    if status == 1:
        assert failures, errors
    else:
        assert status == 0 and not failures, errors
    assert set(made) <= {p for p in made if p.endswith(".md") and not p.startswith(".")}, made
    root_files = {p.name for p in config.root.iterdir()}
    assert root_files <= {"feedsite.toml", "seeds", "content"}, root_files  # nothing outside content/
    for path, data in made.items():
        _entry, markdown = parse_entry(settings_of(config), f"content/{path}", data)  # import's output parses
        assert_harmless(RENDER(markdown))


def assert_harmless(fragment: str) -> None:
    if not fragment.strip():
        return
    doc = lxml.html.fragment_fromstring(fragment, create_parent="div")
    assert not doc.xpath("//script|//iframe|//object|//embed|//svg|//math|//style|//form"), fragment
    for element in doc.iter():
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), (attribute, fragment)
            assert not is_harmful(attribute, value.replace("&", "&amp;")), (attribute, value, fragment)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> SiteConfig:
    return make_project(tmp_path_factory.mktemp("attack"))


# ---- fuzzed sources ----------------------------------------------------------------------------

SAMPLES = {
    ".txt": SEED.read_bytes(),
    ".html": (FIXTURES / "article.html").read_bytes(),
    ".xml": (FIXTURES / "wire.rss").read_bytes(),
    ".atom": (FIXTURES / "newsroom.atom").read_bytes(),
    ".json": (FIXTURES / "agency.json").read_bytes(),
}
SNIPPETS = [
    b"<script>alert(1)</script>", b"<img src=x onerror=alert(1)>", b"<svg onload=alert(1)>",
    b'<a href="javascript:alert(1)">x</a>', b"[x](javascript:alert(1))", b"\x00", b"\xff\xfe",
    b"\xe2\x82", b"]]>", b"<![CDATA[", b"&#0;", b"&nbsp;", b"&xxe;", b"\r\n", b"\n\n", b"{", b"[",
    b'"', b"<", b"&", b"<math><mi xlink:href=\"javascript:x\">m</mi></math>", b"\xef\xbb\xbf",
    b"A" * 5000, b"\n" * 200, b"<!--", b"-->", b'<meta charset="hex">', b'<?xml encoding="utf-7"?>',
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "snippet", "flip", "drop"]))
        if kind == "cut":
            del data[at:]
        elif kind == "snippet":
            data[at:at] = draw(st.sampled_from(SNIPPETS))
        elif kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "drop":
            del data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


def sources() -> st.SearchStrategy[tuple[str, bytes]]:
    fuzzed = [
        st.tuples(st.just(suffix), st.one_of(mutated(sample), st.binary(max_size=300)))
        for suffix, sample in SAMPLES.items()
    ]
    return st.one_of(*fuzzed)


@settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sources())
def test_any_source_gives_one_entry_or_one_clean_line(config: SiteConfig, source: tuple[str, bytes]) -> None:
    suffix, data = source
    name = f"fuzzed{suffix}"
    status, errors, made = imported(config, data, name)
    assert_clean(config, status, errors, made, name)
    if suffix != ".txt" and suffix != ".html":
        return
    assert (status == 0) == (len(made) == 1), (status, errors, list(made))  # one article per file


# ---- known attacks -----------------------------------------------------------------------------

RSS = '<?xml version="1.0"?>\n{doctype}<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'


def item(title: str, description: str, link: str = "https://ok.example/a", extra: str = "") -> str:
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{title}</guid>"
        f"<description>{description}</description>{extra}</item>"
    )


ATTACKS: dict[str, tuple[str, bytes]] = {
    "xxe.xml": (
        "an external entity is never read",
        RSS.format(
            doctype='<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            items=item("XXE &xxe;", "Read &xxe; here, a long enough description."),
        ).encode(),
    ),
    "dtd.xml": (
        "an external DTD is never fetched",
        RSS.format(
            doctype='<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">',
            items=item("DTD", "Text of the item, long enough."),
        ).encode(),
    ),
    "laughs.xml": (
        "a billion laughs is not expanded",
        RSS.format(
            doctype='<!DOCTYPE rss [<!ENTITY a "ha">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
            + "]>",
            items=item("Laughs &j;", "Lots of &j; laughs here."),
        ).encode(),
    ),
    "quadratic.xml": (
        "a quadratic blow-up is not expanded",
        RSS.format(
            doctype=f'<!DOCTYPE rss [<!ENTITY big "{"x" * 50_000}">]>',
            items=item("Quad", "&big;" * 20_000),
        ).encode(),
    ),
    "script.xml": (
        "scripts, handlers and script URLs in item HTML are dropped",
        RSS.format(
            doctype="",
            items=item(
                "Hostile item",
                "&lt;p&gt;Text&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
                "&lt;a href=&quot;javascript:alert(3)&quot;&gt;link&lt;/a&gt;&lt;svg onload=alert(4)&gt;"
                "&lt;math&gt;&lt;mtext&gt;&lt;table&gt;&lt;mglyph&gt;&lt;style&gt;&lt;img src=x "
                "onerror=alert(5)&gt;&lt;/p&gt;",
                link="javascript:alert(6)",
                extra='<enclosure url="javascript:alert(7)" type="image/png" length="1"/>',
            ),
        ).encode(),
    ),
    "cdata.xml": (
        "CDATA HTML is sanitized",
        RSS.format(
            doctype="",
            items=item(
                "CDATA",
                "<![CDATA[<p>Fine text here.</p><iframe srcdoc='<script>alert(1)</script>'></iframe>"
                "<object data='javascript:alert(2)'></object>"
                "<form action='javascript:x'><button>b</button></form>"
                "<base href='javascript:x'><meta http-equiv='refresh' content='0;url=javascript:x'>]]>",
            ),
        ).encode(),
    ),
    "xhtml.atom": (
        "Atom xhtml content is sanitized",
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>'
        b"<updated>2024-11-08T09:00:00Z</updated><entry><title>X</title><id>urn:x</id>"
        b"<updated>2024-11-08T09:00:00Z</updated><link href='javascript:alert(1)'/>"
        b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p onclick="alert(1)">Body '
        b'text</p><script>alert(2)</script><a href="jAvAsCrIpT:alert(3)">a</a></div></content>'
        b"</entry></feed>",
    ),
    "hostile.json": (
        "JSON Feed HTML and URLs are checked",
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "title": "J1",'
        b' "url": "javascript:alert(1)", "image": "javascript:alert(2)",'
        b' "summary": "<script>alert(3)</script>",'
        b' "content_html": "<p>Body</p><script>alert(4)</script><img src=x onerror=alert(5)>"}]}',
    ),
    "page.html": (
        "a hostile page imports as its text",
        b"<html><head><title>Hostile page</title><link rel=canonical href='javascript:alert(1)'>"
        b"<meta property='og:image' content='javascript:alert(2)'>"
        b'<script type="application/ld+json">{"@type": "NewsArticle", "headline": "LD <b>head</b>",'
        b' "image": "javascript:alert(3)", "url": "javascript:alert(4)"}</script></head><body><article>'
        b"<p>Enough article text to import, with <a href='javascript:alert(5)'>a link</a> and"
        b" <img src='javascript:alert(6)' alt='an image'>.</p><svg onload=alert(7)><text>svg</text></svg>"
        b"<math><annotation-xml encoding='text/html'><script>alert(8)</script></annotation-xml></math>"
        b"<noscript><p title='</noscript><img src=x onerror=alert(9)>'></p></noscript>"
        b"</article></body></html>",
    ),
    "links.txt": (
        "a .txt source's script links stay text",
        b"Links in text\n\nA standfirst.\n\nA paragraph long enough, with [a link](javascript:alert(1)) and"
        b" ![an image](javascript:alert(2)) and [fine](https://ok.example/) in it.\n\n"
        b"More [x](<jav\tascript:x>).\n",
    ),
    "deep.json": (
        "deeply nested JSON is one line",
        b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ),
    "deep-ld.html": (
        "deeply nested JSON-LD is left out",
        b'<html><head><title>Deep LD</title><script type="application/ld+json">'
        + b"[" * 100_000
        + b"]" * 100_000
        + b"</script></head><body><article><p>Enough article text to import from this page.</p>"
        b"</article></body></html>",
    ),
    "deep.html": (
        "deeply nested HTML is one entry or one line",
        b"<html><head><title>Deep HTML</title></head><body><article>"
        + b"<div>" * 20_000
        + b"<p>Enough article text to import from this page.</p>"
        + b"</div>" * 20_000
        + b"</article></body></html>",
    ),
    "codec.html": (
        "a codec that is not for text is one line",
        b'<html><head><meta charset="hex"><title>H\xff</title></head><body><article>'
        + b"<p>Enough article text \xff to import from this page.</p></article></body></html>",
    ),
    "bignum.html": (
        "a huge number is no crash",
        b"<html><head><title>Big</title></head><body><article><ol start='"
        + b"9" * 5000
        + b"'><li>one</li></ol><p>Enough article text to import from this page.</p></article></body></html>",
    ),
    "truncated.html": (
        "a page cut off in its <head> (no <body>: lxml asserts one) is one line",
        b'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<title>H',
    ),
    "hugeline.txt": (
        "a huge line is a paragraph",
        b"Huge line\n\n" + b"word " * 400_000 + b"\n",
    ),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_known_attacks(config: SiteConfig, name: str) -> None:
    _, data = ATTACKS[name]
    started = time.monotonic()
    status, errors, made = imported(config, data, name)
    assert time.monotonic() - started < 60, "an import must not take long"
    assert_clean(config, status, errors, made, name)
    for text in made.values():
        assert b"root:" not in text and b"hahaha" not in text, text  # XXE; entities
        if not name.endswith(".txt"):  # a .txt source's text is shown as text, script links included
            assert b"alert" not in text, text


def test_what_a_hostile_feed_leaves_out_is_said(config: SiteConfig) -> None:
    status, errors, made = imported(config, ATTACKS["script.xml"][1], "script.xml")
    assert status == 0 and len(made) == 1
    (entry,) = made.values()
    front, body = split_entry(entry.decode())
    assert "url" not in front["source"] and "image" not in front  # javascript: link and enclosure
    assert "seeds/script.xml #1: warning: source url 'javascript:alert(6)' dropped" in "\n".join(errors)
    assert "seeds/script.xml #1: warning: image 'javascript:alert(7)' dropped" in "\n".join(errors)
    assert "Text" in body and "link" in body


def test_feed_html_summaries_are_stored_as_sanitized_text(config: SiteConfig) -> None:
    """Issue 12: imported feeds' HTML summaries were stored unsanitized."""
    feed = RSS.format(
        doctype="",
        items=item(
            "Summary attack",
            "&lt;b&gt;Lead&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;",
            extra="<content:encoded xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
            "&lt;p&gt;The full body of the item, long enough.&lt;/p&gt;</content:encoded>",
        ),
    ).encode()
    status, errors, made = imported(config, feed, "summary.xml")
    assert status == 0, errors
    (entry,) = made.values()
    front, _ = split_entry(entry.decode())
    assert front["summary"] == "Lead"  # the text, without the script or the image


def test_a_txt_sources_script_link_survives_nowhere(tmp_path: Path) -> None:
    """Issue 12: a .txt source's [x](javascript:…) link reached the page."""
    root = tmp_path / "p"
    (root / "seeds").mkdir(parents=True)
    (root / "feedsite.toml").write_text(TOML, "utf-8")
    (root / "seeds" / "a.txt").write_bytes(ATTACKS["links.txt"][1])
    assert feedsite(root, "import", "--date", DAY).returncode == 0
    assert feedsite(root, "build").returncode == 0
    page = (root / "site" / "2024" / "11" / "links-in-text" / "index.html").read_text("utf-8")
    doc = lxml.html.document_fromstring(page)
    assert doc.xpath("//a[@href='https://ok.example/']")
    assert all("javascript" not in (a.get("href") or "") for a in doc.xpath("//a|//img"))
    assert "[a link](javascript:alert(1))" in doc.text_content()  # shown as the text it was


# ---- files that are not files ------------------------------------------------------------------


def feedsite(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FEEDSITE_DEBUG"}
    env["PYTHONPATH"] = str(CODE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    command = [sys.executable, "-m", "feedsite", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)


def limit_memory() -> None:  # in the child: a read of /dev/zero would fail here, not eat the machine
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_fifos_and_devices_never_hang_or_eat_memory(tmp_path: Path) -> None:
    """Issue 12: a fifo named *.md hung `feedsite import`; a symlink to /dev/zero ate memory."""
    root = tmp_path / "p"
    (root / "seeds").mkdir(parents=True)
    (root / "content" / "2024").mkdir(parents=True)
    (root / "feedsite.toml").write_text(TOML, "utf-8")
    os.mkfifo(root / "content" / "2024" / "pipe.md")
    (root / "content" / "2024" / "zero.md").symlink_to("/dev/zero")
    os.mkfifo(root / "seeds" / "pipe.txt")
    (root / "seeds" / "zero.html").symlink_to("/dev/zero")
    (root / "seeds" / "good.txt").write_text("Good story\nIt imports.\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "FEEDSITE_DEBUG"}
    env["PYTHONPATH"] = str(CODE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    for args in (["import", "--date", DAY], ["import", "--date", DAY, "seeds/zero.html", "seeds/pipe.txt"]):
        result = subprocess.run(
            [sys.executable, "-m", "feedsite", "-C", str(root), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=root,
            preexec_fn=limit_memory,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "seeds/pipe.txt: warning: is a fifo (named pipe), not a regular file: skipped" in result.stderr
        assert "seeds/zero.html: warning: is a device, not a regular file: skipped" in result.stderr
    assert (root / "content" / "2024" / "11" / "good-story.md").is_file()


def test_watch_mode_with_a_fifo_named_md_keeps_building(tmp_path: Path) -> None:
    """Issue 12: a fifo named *.md froze watch mode (its import of a changed seed read it)."""
    root = tmp_path / "p"
    (root / "seeds").mkdir(parents=True)
    (root / "content").mkdir()
    (root / "feedsite.toml").write_text(TOML, "utf-8")
    os.mkfifo(root / "content" / "pipe.md")
    out, err = io.StringIO(), io.StringIO()
    results: list[object] = []
    watcher = Watcher(load_config(root), BuildOptions(), out, err, on_result=results.append, settle=0.1)
    watcher.start()
    try:
        assert watcher.wait_for_build(1, 30)
        (root / "seeds" / "story.txt").write_text("Watched story\nIt imports while watched.\n", "utf-8")
        assert watcher.wait_for_build(2, 30), err.getvalue()
        deadline = time.monotonic() + 30
        while (
            not (root / "site" / "index.html").is_file()
            or b"Watched story" not in (root / "site" / "index.html").read_bytes()
        ):
            assert time.monotonic() < deadline, err.getvalue()
            time.sleep(0.05)
    finally:
        watcher.stop()
    assert "content/pipe.md: warning: is a fifo (named pipe), not a regular file: skipped" in err.getvalue()


# ---- killed at random moments ------------------------------------------------------------------


def test_an_import_killed_at_any_moment_leaves_no_half_written_or_temporary_file(tmp_path: Path) -> None:
    """Each round removes some entries and kills the import that makes them again at a random moment
    within its run time; after the next import, content/ is what an import never killed makes."""
    sources = 150
    reference, root = tmp_path / "reference", tmp_path / "killed"
    for project in (reference, root):
        (project / "seeds").mkdir(parents=True)
        (project / "feedsite.toml").write_text(TOML, "utf-8")
        for n in range(sources):
            text = f"Story number {n}\nA standfirst for story {n}.\n" + f"Paragraph {n}. " * 200 + "\n"
            (project / "seeds" / f"s{n:03d}.txt").write_text(text, "utf-8")
    started = time.monotonic()
    assert feedsite(reference, "import", "--date", DAY).returncode == 0
    duration = time.monotonic() - started
    expected = entries(load_config(reference))
    assert len(expected) == sources
    env = {k: v for k, v in os.environ.items() if k != "FEEDSITE_DEBUG"}
    env["PYTHONPATH"] = str(CODE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    rng = random.Random(12)
    content = root / "content"
    for _ in range(10):
        for entry in sorted(content.rglob("*.md")) if content.exists() else []:
            if rng.random() < 0.5:
                entry.unlink()
        process = subprocess.Popen(
            [sys.executable, "-m", "feedsite", "-C", str(root), "import", "--date", DAY],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rng.uniform(0, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        for path, data in entries(load_config(root)).items() if content.exists() else []:
            if path.endswith(".md"):  # never half-written: every entry there is whole
                assert data == expected[path], path
    result = feedsite(root, "import", "--date", DAY)
    assert result.returncode == 0, result.stderr
    assert entries(load_config(root)) == expected  # the next import finished the job, and left no temp file
