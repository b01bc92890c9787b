"""Attack: whatever a front-matter field holds, `feedsite build` either builds a site that no
browser or feed reader can be made to run script from, or fails with one clean line per problem.

The whole pipeline runs (feedsite.cli.main on a temp project), with hostile text in every field:
controls, NUL, lone surrogates (written as YAML escapes), bidi overrides, combining marks, `]]>`,
`</script>`, entities, markup, template syntax, `javascript:` URLs, very long strings. When it
builds: every page parses (lxml.html) with no script but our JSON-LD block, no on* attribute and no
URL outside the allow-list; every feed is well-formed XML that feedparser reads without the bozo
flag, with the entry's title read back as written and its summary as text.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

import feedsite.cli
from feedsite.cli import main
from feedsite.entryfile import read_entry
from feedsite.files import MAX_BYTES
from feedsite.text import clean_text
from feedsite.urls import allowed_url

HOSTILE = [
    "]]>", "</script>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&", "&amp;",
    "&#0;", "&lt;b&gt;", "<b>bold</b>", "\u202e", "\u202d", "\u2066", "\u0301", "\u0336" * 5, "\x00",
    "\ud800", "\udfff", "\ufeff", "\u2028", "\u2029", "\x85", "\x1b[31m", "\x7f", "\r", "\t", "\n",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html,<b>x</b>",
    "vbscript:x", "\"", "'", "`", "<", ">", "{{ 7*7 }}", "{% raw %}", "<!--", "-->", "\\", "%s",
    "{: onclick=alert(1) }", "<svg onload=alert(1)>", "<math><mi xlink:href=javascript:x>", "\U0001f600",
    "Zoë", "中文", "@", "*", "_", "[x](javascript:alert(1))", "---", "...", ": ", "- ", "#", "!",
]  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "srcset", "cite", "data", "background"}
MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")  # feedparser "repairs" what looks double-encoded
CODE = Path(feedsite.cli.__file__).resolve().parent
ATOM = "{http://www.w3.org/2005/Atom}"
CONFIG = '[site]\ntitle = "Attack <Times> & co"\nbase_url = "https://attack.example/news/"\n'


SURROGATES = ("\ud800", "\udfff")


def pieces() -> st.SearchStrategy[str]:
    hostile = st.sampled_from([p for p in HOSTILE if p not in SURROGATES])
    unicode = st.text(st.characters(codec="utf-8"), max_size=12)
    anything = st.text(max_size=4)  # any code point, lone surrogates included: YAML refuses those
    return st.one_of(hostile, hostile, unicode, unicode, anything)


def often(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `good` (7 in 8), sometimes `bad`: most examples build, so every check runs on them."""
    return st.sampled_from([True] * 7 + [False]).flatmap(lambda ok: good if ok else bad)


text = st.lists(pieces(), max_size=8).map("".join)
long_text = st.builds(lambda piece, times: piece * times, pieces().filter(bool), st.integers(500, 3000))
value = st.one_of(text, text, text, long_text)
GOOD_URLS = ["https://ok.example/a.jpg", "/media/a.jpg", "mailto:a@b.example", "a.jpg", "//cdn.example/x"]
url = often(
    st.one_of(st.sampled_from(GOOD_URLS), st.builds("https://ok.example/{}".format, text)),
    st.one_of(st.sampled_from([p for p in HOSTILE if ":" in p]), value),
)
name = often(value.filter(str.strip), value)
author = st.one_of(name, st.fixed_dictionaries({"name": name}, optional={"email": value, "uri": url}))
GOOD_DATES = [
    "2024-11-08T09:00:00+01:00",
    "2024-11-08",
    "Thu, 07 Nov 2024 09:00:00 +0100",
    "2024-11-08T09:00",
]
BAD_DATES = ["2024-13-45", "2024-02-30", "2024-11-08T25:00:00", "2024-11-08T09:00+25:00",
             "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]  # fmt: skip
date = often(st.sampled_from(GOOD_DATES), st.one_of(st.sampled_from(BAD_DATES), value))
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "summary": value,
    "tags": st.one_of(value, st.lists(value, max_size=3)),
    "authors": st.lists(author, max_size=2),
    "rights": value,
    "image": url,
    "image_alt": value,
    "source": st.one_of(value, st.fixed_dictionaries({}, optional={"name": value, "url": url, "file": text})),
    "lang": st.one_of(st.just("en"), value),
    "updated": date,
    "id": often(st.just("urn:uuid:0f8e7a52-6d1e-4a7e-9d0a-3c2b1a0000ff"), value),
    "slug": often(st.just("a-fuzzed-slug"), value),
    "image_credit": value,
    "section": value,
    "canonical": url,
}


YAML_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def yaml_value(data: object, ascii_only: bool) -> str:
    """JSON is YAML's flow style. ascii_only: everything else as \\u escapes (astral characters as
    surrogate pairs, which YAML refuses: a clean error); else as it is, but what YAML forbids raw in a
    stream as \\u escapes (lone surrogates stay raw: not UTF-8, a clean error too)."""
    if ascii_only:
        return json.dumps(data, ensure_ascii=True)
    escape = lambda m: m.group() if 0xD800 <= ord(m.group()) <= 0xDFFF else f"\\u{ord(m.group()):04x}"  # noqa: E731
    return YAML_UNPRINTABLE.sub(escape, json.dumps(data, ensure_ascii=False))


def entry_file(title: str, when: str, fields: dict[str, Any], body: str, ascii_only: bool) -> bytes:
    lines = [f"title: {yaml_value(title, ascii_only)}", f"date: {yaml_value(when, ascii_only)}"]
    lines += [f"{key}: {yaml_value(item, ascii_only)}" for key, item in fields.items()]
    front = "\n".join(lines)
    return f"---\n{front}\n---\n\n{body}\n".encode("utf-8", "surrogatepass")


NEIGHBOUR = b"---\ntitle: A quiet neighbour\ndate: 2024-11-07T09:00:00+01:00\nid: urn:uuid:1\n---\n\nCalm.\n"


def run(root: Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["-C", str(root), "build", "--drafts", "--future"])
    return code, err.getvalue()


def squashed(data: object) -> str:
    return " ".join(clean_text(str(data)).split())


def check_page(path: Path) -> str:
    """The page's <h1> text, after the checks."""
    data = path.read_bytes()
    assert 0 <= data.find(b'<meta charset="utf-8">') < 1024, path  # where browsers look for it
    doc = lxml.html.document_fromstring(data.decode("utf-8"))
    scripts = doc.xpath("//script")
    for script in scripts:  # ours: the JSON-LD block of an entry page, which is JSON and nothing else
        assert script.get("type") == "application/ld+json" and set(script.attrib) == {"type"}, path
        json.loads(script.text)
    assert len(scripts) <= 1 and data.count(b"<script") == len(scripts), path
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, text_value in element.attrib.items():
            assert not name.lower().startswith("on"), (path, name, text_value)
            if name.lower() in URL_ATTRIBUTES:
                assert allowed_url(text_value), (path, name, text_value)
        if element.tag == "meta" and element.get("property") in ("og:image", "og:url"):
            assert allowed_url(element.get("content", "")), (path, element.get("content"))
        if element.tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            target = element.get("content", "").partition("url=")[2]
            assert allowed_url(target), (path, target)
    h1 = doc.xpath("//h1")
    return " ".join(h1[0].text_content().split()) if h1 else ""


def check_feed(path: Path, title: str, summary: str | None) -> None:
    data = path.read_bytes()
    etree.fromstring(data)  # well-formed XML 1.0
    feed = feedparser.parse(data)
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    mine = [e for e in feed.entries if e.get("id") != "urn:uuid:1"]
    if not mine:
        return
    (entry,) = mine
    if not MOJIBAKE.search(title) and (path.name == "atom.xml" or not feedparser_reads_as_html(title)):
        assert entry.title == title, (path, entry.title, title)
    if summary and path.name == "feed.xml":  # <description> is HTML to readers: the summary as text
        assert lxml.html.fragment_fromstring(entry.summary, create_parent="div").text_content() == summary


def feedparser_reads_as_html(text: str) -> bool:
    """feedparser takes an RSS title for HTML when it holds a close tag or an entity (its heuristic):
    then it reads what a browser would show, not the characters."""
    return bool(re.search(r"</\w+>|&#?\w+;", text))


def check_site(root: Path, title: str, summary: str | None) -> None:
    site = root / "site"
    headings = set()
    for page in site.rglob("*.html"):
        heading = check_page(page)
        if re.fullmatch(r"\d{4}/\d{2}/[^/]+/index\.html", page.relative_to(site).as_posix()):
            headings.add(heading)
    assert headings == {title, "A quiet neighbour"}  # each entry's page, its title read back as text
    for feed in site.rglob("*.xml"):
        if feed.name in ("feed.xml", "atom.xml"):
            check_feed(feed, title, summary)
        else:
            etree.fromstring(feed.read_bytes())
    for feed in site.rglob("feed.json"):  # JSON Feed: plain-text title and summary, as written
        for item in json.loads(feed.read_bytes())["items"]:
            if item["id"] != "urn:uuid:1":
                assert item["title"] == title, feed
                assert summary is None or item.get("summary") == summary, (feed, item)


def check_failure(code: int, err: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    closing = re.fullmatch(r"feedsite build: (\d+) errors?; nothing was written", lines[-1])
    assert closing is not None, err
    assert len(lines) - 1 == int(closing.group(1)), err
    for line in lines[:-1]:
        assert re.match(r"(content/[^:]+\.md|feedsite\.toml)(:\d+)?: \S", line), line


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    title=often(value.filter(str.strip), value),
    when=date,
    fields=st.fixed_dictionaries({}, optional=FIELDS),
    body=st.one_of(st.just("A calm body."), text),
    raw_html=st.booleans(),
    ascii_only=often(st.just(False), st.just(True)),
)
def test_any_front_matter_builds_safely_or_fails_cleanly(
    tmp_path: Path, title: str, when: str, fields: dict[str, Any], body: str, raw_html: bool, ascii_only: bool
) -> None:
    root = tmp_path / "project"
    shutil.rmtree(root, ignore_errors=True)  # a fresh project each time: no remembered URLs, no cache
    content = root / "content"
    content.mkdir(parents=True)
    # a hand-written raw-HTML body is the author's own (SECURITY.md): with raw_html on, the body is calm
    markdown = "" if raw_html else "\n[markdown]\nraw_html = false\n"
    (root / "feedsite.toml").write_text(CONFIG + markdown, "utf-8")
    raw = entry_file(title, when, fields, body if not raw_html else "A calm body.", ascii_only)
    (content / "fuzzed.md").write_bytes(raw)
    (content / "neighbour.md").write_bytes(NEIGHBOUR)
    code, err = run(root)
    event("built" if code == 0 else "refused")
    if code != 0:
        check_failure(code, err)
        return
    assert err == "", err
    meta = read_entry(raw).meta
    summary = squashed(meta.get("summary") or "") or None  # else the body's first paragraph
    check_site(root, squashed(meta["title"]), summary)


def test_hostile_front_matter_at_once_builds_as_text(tmp_path: Path) -> None:
    """One entry holding every hostile piece in its text fields (lone surrogates aside: YAML refuses
    them, a clean error the property test meets): it builds, and every check holds."""
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "feedsite.toml").write_text(CONFIG, "utf-8")
    hostile = "".join(piece for piece in HOSTILE if piece not in ("\ud800", "\udfff"))
    fields = {
        "summary": hostile,
        "tags": [hostile, "<b>tag</b>"],
        "authors": [{"name": hostile, "uri": "https://ok.example/me"}],
        "rights": hostile,
        "image": "/media/a.jpg",
        "image_alt": hostile,
        "source": {"name": hostile, "url": "https://ok.example/"},
    }
    raw = entry_file(hostile, "2024-11-08", fields, "Body.", ascii_only=False)
    (root / "content" / "all.md").write_bytes(raw)
    (root / "content" / "neighbour.md").write_bytes(NEIGHBOUR)
    code, err = run(root)
    assert code == 0, err
    meta = read_entry(raw).meta
    check_site(root, squashed(meta["title"]), squashed(meta["summary"]))
    page = (root / "site" / "2024" / "11" / "all" / "index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, in the heading and elsewhere
    rss = (root / "site" / "feed.xml").read_text("utf-8")
    assert "&amp;lt;script&amp;gt;" in rss  # in <description>: escaped HTML, so readers show the text
    assert html.escape("<script>") not in rss.split("<description>", 2)[2].split("</description>")[0]


# ---- the bugs issue 12 lists, each at the command line ---------------------------------------


def feedsite(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m feedsite -C root ...` in a new process (a hang is a timeout, not a stuck suite)."""
    env = {k: v for k, v in os.environ.items() if k != "FEEDSITE_DEBUG"}
    env["PYTHONPATH"] = str(CODE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    command = [sys.executable, "-m", "feedsite", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)


def project(tmp_path: Path, entries: dict[str, str], config: str = CONFIG) -> Path:
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "feedsite.toml").write_text(config, "utf-8")
    for name, front in entries.items():
        (root / "content" / name).write_text(f"---\n{front}---\n\nBody.\n", "utf-8")
    return root


def clean_failure(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The problem lines of a run that failed as it should: exit 1, no traceback, the closing line."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1].endswith("nothing was written"), result.stderr
    return lines[:-1]


HEAD = "title: T\ndate: 2024-11-08\n"


def test_script_urls_in_front_matter_are_file_line_errors(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "image.md": HEAD + "image: javascript:alert(1)\n",
            "source.md": HEAD + "source: {name: S, url: 'JaVaScRiPt:alert(1)'}\n",
            "uri.md": HEAD + 'authors: [{name: A, uri: "java\\tscript:alert(1)"}]\n',
            "entity.md": HEAD + "image: 'data:image/svg+xml,<svg onload=alert(1)>'\n",
            "extra.md": HEAD + "canonical: vbscript:msgbox(1)\n",
            "fine.md": HEAD + "image: /media/a.jpg\nsource: {url: 'https://ok.example/'}\n",
        },
    )
    for command in ("build", "check"):
        lines = clean_failure(feedsite(root, command))
        assert sorted(lines) == [
            "content/entity.md:4: image: 'data:image/svg+xml,<svg onload=alert(1)>' is not allowed: "
            "only http, https and mailto URLs and relative references are",
            "content/extra.md:4: canonical: 'vbscript:msgbox(1)' is not allowed: "
            "only http, https and mailto URLs and relative references are",
            "content/image.md:4: image: 'javascript:alert(1)' is not allowed: "
            "only http, https and mailto URLs and relative references are",
            "content/source.md:4: source: url: 'JaVaScRiPt:alert(1)' is not allowed: "
            "only http, https and mailto URLs and relative references are",
            "content/uri.md:4: authors: uri: 'java script:alert(1)' is not allowed: "
            "only http, https and mailto URLs and relative references are",
        ], lines
    assert not (root / "site").exists()


def test_a_script_summary_is_text_in_rss_atom_and_pages(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.md": HEAD + "summary: '<script>alert(1)</script> & <b>more</b>'\n"})
    assert feedsite(root, "build").returncode == 0
    rss = feedparser.parse((root / "site" / "feed.xml").read_bytes())
    (item,) = rss.entries
    shown = lxml.html.fragment_fromstring(item.summary, create_parent="div")
    assert shown.text_content() == "<script>alert(1)</script> & <b>more</b>" and not shown.xpath("//script")
    description = etree.fromstring((root / "site" / "feed.xml").read_bytes()).find("channel/item/description")
    assert description.text == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;more&lt;/b&gt;"
    summary = etree.fromstring((root / "site" / "atom.xml").read_bytes()).find(f"{ATOM}entry/{ATOM}summary")
    assert summary.get("type") == "text" and summary.text == "<script>alert(1)</script> & <b>more</b>"
    page = lxml.html.document_fromstring((root / "site" / "2024" / "11" / "a" / "index.html").read_bytes())
    assert [s.get("type") for s in page.xpath("//script")] == ["application/ld+json"]


BAD_DATES = {
    "month.md": ("2024-13-45", "date: '2024-13-45' is not a real date"),
    "feb.md": ("2024-02-30", "date: '2024-02-30' is not a real date"),
    "hour.md": ("2024-11-08T25:00:00", "is not a real date: hour must be in 0..23"),
    "offset.md": ("2024-11-08T09:00:00+25:00", "date: '2024-11-08T09:00:00+25:00'"),
    "low.md": ("0001-01-01T00:00:00+14:00", "date: '0001-01-01T00:00:00+14:00'"),
    "high.md": ("9999-12-31T23:59:59-12:00", "date: '9999-12-31T23:59:59-12:00'"),
}


def test_every_impossible_date_is_a_file_line_error_and_all_are_reported(tmp_path: Path) -> None:
    entries = {name: f"title: T\ndate: '{value}'\n" for name, (value, _) in BAD_DATES.items()}
    entries["updated.md"] = "title: T\ndate: 2024-11-08\nupdated: 2024-02-30\n"
    root = project(tmp_path, entries)
    for command in ("build", "check"):
        lines = clean_failure(feedsite(root, command))
        assert len(lines) == len(entries), lines
        for name, (_, message) in BAD_DATES.items():
            (line,) = [x for x in lines if x.startswith(f"content/{name}:3: ")]
            assert message in line, line
        assert any(
            x.startswith("content/updated.md:4: updated: '2024-02-30' is not a real date") for x in lines
        )


def test_a_fifo_and_a_device_named_md_are_skipped_with_a_warning(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.md": HEAD})
    os.mkfifo(root / "content" / "pipe.md")
    (root / "content" / "zero.md").symlink_to("/dev/zero")
    for command in ("build", "check"):
        result = feedsite(root, command, timeout=60)  # a read of either would never end
        assert result.returncode == 0, result.stderr
        assert [line for line in result.stderr.splitlines() if "regular file" in line] == [
            "content/pipe.md: warning: is a fifo (named pipe), not a regular file: skipped",
            "content/zero.md: warning: is a device, not a regular file: skipped",
        ]
    assert (root / "site" / "2024" / "11" / "a" / "index.html").is_file()


def test_urls_python_cannot_parse_are_refused_in_front_matter_and_inert_in_bodies(tmp_path: Path) -> None:
    """A bracketed host that is no IPv6 address ("https://[x]/") makes Python's URL parser raise:
    in front matter it is a file:line error, in a body's links and raw HTML it builds (exit 0)."""
    body = "[a](//[x]/y) [b](https://[x]/z) ![c](//[y]/i.png) <a href='//[q]/r'>d</a>\n"
    root = project(tmp_path, {"bad.md": HEAD + "image: 'https://[x]/a.jpg'\n", "body.md": HEAD})
    (root / "content" / "body.md").write_text(f"---\n{HEAD}---\n\n{body}", "utf-8")
    (line,) = clean_failure(feedsite(root, "build"))
    assert line.startswith("content/bad.md:4: image: 'https://[x]/a.jpg' is not allowed: ")
    (root / "content" / "bad.md").unlink()
    built = feedsite(root, "build")
    assert built.returncode == 0, built.stderr
    assert not allowed_url("https://[x]/") and allowed_url("https://[::1]/") and allowed_url("/a/b")


def test_an_entry_over_the_size_limit_is_one_clear_error(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.md": HEAD})
    with open(root / "content" / "huge.md", "wb") as huge:
        huge.truncate(MAX_BYTES + 1)  # sparse: no 50 MB written
    (line,) = clean_failure(feedsite(root, "build"))
    assert line == "content/huge.md: is too large (50 MB; feedsite reads at most 50 MB)"


def test_a_body_nested_too_deeply_to_render_is_one_clear_error(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.md": HEAD})
    body = "".join("    " * depth + "- item\n" for depth in range(400))
    (root / "content" / "deep.md").write_text(f"---\n{HEAD}---\n\n{body}", "utf-8")
    (line,) = clean_failure(feedsite(root, "build"))
    assert line == "content/deep.md: body: nested too deeply to render (lists or quotes inside each other)"


def test_deeply_nested_config_is_one_clear_error(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.md": HEAD}, config=CONFIG + "[feeds]\nlimit = " + "[" * 5000 + "]" * 5000)
    (line,) = clean_failure(feedsite(root, "build"))
    assert line == "feedsite.toml: is not valid TOML: nested too deeply"


def test_a_fifo_for_the_writers_manifest_does_not_hang_the_build(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.md": HEAD})
    assert feedsite(root, "build").returncode == 0
    manifest = root / "site" / ".feedsite" / "manifest.json"
    manifest.unlink()
    os.mkfifo(manifest)
    result = feedsite(root, "build", timeout=60)  # read as "no manifest": the site is adopted again
    assert result.returncode == 0, result.stderr
    assert manifest.is_file() and "index.html" in manifest.read_text("utf-8")
