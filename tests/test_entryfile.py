"""feedsite.entryfile (the one front-matter reader/writer, the one atomic write) and feedsite.text (the
one text cleaner): real files, real processes, real signals."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from feedsite.entryfile import EntryFileError, atomic_write, dump_entry, read_entry, write_entry
from feedsite.text import clean_text, squash, unix_newlines

ENTRY = b"""---
title: Council approves the budget
date: 2024-11-08T09:00:00+01:00
updated: 2024-02-30
tags: [Budget, City]
when: !!timestamp 2024-13-45
---

The body, *in Markdown*.
"""


def test_read_entry_keeps_dates_as_text() -> None:
    entry = read_entry(ENTRY)
    assert entry.meta == {
        "title": "Council approves the budget",
        "date": "2024-11-08T09:00:00+01:00",
        "updated": "2024-02-30",  # impossible, but the reader does not judge: feedsite.dates does
        "tags": ["Budget", "City"],
        "when": "2024-13-45",  # even an explicit !!timestamp never reaches YAML's date constructor
    }
    assert entry.body == "\nThe body, *in Markdown*.\n"
    assert entry.body_line == 8
    assert ENTRY.decode().splitlines()[entry.body_line - 1 :][1] == "The body, *in Markdown*."


@pytest.mark.parametrize(
    ("raw", "meta", "body", "line"),
    [
        (b"\xef\xbb\xbf---\r\ntitle: T\r\n...\r\nBody\r\n", {"title": "T"}, "Body\n", 4),  # BOM, CRLF, ...
        (b"---\n---\nBody", {}, "Body", 3),  # empty front matter
        (b"---   \ntitle: T\n---  \n", {"title": "T"}, "", 4),  # blanks after the lines; no body
        (b"---\n1: one\n---\n---\nnot front matter\n", {"1": "one"}, "---\nnot front matter\n", 4),
    ],
)
def test_read_entry_shapes(raw: bytes, meta: dict[str, object], body: str, line: int) -> None:
    entry = read_entry(raw)
    assert (entry.meta, entry.body, entry.body_line) == (meta, body, line)


BAD = [
    (b"---\ntitle: Caf\xe9\n---\n", 2, "is not UTF-8 text"),
    (b"Just text\n", 1, "has no front matter (it must start with a '---' line and a title: and date:)"),
    (b"----\ntitle: T\n----\n", 1, "has no front matter"),
    (b"---\ntitle: T\n", 1, "has no front matter"),  # never closed
    (b"---\ntitle: [unclosed\ndate: 2024-11-08\n---\nx\n", 3, "front matter is not valid YAML: did not find"),
    (b"---\ntitle: T\n\n\nbad: : :\n---\n", 5, "front matter is not valid YAML"),
    (b"---\n- a list\n---\n", 2, "front matter must be a mapping of key: value lines"),
    (b"---\njust words\n---\n", 2, "front matter must be a mapping"),
    (b"---\na: &x [1, 2]\nb: *x\n---\n", 2, "repeats a list or mapping through a YAML alias"),
    (b"---\na: &x [*x]\n---\n", 2, "repeats a list or mapping"),  # a list that holds itself
    (b"---\n? [a]\n: b\n---\n", 2, "front matter is not valid YAML: found unhashable key"),
    (b"---\nx: !!python/object:os.system ls\n---\n", 2, "front matter is not valid YAML"),
]


@pytest.mark.parametrize(("raw", "line", "message"), BAD, ids=[repr(raw[:24]) for raw, _, _ in BAD])
def test_read_entry_errors(raw: bytes, line: int, message: str) -> None:
    with pytest.raises(EntryFileError) as caught:
        read_entry(raw)
    assert caught.value.line == line and message in caught.value.message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("key", "opener", "closer"), [("a: ", "[", "]"), ("a: ", "{a: ", "}"), ("a:\n", "- ", "")]
)
def test_deep_nesting_is_an_error_not_a_crash(key: str, opener: str, closer: str) -> None:
    """libyaml recurses without a limit and overflows the C stack (a segfault) near 25,000 levels:
    run in a child process, so that a crash fails this test and not the whole session."""
    code = (
        "import sys\nfrom feedsite.entryfile import read_entry, EntryFileError\n"
        f"deep = {opener!r} * 100000 + 'x' + {closer!r} * 100000\n"
        f"raw = ('---\\n' + {key!r} + deep + '\\n---\\n').encode()\n"
        "try:\n    read_entry(raw)\nexcept EntryFileError as exc:\n    print(exc.line, exc.message)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout == "2 front matter is not valid YAML: nested too deeply\n"


def test_dump_entry_is_plain_and_deterministic() -> None:
    meta = {
        "title": 'Zoë: "quoted"',
        "id": "urn:uuid:0f8e0000-0000-0000-0000-000000000000",
        "date": datetime(2024, 11, 8, 9, 0, tzinfo=timezone(timedelta(hours=1))),
        "tags": ("Ukraine", "US politics"),
        "source": {"name": "La Milano", "file": "seeds/a.txt"},
        "draft": True,
        "looks_like_a_date": "2024-11-08",
        "long": "word " * 100,
    }
    text = dump_entry(meta, "\n\nThe body.\n\n\n")
    assert text == (
        "---\n"
        "title: 'Zoë: \"quoted\"'\n"
        "id: urn:uuid:0f8e0000-0000-0000-0000-000000000000\n"
        "date: 2024-11-08T09:00:00+01:00\n"
        "tags:\n- Ukraine\n- US politics\n"
        "source:\n  name: La Milano\n  file: seeds/a.txt\n"
        "draft: true\n"
        "looks_like_a_date: 2024-11-08\n"  # a string to feedsite's reader, so written plain
        f"long: '{'word ' * 99}word '\n"  # one line, however long
        "---\n\nThe body.\n"
    )
    assert dump_entry(meta, "The body.") == text
    back = read_entry(text.encode())
    assert back.meta["date"] == "2024-11-08T09:00:00+01:00" and back.meta["tags"] == [
        "Ukraine",
        "US politics",
    ]
    assert list(back.meta) == list(meta) and back.body == "\nThe body.\n"
    assert dump_entry({}, "x") == "---\n---\n\nx\n"


KEYS = st.text(min_size=1, max_size=20)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6), st.text())
def test_any_front_matter_and_body_round_trip(meta: dict[str, object], body: str) -> None:
    text = dump_entry(meta, body)
    entry = read_entry(text.encode("utf-8", "surrogatepass"))
    assert entry.meta == meta and list(entry.meta) == list(meta)
    assert entry.body == ("\n" + body.strip("\n") + "\n").replace("\r\n", "\n")  # CRLF reads as LF


def test_write_entry_never_overwrites_when_exclusive(tmp_path: Path) -> None:
    path = tmp_path / "content" / "2024" / "11" / "a.md"
    assert write_entry(path, {"title": "First"}, "One.", exclusive=True)
    assert not write_entry(path, {"title": "Second"}, "Two.", exclusive=True)
    assert read_entry(path.read_bytes()).meta == {"title": "First"}
    assert write_entry(path, {"title": "Third"}, "Three.")  # not exclusive: replaced
    assert read_entry(path.read_bytes()).meta == {"title": "Third"}
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.md"]  # no temporary file left


def test_atomic_write_modes_and_errors_leave_no_temporary_file(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.txt"
    assert atomic_write(fresh, b"data")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask  # as open() would make it
    private = tmp_path / "private.txt"
    private.write_bytes(b"old")
    private.chmod(0o600)
    assert atomic_write(private, b"new") and private.read_bytes() == b"new"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600  # a replaced file keeps its mode
    (tmp_path / "folder").mkdir()
    with pytest.raises(OSError):
        atomic_write(tmp_path / "folder", b"x")  # os.replace cannot put a file over a folder
    with pytest.raises(TypeError):
        atomic_write(tmp_path / "typed.txt", "not bytes")  # type: ignore[arg-type]
    assert not atomic_write(private, b"other", exclusive=True) and private.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "fresh.txt", "private.txt"]


WRITER = """
import sys
from pathlib import Path
from feedsite.entryfile import atomic_write
path, n = Path(sys.argv[1]), 0
print("ready", flush=True)
while True:
    n += 1
    atomic_write(path, (str(n % 10) * 2_000_000).encode())
"""


def test_killed_writer_leaves_the_old_file_or_the_new_one(tmp_path: Path) -> None:
    target = tmp_path / "big.txt"
    target.write_bytes(b"0" * 2_000_000)
    for kill in range(12):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE)
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(0.02 + 0.013 * kill)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        data = target.read_bytes()
        assert len(data) == 2_000_000 and data == data[:1] * 2_000_000  # whole: one version, all of it
        for leftover in tmp_path.glob(".big.txt.*.tmp"):  # SIGKILL gives no chance to clean up
            leftover.unlink()


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_clean_text_leaves_only_what_xml_takes(text: str) -> None:
    cleaned = clean_text(text)
    etree.Element("p").text = cleaned  # lxml refuses any character XML 1.0 forbids
    assert clean_text(cleaned) == cleaned
    assert all(c in text for c in cleaned)  # only removes


def test_text_helpers() -> None:
    assert clean_text("a\x00b\x0bc\ufffed\U0001fffee\ud800f\x85g\r\n\t") == "abcdefg\r\n\t"
    assert clean_text("Zoë — “ok” 😀") == "Zoë — “ok” 😀"
    assert unix_newlines("a\r\nb\rc\u2028d\u2029e\x85f") == "a\nb\nc\nd\ne\nf"
    assert squash("  a \n\t b  ") == "a b"


def test_demo_entry_reads_back_as_written() -> None:
    """The committed demo entry (written by import): read and written again, byte for byte."""
    root = Path(__file__).resolve().parent.parent
    (path,) = (root / "content").rglob("*.md")
    raw = path.read_bytes()
    entry = read_entry(raw)
    assert entry.meta["date"] == "2024-11-08T09:00:00+01:00"
    assert dump_entry(entry.meta, entry.body).encode() == raw
