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
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import batched

from django.db.models import Count, Max, Sum
from django.utils.html import strip_tags

from khabar.articles.models import Article

from .analysis import analysis_fingerprint, index_text
from .backend import IndexDocument, IndexState, get_backend

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# A transaction that commits this long after it stamped `updated_at` is still found by repair.
REPAIR_OVERLAP = timedelta(minutes=10)
# Id ranges with a difference are halved until they are this small, then listed.
LIST_RANGE = 2048
DOCUMENT_FIELDS = ("id", "updated_at", "source_id", "language", "published_at", "title", "text")


def language_code(language: str) -> str:
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def index_document(article: Article) -> IndexDocument:
    body = article.text or " ".join(strip_tags(article.summary or "").split())
    text = index_text(title=article.title, body=body, language=article.language)
    return IndexDocument(
        article_id=article.pk,
        updated_at=article.updated_at,
        source_id=article.source_id,
        language=language_code(article.language),
        published_at=article.published_at,
        words=text.words,
        grams=text.grams,
    )


def articles_to_index(ids: Iterable[int]) -> list[Article]:
    return list(Article.objects.filter(pk__in=list(ids)).only(*DOCUMENT_FIELDS, "summary"))


def chunks(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def index_articles(article_ids: Iterable[int], *, backend=None) -> dict:
    """(Re)index the stored articles among `article_ids` and remove the others."""
    backend = backend or get_backend()
    ids = sorted(set(article_ids))
    indexed = removed = 0
    with backend.writer() as writer:
        for chunk in chunks(ids):
            articles = articles_to_index(chunk)
            writer.upsert(index_document(article) for article in articles)
            gone = set(chunk) - {article.pk for article in articles}
            writer.remove(gone)
            indexed, removed = indexed + len(articles), removed + len(gone)
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
        for chunk in chunks(ids):
            writer.upsert(index_document(article) for article in articles_to_index(chunk))
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
