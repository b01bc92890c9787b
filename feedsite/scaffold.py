"""`feedsite init` (a new project with a commented feedsite.toml and one example entry) and
`feedsite new` (a new draft entry)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from feedsite.config import CONFIG_NAME, SiteConfig
from feedsite.entryfile import atomic_write, folder_lock, write_entry
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

[search]
enabled = true                         # index site/ with Pagefind after each build (default: false)

[paths]
content = "content"
output = "site"
templates = "templates"                # your templates override the built-in ones, file by file
static = "static"                      # copied into site/, overriding the built-in stylesheet
seeds = "seeds"                        # source articles for `feedsite import`
cache = ".feedsite-cache"
"""

EXAMPLE_BODY = """\
This is an example entry. Edit it, or run `feedsite new "A title"` to write another,
then `feedsite build` to publish `site/`.
"""
EXAMPLE_PATH = Path("content", "2024", "01", "hello-world.md")


def example_meta() -> dict[str, object]:
    """The example entry's front matter, with a new permanent id."""
    return {
        "title": "Hello, world",
        "date": datetime(2024, 1, 1, 9, 0, tzinfo=UTC),
        "id": f"urn:uuid:{uuid.uuid4()}",
        "tags": ["Welcome"],
        "summary": "The first entry of a new feedsite project.",
    }


def init_project(target: Path) -> None:
    """Create feedsite.toml, content/ (one example entry), seeds/ and .gitignore in target.

    Nothing is overwritten: every file is created only where none is (feedsite.entryfile's
    exclusive atomic writes), feedsite.toml last.
    """
    config = target / CONFIG_NAME
    if config.exists():
        raise FeedsiteError(f"{config}: already exists; not overwriting a project")
    entry = target / EXAMPLE_PATH
    if not write_entry(entry, example_meta(), EXAMPLE_BODY, exclusive=True):
        raise FeedsiteError(f"{entry}: already exists")
    (target / "seeds").mkdir(exist_ok=True)
    atomic_write(target / ".gitignore", b".feedsite-cache/\n", exclusive=True)  # a user's own stays
    if not atomic_write(config, CONFIG_TEMPLATE.encode("utf-8"), exclusive=True):
        raise FeedsiteError(f"{config}: already exists; not overwriting a project")


NEW_BODY = "Write the story here."


def new_entry(config: SiteConfig, title: str, *, draft: bool = True, now: datetime | None = None) -> Path:
    """Write content/YYYY/MM/<slug>.md with a permanent id; never overwrites a file.

    A draft unless `draft=False`: its placeholder body never goes live by accident."""
    from feedsite.urls import slugify

    when = (now or datetime.now(config.tz)).astimezone(config.tz).replace(microsecond=0)
    title = " ".join(title.split())
    if not title:
        raise FeedsiteError("feedsite new: the title must not be empty")
    slug = slugify(title)
    meta: dict[str, object] = {"title": title, "date": when, "id": f"urn:uuid:{uuid.uuid4()}"}
    if draft:
        meta["draft"] = True
    folder = config.path("content") / f"{when:%Y}" / f"{when:%m}"
    with folder_lock(config.path("content")):  # an import cleaning up killed writes leaves ours alone
        for n in range(1, 1000):
            path = folder / (f"{slug}.md" if n == 1 else f"{slug}-{n}.md")
            if write_entry(path, meta, NEW_BODY, exclusive=True):
                return path
    raise FeedsiteError(f"{folder}/{slug}-*.md: too many entries with this slug")


def has_seeds(config: SiteConfig) -> bool:
    """Whether the seeds folder holds any file `feedsite import` reads."""
    from feedsite.importers import IMPORT_SUFFIXES

    seeds = config.path("seeds")
    return seeds.is_dir() and any(p.suffix.lower() in IMPORT_SUFFIXES for p in seeds.rglob("*"))
