"""Full feed history (RFC 5005, "archived feeds"): where each entry of a feed goes, and how the
documents link to each other.

A feed's entries are numbered from the OLDEST, and archive page n holds entries (n-1)·S … n·S-1 of
that numbering (S = feeds.archive_size), newest first. So a page that is full keeps its entries
when newer ones arrive, and its bytes: it links to the page before it (prev-archive), the page
after it (next-archive) and the subscription document (current), and none of these move. The
newest page is the one still filling; it may be empty (then it is the page the full one before it
names as next-archive, so that page need not change when the next entry comes). The subscription
document holds the newest entries that are not archived, and names the newest page as its
prev-archive; when it holds every entry there are no pages and it says <fh:complete/>.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from feedsite.outputs.media import Media
    from feedsite.posts import Post

FH_NS = "http://purl.org/syndication/history/1.0"
T = TypeVar("T")


@dataclass(frozen=True)
class Links:
    """How one feed document links to the rest of its feed (absolute URLs)."""

    self_url: str
    current: str | None = None  # archive documents: the subscription document
    prev_archive: str | None = None  # the older archive page (JSON Feed: next_url)
    next_archive: str | None = None  # the newer archive page
    archive: bool = False  # <fh:archive/>
    complete: bool = False  # <fh:complete/>
    hubs: tuple[str, ...] = ()  # WebSub hubs (subscription documents)


@dataclass(frozen=True)
class Items:
    """What one feed document lists; its RSS, Atom and JSON Feed versions share it (and its key is
    hashed once for the three)."""

    posts: tuple[Post, ...]  # newest first; retracted entries are left out
    deleted: tuple[Post, ...] = ()  # retracted entries: Atom tombstones (subscription documents)
    media: tuple[Media | None, ...] = ()  # each post's image, in the same order (or empty: none)


def archive_folder(base: str, number: int) -> str:
    """The site folder of archive page `number` of the feed rooted at `base` ("" or "tags/x/")."""
    return f"{base}feeds/archive/{number}/"


def page_count(archived: int, size: int) -> int:
    """Archive pages for `archived` entries: every full page, and the one still filling (0 when
    nothing is archived)."""
    return archived // size + 1 if archived else 0


def page_slice(total: int, kept: int, size: int, number: int) -> slice:
    """The entries of archive page `number`, as a slice of the feed's newest-first list, when the
    subscription document keeps the newest `kept` of `total`."""
    return slice(max(total - number * size, kept), total - (number - 1) * size)


def links(
    url: Callable[[int], str], number: int, pages: int, hubs: tuple[str, ...], complete: bool | None = None
) -> Links:
    """The links of document `number` (0: the subscription document) of a feed with `pages`
    archive pages; url(n) is the absolute URL of document n in the same format. A feed without
    history says whether it is `complete` itself (by default: when it has no archive pages)."""
    if number == 0:
        whole = not pages if complete is None else complete
        return Links(url(0), prev_archive=url(pages) if pages else None, complete=whole, hubs=hubs)
    return Links(
        url(number),
        current=url(0),
        prev_archive=url(number - 1) if number > 1 else None,
        next_archive=url(number + 1) if number < pages else None,
        archive=True,
    )


def fitting(limit: int, bound: Callable[[int], int], exact: Callable[[int], int], budget: int) -> int:
    """The most of the newest `limit` entries whose documents fit `budget` bytes: `bound(k)` is a
    cheap upper bound on the largest document with k entries, `exact(k)` its real size (made only
    when the bound does not settle it). Sizes grow with k, so the answer is found by bisection."""

    def fits(k: int) -> bool:
        return bound(k) <= budget or exact(k) <= budget

    if fits(limit):
        return limit
    low, high = 0, limit - 1
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def newest_first_pages(items: Sequence[T], kept: int, size: int) -> list[tuple[int, Sequence[T]]]:
    """(number, entries) of every archive page, oldest page first."""
    count = page_count(len(items) - kept, size)
    return [(n, items[page_slice(len(items), kept, size, n)]) for n in range(1, count + 1)]
