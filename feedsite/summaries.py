"""Each post's summary (the `summary` macro of _macros.html), rendered once and kept in the cache.

A post's summary shows on a home page and on a page of each of its tags, and a new entry shifts
every one of those pages: rendering each summary once, not once per page, and keeping it between
builds, turns such a rebuild into joining stored fragments.

The macro is imported without context, so what it makes depends only on its arguments: the post
(named by its identity) and the page's way back to the site root. That root is the one thing that
differs from page to page; the built-in macro only writes it out as it is, so the fragment is made
once with a stand-in root, replaced per page. A project that overrides _macros.html gets its macro
called for every page as written, since nothing says what it does with the root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from markupsafe import Markup, escape

from feedsite.cache import Cache
from feedsite.pages import Theme
from feedsite.parallel import chunks
from feedsite.posts import Post

ROOT = "\x00root\x00"  # the stand-in: clean_text keeps NUL out of every text a post can show
PARALLEL_FROM = 200  # fewer summaries to make than this are made in this process
BULK_FROM = 200  # pages to render from which every stored fragment is read at once


class Summaries:
    def __init__(self, theme: Theme, cache: Cache, salt: str) -> None:
        self.theme = theme
        self.cache = cache
        self.salt = salt
        self.shared = not theme.own_macros
        self.made: dict[str, str] = {}  # fragment key → fragment with the stand-in root
        self.unsaved: dict[str, str] = {}  # made in this process and not yet in the cache
        self.gone: list[str] = []  # stored fragments of posts no longer built
        self.keys: dict[str, str] = {}  # post identity → fragment key, hashed once a build
        theme.summary_html = self.html

    def key(self, post: Post) -> str:
        key = self.keys.get(post.identity)
        if key is None:
            key = hashlib.sha256(f"{self.salt}\0{post.identity}".encode()).hexdigest()
            self.keys[post.identity] = key
        return key

    def prepare(self, posts: Sequence[Post], pages: int) -> None:
        """Called before `pages` pages render. For many, read every stored fragment and make the
        missing ones (on every core when many) first, so that forked workers inherit them all."""
        if not self.shared or pages < BULK_FROM:
            return  # a few pages: html() asks the cache for just the fragments they show
        stored = self.cache.all_fragments()
        keys = {self.key(post): post for post in posts}
        self.gone = [key for key in stored if key not in keys]
        self.made.update(stored)
        missing = [(key, post) for key, post in keys.items() if key not in self.made]

        def job(start: int, stop: int) -> list[str]:
            return [str(self._render(post, ROOT)) for _key, post in missing[start:stop]]

        done = 0
        for count, part in chunks(job, len(missing), at_least=PARALLEL_FROM):
            made = dict(zip((key for key, _post in missing[done : done + count]), part, strict=True))
            self.made.update(made)
            self.unsaved.update(made)
            done += count

    def html(self, post: Post, root: str) -> Markup:
        """The post's summary on a page whose way back to the site root is root."""
        if not self.shared:
            return self._render(post, root)
        key = self.key(post)
        fragment = self.made.get(key)
        if fragment is None:
            fragment = self.cache.get_fragment(key)
            if fragment is None:
                fragment = self.unsaved[key] = str(self._render(post, ROOT))
            self.made[key] = fragment
        return Markup(fragment.replace(ROOT, str(escape(root))))

    def save(self) -> None:
        """Keep the fragments made in this process for the next build."""
        self.cache.put_fragments(list(self.unsaved.items()), self.gone)
        self.unsaved.clear()
        self.gone = []

    def _render(self, post: Post, root: str) -> Markup:
        return Markup(self.theme.summary(post, root))
