"""`feedsite init`: a new project with a commented feedsite.toml and one example entry."""

from __future__ import annotations

import uuid
from pathlib import Path

from feedsite.config import CONFIG_NAME
from feedsite.errors import FeedsiteError

CONFIG_TEMPLATE = """\
# feedsite.toml: every key is optional; the values shown are the defaults unless noted.

[site]
title = "My News"                      # shown in every page and feed
base_url = "http://localhost:8000/"    # where site/ will be served: feeds need absolute URLs
description = ""                       # feed description / subtitle
language = "en"                        # <html lang> and the feeds' language
timezone = "UTC"                       # for dates written without a UTC offset
author = ""                            # feed author (default: the site title)
rights = ""                            # copyright line for the footer and feeds

[feeds]
limit = 50                             # newest entries in each feed

[pagination]
per_page = 10                          # summaries per page on the home and tag pages

[markdown]
extensions = ["extra", "sane_lists"]   # Python-Markdown extensions

[paths]
content = "content"
output = "site"
templates = "templates"                # your templates override the built-in ones, file by file
static = "static"                      # copied into site/, overriding the built-in stylesheet
seeds = "seeds"                        # source articles for `feedsite import`
cache = ".feedsite-cache"
"""

EXAMPLE_ENTRY = """\
---
title: Hello, world
date: 2024-01-01T09:00:00+00:00
id: urn:uuid:{id}
tags: [Welcome]
summary: The first entry of a new feedsite project.
---
This is an example entry. Edit it, or run `feedsite new "A title"` to write another,
then `feedsite build` to publish `site/`.
"""


def init_project(target: Path) -> None:
    """Create feedsite.toml, content/ (one example entry), seeds/ and .gitignore in target."""
    if (target / CONFIG_NAME).exists():
        raise FeedsiteError(f"{target / CONFIG_NAME}: already exists; not overwriting a project")
    entry = target / "content" / "2024" / "01" / "hello-world.md"
    if entry.exists():
        raise FeedsiteError(f"{entry}: already exists")
    entry.parent.mkdir(parents=True, exist_ok=True)
    (target / "seeds").mkdir(exist_ok=True)
    entry.write_text(EXAMPLE_ENTRY.format(id=uuid.uuid4()), "utf-8")
    ignore = target / ".gitignore"
    if not ignore.exists():
        ignore.write_text(".feedsite-cache/\n", "utf-8")
    (target / CONFIG_NAME).write_text(CONFIG_TEMPLATE, "utf-8")
