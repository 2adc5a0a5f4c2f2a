"""Fetch: download a source, read its items, and hand each one to the pipeline.

    fetch_source(source)
      → claim it (another worker holding it means: skip)
      → conditional GET through khabar.lib.http
      → parse_feed (khabar.ingest.feeds)
      → for each entry: the feed's content, or the article page fetched and extracted
      → khabar.ingest.pipeline.process_articles (clean → sanitize → store), 20 items a batch
      → record the outcome on the source (khabar.sources.schedule), release the claim

Every failure ends as a plain-words error on the source or a note in the report; one bad item
never stops the others, and a page that cannot be fetched leaves the feed's summary stored.
"""

import enum
import logging
from dataclasses import asdict, dataclass, field, replace

from khabar.articles.models import Article
from khabar.lib import http
from khabar.sources.claims import claim_source, release_source, renew_claim
from khabar.sources.models import Source
from khabar.sources.schedule import disable_source, record_error, record_success

from .dedupe import find_existing_article, guid_fingerprint, url_fingerprint
from .extract import extract_from_html
from .feeds import FeedEntry, NotAFeed, ParsedFeed, article_from_entry, has_full_content, parse_feed
from .pipeline import NothingToStore, process_article, process_articles
from .records import ExtractedArticle
from .store import StoreOutcome

logger = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
GONE = 410
# Entries stored as one batch (one transaction, one look-up of duplicates and learned lines).
BATCH_ENTRIES = 20
# Fields where the feed's own value wins over what extraction finds on the page.
FEED_FIRST_FIELDS = (
    "title",
    "url",
    "guid",
    "summary",
    "author",
    "published_at",
    "image_url",
    "category",
)


class FetchOutcome(enum.StrEnum):
    FETCHED = "fetched"
    NOT_MODIFIED = "not modified"
    FAILED = "failed"
    DISABLED = "disabled"
    SKIPPED = "skipped"  # another worker holds the source


class PageNotRead(Exception):
    """A single-page source whose page could not be turned into an article."""


@dataclass
class FetchReport:
    """What one fetch did: counts by store outcome, the source's error, per-item notes."""

    source_id: int
    outcome: FetchOutcome = FetchOutcome.FETCHED
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    error: str = ""
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: StoreOutcome) -> None:
        setattr(self, str(outcome), getattr(self, str(outcome)) + 1)

    def as_dict(self) -> dict:
        return {**asdict(self), "outcome": str(self.outcome)}


def fetch_source(source: Source) -> FetchReport:
    """Fetch `source` unless another worker holds it; never raises for a bad feed or page.

    Safe to run twice or concurrently: the claim keeps a second worker out, and storing an
    item that is already stored changes nothing.
    """
    token = claim_source(source.pk)
    if token is None:
        return FetchReport(source_id=source.pk, outcome=FetchOutcome.SKIPPED)
    try:
        source.refresh_from_db()
        return fetch_claimed_source(source, token=token)
    finally:
        release_source(source.pk, token=token)


def fetch_claimed_source(source: Source, *, token: str = "") -> FetchReport:
    """Fetch a source this worker holds, and record the outcome on it."""
    try:
        if source.kind == Source.Kind.PAGE:
            return fetch_page_source(source)
        return fetch_feed_source(source, token=token)
    except http.HTTPStatusError as error:
        if error.status == GONE:
            reason = f"{error} (the feed is gone for good); fetching stopped"
            disable_source(source, reason=reason)
            return failed_report(source, reason, outcome=FetchOutcome.DISABLED)
        record_error(source, message=str(error), retry_after=error.retry_after)
        return failed_report(source, str(error))
    except (http.FetchError, NotAFeed, PageNotRead) as error:
        record_error(source, message=str(error))
        return failed_report(source, str(error))
    except Exception as error:  # a bug must not stop the worker; the source shows it
        logger.exception("fetching source %s failed unexpectedly", source.pk)
        message = f"khabar could not process this source: {describe(error)}"
        record_error(source, message=message)
        return failed_report(source, message)


def failed_report(
    source: Source, message: str, *, outcome: FetchOutcome = FetchOutcome.FAILED
) -> FetchReport:
    logger.warning("source %s (%s): %s", source.pk, source.url, message)
    return FetchReport(source_id=source.pk, outcome=outcome, error=message)


def fetch_feed_source(source: Source, *, token: str = "") -> FetchReport:
    response = http.fetch(
        source.url, accept=FEED_ACCEPT, etag=source.etag, last_modified=source.last_modified
    )
    if response.not_modified:
        record_success(
            source,
            etag=source.etag,
            last_modified=source.last_modified,
            retry_after=response.retry_after,
        )
        return FetchReport(source_id=source.pk, outcome=FetchOutcome.NOT_MODIFIED)
    feed = parse_feed(response.content, url=response.url, content_type=response.content_type)
    learn_from_feed(source, feed)
    report = ingest_entries(source, feed.entries, token=token)
    report.notes[:0] = feed.problems
    if feed.entries and report.failed == len(feed.entries):
        report.outcome = FetchOutcome.FAILED
        report.error = f"none of the {report.failed} items could be stored; {report.notes[-1]}"
        record_error(source, message=report.error)
        return report
    # Validators are kept only when every item was stored: otherwise the next fetch must get
    # the whole feed again (not a 304) so the failed items are retried.
    complete = report.failed == 0
    record_success(
        source,
        etag=response.etag if complete else "",
        last_modified=response.last_modified if complete else "",
        ttl_seconds=feed.ttl_seconds,
        retry_after=response.retry_after,
    )
    return report


def learn_from_feed(source: Source, feed: ParsedFeed) -> None:
    """Fill the source's name, site and language from the feed where they are still blank."""
    changed = []
    for name, value, limit in (
        ("name", feed.title, 300),
        ("site_url", feed.site_url, 2000),
        ("language", feed.language, 12),
    ):
        if value and not getattr(source, name):
            setattr(source, name, value[:limit])
            changed.append(name)
    if changed:
        source.save(update_fields=changed)


def ingest_entries(source: Source, entries: list[FeedEntry], *, token: str = "") -> FetchReport:
    """Store the entries through the pipeline in batches; a failing entry is noted, skipped."""
    report = FetchReport(source_id=source.pk)
    for start in range(0, len(entries), BATCH_ENTRIES):
        batch = [
            (entry, item)
            for entry in entries[start : start + BATCH_ENTRIES]
            if (item := item_for_entry(source, entry, report=report, token=token)) is not None
        ]
        results = process_articles(source, items=[item for _entry, item in batch])
        for (entry, _item), result in zip(batch, results, strict=True):
            if result.error is None:
                report.count(result.outcome)
            else:
                note_failure(source, entry, error=result.error, report=report)
    return report


def item_for_entry(
    source: Source, entry: FeedEntry, *, report: FetchReport, token: str
) -> ExtractedArticle | None:
    """The entry as an article, its page fetched when the feed has only a summary."""
    try:
        return entry_article(source, entry, notes=report.notes)
    except Exception as error:
        note_failure(source, entry, error=error, report=report)
        return None
    finally:
        if token:
            renew_claim(source.pk, token=token)


def note_failure(source: Source, entry: FeedEntry, *, error: Exception, report: FetchReport):
    if not isinstance(error, NothingToStore):
        logger.error(
            "source %s: item %s failed", source.pk, entry.url or entry.title, exc_info=error
        )
    report.failed += 1
    report.notes.append(f"{entry.url or entry.title!r} not stored: {describe(error)}")


def entry_article(source: Source, entry: FeedEntry, *, notes: list[str]) -> ExtractedArticle:
    item = article_from_entry(entry)
    if not has_full_content(entry) and item.url:
        stored = stored_article(source, item)
        if stored is not None and len(stored.text) > len(item.text):
            # Already stored with its page's text: keep that body, let the feed update the rest.
            item.text, item.html = stored.text, stored.html
        else:
            item = with_page_content(item, notes=notes)
    return item


def stored_article(source: Source, item: ExtractedArticle) -> Article | None:
    prints = {
        "guid_hash": guid_fingerprint(item.guid),
        "canonical_url_hash": url_fingerprint(item.url),
        "text_hash": None,
    }
    return find_existing_article(source_id=source.pk, prints=prints)


def with_page_content(item: ExtractedArticle, *, notes: list[str]) -> ExtractedArticle:
    """`item` completed from its article page; on any failure, `item` as the feed gave it."""
    try:
        response = http.fetch(item.url, accept=PAGE_ACCEPT)
        page = extract_from_html(response.text, url=response.url)
    except Exception as error:  # the feed's summary is still worth keeping
        note = f"{item.url}: page not read ({describe(error)}); the feed's summary is kept"
        logger.warning(note)
        notes.append(note)
        return item
    return merged_with_page(item, page=page, final_url=response.url)


def merged_with_page(
    item: ExtractedArticle, *, page: ExtractedArticle, final_url: str
) -> ExtractedArticle:
    """The page's text and findings, with the feed's own metadata where the feed has it."""
    merged = replace(page, canonical_url=page.canonical_url or final_url)
    for name in FEED_FIRST_FIELDS:
        if getattr(item, name):
            setattr(merged, name, getattr(item, name))
    merged.language = page.language or item.language
    if len(page.text) < len(item.text):
        merged.text, merged.html = item.text, item.html
    return merged


def fetch_page_source(source: Source) -> FetchReport:
    """A single-page source: fetch the page once and store it as one article."""
    response = http.fetch(source.url, accept=PAGE_ACCEPT)
    try:
        page = extract_from_html(response.text, url=response.url)
    except Exception as error:
        raise PageNotRead(f"the page could not be read as an article: {describe(error)}") from error
    page.url = page.url or source.url
    page.guid = page.guid or source.url
    try:
        _article, outcome = process_article(source, item=page)
    except NothingToStore as error:
        raise PageNotRead(f"nothing worth storing on the page: {error}") from error
    if page.title and not source.name:
        source.name = page.title[:300]
        source.save(update_fields=["name"])
    record_success(source, check_again=False)
    report = FetchReport(source_id=source.pk)
    report.count(outcome)
    return report


def describe(error: BaseException) -> str:
    text = str(error).strip()
    if isinstance(error, http.FetchError | NotAFeed | PageNotRead | NothingToStore) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
