"""Issue 11, items 2 and 3, through the command line only: the cache can make a build slower, never wrong.

Item 2: each field an entry has (and the other things a site is made of) is changed one at a time
after a cached build; the cached rebuild must equal a --no-cache build of the same sources.
Item 3: the cache folder is damaged in every way we can think of (without assuming how it is laid
out); the next build must exit 0 with the site a --no-cache build makes, and --no-cache must never
touch the cache folder.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from site_factory import (
    BUILTIN_TEMPLATES,
    build_here,
    chattr,
    config_text,
    entry_text,
    first_difference,
    flip_bit,
    immutable,
    make_project,
    ok,
    reference,
    run,
    snapshot,
    tree,
    write,
)

CACHE = ".feedsite-cache"
TARGET = "2024/03/harbour.md"  # the entry whose fields change
OTHER = "2024/01/council.md"  # another entry: its values are looked for inside the cache

Entry = tuple[dict[str, str], str]  # front matter (YAML values as written), body


def q(value: object) -> str:
    return json.dumps(value)


def fields_entries() -> dict[str, Entry]:
    """Twelve entries that between them use every documented front-matter key and an extra one."""
    entries: dict[str, Entry] = {
        TARGET: (
            {
                "title": q("Harbour reopens after the storm"),
                "date": "2024-03-09T10:00:00+01:00",
                "updated": "2024-03-10T08:30:00+01:00",
                "id": "urn:uuid:11111111-0000-4000-8000-000000000006",
                "slug": "harbour-reopens",
                "summary": q("Ships sailed again on Saturday morning."),
                "authors": q(
                    [
                        "Jane Doe",
                        {"name": "Bob Roe", "email": "bob@example.org", "uri": "https://example.org/bob"},
                    ]
                ),
                "tags": q(["Weather", "Transport"]),
                "image": "/media/harbour.jpg",
                "image_alt": q("Ships in the harbour"),
                "source": q({"name": "La Milano", "url": "https://lamilano.example/harbour"}),
                "rights": q("Reproduction reserved © La Milano"),
                "lang": "en-GB",
                "draft": "false",
                "mood": q("hopeful"),
            },
            "The *harbour* reopened at dawn after three days of gales.\n\n## Damage\n\n"
            "Two cranes fell; see [the port's notice](https://port.example/notice).\n",
        ),
        OTHER: (
            {
                "title": q("Council approves the budget"),
                "date": "2024-01-05T18:00:00+01:00",
                "id": "urn:uuid:11111111-0000-4000-8000-000000000001",
                "summary": q("The vote passed by twelve to nine."),
                "authors": q([{"name": "Bob Roe", "email": "bob@example.org"}]),
                "tags": q(["Politics", "Economy"]),
                "source": q({"name": "City Desk", "url": "https://city.example/budget"}),
            },
            "The lighthouse keeper's pension was the last item on the agenda.\n",
        ),
        "2024/01/snow.md": (
            {"title": q("Snow closes the pass"), "date": "2024-01-20", "tags": q("Weather")},
            "Snow fell all night on the *mountain road*.\n\nThe pass stays closed until Monday.\n",
        ),
        "2024/02/rail.md": (
            {
                "title": q("Rail strike called off"),
                "date": "2024-02-02T07:00:00Z",
                "author": q("Ann Lee"),
                "tags": q(["Transport", "Economy"]),
                "rights": q("© Rail Weekly"),
            },
            "Unions and the operator agreed overnight.\n",
        ),
        "2024/02/museum.md": (
            {
                "title": q("Museum opens a new wing"),
                "date": "2024-02-14T11:00:00+01:00",
                "lang": "it",
                "tags": q(["Culture"]),
                "image": "https://cdn.example/museum.jpg",
                "image_alt": q("The new wing"),
            },
            "Il museo ha aperto la nuova ala.\n",
        ),
        "2024/03/tunnel.md": (
            {
                "title": q("Tunnel works begin"),
                "date": "2024-03-01T09:00:00+01:00",
                "updated": "2024-03-02T09:00:00+01:00",
                "tags": q(["Transport"]),
                "beat": q("Infrastructure"),
            },
            "Digging starts under the river.\n",
        ),
        "2024/03/plans.md": (
            {"title": q("Plans for the old port"), "date": "2024-03-20T12:00:00+01:00", "draft": "true"},
            "Not ready yet.\n",
        ),
        "2024/04/grain.md": (
            {
                "title": q("Grain prices climb"),
                "date": "2024-04-03T08:00:00+02:00",
                "tags": q(["Economy"]),
                "authors": q(["Jane Doe"]),
            },
            "Prices rose for the *third* week.\n\n- wheat\n- maize\n",
        ),
        "2024/04/festival.md": (
            {
                "title": q("Festival line-up announced"),
                "date": "2024-04-18T20:00:00+02:00",
                "tags": q(["Culture"]),
            },
            "Forty bands in three days.\n",
        ),
        "2024/05/bridge.md": (
            {
                "title": q("Bridge inspection finds cracks"),
                "date": "2024-05-07T15:30:00+02:00",
                "summary": q("Engineers want the bridge closed."),
                "tags": q(["Transport", "Politics"]),
            },
            "The report was published on Tuesday.\n",
        ),
        "2024/05/drought.md": (
            {
                "title": q("Drought warning for the south"),
                "date": "2024-05-25T06:00:00+02:00",
                "tags": q(["Weather"]),
            },
            "Reservoirs are at a third of capacity.\n",
        ),
        "2024/06/summit.md": (
            {
                "title": q("Summit ends without a deal"),
                "date": "2024-06-12T22:00:00+02:00",
                "tags": q(["Politics"]),
                "authors": q([{"name": "Carla Diaz", "uri": "https://example.org/carla"}]),
            },
            "Talks will resume in the autumn.\n",
        ),
    }
    return entries


def entry_template() -> str:
    """The built-in entry.html with the entry's extra front matter shown: extra keys reach pages only
    through a project's template, so the project overrides entry.html (README, "Templates")."""
    builtin = (BUILTIN_TEMPLATES / "entry.html").read_text("utf-8")
    at = builtin.rfind("{% endblock %}")
    assert at >= 0, "the built-in entry.html has no block to add to"
    shown = (
        '<aside class="extra">{% for key, value in post.entry.extra | dictsort %}'
        "<p>{{ key }}: {{ value }}</p>{% endfor %}</aside>\n"
    )
    return builtin[:at] + shown + builtin[at:]


def write_entries(root: Path, entries: dict[str, Entry]) -> None:
    for rel, (fields, body) in entries.items():
        write(root / "content" / rel, entry_text(fields, body))


def fields_project(root: Path) -> Path:
    make_project(root, {})
    write_entries(root, fields_entries())
    write(root / "templates" / "entry.html", entry_template())
    return root


def set_field(rel: str, key: str, value: str | None) -> Callable[[Path], None]:
    """A change: the front-matter key of one entry set to value (YAML), or removed (None)."""

    def change(root: Path) -> None:
        fields, body = fields_entries()[rel]
        if value is None:
            fields.pop(key)
        else:
            fields[key] = value
        write(root / "content" / rel, entry_text(fields, body))

    return change


def set_body(rel: str, body: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        fields, _ = fields_entries()[rel]
        write(root / "content" / rel, entry_text(fields, body))

    return change


def delete_entry(root: Path) -> None:
    (root / "content" / "2024/04/festival.md").unlink()


def add_entry(root: Path) -> None:
    fields = {
        "title": q("Ferry timetable changes"),
        "date": "2024-03-15T09:00:00+01:00",
        "tags": q(["Transport"]),
    }
    write(root / "content" / "2024/03/ferry.md", entry_text(fields, "New times from *Monday*.\n"))


def edit_template(root: Path) -> None:
    path = root / "templates" / "entry.html"
    path.write_text(path.read_text("utf-8").replace('class="extra"', 'class="extra edited"'), "utf-8")


def add_static(root: Path) -> None:
    write(root / "static" / "style.css", "body { color: black; }\n")


def retitle_site(root: Path) -> None:
    write(root / "feedsite.toml", config_text("Integrity Times Weekly"))


def set_config(old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        text = config_text()
        assert old in text
        write(root / "feedsite.toml", text.replace(old, new))

    return change


CHANGES: dict[str, Callable[[Path], None]] = {
    "title": set_field(TARGET, "title", q("Harbour reopens after the great storm")),
    "date-other-month": set_field(TARGET, "date", "2024-05-20T08:00:00+02:00"),
    "date-same-day": set_field(TARGET, "date", "2024-03-09T23:45:00+01:00"),
    "updated": set_field(TARGET, "updated", "2024-03-11T09:00:00+01:00"),
    "updated-removed": set_field(TARGET, "updated", None),
    "id": set_field(TARGET, "id", "urn:uuid:11111111-0000-4000-8000-000000000099"),
    "slug": set_field(TARGET, "slug", "harbour-open-again"),
    "summary": set_field(TARGET, "summary", q("Ships sailed again on Sunday.")),
    "summary-removed": set_field(TARGET, "summary", None),
    "authors-plain-name": set_field(
        TARGET,
        "authors",
        q(["Jane Dough", {"name": "Bob Roe", "email": "bob@example.org", "uri": "https://example.org/bob"}]),
    ),
    "authors-email": set_field(
        TARGET,
        "authors",
        q(["Jane Doe", {"name": "Bob Roe", "email": "roe@example.org", "uri": "https://example.org/bob"}]),
    ),
    "authors-uri": set_field(
        TARGET,
        "authors",
        q(["Jane Doe", {"name": "Bob Roe", "email": "bob@example.org", "uri": "https://example.org/roe"}]),
    ),
    "tags": set_field(TARGET, "tags", q(["Weather", "Shipping"])),
    "tags-order": set_field(TARGET, "tags", q(["Transport", "Weather"])),
    "image": set_field(TARGET, "image", "/media/harbour-2.jpg"),
    "image-alt": set_field(TARGET, "image_alt", q("Cranes in the harbour")),
    "source-name": set_field(
        TARGET, "source", q({"name": "Il Porto", "url": "https://lamilano.example/harbour"})
    ),
    "source-url": set_field(
        TARGET, "source", q({"name": "La Milano", "url": "https://lamilano.example/port"})
    ),
    "rights": set_field(TARGET, "rights", q("© La Milano 2024")),
    "body": set_body(TARGET, "The *harbour* reopened at noon.\n\n## Damage\n\nOne crane fell.\n"),
    "body-of-entry-without-summary": set_body("2024/01/snow.md", "Snow fell *all day*.\n\nStill closed.\n"),
    "lang": set_field(TARGET, "lang", "it"),
    "draft": set_field(TARGET, "draft", "true"),
    "draft-published": set_field("2024/03/plans.md", "draft", "false"),
    "extra-key-value": set_field(TARGET, "mood", q("relieved")),
    "extra-key-added": set_field(TARGET, "desk", q("Ports")),
    "extra-key-of-other-entry": set_field("2024/03/tunnel.md", "beat", q("Works")),
    "tag-renamed-on-other-entry": set_field("2024/04/grain.md", "tags", q(["Economics"])),
    "entry-deleted": delete_entry,
    "entry-added": add_entry,
    "template-edited": edit_template,
    "static-file-added": add_static,
    "config-title": retitle_site,
    "config-timezone": set_config('"Europe/Rome"', '"America/New_York"'),
    "config-base-url": set_config('"https://news.example.org/"', '"https://example.net/news/"'),
    "config-per-page": set_config("per_page = 3", "per_page = 4"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_cached_rebuild_equals_fresh_build_after_each_change(tmp_path: Path, change: str) -> None:
    root = fields_project(tmp_path / "project")
    assert build_here(root) == 0  # fills the cache
    before = tree(root / "site")
    CHANGES[change](root)
    ok(run(root))  # a new process: what it knows of the last build comes from the cache folder
    expected = reference(root, tmp_path / "fresh")
    assert expected != before, f"changing {change} does not change the site: the test would prove nothing"
    difference = first_difference(tree(root / "site"), expected)
    assert difference is None, (
        f"after changing {change}, the cached build differs from --no-cache: {difference}"
    )


def test_extra_front_matter_reaches_the_entry_page(tmp_path: Path) -> None:
    root = fields_project(tmp_path / "project")
    assert build_here(root, "--no-cache") == 0
    page = (root / "site/2024/03/harbour-reopens/index.html").read_text("utf-8")
    assert "<p>mood: hopeful</p>" in page


# -- item 3: a damaged cache ------------------------------------------------------------------

NEW_TITLE = q("Harbour reopens: ships back")


def retitle(root: Path) -> None:
    set_field(TARGET, "title", NEW_TITLE)(root)


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The site a --no-cache build makes of the fields project with the target entry retitled."""
    root = fields_project(tmp_path_factory.mktemp("expected") / "project")
    retitle(root)
    return reference(root, root.parent / "fresh")


def built(folder: Path) -> Path:
    """A fields project built with the cache, in this process (quick), ready to be damaged."""
    root = fields_project(folder)
    assert build_here(root) == 0
    assert any(p.is_file() for p in (root / CACHE).rglob("*")), "a cached build left no cache files"
    return root


def cache_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / CACHE).rglob("*") if p.is_file() and not p.is_symlink())


def after_damage(root: Path, expected: dict[str, bytes]) -> str | None:
    """Retitle, build with the (damaged) cache: None if exit 0 with the expected site, else why not."""
    retitle(root)
    result = run(root)
    if result.returncode != 0:
        return f"exit {result.returncode}: {result.stderr.strip()[:300]}"
    return first_difference(tree(root / "site"), expected)


def check_all(cases: list[tuple[str, str | None]], what: str) -> None:
    """Fail listing every case that gave a wrong build (the first one in full)."""
    failures = [(name, why) for name, why in cases if why is not None]
    if failures:
        lines = [f"{name}: {why.splitlines()[0]}" for name, why in failures]
        first = f"{failures[0][0]}: {failures[0][1]}"
        pytest.fail(
            f"{len(failures)} of {len(cases)} {what} gave a wrong build:\n"
            + "\n".join(lines)
            + f"\nfirst: {first}"
        )


def spread_positions(files: list[Path], count: int, rng: random.Random) -> Iterator[tuple[int, float, int]]:
    """(file index, where in the file as a fraction, bit): each file at least once, the rest by size."""
    sizes = [max(1, p.stat().st_size) for p in files]
    picks = list(range(len(files)))
    picks += rng.choices(range(len(files)), weights=sizes, k=max(0, count - len(files)))
    for index in picks:
        yield index, rng.random(), rng.randrange(8)


def test_single_bit_flips_all_over_the_cache(tmp_path: Path, expected: dict[str, bytes]) -> None:
    rng = random.Random(2024)
    layout = cache_files(built(tmp_path / "layout"))
    plan = list(spread_positions(layout, 40, rng))
    cases = []
    for n, (index, where, bit) in enumerate(plan):
        root = built(tmp_path / f"flip{n}")
        files = cache_files(root)
        path = files[index] if index < len(files) else files[-1]
        offset = min(int(where * path.stat().st_size), path.stat().st_size - 1)
        if offset < 0:
            continue  # an empty file has no bit to flip
        flip_bit(path, offset, bit)
        name = f"{path.relative_to(root / CACHE).as_posix()}@{offset} bit {bit}"
        cases.append((name, after_damage(root, expected)))
    assert cases
    check_all(cases, "single-bit flips")


def occurrences(root: Path, needle: bytes, limit: int) -> list[tuple[Path, int]]:
    found = []
    for path in cache_files(root):
        data = path.read_bytes()
        found += [(path, m.start()) for m in re.finditer(re.escape(needle), data)][:limit]
    return found


# Values stored for the other entry: its title, a word of its body, its summary, its author, a tag.
VALUES = [
    b"Council approves the budget",
    b"lighthouse keeper",
    b"The vote passed by twelve",
    b"Bob Roe",
    b"City Desk",
]


Pick = Callable[["re.Match[bytes]"], int]


def middle(match: re.Match[bytes]) -> int:
    return (match.start() + match.end()) // 2


def last(match: re.Match[bytes]) -> int:
    return match.end() - 1


def flip_where(root: Path, needle: bytes | re.Pattern[bytes], nth: int, pick: Pick = middle) -> str | None:
    """Flip the lowest bit of one byte (pick) of the nth occurrence of needle in the cache files:
    where, or None if there are not that many."""
    pattern = needle if isinstance(needle, re.Pattern) else re.compile(re.escape(needle))
    seen = 0
    for path in cache_files(root):
        for match in pattern.finditer(path.read_bytes()):
            if seen == nth:
                flip_bit(path, pick(match), 0)
                return f"{path.relative_to(root / CACHE).as_posix()}@{pick(match)}"
            seen += 1
    return None


def flip_each(
    tmp_path: Path, expected: dict[str, bytes], needles: list[bytes], what: str, per: int = 3
) -> None:
    cases = []
    for k, needle in enumerate(needles):
        for nth in range(per):
            root = built(tmp_path / f"{what}-{k}-{nth}")
            where = flip_where(root, needle, nth)
            if where is None:
                shutil.rmtree(root)
                break
            cases.append((f"{needle!r} #{nth} at {where}", after_damage(root, expected)))
    if not cases:
        pytest.skip(f"none of the {what} was found as plain bytes in the cache files (stored encoded?)")
    check_all(cases, f"bit flips inside stored {what}")


def test_bit_flips_inside_stored_values(tmp_path: Path, expected: dict[str, bytes]) -> None:
    flip_each(tmp_path, expected, VALUES, "values")


# A hex digest (32 to 128 digits) whose 16th digit is a decimal one: flipping its lowest bit keeps
# the key well-formed hex, so only its meaning changes.
HEX_KEY = re.compile(rb"(?<![0-9a-f])[0-9a-f]{15}[0-9](?=[0-9a-f]{16,112}(?![0-9a-f]))")


def test_bit_flips_inside_keys(tmp_path: Path, expected: dict[str, bytes]) -> None:
    """Keys as the cache may hold them: hex digests, and the site paths of the written files."""
    root = built(tmp_path / "layout")
    hex_count = sum(len(HEX_KEY.findall(p.read_bytes())) for p in cache_files(root))
    needles = [b"2024/01/council/index.html", b"2024/03/harbour-reopens/index.html", b"tags/economy/"]
    cases = []
    rng = random.Random(11)
    for n in sorted(rng.sample(range(hex_count), min(hex_count, 12))):
        root = built(tmp_path / f"hex{n}")
        where = flip_where(root, HEX_KEY, n, last)
        if where is not None:
            cases.append((f"hex key #{n} at {where}", after_damage(root, expected)))
    for k, needle in enumerate(needles):
        root = built(tmp_path / f"path{k}")
        where = flip_where(root, needle, 0)
        if where is not None:
            cases.append((f"{needle!r} at {where}", after_damage(root, expected)))
    if not cases:
        pytest.skip("no hex digest or site path found as plain bytes in the cache files")
    check_all(cases, "bit flips inside keys")


def test_each_cache_file_truncated_to_half(tmp_path: Path, expected: dict[str, bytes]) -> None:
    count = len(cache_files(built(tmp_path / "layout")))
    cases = []
    for index in range(count):
        root = built(tmp_path / f"half{index}")
        path = cache_files(root)[index]
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        cases.append((path.name, after_damage(root, expected)))
    check_all(cases, "half-truncated cache files")


def test_each_cache_file_replaced_with_garbage(tmp_path: Path, expected: dict[str, bytes]) -> None:
    count = len(cache_files(built(tmp_path / "layout")))
    rng = random.Random(7)
    cases = []
    for index in range(count):
        root = built(tmp_path / f"garbage{index}")
        path = cache_files(root)[index]
        path.write_bytes(rng.randbytes(max(64, path.stat().st_size)))
        cases.append((path.name, after_damage(root, expected)))
    check_all(cases, "cache files replaced with garbage")


def test_every_cache_file_emptied_at_once(tmp_path: Path, expected: dict[str, bytes]) -> None:
    root = built(tmp_path / "project")
    for path in cache_files(root):
        path.write_bytes(b"")
    assert after_damage(root, expected) is None


def test_main_cache_file_is_a_directory(tmp_path: Path, expected: dict[str, bytes]) -> None:
    root = built(tmp_path / "project")
    main = max(cache_files(root), key=lambda p: p.stat().st_size)
    main.unlink()
    (main / "surprise").mkdir(parents=True)
    assert after_damage(root, expected) is None


def test_cache_folder_is_a_plain_file(tmp_path: Path, expected: dict[str, bytes]) -> None:
    root = built(tmp_path / "project")
    shutil.rmtree(root / CACHE)
    (root / CACHE).write_bytes(b"not a folder\n")
    assert after_damage(root, expected) is None
    assert (root / CACHE).read_bytes() == b"not a folder\n"


def test_cache_from_another_project(tmp_path: Path, expected: dict[str, bytes]) -> None:
    """A foreign cache: another project's, with the same file names but other titles and bodies."""
    other = built(tmp_path / "other")
    for rel, (fields, body) in fields_entries().items():
        fields["title"] = q("Other " + json.loads(fields["title"]))
        write(other / "content" / rel, entry_text(fields, body.replace("the", "a")))
    assert build_here(other) == 0
    root = built(tmp_path / "project")
    shutil.rmtree(root / CACHE)
    shutil.copytree(other / CACHE, root / CACHE)
    assert after_damage(root, expected) is None


def test_read_only_cache_folder(tmp_path: Path, expected: dict[str, bytes]) -> None:
    root = built(tmp_path / "project")
    before = snapshot(root / CACHE)
    locked = immutable(root / CACHE)
    if not locked:
        pytest.skip("chattr +i is not available (root ignores chmod: nothing else makes it read-only)")
    try:
        why = after_damage(root, expected)
        after = snapshot(root / CACHE)
    finally:
        chattr(locked, "-i")
    assert why is None, f"with a read-only cache folder: {why}"
    assert after == before


def test_no_cache_never_touches_the_cache_folder(tmp_path: Path, expected: dict[str, bytes]) -> None:
    root = built(tmp_path / "project")
    before = snapshot(root / CACHE)
    retitle(root)
    result = run(root, "--no-cache")
    ok(result)
    after = snapshot(root / CACHE)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"--no-cache changed these in the cache folder: {changed}"
    difference = first_difference(tree(root / "site"), expected)
    assert difference is None, f"--no-cache over a cached build: {difference}"


def test_no_cache_does_not_create_a_cache_folder(tmp_path: Path, expected: dict[str, bytes]) -> None:
    root = fields_project(tmp_path / "project")
    retitle(root)
    ok(run(root, "--no-cache"))
    assert not (root / CACHE).exists(), f"--no-cache made {sorted(p.name for p in (root / CACHE).rglob('*'))}"
    assert first_difference(tree(root / "site"), expected) is None
