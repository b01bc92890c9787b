"""feedsite.toml → a frozen, validated SiteConfig. Every problem is reported at once."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedsite.errors import ConfigError, Problem
from feedsite.files import FileReadError, read_regular

CONFIG_NAME = "feedsite.toml"

MARKDOWN_DEFAULT_EXTENSIONS = ("extra", "sane_lists")


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: str = "My News"
    base_url: str = "http://localhost:8000/"
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    author: str = ""
    rights: str = ""
    feed_limit: int = 50
    feed_content: str = "full"
    feed_max_bytes: int = 1_000_000
    feed_archive_size: int = 50
    websub_hubs: tuple[str, ...] = ()
    per_page: int = 10
    markdown_extensions: tuple[str, ...] = MARKDOWN_DEFAULT_EXTENSIONS
    markdown_raw_html: bool = True  # False: bodies are sanitized (nh3) to harmless formatting
    content_dir: str = "content"
    output_dir: str = "site"
    templates_dir: str = "templates"
    static_dir: str = "static"
    seeds_dir: str = "seeds"
    cache_dir: str = ".feedsite-cache"
    search_enabled: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def path(self, name: str) -> Path:
        """One of the project folders, e.g. config.path("content")."""
        folder: str = getattr(self, f"{name}_dir")
        return self.root / folder


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _non_empty(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _base_url(value: Any) -> str:
    url = _non_empty(value)
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise ValueError("must be an absolute http:// or https:// URL without query or fragment")
    return url if url.endswith("/") else url + "/"


def _language(value: Any) -> str:
    lang = _non_empty(value)
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", lang):
        raise ValueError(f"{lang!r} is not a language tag such as 'en' or 'pt-BR'")
    return lang


def _timezone(value: Any) -> str:
    name = _non_empty(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone name such as 'Europe/Rome' or 'UTC'") from None
    return name


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _feed_content(value: Any) -> str:
    if value not in ("full", "summary"):
        raise ValueError('must be "full" or "summary"')
    return str(value)


def _max_bytes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1000:
        raise ValueError("must be a whole number of bytes, at least 1000")
    return value


def _hubs(value: Any) -> tuple[str, ...]:
    from feedsite.urls import allowed_url

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of WebSub hub URLs")
    for url in value:
        if not (allowed_url(url) and re.fullmatch(r"https?://[^\s/?#]+(/[^\s#]*)?", url)):
            raise ValueError(f"{url!r} is not an absolute http:// or https:// URL")
    return tuple(dict.fromkeys(value))


def _extensions(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("must be a list of Python-Markdown extension names")
    import markdown

    for name in value:
        try:
            markdown.Markdown(extensions=[name])
        except Exception:  # Python-Markdown raises many kinds for an unknown name
            raise ValueError(f"{name!r} is not a Python-Markdown extension") from None
    return tuple(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _folder(value: Any) -> str:
    name = _non_empty(value)
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise ValueError("must be a folder inside the project")
    return name


# section -> key -> (SiteConfig field, validator)
SCHEMA: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "site": {
        "title": ("title", _non_empty),
        "base_url": ("base_url", _base_url),
        "description": ("description", _text),
        "language": ("language", _language),
        "timezone": ("timezone", _timezone),
        "author": ("author", _text),
        "rights": ("rights", _text),
    },
    "feeds": {
        "limit": ("feed_limit", _positive_int),
        "content": ("feed_content", _feed_content),
        "max_bytes": ("feed_max_bytes", _max_bytes),
        "archive_size": ("feed_archive_size", _positive_int),
        "websub_hubs": ("websub_hubs", _hubs),
    },
    "pagination": {"per_page": ("per_page", _positive_int)},
    "markdown": {
        "extensions": ("markdown_extensions", _extensions),
        "raw_html": ("markdown_raw_html", _bool),
    },
    "search": {"enabled": ("search_enabled", _bool)},
    "paths": {
        name: (f"{name}_dir", _folder)
        for name in ("content", "output", "templates", "static", "seeds", "cache")
    },
}


def _line_of(text: str, section: str, key: str | None) -> int | None:
    """The line where [section] (or key inside it) is written, for error messages."""
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1)
            if key is None and current == section:
                return number
        elif key is not None and current == section and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


def load_config(root: Path) -> SiteConfig:
    """Read ROOT/feedsite.toml. Raises ConfigError listing every problem in it."""
    path = root / CONFIG_NAME
    shown = CONFIG_NAME
    try:
        raw = read_regular(path)
    except FileReadError as exc:
        if not os.path.lexists(path):
            raise ConfigError(
                [Problem(str(path), None, "not found (run `feedsite init` to start a project here)")]
            ) from None
        raise ConfigError([Problem(shown, None, str(exc))]) from None
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError([Problem(shown, None, "is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise ConfigError([Problem(shown, line, f"is not valid TOML: {exc}")]) from None
    except RecursionError:
        raise ConfigError([Problem(shown, None, "is not valid TOML: nested too deeply")]) from None

    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for section, table in data.items():
        if section not in SCHEMA:
            known = ", ".join(f"[{s}]" for s in SCHEMA)
            problems.append(
                Problem(shown, _line_of(text, section, None), f"unknown section [{section}] (known: {known})")
            )
            continue
        if not isinstance(table, dict):
            problems.append(Problem(shown, None, f"{section} must be a table: [{section}]"))
            continue
        for key, value in table.items():
            line = _line_of(text, section, key)
            if key not in SCHEMA[section]:
                known = ", ".join(SCHEMA[section])
                problems.append(Problem(shown, line, f"unknown key {section}.{key} (known: {known})"))
                continue
            field, check = SCHEMA[section][key]
            try:
                values[field] = check(value)
            except ValueError as exc:
                problems.append(Problem(shown, line, f"{section}.{key} {exc}"))
    if problems:
        raise ConfigError(problems)
    return SiteConfig(root=root.absolute(), **values)  # absolute: forked workers open the cache by URI
