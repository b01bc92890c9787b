"""List pages keep their entries: the newest at the list's root, the rest on pages numbered from the
oldest, so a new entry rewrites the first page and the newest numbered one, not every page."""

from __future__ import annotations

import posixpath
from datetime import datetime
from pathlib import Path

from helpers import ROOT, build_project, copy_fixture, tree, write
from lxml import html
from test_cache import age, fresh_site, make_project, run


def follow(folder: str, href: str) -> str:
    path = posixpath.normpath(posixpath.join(folder, href))
    return "" if path == "." else path + "/"


def chain(site: Path) -> list[tuple[str, list[str]]]:
    """Each page from the home page down its "Older" links: (folder, titles shown), checking that
    each page's "Newer" link leads back and that the entries come newest first throughout."""
    pages, folder, times = [], "", []
    while True:
        doc = html.parse(str(site / folder / "index.html")).getroot()
        pages.append((folder, doc.xpath("//article//h2/a/text()")))
        times += map(datetime.fromisoformat, doc.xpath("//article//time/@datetime"))
        assert times == sorted(times, reverse=True), folder
        newer = doc.xpath("//a[@rel='prev']/@href")
        if len(pages) > 1:
            assert follow(folder, newer[0]) == pages[-2][0], folder
        older = doc.xpath("//a[@rel='next']/@href")
        if not older:
            return pages
        folder = follow(folder, older[0])


def newest(root: Path, n: int) -> None:
    write(
        root / f"content/2024/01/new-{n}.md",
        f"---\ntitle: New story {n}\ndate: 2024-01-{1 + n:02d}T08:00:00+01:00\ntags: [Sport]\n---\nNews.\n",
    )


def test_every_entry_once_newest_first_and_full_pages_never_rewritten(tmp_path: Path) -> None:
    root = make_project(tmp_path / "news")  # 50 entries, 5 a page
    run(root)
    shown = chain(root / "site")
    assert [folder for folder, _ in shown] == ["", *(f"page/{n}/" for n in range(9, 0, -1))]
    assert len({t for _, titles in shown for t in titles}) == 50
    before = tree(root / "site/page")
    for n in range(7):  # the 51st to the 57th entry: page 10 opens and fills, page 11 opens
        age(root)
        newest(root, n)
        report = run(root)
        after = tree(root / "site/page")
        count = len(after)
        assert count == 9 + -(-(n + 1) // 5)
        # the numbered pages but the two newest are as they were, byte for byte
        assert all(after[f"{k}/index.html"] == before[f"{k}/index.html"] for k in range(1, count - 1))
        assert report.written < 25, report
        shown = chain(root / "site")
        titles = [t for _, s in shown for t in s]
        assert titles[0] == f"New story {n}" and len(titles) == 51 + n == len(set(titles))
        assert [len(s) for _, s in shown] == [5, (n + 1) % 5 or 5] + [5] * (count - 1)
        before = after
    assert tree(root / "site") == fresh_site(root)


def test_a_list_template_calling_the_pager_without_its_posts_still_renders(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    builtin = (ROOT / "feedsite/templates/list.html").read_text("utf-8")
    old_call = builtin.replace("pager(pages, page.root, posts)", "pager(pages, page.root)")
    write(root / "templates/list.html", old_call)
    build_project(root)
    doc = html.parse(str(root / "site/page/1/index.html")).getroot()
    assert doc.xpath("//nav[@class='pager']/span/text()") == ["Page 1"]
