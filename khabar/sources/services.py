"""Subscribing: add a feed, a site (its feed discovered) or a single page; OPML in and out.

Every failure is a `SourceError` whose message is one sentence for the person who asked.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q

from khabar.ingest.feeds import NotAFeed, ParsedFeed, parse_feed
from khabar.lib import http

from .discovery import common_feed_urls, is_site_root, read_page
from .models import Source
from .opml import OpmlError, OpmlFeed, read_opml, write_opml

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)


class SourceError(Exception):
    """Subscribing failed; `str(error)` says why in plain words."""


@dataclass
class FoundFeed:
    url: str
    feed: ParsedFeed


def source_add(url: str, *, folder: str = "", name: str = "", as_page: bool = False) -> Source:
    """Subscribe to `url`: a feed as it is, a site through the feed it advertises (or one at a
    common path), an article page as a single-page source. Raises SourceError.

    Nothing is stored from the feed here; the worker fetches new sources first.
    """
    url = checked_url(url)
    refuse_known(url)
    if as_page:
        return create_source(kind=Source.Kind.PAGE, url=url, name=name, folder=folder)
    response = fetched(url)
    found = feed_in(response)
    if found is None:
        facts = read_page(response.text, base_url=response.url)
        if facts.is_article:
            return create_source(
                kind=Source.Kind.PAGE, url=response.url, name=name or facts.title, folder=folder
            )
        candidates = facts.feed_urls or (
            common_feed_urls(response.url) if is_site_root(url) else []
        )
        found = first_feed(candidates)
        if found is None and is_site_root(url):
            raise SourceError(f"no feed found at {url}; give the address of a feed or an article")
        if found is None:
            return create_source(
                kind=Source.Kind.PAGE, url=response.url, name=name or facts.title, folder=folder
            )
    refuse_known(found.url)
    return create_source(
        kind=Source.Kind.FEED,
        url=found.url,
        name=name or found.feed.title,
        folder=folder,
        site_url=found.feed.site_url,
        language=found.feed.language,
    )


def checked_url(url: str) -> str:
    try:
        return http.validate_url(url)
    except http.InvalidURL as error:
        raise SourceError(str(error)) from None


def refuse_known(url: str) -> None:
    existing = Source.objects.filter(url=url).first()
    if existing is not None:
        raise SourceError(f"already subscribed: {existing} ({url})")


def fetched(url: str) -> http.Response:
    try:
        return http.fetch(url, accept=FEED_ACCEPT)
    except http.FetchError as error:
        raise SourceError(f"cannot add {url}: {error}") from None


def feed_in(response: http.Response) -> FoundFeed | None:
    try:
        feed = parse_feed(response.content, url=response.url, content_type=response.content_type)
    except NotAFeed:
        return None
    return FoundFeed(url=response.url, feed=feed)


def first_feed(candidates: list[str]) -> FoundFeed | None:
    """The first candidate URL that answers with a readable feed."""
    for candidate in candidates:
        try:
            response = http.fetch(candidate, accept=FEED_ACCEPT)
        except http.FetchError:
            continue
        found = feed_in(response)
        if found is not None:
            return found
    return None


def create_source(*, kind: str, url: str, name: str, folder: str, **details) -> Source:
    name = (name or urlsplit(url).hostname or url).strip()[:300]
    try:
        with transaction.atomic():
            return Source.objects.create(
                kind=kind, url=url, name=name, folder=folder.strip()[:200], **details
            )
    except IntegrityError:
        raise SourceError(f"already subscribed: {url}") from None


# --- OPML ----------------------------------------------------------------------------------


@dataclass
class OpmlImport:
    added: list[Source] = field(default_factory=list)
    already: int = 0
    skipped: list[str] = field(default_factory=list)


def sources_import_opml(data: bytes) -> OpmlImport:
    """Create a feed source for each outline not subscribed yet; folders kept. Raises SourceError.

    No network: the worker fetches the new sources and records any error on each of them.
    """
    try:
        feeds = read_opml(data)
    except OpmlError as error:
        raise SourceError(f"not valid OPML: {error}") from None
    result = OpmlImport()
    for feed in feeds:
        import_one(feed, result=result)
    return result


def import_one(feed: OpmlFeed, *, result: OpmlImport) -> None:
    try:
        url = http.validate_url(feed.url)
    except http.InvalidURL as error:
        result.skipped.append(f"{feed.title or feed.url}: {error}")
        return
    if Source.objects.filter(url=url).exists():
        result.already += 1
        return
    site_url = feed.site_url if feed.site_url.startswith(("http://", "https://")) else ""
    try:
        source = create_source(
            kind=Source.Kind.FEED,
            url=url,
            name=feed.title,
            folder=feed.folder,
            site_url=site_url[:2000],
        )
    except SourceError:
        result.already += 1
        return
    result.added.append(source)


def sources_export_opml() -> bytes:
    """Every feed source (disabled ones too) as OPML, in folders."""
    feeds = [
        OpmlFeed(url=s.url, title=s.name, site_url=s.site_url, folder=s.folder)
        for s in Source.objects.filter(Q(kind=Source.Kind.FEED) & Q(url__isnull=False))
    ]
    return write_opml(feeds, title="khabar")
