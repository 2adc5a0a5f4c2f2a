"""Bulk import: articles from JSON Lines, one object a line, stored in batches.

Fields of a line: `url` and `title` (required); `text` (one paragraph a line), `published`
(or `time`, `date`), `source`, `author`, `abstract` (or `summary`), `category`, `guid`,
`language` (all optional). Other fields, such as the ANT corpus's `docno`, are ignored, and
blank lines are skipped. Without a `language` field an article is "ar" when most of its
letters are Arabic, else left undecided.

What happens to a line:
- rejected, reported with its number and reason and not stored: not UTF-8, not JSON, not an
  object, no url or title, a url that is not http(s) with a host;
- stored with a warning: a date that cannot be parsed is dropped (published stays empty),
  because an article without a date costs a reader less than a missing article;
- a duplicate: it repeats an article seen earlier in this import (same canonical URL, same
  normalized text, or same GUID in its source), or an article already stored with the same
  text under another URL;
- updated: an article already stored under the same URL (or GUID) that this line changes, with
  the same rules as `store.update_article` (a changed title goes into `previous_titles`).

Each batch is one transaction: an interrupted import keeps every committed batch, and running
it again stores only what is missing.
"""

import gzip
import html
import io
import json
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q

from khabar import search
from khabar.articles.models import Article
from khabar.lib.html import sanitize_html
from khabar.sources.models import Source
from khabar.stories.enrich import articles_take_on, enrich_soon

from .dates import parse_published
from .dedupe import fingerprints, sha256
from .language import detect_language
from .records import ExtractedArticle
from .store import StoreOutcome, article_fields, update_article

DEFAULT_BATCH_SIZE = 500
DATE_FIELDS = ("published", "time", "date")
SUMMARY_FIELDS = ("abstract", "summary")
GZIP_MAGIC = b"\x1f\x8b"
MAX_URL_LENGTH = 2000

LANGUAGE_SAMPLE_CHARS = 600

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database takes them
_SPACES = re.compile(r"\s+")


class ImportFileError(Exception):
    """The input cannot be read at all (missing, a directory, corrupt compression)."""


class RejectedLine(ValueError):
    """A line that cannot become an article; the message is the reason shown to people."""


@dataclass
class ImportRow:
    """One accepted line, ready to store: its article fields, fingerprints and warnings."""

    line_number: int
    source_name: str
    guid: str
    fields: dict
    prints: dict
    warnings: list[str] = field(default_factory=list)

    def identity_keys(self) -> set[tuple[str, str]]:
        """The values the unique constraints compare, to spot a duplicate inside one batch."""
        keys = set()
        if self.prints["canonical_url_hash"]:
            keys.add(("url", self.prints["canonical_url_hash"]))
        if self.prints["text_hash"]:
            keys.add(("text", self.prints["text_hash"]))
        if self.prints["guid_hash"]:
            keys.add(("guid", f"{self.source_name}\n{self.prints['guid_hash']}"))
        return keys

    def short_keys(self) -> set[int]:
        """64-bit digests of `identity_keys`, kept for the whole import.

        A tenth of the memory of the full keys (about 100 bytes a line), so an import of
        millions of lines fits; a hit is only trusted when the database holds a match.
        """
        return {int(sha256(f"{kind}\n{value}")[:16], 16) for kind, value in self.identity_keys()}


@dataclass
class ImportStats:
    read: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    warnings: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None

    @property
    def seconds(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    def summary(self) -> str:
        seconds = self.seconds
        rate = self.read / seconds if seconds > 0 else 0.0
        return (
            f"{self.read} read, {self.stored} stored, {self.updated} updated, "
            f"{self.duplicates} duplicates, {self.rejected} rejected, {self.warnings} warnings "
            f"in {seconds:.1f} s ({rate:.0f} articles/s)"
        )


@dataclass
class ImportRun:
    """The state of one import: counts, the identities seen so far and the source ids.

    With `enrich_after` the stored and updated articles are taken on for enrichment by this
    process (their ids kept in `to_enrich`, for `khabar.stories.enrich.enrich_articles` once
    the import is done); otherwise the worker is asked to enrich each batch.
    """

    stats: ImportStats = field(default_factory=ImportStats)
    seen: set[int] = field(default_factory=set)  # ImportRow.short_keys of every stored batch
    source_ids: dict[str, int] = field(default_factory=dict)
    enrich_after: bool = False
    to_enrich: list[int] = field(default_factory=list)


# --- Reading -------------------------------------------------------------------------------


@dataclass
class JsonlInput:
    name: str
    lines: Iterator[tuple[int, bytes]]
    size: int | None
    position: Callable[[], int]


@contextmanager
def open_jsonl(path: str) -> Iterator[JsonlInput]:
    """Numbered binary lines of `path`, or of stdin for "-"; gzip is recognised by content.

    Raises ImportFileError with a sentence for people when the file cannot be opened or its
    compressed data turns out to be corrupt.
    """
    if path == "-":
        raw = sys.stdin.buffer
        yield open_stream(raw, name="stdin", size=None, position=None)
        return
    try:
        raw = open(path, "rb")  # noqa: SIM115 -- closed below, after the caller is done
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a directory, not a JSON Lines file") from None
    except PermissionError:
        raise ImportFileError(f"{path}: permission denied") from None
    with raw:
        status = os.fstat(raw.fileno())
        size = status.st_size if stat.S_ISREG(status.st_mode) else None  # not for a pipe
        yield open_stream(raw, name=path, size=size, position=raw.tell if size else None)


def open_stream(
    raw: BinaryIO, *, name: str, size: int | None, position: Callable[[], int] | None
) -> JsonlInput:
    if not hasattr(raw, "peek"):
        raw = io.BufferedReader(raw)
    stream = gzip.GzipFile(fileobj=raw, mode="rb") if raw.peek(2)[:2] == GZIP_MAGIC else raw
    counted = {"bytes": 0}

    def lines() -> Iterator[tuple[int, bytes]]:
        number = 0
        try:
            for number, line in enumerate(stream, start=1):  # noqa: B007 -- used after the loop
                counted["bytes"] += len(line)
                yield number, line
        except (OSError, EOFError) as error:  # BadGzipFile and zlib errors are OSErrors
            raise ImportFileError(f"{name}: unreadable after line {number} ({error})") from None

    return JsonlInput(
        name=name, lines=lines(), size=size, position=position or (lambda: counted["bytes"])
    )


# --- Turning a line into a row -------------------------------------------------------------


def row_from_line(raw: bytes, *, line_number: int, default_source: str) -> ImportRow:
    """The article a line describes; raises RejectedLine saying why it cannot be one."""
    record = record_from_line(raw)
    url = required_url(record)
    title = " ".join(text_field(record, "title").split())
    if not title:
        raise RejectedLine("missing title")
    paragraphs = paragraphs_of(text_field(record, "text"))
    text = "\n".join(paragraphs)
    warnings = []
    published_value = text_field(record, *DATE_FIELDS).strip()
    published_at = parse_date(published_value) if published_value else None
    if published_value and published_at is None:
        warnings.append(f"unparseable date {published_value[:60]!r}; stored without a date")
    item = ExtractedArticle(
        title=title,
        text=text,
        html=html_from_paragraphs(paragraphs, url=url),
        url=url,
        guid=text_field(record, "guid").strip(),
        summary=text_field(record, *SUMMARY_FIELDS).strip(),
        author=" ".join(text_field(record, "author").split()),
        published_at=published_at,
        language=text_field(record, "language").strip() or language_of(title, text),
        category=text_field(record, "category").strip(),
    )
    source_name = " ".join(text_field(record, "source").split())[:300] or default_source
    return ImportRow(
        line_number=line_number,
        source_name=source_name,
        guid=item.guid,
        fields=article_fields(item),
        prints=fingerprints(item),
        warnings=warnings,
    )


def record_from_line(raw: bytes) -> dict:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RejectedLine(f"not UTF-8 (byte {error.start + 1})") from None
    try:
        record = json.loads(line.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise RejectedLine(f"invalid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise RejectedLine("invalid JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise RejectedLine(f"not a JSON object but {json_type(record)}")
    return record


def json_type(value) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def text_field(record: dict, *names: str) -> str:
    """The first of `names` present in `record`, as storable text ("" when absent)."""
    for name in names:
        value = record.get(name)
        if value is not None:
            return as_text(value, name=name)
    return ""


def as_text(value, *, name: str) -> str:
    if isinstance(value, list):
        value = ", ".join(as_text(part, name=name) for part in value if part not in (None, ""))
    elif isinstance(value, dict):
        raise RejectedLine(f"{name} is an object, not text")
    elif not isinstance(value, str):
        value = str(value)
    return _UNSTORABLE.sub("", value)


def required_url(record: dict) -> str:
    url = text_field(record, "url").strip()
    if not url:
        raise RejectedLine("missing url")
    if not is_web_url(url):
        raise RejectedLine(f"bad url {url[:100]!r}")
    return url


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host, no spaces, short enough to store."""
    if len(url) > MAX_URL_LENGTH or _SPACES.search(url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket or a bad port
        return False


def paragraphs_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def html_from_paragraphs(paragraphs: list[str], *, url: str) -> str:
    """Sanitized HTML with one escaped <p> a paragraph."""
    body = "".join(f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)
    return sanitize_html(body, base_url=url)


def parse_date(value: str) -> datetime | None:
    """The date `dates.parse_published` reads in `value`, or None; never raises.

    The guard is belt and braces: one odd date must not stop an import of thousands of lines.
    """
    try:
        return parse_published(value)
    except (TypeError, ValueError, OverflowError):
        return None


def language_of(title: str, text: str) -> str:
    """The article's language; Arabic is told by its script alone, in microseconds."""
    return detect_language(f"{title}\n{text[:LANGUAGE_SAMPLE_CHARS]}")


# --- Storing -------------------------------------------------------------------------------


@dataclass
class BatchCounts:
    stored: int = 0
    updated: int = 0
    duplicates: int = 0


def import_lines(
    lines: Iterable[tuple[int, bytes]],
    *,
    run: ImportRun,
    default_source: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Callable[[int, str], None] = lambda number, message: None,
    on_batch: Callable[[ImportStats], None] = lambda stats: None,
) -> ImportStats:
    """Store the articles of `lines`, `batch_size` at a time, each batch in one transaction.

    `run.stats` is kept up to date after every committed batch, so a caller that catches an
    interruption can still say what was stored. `report(line_number, message)` receives each
    rejected line ("rejected: ...") and each warning ("warning: ...").
    """
    stats = run.stats
    pending: list[ImportRow] = []
    try:
        for number, raw in lines:
            if not raw.strip():
                continue
            stats.read += 1
            try:
                row = row_from_line(raw, line_number=number, default_source=default_source)
            except RejectedLine as error:
                stats.rejected += 1
                report(number, f"rejected: {error}")
                continue
            for warning in row.warnings:
                stats.warnings += 1
                report(number, f"warning: {warning}")
            pending.append(row)
            if len(pending) >= batch_size:
                store_rows(pending, run=run)
                pending = []
                on_batch(stats)
    except ImportFileError:
        store_rows(pending, run=run)  # keep what was read before the damage
        raise
    store_rows(pending, run=run)
    on_batch(stats)
    stats.finished = time.perf_counter()
    return stats


def store_rows(rows: list[ImportRow], *, run: ImportRun) -> None:
    """Store one batch in one transaction and add its outcome to `run.stats`."""
    if not rows:
        return
    source_ids = import_source_ids({row.source_name for row in rows}, known=run.source_ids)
    counts = BatchCounts()
    in_batch: set[tuple[str, str]] = set()
    updated_ids = []
    with transaction.atomic():
        stored = stored_matches(rows, source_ids=source_ids)
        fresh = []
        for row in rows:
            keys = row.identity_keys()
            if keys & in_batch:
                counts.duplicates += 1
                continue
            in_batch |= keys
            article, same_identity = stored.match(row, source_id=source_ids[row.source_name])
            if article is None:
                fresh.append(row)
            elif not same_identity or row.short_keys() & run.seen:
                # Same text under another URL, or an earlier line of this import already
                # stored or matched it: the stored article stays as it is.
                counts.duplicates += 1
            elif update_article(article, fields=row.fields, prints=row.prints) == (
                StoreOutcome.UPDATED
            ):
                counts.updated += 1
                updated_ids.append(article.pk)
            else:
                counts.duplicates += 1
        created_ids = create_articles(fresh, source_ids=source_ids)
        search.index_soon(updated_ids)
        enrich_rows(created_ids + updated_ids, run=run)
    for row in rows:
        run.seen |= row.short_keys()
    run.stats.stored += len(created_ids)
    run.stats.updated += counts.updated
    run.stats.duplicates += counts.duplicates + len(fresh) - len(created_ids)


def enrich_rows(article_ids: list[int], *, run: ImportRun) -> None:
    """Take the batch's articles on for enrichment after the import, or ask the worker."""
    if run.enrich_after:
        articles_take_on(article_ids)
        run.to_enrich += article_ids
    else:
        enrich_soon(article_ids)


def import_source_ids(names: set[str], *, known: dict[str, int]) -> dict[str, int]:
    """Ids of the import sources called `names`, creating the missing ones in one query."""
    missing = names - known.keys()
    if missing:
        with transaction.atomic():
            Source.objects.bulk_create(
                [Source(kind=Source.Kind.IMPORT, name=name) for name in sorted(missing)],
                ignore_conflicts=True,
            )
        found = Source.objects.filter(kind=Source.Kind.IMPORT, url__isnull=True, name__in=missing)
        known.update(found.values_list("name", "id"))
    return known


@dataclass
class StoredMatches:
    """Articles already in the database that share a URL, text or GUID with a batch."""

    by_url: dict[str, Article]
    by_text: dict[str, Article]
    by_guid: dict[tuple[int, str], Article]

    def match(self, row: ImportRow, *, source_id: int) -> tuple[Article | None, bool]:
        """The stored article `row` duplicates, and whether it is the same URL or GUID."""
        prints = row.prints
        article = self.by_guid.get((source_id, prints["guid_hash"])) or self.by_url.get(
            prints["canonical_url_hash"]
        )
        if article is not None:
            return article, True
        return self.by_text.get(prints["text_hash"]), False


def stored_matches(rows: list[ImportRow], *, source_ids: dict[str, int]) -> StoredMatches:
    url_hashes = {row.prints["canonical_url_hash"] for row in rows} - {None}
    text_hashes = {row.prints["text_hash"] for row in rows} - {None}
    guid_hashes = {row.prints["guid_hash"] for row in rows} - {None}
    found = Article.objects.filter(
        Q(canonical_url_hash__in=url_hashes)
        | Q(text_hash__in=text_hashes)
        | Q(guid_hash__in=guid_hashes)
    )
    matches = StoredMatches(by_url={}, by_text={}, by_guid={})
    for article in found:
        if article.canonical_url_hash in url_hashes:
            matches.by_url[article.canonical_url_hash] = article
        if article.text_hash in text_hashes:
            matches.by_text[article.text_hash] = article
        if article.guid_hash in guid_hashes:
            matches.by_guid[(article.source_id, article.guid_hash)] = article
    return matches


def create_articles(rows: list[ImportRow], *, source_ids: dict[str, int]) -> list[int]:
    """Insert `rows` in one statement; returns the ids of the articles stored.

    The rows were checked against the database inside this transaction, so a conflict means a
    concurrent writer stored one of them meanwhile: then each row is tried on its own, and
    the ones it already holds count as duplicates.
    """
    articles = [
        Article(source_id=source_ids[row.source_name], guid=row.guid, **row.prints, **row.fields)
        for row in rows
    ]
    try:
        with transaction.atomic():
            Article.objects.bulk_create(articles)
    except IntegrityError:
        articles = [article for article in articles if create_article(article)]
    ids = [article.pk for article in articles]
    search.index_soon(ids)
    return ids


def create_article(article: Article) -> bool:
    article.pk = None
    try:
        with transaction.atomic():
            article.save(force_insert=True)
        return True
    except IntegrityError:
        return False
