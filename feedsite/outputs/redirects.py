"""Redirect pages: every address an entry was published at before (remembered in content/.urls.json,
see feedsite.urlmemory) and every `aliases:` path of its front matter answers with a small page that
sends the reader on to where the entry is now: a meta refresh, rel=canonical and a visible link, no
JavaScript. A path that any other output of the site uses is never taken: the live page wins."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from feedsite.outputs.pages import root_of
from feedsite.posts import Post
from feedsite.urls import output_file
from feedsite.writer_commit import valid_path

if TYPE_CHECKING:
    from feedsite.outputs import Planner


def plan_redirects(plan: Planner, posts: Sequence[Post], memory: Mapping[str, Sequence[str]]) -> None:
    """Planned last, after every other output. For posts that come newest first: an address two
    entries claim (an alias written twice) goes to the newer one."""
    wanted = [
        (post, old)
        for post in posts
        for old in (*memory.get(post.entry.id, ()), *post.entry.aliases)
        if old != post.path
    ]
    if not wanted:
        return  # the usual case: no entry ever moved
    files = {out.path for out in plan.outputs}
    folders = {path.rsplit("/", i)[0] for path in files for i in range(1, path.count("/") + 1)}
    for post, old in wanted:
        file = unquote(output_file(old))
        parents = [file.rsplit("/", i)[0] for i in range(1, file.count("/") + 1)]
        if not valid_path(file) or file in files or file in folders or any(p in files for p in parents):
            continue  # a page of the site (or a file in the way of this one) keeps its address
        files.add(file)
        folders.update(parents)
        context = {
            "title": post.entry.title,
            "lang": post.entry.lang or plan.site.language,
            "target": root_of(file) + post.path,
            "canonical": post.url,
        }
        plan.document(file, redirect_page, context)


def redirect_page(context: dict[str, Any]) -> bytes:
    """The page at an old address. The refresh and the link are relative (they work from any folder
    of a web server and in the preview); the canonical URL is absolute."""
    title, target = html.escape(context["title"]), html.escape(context["target"])
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(context["lang"])}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>Moved: {title}</title>\n"
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f'<link rel="canonical" href="{html.escape(context["canonical"])}">\n'
        '<meta name="robots" content="noindex">\n'
        "</head>\n"
        "<body>\n"
        f'<p>This page has moved to <a href="{target}">{title}</a>.</p>\n'
        "</body>\n"
        "</html>\n"
    ).encode()
