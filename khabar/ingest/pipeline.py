"""The per-article pipeline after fetching: extract (if needed) → clean → sanitize → store,
then, once the store commits, the worker's jobs: enrich (khabar.stories.enrich) and index.

Feeds, single pages and saved files go through `process_articles` (a feed's items as one
batch) or `process_article` (one). Bulk import (`khabar.ingest.jsonl`) uses the same pieces
(fingerprints, sanitize_html, store's fields and updates) in large batches, without cleaning:
its input is article text already. Saved files come in through `ingest_file`; `preview_file`
and `preview_url` run the same extraction and cleaning without storing anything.
"""

import html as html_lib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from khabar import search
from khabar.articles.models import Article
from khabar.lib.html import sanitize_html
from khabar.sources.models import Source
from khabar.stories.enrich import enrich_soon

from .clean import clean_article, line_keys, prepare_text
from .dedupe import find_existing_articles, fingerprints
from .extract import extract_from_html, extract_from_text
from .files import read_saved_document
from .htmltext import text_of_html
from .language import detect_language
from .learned import count_articles_lines, learned_lines
from .records import ExtractedArticle
from .store import StoreOutcome, store_article

DEFAULT_FILE_SOURCE = "saved files"
_CONTENT_TYPES_AS_TEXT = ("text/plain",)
_CONTENT_TYPES_AS_HTML = ("text/html", "application/xhtml+xml")


class NothingToStore(ValueError):
    """Extraction and cleaning left neither a title nor any text; the message says why."""


@dataclass(frozen=True)
class IngestedFile:
    article: Article
    outcome: StoreOutcome
    item: ExtractedArticle
    source: Source


@dataclass
class Processed:
    """What became of one item of a batch: stored (article, outcome) or not (error)."""

    item: ExtractedArticle
    article: Article | None = None
    outcome: StoreOutcome | None = None
    error: Exception | None = None


def process_article(source, *, item: ExtractedArticle):
    """Clean, sanitize and store one extracted article; returns (Article, StoreOutcome).

    Raises NothingToStore when nothing is left, and whatever storing raised.
    """
    (processed,) = process_articles(source, items=[item])
    if processed.error is not None:
        raise processed.error
    return processed.article, processed.outcome


def process_articles(source, *, items: list[ExtractedArticle]) -> list[Processed]:
    """Clean, sanitize and store a batch of extracted articles of one source, in order.

    One query reads what the source has learned, one finds the stored duplicates, the writes
    are one transaction (a savepoint each, so one failing item leaves the others stored), and
    one statement counts the new articles' lines for the source's boilerplate learning. Lines
    are counted only for newly created articles: a re-fetched page, or the same text under
    another URL, does not make its own paragraphs look like boilerplate.
    """
    results = [Processed(item=item) for item in items]
    original_texts = [item.text or text_of_html(item.html) for item in items]
    learned = learned_for_batch(source, items=items)
    for result in results:
        try:
            prepare_for_storage(result.item, source=source, learned=learned)
        except Exception as error:  # one bad item never stops the others
            result.error = error
    ready = [result for result in results if result.error is None]
    store_batch(source, results=ready)
    count_articles_lines(
        source,
        texts=[
            text
            for result, text in zip(results, original_texts, strict=True)
            if result.outcome == StoreOutcome.CREATED
        ],
    )
    return results


def learned_for_batch(source, *, items: list[ExtractedArticle]) -> dict[str, int]:
    for item in items:
        prepare_text(item)
    keys = set().union(*(line_keys(item.text) for item in items))
    return learned_lines(source, keys=keys)


def prepare_for_storage(item: ExtractedArticle, *, source, learned: dict[str, int]) -> None:
    """Clean, fill the language and sanitize `item` in place; NothingToStore if nothing is left."""
    clean_article(item, source=source, learn=False, learned=learned)
    if not item.title.strip() and not item.text.strip():
        raise NothingToStore(nothing_left_reason(item))
    if not item.language:
        item.language = detect_language(f"{item.title}\n{item.text}")
    if not item.html.strip() and item.text.strip():
        item.html = paragraphs_html(item.text)
    item.html = sanitize_html(item.html, base_url=item.url)


def store_batch(source, *, results: list[Processed]) -> None:
    if not results:
        return
    existing = find_existing_articles(
        source_id=source.pk, prints_list=[fingerprints(result.item) for result in results]
    )
    with transaction.atomic():
        # Two items of the batch may duplicate each other: the second one's create fails on
        # the unique constraints and store_article turns it into an update.
        for result, duplicate in zip(results, existing, strict=True):
            try:
                with transaction.atomic():
                    result.article, result.outcome = store_article(
                        source, item=result.item, existing=duplicate
                    )
            except Exception as error:
                result.error = error
        changed = (StoreOutcome.CREATED, StoreOutcome.UPDATED)
        changed_ids = [result.article.pk for result in results if result.outcome in changed]
        search.index_soon(changed_ids)
        enrich_soon(changed_ids)


def nothing_left_reason(item: ExtractedArticle) -> str:
    reasons = [entry["reason"] for entry in item.dropped if not entry.get("line")]
    if reasons:
        return reasons[0]
    if item.dropped:
        return f"cleaning removed every line ({len(item.dropped)} lines of boilerplate)"
    return "the document has no title and no text"


def paragraphs_html(text: str) -> str:
    paragraphs = (" ".join(line.split()) for line in text.splitlines())
    return "".join(f"<p>{html_lib.escape(p, quote=False)}</p>" for p in paragraphs if p)


# --- Saved files and previews --------------------------------------------------------------


def extract_document(content: str, *, is_html: bool, url: str = "") -> ExtractedArticle:
    if is_html:
        return extract_from_html(content, url=url)
    return extract_from_text(content, url=url)


def ingest_file(
    path: str | Path, *, source_name: str | None = None, url: str | None = None
) -> IngestedFile:
    """Extract, clean and store a saved HTML page or scraped text file.

    The article goes to the source named `source_name` (an existing source of any kind, or a
    new "saved files" source). Raises UnreadableFile or NothingToStore with a readable message.
    """
    document = read_saved_document(path)
    item = extract_document(document.content, is_html=document.is_html, url=url or "")
    source = file_source(name=source_name or DEFAULT_FILE_SOURCE)
    article, outcome = process_article(source, item=item)
    return IngestedFile(article=article, outcome=outcome, item=item, source=source)


def file_source(*, name: str) -> Source:
    """The source called `name`: an existing one if exactly one has that name, else a file source."""
    named = list(Source.objects.filter(name=name)[:2])
    if len(named) == 1:
        return named[0]
    with transaction.atomic():
        source, _created = Source.objects.get_or_create(kind=Source.Kind.FILE, name=name, url=None)
    return source


def preview_file(path: str | Path, *, url: str = "") -> ExtractedArticle:
    """What extraction and cleaning make of a saved file, without storing or learning."""
    document = read_saved_document(path)
    return clean_article(extract_document(document.content, is_html=document.is_html, url=url))


def preview_url(url: str) -> ExtractedArticle:
    """What extraction and cleaning make of the page at `url`, fetched through khabar.lib.http.

    Raises khabar.lib.http.FetchError when the page cannot be fetched, and NothingToStore
    when the answer is neither HTML nor text.
    """
    from khabar.lib.http import fetch

    response = fetch(url, accept="text/html,application/xhtml+xml,text/plain;q=0.8,*/*;q=0.5")
    content_type = response.content_type.split(";")[0].strip().lower()
    if content_type.startswith(_CONTENT_TYPES_AS_TEXT):
        is_html = False
    elif not content_type or content_type.startswith(_CONTENT_TYPES_AS_HTML):
        is_html = True
    else:
        raise NothingToStore(f"{response.url} is {content_type}, not a web page or text")
    item = extract_document(response.text, is_html=is_html, url=response.url)
    return clean_article(item)
