"""`feedsite ping`: tell each WebSub hub (feeds.websub_hubs) which feeds changed since it was last
told, after site/ is deployed.

The notification is the one hubs take from publishers (PubSubHubbub 0.4, which WebSub hubs kept):
a form-encoded POST of `hub.mode=publish` and `hub.url=<the feed's URL>`, one request a feed, and
any 2xx answer means the hub took it. Which feeds changed is told by their bytes: the cache folder
remembers, for each hub, the SHA-256 of every subscription document (feed.xml, atom.xml,
feed.json of the site, each tag and author; archive pages are not subscribed to) as the hub last
accepted it. A missing, foreign or damaged record (or one for another base_url) remembers nothing,
so every feed is sent again: a hub fetching an unchanged feed costs little, a missed update more.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from feedsite.config import SiteConfig
from feedsite.errors import FeedsiteError
from feedsite.urls import absolute

STATE_FILE = "websub.json"
FEED_NAMES = frozenset({"feed.xml", "atom.xml", "feed.json"})
TIMEOUT = 10.0  # seconds for one hub request

# post(hub, feed_url) → None when the hub accepted it, else why not (one line)
Post = Callable[[str, str], str | None]


def subscription_feeds(site: Path) -> dict[str, str]:
    """Site path → SHA-256 of every subscription document under site/, sorted by path."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(site):
        rel = Path(folder).relative_to(site).as_posix()
        rel = "" if rel == "." else rel + "/"
        # not hidden folders (the writer's .feedsite/), not the archive pages (<base>feeds/archive/)
        dirs[:] = sorted(
            d for d in dirs if not (d.startswith(".") or (d == "archive" and rel.endswith("feeds/")))
        )
        for name in sorted(FEED_NAMES.intersection(files)):
            found[rel + name] = hashlib.sha256((Path(folder) / name).read_bytes()).hexdigest()
    return dict(sorted(found.items()))


def load_state(folder: Path, base_url: str) -> dict[str, dict[str, str]]:
    """Hub → (feed path → SHA-256 it last accepted); empty when there is no usable record."""
    try:
        data = json.loads((folder / STATE_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != 1 or data.get("base_url") != base_url:
        return {}
    hubs = data.get("hubs")
    if not isinstance(hubs, dict):
        return {}
    return {
        hub: {p: d for p, d in seen.items() if isinstance(p, str) and isinstance(d, str)}
        for hub, seen in hubs.items()
        if isinstance(hub, str) and isinstance(seen, dict)
    }


def save_state(folder: Path, base_url: str, hubs: dict[str, dict[str, str]]) -> None:
    from feedsite.entryfile import atomic_write

    data = {"version": 1, "base_url": base_url, "hubs": hubs}
    atomic_write(folder / STATE_FILE, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def post_form(hub: str, feed_url: str) -> str | None:
    """POST hub.mode=publish&hub.url=feed_url to the hub; None on a 2xx answer."""
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode("ascii")
    request = urllib.request.Request(
        hub,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "feedsite"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # http(s) only: config checks
            status: int = answer.status
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} {exc.reason}".strip()
    except urllib.error.URLError as exc:
        return str(exc.reason)
    except (OSError, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None if 200 <= status < 300 else f"HTTP {status}"


def ping(
    config: SiteConfig, out: TextIO, err: TextIO, *, everything: bool = False, post: Post = post_form
) -> int:
    """Notify every hub of the feeds that changed for it; one line a hub. 1 when a hub failed."""
    if not config.websub_hubs:
        print("feedsite ping: no hubs in feeds.websub_hubs: nothing to send", file=out)
        return 0
    site = config.path("output")
    if not site.is_dir():
        raise FeedsiteError(f"{config.output_dir}/ is not built yet: run `feedsite build` first")
    feeds = subscription_feeds(site)
    if not feeds:
        raise FeedsiteError(f"{config.output_dir}/ holds no feeds: run `feedsite build` first")
    cache = config.path("cache")
    known = {} if everything else load_state(cache, config.base_url)
    remembered: dict[str, dict[str, str]] = {}
    failed = False
    for hub in config.websub_hubs:
        seen = {p: d for p, d in known.get(hub, {}).items() if p in feeds}
        changed = [path for path, digest in feeds.items() if seen.get(path) != digest]
        problems: list[str] = []
        for path in changed:
            problem = post(hub, absolute(config.base_url, path))
            if problem is None:
                seen[path] = feeds[path]
            else:
                problems.append(f"{path}: {problem}")
        remembered[hub] = seen
        print(_line(hub, len(changed), problems), file=out)
        failed = failed or bool(problems)
    try:
        save_state(cache, config.base_url, remembered)
    except OSError as exc:
        print(
            f"{config.cache_dir}/{STATE_FILE}: cannot be written ({exc.strerror or exc}): "
            "the next ping sends every feed again",
            file=err,
        )
    return 1 if failed else 0


def _line(hub: str, changed: int, problems: list[str]) -> str:
    if not changed:
        return f"{hub}: no feed changed since the last ping"
    sent = changed - len(problems)
    feeds = f"{changed} changed feed{'s' if changed != 1 else ''}"
    if not problems:
        return f"{hub}: notified of {feeds}"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{hub}: FAILED for {len(problems)} of {feeds} ({sent} notified): {problems[0]}{more}"
