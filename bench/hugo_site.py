"""The bench's corpus as a Hugo site: the same entry files, and a small layout set of our own.

The entries are the very files of the feedsite project (Markdown with YAML front matter: title,
date, id, authors, tags), under content/YYYY/MM/ as there, so their URLs are the same
(/YYYY/MM/slug/). The layouts make the pages feedsite makes, with the same pagination (10 a
page): entry pages; the home page paginated with summaries; a page for each tag, paginated with
summaries, with its RSS feed; the list of tags; title lists for each year and month (feedsite's
archives; each month folder gets an _index.md so that it is a section). Hugo's own sitemap.xml and
RSS template are used; feeds hold the newest 50 items, as feedsite's do.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CONFIG = """\
baseURL = "https://bench.example/"
title = "Bench"
languageCode = "en"
timeZone = "Europe/Rome"
paginate = 10
rssLimit = 50

[taxonomies]
tag = "tags"

[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
taxonomy = ["HTML", "RSS"]
term = ["HTML", "RSS"]
"""

BASEOF = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" \
href="{{ .Permalink }}" title="{{ site.Title }}">{{ end }}
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
<nav><a href="/tags/">Tags</a> <a href="/index.xml">RSS</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

# one entry in a list: title, date, authors, summary, tag links
SUMMARY = """\
<article>
<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ with .Params.authors }} · {{ delimit . ", " }}{{ end }}</p>
<p>{{ .Summary }}</p>
{{ partial "tags.html" . }}
</article>
"""

# links made from the front matter: the same as .GetTerms "tags" gives, and quicker (Hugo's best case)
TAGS = """\
{{ with .Params.tags }}<ul class="tags">{{ range . }}\
<li><a href="/tags/{{ . | urlize }}/" rel="tag">{{ . }}</a></li>{{ end }}</ul>{{ end }}
"""

PAGER = """\
{{ $p := .Paginator }}{{ if gt $p.TotalPages 1 }}<nav class="pager">
{{ with $p.Prev }}<a rel="prev" href="{{ .URL }}">Newer</a>{{ end }}
<span>Page {{ $p.PageNumber }} of {{ $p.TotalPages }}</span>
{{ with $p.Next }}<a rel="next" href="{{ .URL }}">Older</a>{{ end }}
</nav>{{ end }}
"""

SINGLE = """\
{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ with .Params.authors }} · {{ delimit . ", " }}{{ end }}</p>
{{ .Content }}
{{ partial "tags.html" . }}
<nav>{{ with .NextInSection }}<a rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .PrevInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
</article>{{ end }}
"""

# home (and any other list): the newest entries, 10 a page, with summaries
LIST = """\
{{ define "main" }}{{ $pages := site.RegularPages }}{{ if not .IsHome }}{{ $pages = .Pages }}{{ end }}
{{ range (.Paginate $pages).Pages }}{{ partial "summary.html" . }}{{ end }}
{{ partial "pager.html" . }}{{ end }}
"""

# one tag (Hugo's "term" page; its template keeps the old name taxonomy.html): 10 a page
TAXONOMY = """\
{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}<h1>{{ .Title }}</h1>
{{ range .Paginator.Pages }}{{ partial "summary.html" . }}{{ end }}
{{ partial "pager.html" . }}{{ end }}
"""

# the list of tags (Hugo's "taxonomy" page; its template is terms.html)
TERMS = """\
{{ define "title" }}Tags · {{ site.Title }}{{ end }}
{{ define "main" }}<h1>Tags</h1>
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}" rel="tag">\
{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}
"""

# a year or a month: every title in it, newest first (feedsite's archive pages)
SECTION = """\
{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .RegularPagesRecursive }}<li><time datetime="{{ .Date.Format "2006-01-02" }}">\
{{ .Date.Format "2 January 2006" }}</time> <a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
"""

LAYOUTS = {
    "_default/baseof.html": BASEOF,
    "_default/single.html": SINGLE,
    "_default/list.html": LIST,
    "_default/taxonomy.html": TAXONOMY,
    "_default/terms.html": TERMS,
    "_default/section.html": SECTION,
    "partials/summary.html": SUMMARY,
    "partials/tags.html": TAGS,
    "partials/pager.html": PAGER,
}


def write_site(root: Path, content: Path) -> None:
    """A Hugo site at root (which must not exist) holding a copy of the entry files under content."""
    root.mkdir(parents=True)
    (root / "config.toml").write_text(CONFIG, "utf-8")
    for name, text in LAYOUTS.items():
        (root / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "layouts" / name).write_text(text, "utf-8")
    shutil.copytree(content, root / "content")
    for year in (root / "content").iterdir():
        for month in year.iterdir():
            section_index(month)


def section_index(folder: Path) -> None:
    """Make a month folder a section of its own (Hugo makes only top-level folders sections)."""
    index = folder / "_index.md"
    if folder.is_dir() and not index.exists():
        index.write_text(f'---\ntitle: "{folder.parent.name}/{folder.name}"\n---\n', "utf-8")
