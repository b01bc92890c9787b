"""Entry pages: the article (or, once retracted, the retraction notice in its place), its
corrections, a byline linking to the authors' pages, and the schema.org NewsArticle JSON-LD."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from feedsite.outputs import from_oldest
from feedsite.outputs.feeds import FeedInfo
from feedsite.outputs.media import Media, image_media
from feedsite.outputs.pages import author_path, card, page_info, section_of
from feedsite.posts import Post
from feedsite.theme import long_date
from feedsite.urls import absolute, allowed_url, output_file

if TYPE_CHECKING:
    from feedsite.outputs import Planner, SiteInfo


def entries(plan: Planner, posts: Sequence[Post], live: Sequence[Post], site_feed: FeedInfo) -> None:
    """A page for every post; `live` (the posts that are not retracted) gives the neighbours that
    pages link to as newer and older. A retracted post keeps its page, linked from no list."""
    place = {id(post): index for index, post in enumerate(live)}
    sections: dict[str, list[Post]] = {}
    places: dict[int, tuple[list[Post], int]] = {}  # id of a post → its section's list, its place there
    for post in live:
        section = section_of(post)
        if section is not None:
            group = sections.setdefault(section[0].casefold(), [])
            places[id(post)] = group, len(group)
            group.append(post)
    last = len(live) - 1
    base_url, static = plan.site.base_url, plan.static
    rows = []
    for post in posts:
        key = id(post)
        index = place.get(key)
        image = post.entry.image
        rows.append(
            (
                post,
                live[index - 1] if index is not None and index > 0 else None,
                live[index + 1] if index is not None and index < last else None,
                more_in_section(places.get(key)),
                image_media(base_url, post.url, image, static) if image else None,
            )
        )
    for batch in from_oldest(len(rows), BATCH):
        plan.batch(entry_pages, site_feed, tuple(rows[batch]))


BATCH = 100  # entry pages planned together


def entry_pages(plan: Planner, site_feed: FeedInfo, rows: tuple[tuple[Any, ...], ...]) -> None:
    """The pages of rows of (post, newer, older, more in its section, lead image)."""
    for post, newer, older, more, lead in rows:
        context = {  # what the page shows of itself (`page`) follows from these: entry_extras makes it
            "site": plan.site,
            "site_feed": site_feed,
            "post": post,
            "newer": newer,
            "older": older,
            "more": more,
            "lead": lead,
        }
        plan.page(output_file(post.path), "entry.html", context, entry_extras)


MORE = 4  # stories under "More in this section"


def more_in_section(place: tuple[list[Post], int] | None) -> tuple[Post, ...]:
    """Up to MORE other stories of a post's section, given the section's list and the post's place
    in it (none for a retracted post, or one without a section): the ones just before it, newest
    first (so a new story changes no older page's list), topped up with the ones just after it."""
    if place is None:
        return ()
    group, at = place
    older = group[at + 1 : at + 1 + MORE]
    need = MORE - len(older)
    newer = group[max(0, at - need) : at] if need else []
    return tuple(newer + older)


def shown_time(when: datetime) -> str:
    """ "9 November 2024, 10:00 CET": a correction's or a retraction's date and time, in site time."""
    return f"{long_date(when)}, {when:%H:%M} {when.tzname() or when.strftime('%z')}"


def entry_extras(context: dict[str, Any]) -> dict[str, Any]:
    """What entry.html shows that follows from its context: the lead image's URL, the byline's
    links, the corrections and the retraction notice as shown, and the NewsArticle JSON-LD."""
    post: Post = context["post"]
    entry = post.entry
    retracted = entry.retracted
    description = f"Retracted: {retracted.reason}" if retracted else post.summary
    page = page_info(
        context["site"],
        post.path,
        entry.title,
        [context["site_feed"]],
        description=description,
        lang=entry.lang,
    )
    section = section_of(post)
    caption = entry.extra.get("image_caption") if entry.extra else None
    return {
        "page": page,
        "section": None if section is None else {"name": section[0], "path": section[1]},
        "published": {
            "iso": entry.date.isoformat(),
            "shown": long_date(entry.date) if entry.day_only else shown_time(entry.date),
        },
        "updated": (
            {"iso": entry.modified.isoformat(), "shown": shown_time(entry.modified)}
            if entry.modified != entry.date
            else None
        ),
        "caption": caption if isinstance(caption, str) and caption.strip() else None,
        "more_cards": tuple(card(other) for other in context["more"]),
        "image": None if retracted else context["lead"],
        "bylines": tuple({"name": a.name, "path": author_path(a.name)} for a in entry.authors),
        "corrections": tuple(
            {"iso": c.date.isoformat(), "shown": shown_time(c.date), "text": c.text}
            for c in entry.corrections
        ),
        "retraction": (
            {"iso": retracted.date.isoformat(), "shown": shown_time(retracted.date), "text": retracted.reason}
            if retracted
            else None
        ),
        "ld": news_article(post, context["site"], context["lead"]),
    }


def news_article(post: Post, site: SiteInfo, lead: Media | None) -> dict[str, Any]:
    """schema.org NewsArticle: dates (dateModified moved by corrections), authors as Person with
    their page here, the publisher, and each correction as a CorrectionComment."""
    entry = post.entry
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": entry.title,
        "datePublished": entry.date.isoformat(),
        "dateModified": entry.modified.isoformat(),
        "mainEntityOfPage": post.url,
        "url": post.url,
        "inLanguage": entry.lang or site.language,
        "publisher": {
            "@type": "Organization",
            "name": entry.source.name if entry.source and entry.source.name else site.title,
        },
    }
    if entry.retracted:
        data["description"] = f"Retracted: {entry.retracted.reason}"
    else:
        if post.summary:
            data["description"] = post.summary
        if post.tags:
            data["keywords"] = [t.name for t in post.tags]
        if lead is not None:
            data["image"] = [lead.url]
    if entry.authors:
        data["author"] = [
            {
                "@type": "Person",
                "name": a.name,
                "url": absolute(site.base_url, author_path(a.name)),
                **({"sameAs": a.uri} if a.uri and allowed_url(a.uri) else {}),
            }
            for a in entry.authors
        ]
    if entry.corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "text": c.text, "datePublished": c.date.isoformat()}
            for c in entry.corrections
        ]
    if entry.rights:
        data["copyrightNotice"] = entry.rights
    return data
