"""Authors' names, from what pages give: JSON-LD values, <meta> text, and visible bylines.

names_from(value, resolve) -> [str]   names in a JSON-LD value or a <meta> string
visible_bylines(doc) -> [str]         itemprop="author", rel="author", byline blocks ("By Jane Doe")
split_names(text, strict) -> [str]    "By Jane Doe and John Roe, Staff Writers" → both names
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from feedsite.text import squash

_LEAD = re.compile(
    r"^(?:(?:written|posted|reported|words|story|text|published|edited)\s+by|by|von|par|por|door|di|"
    r"author|authors|autore|autor|auteur|byline|текст|автор)\b\s*:?\s*",
    re.I,
)
_SPLIT = re.compile(r"\s*(?:;|\||&|/|\b(?:[Aa]nd|AND|und|et|y|e)\b)\s*")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
# Words that end a name in visible text ("Jane Doe Monday, November 18"): not "May" or "June".
_CALENDAR = re.compile(
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|september|october|november|"
    r"december)\b",
    re.I,
)
_ROLES = re.compile(
    r"\b(staff|writer|writers|reporter|reporters|correspondent|correspondents|editor|editors|contributor|"
    r"contributing|columnist|updated|published|posted|min|minutes|read|share|follow|email|e-mail|"
    r"photo|photos|photographer|video|hours|ago|comments?|news desk|desk|bureau|team)\b",
    re.I,
)
_PARTICLES = {"de", "del", "della", "der", "den", "di", "da", "dos", "das", "du", "la", "le", "van", "von",
              "bin", "ibn", "al", "el", "ten", "ter", "y", "zu", "st."}  # fmt: skip
_BYLINE_NAMES = re.compile(
    r"(^|[\s_-])(byline|bylines|author|authors|author-?name|authorname|writer|contributor|by-?author|"
    r"article-?author|post-?author|entry-?author|creator|reporter|credit)($|[\s_-])",
    re.I,
)
_NOT_BYLINE = re.compile(r"bio|about|avatar|image|photo|img|pic|follow|social|twitter|more|box|date", re.I)
_BY = re.compile(r"^(?:by|von|par|por|door)\s+\S", re.I)
MAX_BYLINE = 120  # characters: a longer block is prose, not a byline


def is_role(name: str) -> bool:
    """True for an institutional byline such as "HNN Staff" or "News Nation Bureau"."""
    return bool(_ROLES.search(name))


def looks_like_name(name: str) -> bool:
    """Two to five words of letters, each capitalized (particles such as "de" or "van" aside)."""
    words = name.split()
    if not 2 <= len(words) <= 5:
        return False
    return all(w.lower() in _PARTICLES or (_WORD.fullmatch(w) and w[0].isupper()) for w in words)


def split_names(text: str, strict: bool = False) -> list[str]:
    """The names in a byline. `strict` (for visible text) keeps only what looks like a person's name."""
    text = squash(html.unescape(text))
    if not text or "://" in text or text.startswith("www.") or len(text) > 200:
        return []
    text = _LEAD.sub("", text).strip(" ,:;-–—")
    names: list[str] = []
    roles: list[str] = []
    for part in _SPLIT.split(text):
        part = _LEAD.sub("", _CALENDAR.split(part)[0] if strict else part).strip(" ,:;-–—")
        commas = [q.strip() for q in part.split(",")]
        if len(commas) > 1:
            # "Jane Doe, Reuters", "Jane Doe, MS, RD", "Jane Doe, John Roe" — but "Doe, Jane" is one name
            people = [q for q in commas if len(q.split()) >= 2 and "." not in q.replace(". ", " ")]
            persons = [q for q in people if not _ROLES.search(q)]
            names += [n for q in persons for n in split_names(q, strict)]
            roles += [q for q in people if _ROLES.search(q)]
            if people:
                continue
        if not part or "@" in part or len(part) > 80 or any(c.isdigit() for c in part):
            continue
        if not any(c.isalpha() for c in part):
            continue
        if _ROLES.search(part):
            roles.append(part)  # "Staff Writer" after a name; alone ("HNN Staff"), an institutional byline
            continue
        if strict and not looks_like_name(part):
            continue
        names.append(part)
    return names or ([] if strict else roles)


def names_from(value: Any, resolve: Callable[[Any], Any]) -> list[str]:
    """Names in a JSON-LD author (text, Person, Organization, a reference to one, or a list)."""
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, list):
        return [n for v in value for n in names_from(resolve(v), resolve)]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = next((n for n in name if isinstance(n, str)), None)
        if not isinstance(name, str) or not name.strip():
            given, family = value.get("givenName"), value.get("familyName")
            name = " ".join(n for n in (given, family) if isinstance(n, str))
        return split_names(name) if name else []
    return []


def _text(el: etree._Element) -> str:
    return squash(el.get("content") or " ".join(el.itertext()))


def _microdata(doc: etree._Element) -> list[str]:
    names = []
    for el in doc.xpath("//*[contains(concat(' ', normalize-space(@itemprop), ' '), ' author ')]"):
        inner = el.xpath(".//*[@itemprop='name']")
        names += [n for i in inner for n in split_names(_text(i))] if inner else split_names(_text(el), True)
    return names


def _rel_author(doc: etree._Element) -> list[str]:
    links = doc.xpath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]")
    return [n for a in links if len(_text(a)) <= MAX_BYLINE for n in split_names(_text(a), True)]


_SKIP = {"meta", "script", "style", "link", "body", "html", "label", "input", "textarea", "select", "option",
         "form", "button"}  # fmt: skip
_ASIDE = re.compile(r"comment|respond|reply|related|recommend|footer|sidebar|widget", re.I)


def _aside(el: etree._Element) -> bool:
    """Inside a form, a comment section or a list of other stories (whose authors are not this one's)."""
    for a in el.iterancestors():
        names = f"{a.get('class') or ''} {a.get('id') or ''}"
        if a.tag in ("form", "footer", "aside", "nav") or _ASIDE.search(names):
            return True
    return False


def _byline_blocks(doc: etree._Element) -> list[str]:
    """Elements named like a byline (class or id "byline", "author", …), short enough to be one."""
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _BYLINE_NAMES.search(names) or _NOT_BYLINE.search(names):
            continue
        text = _text(el)
        if not text or len(text) > MAX_BYLINE or _aside(el):
            continue
        links = [_text(a) for a in el.iter("a")]
        found = [n for t in links for n in split_names(t, True)] or split_names(text, True)
        if found:
            return found
    return []


def _by_lines(doc: etree._Element) -> list[str]:
    """A short block that reads "By Jane Doe" (or "By Jane Doe and John Roe, Reuters")."""
    for el in doc.iter("p", "div", "span", "li", "strong", "em", "b", "address", "h4", "h5", "h6"):
        text = _text(el)
        if len(text) > 80 or not _BY.match(text):
            continue
        found = split_names(re.split(r"\s[|•·]\s|\s(?:on|updated|published)\s", text, maxsplit=1)[0], True)
        if found:
            return found
    return []


def visible_bylines(doc: etree._Element) -> list[str]:
    """Names the page shows: microdata, rel="author" links, byline blocks, "By …" lines."""
    for finder in (_microdata, _rel_author, _byline_blocks, _by_lines):
        found = finder(doc)
        if found:
            return found
    return []
