"""A deterministic corpus of news articles for the benchmarks (issue 4's shape).

~5 KB of Markdown each, 2–4 `##` headings, paragraphs with *emphasis* and [links](…), 1–4 tags
from 40, 10 authors, dates across three years with UTC offsets, and a permanent `id:`. Entry i is
the same whatever the corpus size: it comes from its own Random seeded by (seed, i).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

# 10 entries a list page and 50 items a feed, as the bench's Hugo site has them (bench/hugo_site.py)
CONFIG = """\
[site]
title = "Bench"
base_url = "https://bench.example/"
timezone = "Europe/Rome"

[pagination]
per_page = 10

[feeds]
limit = 50
"""
NAMESPACE = uuid.UUID("6f1c3a52-6c2e-4d55-9a57-0b8f2d3c7e11")
START = datetime(2022, 1, 1, tzinfo=UTC)
SPAN = int(timedelta(days=3 * 365).total_seconds())
OFFSETS = (0, 60, 120, -300, -240, 330, 540, -180)  # minutes east of UTC
TAGS = (  # noqa: SIM905 - a paragraph of words reads better than a list of 40 strings
    "Politics Economy Markets Energy Climate Health Science Technology AI Space Sport Football Tennis "
    "Culture Music Cinema Books Art Education Transport Housing Labour Justice Defence Diplomacy Europe "
    "Africa Asia Americas Ukraine Middle-East Elections Agriculture Food Travel Weather Media Religion "
    "Migration Local"
).split()
AUTHORS = (
    "Anna Rossi",
    "Marco Bianchi",
    "Giulia Ferrari",
    "Luca Romano",
    "Sara Colombo",
    "Jane Doe",
    "John Smith",
    "Amélie Laurent",
    "Kenji Watanabe",
    "Olu Adebayo",
)
WORDS = (  # noqa: SIM905
    "the of and to in a is that for on with as was by at from are this be or an have it not were "
    "which has their but its had been more one all would there they will also when can who year new "
    "government minister said people city country week report market price energy policy council "
    "president election vote party police court law health school water climate plan budget tax "
    "company bank growth trade union strike workers talks deal peace war border region village "
    "farmers harvest storm flood heat record team match season coach player goal final league museum "
    "festival film novel artist concert study research data scientists university hospital doctors "
    "patients vaccine transport rail airport road housing rent families children students teachers "
    "officials spokesperson statement agreement negotiations sanctions exports imports inflation "
    "interest rates investors shares analysts forecast quarter profits losses jobs unemployment "
    "reform proposal parliament senate committee hearing investigation evidence witnesses verdict "
    "appeal protest crowd square morning evening night yesterday today tomorrow early late recent"
).split()


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    if rng.random() < 0.35:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://example.org/{rng.choice(WORDS)}/{rng.randrange(1000)})"
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


def _title(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS[40:], k=rng.randint(4, 9))).capitalize()


def entry(seed: int, index: int, target: int = 4400, after: int | None = None) -> tuple[str, str]:
    """(relative path under content/, file text) of entry `index`: dated within the corpus' three
    years, or `after` seconds after their end (an article newer than any, as a newsroom adds)."""
    rng = random.Random(f"{seed}/{index}")
    title = _title(rng)
    offset = timezone(timedelta(minutes=rng.choice(OFFSETS)))
    seconds = rng.randrange(SPAN) if after is None else SPAN + after
    when = (START + timedelta(seconds=seconds)).astimezone(offset)
    tags = rng.sample(TAGS, rng.randint(1, 4))
    authors = rng.sample(AUTHORS, 1 if rng.random() < 0.8 else 2)
    slug = "-".join(title.lower().split()[:6]) + f"-{index}"
    headings = rng.randint(2, 4)
    parts: list[str] = [_paragraph(rng)]
    size = len(parts[0])
    per_section = target // (headings + 1)
    for h in range(headings):
        parts.append(f"## {_title(rng)}")
        section = 0
        while section < per_section or (h == headings - 1 and size < target):
            para = _paragraph(rng)
            parts.append(para)
            section += len(para)
            size += len(para)
    front = [
        "---",
        f'title: "{title}"',
        f"date: {when.isoformat()}",
        f"id: urn:uuid:{uuid.uuid5(NAMESPACE, str(index))}",
        f"authors: [{', '.join(authors)}]",
        f"tags: [{', '.join(tags)}]",
        "---",
        "",
    ]
    return f"{when:%Y}/{when:%m}/{slug}.md", "\n".join(front) + "\n\n".join(parts) + "\n"


def write_project(root: Path, entries: int, seed: int = 1) -> None:
    """A feedsite project at root with `entries` generated entries (root must not exist)."""
    content = root / "content"
    root.mkdir(parents=True)
    (root / "feedsite.toml").write_text(CONFIG, "utf-8")
    folders: set[Path] = set()
    for index in range(entries):
        rel, text = entry(seed, index)
        path = content / rel
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_text(text, "utf-8")


def edit_body(path: Path, note: str) -> None:
    """Change an entry's body (not its front matter): append one paragraph."""
    path.write_text(path.read_text("utf-8") + f"\nAn editor's note: {note}.\n", "utf-8")
