"""The per-article pipeline after fetching: extract (if needed) → clean → sanitize → store.

Every way in (feeds, single pages, saved files, bulk import) goes through `process_article`.
Saved files come in through `ingest_file`; `preview_file` and `preview_url` run the same
extraction and cleaning without storing anything, for `khabar extract`.
"""

import html as html_lib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from khabar.articles.models import Article
from khabar.lib.html import sanitize_html
from khabar.sources.models import Source

from .clean import clean_article
from .extract import extract_from_html, extract_from_text
from .files import read_saved_document
from .htmltext import text_of_html
from .language import detect_language
from .learned import count_article_lines
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


def process_article(source, *, item: ExtractedArticle):
    """Clean, sanitize and store one extracted article; returns (Article, StoreOutcome).

    The article's lines are counted for the source's boilerplate learning only when it is
    newly created: a re-fetched page, or the same text under another URL, does not make its
    own paragraphs look like boilerplate. Raises NothingToStore when nothing is left.
    """
    original_text = item.text or text_of_html(item.html)
    clean_article(item, source=source, learn=False)
    if not item.title.strip() and not item.text.strip():
        raise NothingToStore(nothing_left_reason(item))
    if not item.language:
        item.language = detect_language(f"{item.title}\n{item.text}")
    if not item.html.strip() and item.text.strip():
        item.html = paragraphs_html(item.text)
    item.html = sanitize_html(item.html, base_url=item.url)
    article, outcome = store_article(source, item=item)
    if outcome == StoreOutcome.CREATED:
        count_article_lines(source, text=original_text)
    return article, outcome


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
