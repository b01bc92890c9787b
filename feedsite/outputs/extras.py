"""The 404 page and the static files (the built-in ones, overridden by the project's static/)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedsite.config import SiteConfig
from feedsite.outputs.feeds import FeedInfo
from feedsite.outputs.pages import page_info

if TYPE_CHECKING:
    from feedsite.outputs import Planner

BUILTIN_STATIC = Path(__file__).resolve().parent.parent / "static"


def static_files(config: SiteConfig) -> dict[str, Path]:
    """Site path → file, for the built-in static files overridden by the project's static/."""
    files: dict[str, Path] = {}
    for folder in (BUILTIN_STATIC, config.path("static")):
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                rel = file.relative_to(folder)
                if not any(part.startswith(".") for part in rel.parts):
                    files[rel.as_posix()] = file
    return files


def plan_extras(plan: Planner, config: SiteConfig, site_feed: FeedInfo) -> None:
    root = "/" + plan.site.base_url.split("://", 1)[1].split("/", 1)[1]
    context = {
        "site": plan.site,
        "page": page_info(plan.site, "404.html", "Page not found", [site_feed], root=root),
    }
    plan.page("404.html", "404.html", context)
    if plan.site.search:
        page = page_info(
            plan.site, "search/", "Search", [site_feed], description=f"Search {plan.site.title}."
        )
        plan.page("search/index.html", "search.html", {"site": plan.site, "page": page})
    for path, file in static_files(config).items():
        plan.document(path, copy, {"data": file.read_bytes()})


def copy(context: dict[str, Any]) -> bytes:
    data: bytes = context["data"]
    return data
