"""Keeping the index in step with the database, which stays the source of truth.

- `index_articles(ids)` makes the index say what the database says about those articles now:
  stored ones are (re)indexed, missing ones removed. The worker runs it right after storing
  (khabar.search.tasks.index_articles_task, enqueued by `khabar.search.index_soon`).
- `repair_index()` finds what a crash, a lost job or a deletion left behind, cheaply enough to
  run every few minutes: articles updated since the watermark (minus an overlap for late
  commits) whose indexed version differs are reindexed; then the count and sum of ids,
  compared between database and index range by range, narrow down any id present on one side
  only. An index built by another analyzer (or none at all) is rebuilt instead.
- `reindex()` builds a new index from every article.

An index document carries the article's analyzed words and, from the enrich step, its topic
and entity tags (`khabar.tagging.queries.index_tags`) for the topic: and entity: filters; the
enrich step asks for the article to be indexed again when they change.
"""

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import batched

from django.db.models import Count, Max, Sum
from django.utils.html import strip_tags

from khabar.articles.models import Article
from khabar.tagging.queries import index_tags

from .analysis import analysis_fingerprint, index_text, index_texts_many, start_bulk_analysis
from .backend import IndexDocument, IndexState, get_backend

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# From this many articles on, the analysis runs in other processes beside the one that reads
# the database and writes the index (the writer stays in this process: see `analyzed_chunks`).
BULK_MIN = 5000
MAX_ANALYSIS_PROCESSES = 4
# A transaction that commits this long after it stamped `updated_at` is still found by repair.
REPAIR_OVERLAP = timedelta(minutes=10)
# Id ranges with a difference are halved until they are this small, then listed.
LIST_RANGE = 2048
# What indexing reads of an article, in the order of a record.
RECORD_FIELDS = (
    "id",
    "updated_at",
    "source_id",
    "language",
    "published_at",
    "title",
    "text",
    "summary",
)


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """What indexing needs of one stored article."""

    article_id: int
    updated_at: object
    source_id: int
    language: str
    published_at: object
    title: str
    body: str  # the text, or the summary without its tags when there is no text

    @property
    def texts(self) -> tuple[str, str, str]:
        return self.title, self.body, self.language


def language_code(language: str) -> str:
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def article_records(ids: Iterable[int]) -> list[ArticleRecord]:
    """The stored articles among `ids` (one query), in no particular order."""
    rows = Article.objects.filter(pk__in=list(ids)).values_list(*RECORD_FIELDS)
    return [
        ArticleRecord(
            pk, updated, source_id, language, published, title, text or summary_text(summary)
        )
        for pk, updated, source_id, language, published, title, text, summary in rows
    ]


def summary_text(summary: str) -> str:
    return " ".join(strip_tags(summary or "").split())


def index_document(article: Article) -> IndexDocument:
    """The index document of one article (loaded with at least the fields of RECORD_FIELDS)."""
    body = article.text or summary_text(article.summary)
    record = ArticleRecord(
        article.pk,
        article.updated_at,
        article.source_id,
        article.language,
        article.published_at,
        article.title,
        body,
    )
    return document_of(record, analyzed(record), tags=index_tags([article.pk]).get(article.pk, ()))


def analyzed(record: ArticleRecord) -> tuple[str, str]:
    text = index_text(title=record.title, body=record.body, language=record.language)
    return text.words_text, text.grams_text


def document_of(
    record: ArticleRecord, texts: tuple[str, str], *, tags: tuple[str, ...] = ()
) -> IndexDocument:
    return IndexDocument(
        article_id=record.article_id,
        updated_at=record.updated_at,
        source_id=record.source_id,
        language=language_code(record.language),
        published_at=record.published_at,
        words_text=texts[0],
        grams_text=texts[1],
        tags=tags,
    )


def chunks(items: list, size: int | None = None) -> Iterator[list]:
    size = size or BATCH_SIZE
    for start in range(0, len(items), size):
        yield items[start : start + size]


def analysis_processes(count: int) -> int:
    """How many processes to analyze `count` articles in besides this one (0: only this one).

    Analysis is pure Python and takes most of indexing's time; the tantivy writer runs in
    threads of its own, and reading the database is cheap. With at least two cores, other
    processes analyze while this one reads and writes.
    """
    if count < BULK_MIN:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(0, min(MAX_ANALYSIS_PROCESSES, (cores or 1) - 1))


def analyzed_chunks(
    ids: list[int], *, processes: int = 0
) -> Iterator[tuple[list[int], list[IndexDocument]]]:
    """For each chunk of `ids`, in order: the chunk and the index documents of its articles
    that are stored.

    With `processes`, the analysis of each chunk is sent to that many other processes
    (`spawn`ed: they import khabar.arabic and nothing of Django), a few chunks ahead, while
    this process reads the next chunks and the caller writes the finished ones. Only this
    process touches the database and the index.
    """
    if not processes:
        for chunk in chunks(ids):
            records, tags = article_records(chunk), index_tags(chunk)
            yield (
                chunk,
                [
                    document_of(record, analyzed(record), tags=tags.get(record.article_id, ()))
                    for record in records
                ],
            )
        return
    pool = ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_bulk_analysis,
    )
    pending: deque[tuple[list[int], list[ArticleRecord], dict, Future]] = deque()
    try:
        for chunk in chunks(ids):
            records = article_records(chunk)
            texts = [record.texts for record in records]
            tags = index_tags(chunk)
            pending.append((chunk, records, tags, pool.submit(index_texts_many, texts)))
            if len(pending) > 2 * processes:
                yield finished(*pending.popleft())
        while pending:
            yield finished(*pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def finished(
    chunk: list[int], records: list[ArticleRecord], tags: dict, future: Future
) -> tuple[list[int], list[IndexDocument]]:
    documents = future.result()
    return chunk, [
        document_of(record, texts, tags=tags.get(record.article_id, ()))
        for record, texts in zip(records, documents, strict=True)
    ]


def index_articles(article_ids: Iterable[int], *, backend=None) -> dict:
    """(Re)index the stored articles among `article_ids` and remove the others."""
    backend = backend or get_backend()
    ids = sorted(set(article_ids))
    indexed = removed = 0
    with backend.writer() as writer:
        for chunk, documents in analyzed_chunks(ids, processes=analysis_processes(len(ids))):
            writer.upsert(documents)
            gone = set(chunk) - {document.article_id for document in documents}
            writer.remove(gone)
            indexed, removed = indexed + len(documents), removed + len(gone)
    return {"indexed": indexed, "removed": removed}


def delete_articles(article_ids: Iterable[int], *, backend=None) -> None:
    """Remove these articles from the index, whether or not they are still stored."""
    backend = backend or get_backend()
    with backend.writer() as writer:
        writer.remove(sorted(set(article_ids)))


def reindex(*, backend=None, progress: Callable[[int, int], None] | None = None) -> int:
    """Build a new index from every stored article; returns how many were indexed.

    `progress(done, total)` is called after each batch. Readers use the old index until the
    new one is complete. The watermark is taken before reading, so articles stored meanwhile
    are found by the next repair.
    """
    backend = backend or get_backend()
    newest = Article.objects.aggregate(newest=Max("updated_at"))["newest"]
    state = IndexState(fingerprint=analysis_fingerprint(), watermark=newest)
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    if progress:
        progress(0, len(ids))
    with backend.rebuilding(state) as writer:
        for chunk, documents in analyzed_chunks(ids, processes=analysis_processes(len(ids))):
            writer.upsert(documents)
            done += len(chunk)
            if progress:
                progress(done, len(ids))
    return done


@dataclass
class RepairReport:
    rebuilt: int = 0
    checked: int = 0
    reindexed: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rebuilt": self.rebuilt,
            "checked": self.checked,
            "reindexed": len(self.reindexed),
            "removed": len(self.removed),
        }


def repair_index(*, backend=None) -> RepairReport:
    """Bring the index in line with the database after a crash, a lost job or a deletion."""
    backend = backend or get_backend()
    state = backend.state()
    fingerprint = analysis_fingerprint()
    if state is None or state.fingerprint != fingerprint or state.watermark is None:
        return RepairReport(rebuilt=reindex(backend=backend))
    report = RepairReport()
    newest = Article.objects.aggregate(newest=Max("updated_at"))["newest"] or state.watermark
    highest = Article.objects.aggregate(highest=Max("pk"))["highest"] or 0
    recent = Article.objects.filter(updated_at__gte=state.watermark - REPAIR_OVERLAP)
    for chunk in batched(recent.values_list("pk", "updated_at").iterator(chunk_size=2000), 1000):
        indexed = backend.versions([pk for pk, _updated in chunk])
        report.reindexed += [pk for pk, updated in chunk if indexed.get(pk) != micros(updated)]
        report.checked += len(chunk)
    missing, extra = differing_ids(backend, low=0, high=max(highest, backend.highest_id()) + 1)
    report.reindexed += sorted(missing - set(report.reindexed))
    report.removed = sorted(extra)
    if report.reindexed or report.removed:
        index_articles([*report.reindexed, *report.removed], backend=backend)
        logger.warning("search index repaired: %s", report.as_dict())
    backend.save_state(IndexState(fingerprint=fingerprint, watermark=max(newest, state.watermark)))
    return report


def micros(moment) -> int:
    return int(moment.timestamp() * 1_000_000)


def differing_ids(backend, *, low: int, high: int) -> tuple[set[int], set[int]]:
    """Ids in [low, high) stored but not indexed, and indexed but not stored.

    Equal counts and sums of ids mean the range agrees; otherwise it is halved, and a small
    range is listed on both sides.
    """
    if high <= low:
        return set(), set()
    stored = Article.objects.filter(pk__gte=low, pk__lt=high).aggregate(
        count=Count("pk"), total=Sum("pk")
    )
    if (stored["count"], stored["total"] or 0) == backend.id_stats(low, high):
        return set(), set()
    if high - low <= LIST_RANGE:
        in_database = set(
            Article.objects.filter(pk__gte=low, pk__lt=high).values_list("pk", flat=True)
        )
        in_index = backend.ids_between(low, high)
        return in_database - in_index, in_index - in_database
    middle = (low + high) // 2
    missing_low, extra_low = differing_ids(backend, low=low, high=middle)
    missing_high, extra_high = differing_ids(backend, low=middle, high=high)
    return missing_low | missing_high, extra_low | extra_high
