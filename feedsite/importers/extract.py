"""The article text of an HTML page, as an HTML fragment (not yet sanitized: the caller converts it
with tomarkdown.html_to_markdown, which sanitizes first).

    article_html(page, url, doc) -> str   trafilatura's reading, or ours where ours measured better
    own_article(doc) -> (str, bool)       our reading: the element holding the text, and whether the
                                          page marks it as its article
    trafilatura_article(page, url) -> str

trafilatura (https://trafilatura.readthedocs.io) finds the article body better than our reading
does on real pages (bench/bench_extract.py measures both on 181 of them: README "Dependencies"),
so it leads; ours is taken in the few cases, told apart by comparing the two, where it does better.
"""

from __future__ import annotations

import re
from collections import Counter

import lxml.html
from lxml import etree

from feedsite.text import squash

# Whole elements that are never article text.
NOISE_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "form", "button",
              "nav", "aside", "footer", "svg", "template", "select", "textarea", "input",
              "dialog", "menu")  # fmt: skip
NOISE_WORDS = re.compile(
    r"^(nav|navbar|navigation|menu|breadcrumbs?|sidebar|ad|ads|advert\w*|adsense|banner|promo\w*|"
    r"sponsor\w*|comments?|commenti|disqus|share|sharing|social|sharebar|related|recommended|"
    r"newsletter|subscribe|subscription|cookie\w*|consent|popup|modal|widget|outbrain|taboola|"
    r"footer|masthead|toolbar|paywall|tags|byline|dateline|timestamp)$"
)
NOISE_ROLES = {"navigation", "banner", "complementary", "contentinfo", "search", "dialog"}
KEEP = {"html", "body", "article", "main"}
INLINE_PARENTS = {"p", "li", "span", "em", "strong", "b", "i", "a", "td", "q", "blockquote", "dd"}
_PIECES = re.compile(r"[\s_-]+")
MIN_TEXT = 40  # characters: less than this is not an article
# How the two readings are compared (article_html): shares of four-word runs.
TRAFILATURA_MIN = 250  # characters: trafilatura's own MIN_EXTRACTED_SIZE
SAME, MORE, HALF = 0.95, 0.85, 0.5
_WORD = re.compile(r"\w+")
# A noise-named element holding this share of the page's paragraph text wraps the article itself.
WRAPPER_SHARE = 0.5


def _is_noise(el: etree._Element) -> bool:
    if el.tag in KEEP or el.get("itemprop") == "articleBody":
        return False
    if el.get("role") in NOISE_ROLES or el.get("aria-hidden") == "true" or el.get("hidden") is not None:
        return True
    if "display:none" in (el.get("style") or "").replace(" ", ""):
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return any(NOISE_WORDS.match(piece) for piece in _PIECES.split(names) if piece)


def _paragraph_text(root: etree._Element) -> dict[etree._Element, int]:
    """For each element, the length of the paragraph text inside it."""
    held: dict[etree._Element, int] = {}
    for p in root.iter("p"):
        length = _text_len(p)
        for el in (p, *p.iterancestors()):
            held[el] = held.get(el, 0) + length
    return held


def _strip_noise(root: etree._Element) -> None:
    for el in list(root.iter(*NOISE_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for time in list(root.iter("time")):  # a date standing alone is metadata, not text
        parent = time.getparent()
        if parent is not None and parent.tag not in INLINE_PARENTS:
            time.drop_tree()
    for header in list(root.iter("header")):
        if not any(a.tag in ("article", "main") for a in header.iterancestors()):
            header.drop_tree()
    held = _paragraph_text(root)
    total = held.get(root, 0)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None or not _is_noise(el):
            continue
        if total and held.get(el, 0) >= WRAPPER_SHARE * total:
            continue  # a class such as "sidebar" or "ad-portal" around the whole article
        el.drop_tree()


def _text_len(el: etree._Element) -> int:
    return len(squash(el.text_content()))


def _main(doc: etree._Element) -> etree._Element | None:
    """The element holding the article text: articleBody, <article>, <main>, else the densest."""
    for xpath in ("//*[@itemprop='articleBody']", "//article", "//main", "//*[@role='main']"):
        found = [el for el in doc.xpath(xpath) if _text_len(el) >= MIN_TEXT]
        if found:
            return max(found, key=lambda el: sum(_text_len(p) for p in el.iter("p")) or 1)
    scores: dict[etree._Element, float] = {}
    for p in doc.iter("p"):
        length = _text_len(p)
        parent = p.getparent()
        if parent is None or length < 20:
            continue
        scores[parent] = scores.get(parent, 0) + length
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + length / 2
    if scores:
        return max(scores, key=lambda el: scores[el])
    body = doc.find("body")
    return body if body is not None else doc


def own_article(doc: etree._Element) -> tuple[str, bool]:
    """Our reading of a parsed page (changed in place: noise is removed): the HTML of the element
    holding the article text ("" when there is none), and whether the page marks it as its article
    (<article> or itemprop="articleBody")."""
    _strip_noise(doc)
    main = _main(doc)
    if main is None:
        return "", False
    marked = main.tag == "article" or main.get("itemprop") == "articleBody"
    return lxml.html.tostring(main, encoding="unicode"), marked


# trafilatura's XML output (its documented format) → HTML. Its own HTML output turns <ol> into <ul>.
_XML_TAGS = {"main": "div", "p": "p", "quote": "blockquote", "item": "li", "lb": "br", "table": "table",
             "row": "tr", "ref": "a", "graphic": "img", "del": "del"}  # fmt: skip
_REND = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}


def _as_html(el: etree._Element) -> None:
    """trafilatura's XML elements as the HTML elements they stand for (in place)."""
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        tag, rend = node.tag, node.get("rend") or ""
        if tag == "head":
            node.tag = rend if re.fullmatch(r"h[1-6]", rend) else "h3"
        elif tag == "list":
            node.tag = "ol" if rend == "ol" else "ul"
        elif tag == "hi":
            node.tag = _REND.get(rend, "span")
        elif tag == "cell":
            node.tag = "th" if node.get("role") == "head" else "td"
        elif tag == "code":
            node.tag = "code" if node.getparent() is not None and node.getparent().tag == "p" else "pre"
        else:
            node.tag = _XML_TAGS.get(tag, "span")
        keep = {"href": node.get("target")} if tag == "ref" else {}
        if tag == "graphic":
            keep = {"src": node.get("src"), "alt": node.get("alt")}
        node.attrib.clear()
        for name, value in keep.items():
            if value:
                node.set(name, value)


def trafilatura_article(page: str, url: str) -> str:
    """trafilatura's reading of a page, as HTML with links, emphasis, images and tables; "" when it
    finds none."""
    import trafilatura  # here: only HTML sources pay for loading it

    found = trafilatura.extract(
        page,
        url=url or None,
        output_format="xml",
        include_comments=False,
        include_links=True,
        include_formatting=True,
        include_tables=True,
        include_images=True,
    )
    if not found:
        return ""
    try:
        main = etree.fromstring(found.encode("utf-8")).find("main")
    except etree.XMLSyntaxError:
        return ""
    if main is None:
        return ""
    _as_html(main)
    return str(etree.tostring(main, encoding="unicode", method="html"))


def _text(fragment: str) -> str:
    if not fragment.strip():
        return ""
    try:
        return " ".join(lxml.html.fragment_fromstring(fragment, create_parent="div").itertext())
    except (etree.ParserError, AssertionError, IndexError):  # lxml asserts one <body>: a page had none
        return ""


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    """Runs of four words, counted: what bench/bench_extract.py (and the benchmark) score on."""
    words = _WORD.findall(text)
    return Counter(tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3)) if words)


def _inside(part: Counter[tuple[str, ...]], whole: Counter[tuple[str, ...]]) -> float:
    """The share of `part` that `whole` holds too (1.0: all of it)."""
    total = sum(part.values())
    return sum(min(n, whole[k]) for k, n in part.items()) / total if total else 0.0


def article_html(page: str, url: str, doc: etree._Element) -> str:
    """The article's HTML: trafilatura's reading of `page`, or ours of `doc` (its parsed tree, which
    this changes) in the three cases where ours measured better (bench/bench_extract.py):

    - trafilatura found (next to) nothing: under its own minimum of 250 characters it turns to its
      fallbacks, down to the whole page's text;
    - all of our text is in trafilatura's, which holds over a sixth more: the extra lies outside the
      element the page marks as its article (or its densest text) — related links, captions, bios;
    - all of trafilatura's text is in ours, which comes from the page's <article> (or articleBody)
      and is over twice as long: trafilatura stopped at an advert or a break inside the article.
    """
    theirs = trafilatura_article(page, url)
    ours, marked = own_article(doc)
    their_text, our_text = _text(theirs), _text(ours)
    if len(squash(their_text)) < TRAFILATURA_MIN:
        return ours
    if len(squash(our_text)) < MIN_TEXT:
        return theirs
    t, o = _shingles(their_text.casefold()), _shingles(our_text.casefold())
    if _inside(o, t) >= SAME and _inside(t, o) < MORE:
        return ours
    if _inside(t, o) >= SAME and _inside(o, t) < HALF and marked:
        return ours
    return theirs
