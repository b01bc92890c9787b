"""HTML article extraction: feedsite's HTML importer beside trafilatura, on the same pages in one run.

    python bench/bench_extract.py BENCHMARK_FOLDER [--limit N] [--show-bylines] [--json FILE]

BENCHMARK_FOLDER is an extracted copy of scrapinghub/article-extraction-benchmark: its
`ground-truth.json` and its `html/*.html.gz` pages (181 real article pages). Nothing of it is kept
in this repository.

Body text is scored the way the benchmark's evaluate.py scores it: each page's text is split into
`\\w+` tokens, the 4-token shingles of the prediction are matched against the ground truth's
(counts included), TP/FP/FN are normalised per page so that long pages weigh no more than short
ones, precision and recall are the means over pages and F1 is computed from those means.

feedsite's body is Markdown: it is rendered with feedsite's own Markdown renderer and scored on the
text a reader sees (link URLs are not words of the article). trafilatura is run exactly as the
benchmark runs it (`trafilatura.extract(html, include_comments=False)`), and its metadata with
`trafilatura.extract_metadata`.

The ground truth holds no bylines, dates or titles: for those the script prints how often each
extractor finds one, and how often the two agree where both do.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedsite.config import MARKDOWN_DEFAULT_EXTENSIONS
from feedsite.importers.article import SourceError
from feedsite.importers.html import parse_html
from feedsite.importers.htmlmeta import SEPARATORS, Page
from feedsite.posts import render_markdown

TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
Score = tuple[float, float, float]


# ---- scoring, as evaluate.py does it ---------------------------------------------------------


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> Score:
    t, p = shingles(true), shingles(pred)
    tp = fp = fn = 0.0
    for key in set(t) | set(p):
        tp += min(t[key], p[key])
        fp += max(0, p[key] - t[key])
        fn += max(0, t[key] - p[key])
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def metrics(scores: list[Score]) -> dict[str, float]:
    precision = statistics.mean(_precision(*s) for s in scores if s[0] + s[1] > 0)
    recall = statistics.mean(_recall(*s) for s in scores if s[0] + s[2] > 0)
    return {"f1": 2 * precision * recall / (precision + recall), "precision": precision, "recall": recall}


# ---- the two extractors ----------------------------------------------------------------------


def rendered_text(markdown_body: str) -> str:
    html, _ = render_markdown(MARKDOWN_DEFAULT_EXTENSIONS, markdown_body)
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


def ours(page: str) -> dict[str, Any]:
    try:
        a = parse_html(page, UTC)
    except SourceError:
        return {"body": "", "markdown": "", "authors": [], "date": "", "title": ""}
    return {
        "body": rendered_text(a.body),
        "markdown": a.body,
        "authors": list(a.authors),
        "date": a.date.date().isoformat() if a.date else "",
        "title": a.title,
    }


def theirs(page: str) -> dict[str, Any]:
    import trafilatura

    body = trafilatura.extract(page, include_comments=False) or ""
    meta = trafilatura.extract_metadata(page)
    author = (meta.author or "") if meta else ""
    return {
        "body": body,
        "authors": [a.strip() for a in author.split(";") if a.strip()],
        "date": ((meta.date or "") if meta else "")[:10],
        "title": (meta.title or "") if meta else "",
    }


# ---- the run ---------------------------------------------------------------------------------


def load(folder: Path, limit: int) -> list[tuple[str, str, str]]:
    """(id, html, ground-truth body) for each page."""
    truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    pages = []
    for key in sorted(truth)[: limit or None]:
        path = folder / "html" / f"{key}.html.gz"
        page = gzip.decompress(path.read_bytes()) if path.exists() else (path.with_suffix("")).read_bytes()
        pages.append((key, page.decode("utf-8"), truth[key].get("articleBody", "")))
    return pages


def run(name: str, extract: Callable[[str], dict[str, Any]], pages: list[tuple[str, str, str]]) -> Any:
    results, scores = [], []
    start = time.perf_counter()
    for _, page, _ in pages:
        results.append(extract(page))
    seconds = time.perf_counter() - start
    for (_, _, truth), result in zip(pages, results, strict=True):
        scores.append(tp_fp_fn(truth, result["body"]))
    return {"name": name, "results": results, "scores": scores, "seconds": seconds, **metrics(scores)}


def _norm(text: str) -> str:
    return " ".join(TOKEN.findall(text.casefold()))


def agree(a: dict[str, Any], b: dict[str, Any], field: str) -> bool:
    """Same names (one in common), same date (give or take the day that a time zone moves it:
    feedsite's date is in the site's zone, trafilatura's the page's own), same title."""
    if field == "date":
        return (
            bool(a[field] and b[field])
            and abs(date.fromisoformat(a[field]) - date.fromisoformat(b[field])).days <= 1
        )
    if field == "authors":
        return bool({_norm(x) for x in a[field]} & {_norm(x) for x in b[field]})
    return bool(a[field]) and _norm(a[field]) == _norm(b[field])


def _key(text: str) -> str:
    return "".join(TOKEN.findall(text.casefold()))


def site_named(title: str, page: str, url: str) -> bool:
    """True when a title carries the site's name before or after a separator ("Headline | Site")."""
    site = {_key(n) for n in Page(lxml.html.document_fromstring(page)).site_names(url) if len(_key(n)) >= 3}
    for sep in SEPARATORS:
        head, _, tail = title.rpartition(sep)
        if head and any(
            _key(tail) and (name.startswith(_key(tail)) or _key(tail).startswith(name)) for name in site
        ):
            return True
        if _key(title.partition(sep)[0]) in site and sep in title:
            return True
    return False


def damaged(markdown_body: str) -> bool:
    """Markdown syntax left as literal text on the rendered page: a link or image that did not render."""
    return "](" in rendered_text(markdown_body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--show-bylines", action="store_true", help="print each page's bylines")
    parser.add_argument("--json", type=Path, help="write every page's results here")
    args = parser.parse_args()
    pages = load(args.folder, args.limit)
    runs = [run("feedsite", ours, pages), run("trafilatura", theirs, pages)]
    import trafilatura

    n = len(pages)
    print(f"{n} pages; trafilatura {trafilatura.__version__}")
    print(f"{'':<12} {'F1':>6} {'prec.':>6} {'recall':>6} {'byline':>7} {'date':>6} {'title':>6} {'secs':>6}")
    for r in runs:
        found = {f: sum(bool(x[f]) for x in r["results"]) / n for f in ("authors", "date", "title")}
        print(
            f"{r['name']:<12} {r['f1']:6.3f} {r['precision']:6.3f} {r['recall']:6.3f} "
            f"{found['authors']:7.0%} {found['date']:6.0%} {found['title']:6.0%} {r['seconds']:6.1f}"
        )
    a, b = (r["results"] for r in runs)
    for field in ("authors", "date", "title"):
        both = [(x, y) for x, y in zip(a, b, strict=True) if x[field] and y[field]]
        same = sum(agree(x, y, field) for x, y in both)
        print(f"{field}: both found {len(both)}, agree on {same}")
    wins = sum(x[0] > y[0] for x, y in zip(runs[0]["scores"], runs[1]["scores"], strict=True))
    losses = sum(x[0] < y[0] for x, y in zip(runs[0]["scores"], runs[1]["scores"], strict=True))
    print(f"pages where feedsite's body scores higher: {wins}, lower: {losses}")
    urls = json.loads((args.folder / "ground-truth.json").read_text("utf-8"))
    for r in runs:
        named = sum(
            site_named(x["title"], p, urls[k].get("url", ""))
            for (k, p, _), x in zip(pages, r["results"], strict=True)
        )
        print(f"{r['name']}: titles with the site's name around them: {named}")
    broken = sum(map(damaged, (x["markdown"] for x in a)))
    print(f"pages whose body shows literal Markdown ('](') once rendered: {broken}")
    if args.show_bylines:
        for (key, _, _), x, y in zip(pages, a, b, strict=True):
            print(f"{key[:10]}  feedsite={x['authors']}  trafilatura={y['authors']}")
    if args.json:
        rows = [
            {"id": key, "feedsite": x, "trafilatura": y, "score": [s1, s2]}
            for (key, _, _), x, y, s1, s2 in zip(
                pages, a, b, runs[0]["scores"], runs[1]["scores"], strict=True
            )
        ]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
