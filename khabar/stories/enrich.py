"""The ENRICH step: each stored article's topics, named entities and story.

    enrich_soon(ids)            # after storing: the worker enriches them once this commits
    enrich_articles(ids)        # now, in this process (the worker's task, import-jsonl)
    enrich_pending(limit=…)     # what a lost job, a crash or a failure left (the worker's repair)
    reenrich(since=…)           # again over stored articles, in published order (khabar reenrich)

For a batch of articles, in the order of their time (published, or stored when that is
earlier or unknown): topics (`tagging.topics.predict_topics`) and entities
(`tagging.entities.extract_entities`, with the staff's aliases) are computed and stored
(`tagging.services.tags_store`); then, holding the clustering lease, each article not yet in a
story is given to the process's `StoryClusterer` and the batch's placements are written
(`stories.services.stories_write`); the search index is then updated (`search.index_soon`).

The clusterer lives in memory between batches. It is rebuilt from the database
(`StoryClusterer.from_recent`, the articles of the window around the batch and their stories'
first-seen times) only when another process wrote stories since, or when a batch is older than
its window: nothing is ever reclustered.

A part that fails for one article (say the topic model) is recorded in its `Enrichment` row
with the error, and the article is tried again later by the worker's repair; the other parts
are kept. A batch whose writes fail is written again article by article.
"""

import gc
import logging
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Least, Substr
from django.utils import timezone
from django.utils.html import strip_tags

from khabar import search
from khabar.articles.models import Article
from khabar.tagging import services as tagging

from .clustering import DEFAULT_SETTINGS, DEFAULT_WINDOW, ArticleRecord, StoryClusterer
from .models import Enrichment, Story, StoryArticle
from .services import (
    ClusterLease,
    LeaseLost,
    Placement,
    StoryBatch,
    cluster_state,
    stories_reset,
    stories_write,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
WINDOW = DEFAULT_WINDOW
BODY_CHARS = DEFAULT_SETTINGS.features.body_chars  # what the clusterer reads of a text
SUMMARY_CHARS = 2000
# An article stored this recently is left to the job enqueued when it was stored.
REPAIR_GRACE = timedelta(minutes=2)
# A process that takes articles on (import-jsonl) has them to itself this long.
PENDING_FOR = timedelta(hours=1)
MAX_RETRY_DELAY = timedelta(days=1)
TASK_LEASE_WAIT = 2.0  # seconds a worker's job waits for another process's clustering


@dataclass
class EnrichReport:
    enriched: int = 0
    failed: int = 0
    busy: int = 0  # left for later: another process held the clustering lease

    def add(self, other: "EnrichReport") -> None:
        self.enriched += other.enriched
        self.failed += other.failed
        self.busy += other.busy

    def as_dict(self) -> dict:
        return {"enriched": self.enriched, "failed": self.failed, "busy": self.busy}


# --- Entry points ---------------------------------------------------------------------------


def enrich_soon(article_ids: Iterable[int]) -> None:
    """Have the worker enrich these articles once this transaction commits. Never raises: a
    job that cannot be enqueued is made up for by the worker's repair."""
    ids = sorted({int(article_id) for article_id in article_ids})
    if ids:
        transaction.on_commit(lambda: enqueue_enrichment(ids))


def enqueue_enrichment(article_ids: list[int]) -> None:
    from .tasks import enrich_articles_task

    try:
        enrich_articles_task.enqueue(article_ids)
    except Exception:
        logger.exception("could not enqueue the enrichment of %d articles", len(article_ids))


def enrich_articles(
    article_ids: Iterable[int],
    *,
    wait: float = TASK_LEASE_WAIT,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> EnrichReport:
    """Enrich these articles now, in the order of their time; deleted ones are skipped.

    Raises ClusterBusy when another process holds the clustering lease for longer than
    `wait` seconds. `progress(done, total)` is called after each batch.
    """
    ordered = articles_in_time_order(article_ids)
    with ClusterLease(wait=wait) as lease:
        return enrich_in_batches(ordered, lease=lease, batch_size=batch_size, progress=progress)


def enrich_pending(*, limit: int = 1000, wait: float = TASK_LEASE_WAIT) -> EnrichReport:
    """Enrich up to `limit` articles that need it: never enriched (a lost job, stored while no
    worker ran, `import-jsonl --no-enrich`), or failed or abandoned and due again."""
    now = timezone.now()
    due = (
        Article.objects.filter(
            Q(enrichment__isnull=True, created_at__lt=now - REPAIR_GRACE)
            | Q(enrichment__status__in=(Enrichment.Status.FAILED, Enrichment.Status.PENDING))
            & Q(enrichment__retry_at__lte=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    if not ids:
        return EnrichReport()
    return enrich_articles(ids, wait=wait)


def articles_take_on(article_ids: Iterable[int]) -> None:
    """Mark these articles as being enriched by this process for `PENDING_FOR`, so the worker's
    repair leaves them alone meanwhile (import-jsonl enriches what it stored at the end)."""
    ids = list(article_ids)
    retry_at = timezone.now() + PENDING_FOR
    Enrichment.objects.bulk_create(
        [
            Enrichment(article_id=pk, status=Enrichment.Status.PENDING, retry_at=retry_at)
            for pk in ids
        ],
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=["status", "retry_at"],
    )


def reenrich(
    *,
    since: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    wait: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
) -> EnrichReport:
    """Enrich again every article of `since` or later (all: None), in time order.

    Their stories are taken apart first and built again as the articles come, from the
    stories of the window before `since`: the same incremental clustering as at ingest.
    """
    with ClusterLease(wait=wait) as lease:
        articles = Article.objects.annotate(time=article_time_expression())
        if since is not None:
            articles = articles.filter(time__gte=since)
        ordered = list(articles.order_by("time", "pk").values_list("pk", flat=True))
        stories_reset(since=since, lease=lease)
        forget_clusterer()
        # Should this run stop half-way, the worker's repair takes up the rest.
        Enrichment.objects.filter(article_id__in=articles.values("pk")).update(
            status=Enrichment.Status.PENDING, retry_at=timezone.now()
        )
        return enrich_in_batches(ordered, lease=lease, batch_size=batch_size, progress=progress)


# --- Batches --------------------------------------------------------------------------------


def article_time(published_at: datetime | None, created_at: datetime) -> datetime:
    """When the clusterer places an article: its published time, unless unknown or later
    than when it was stored (a feed's clock in the future must not push the window on)."""
    return created_at if published_at is None else min(published_at, created_at)


def article_time_expression():
    return Least(Coalesce("published_at", "created_at"), "created_at")


def articles_in_time_order(article_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(article_ids))
    timed = []
    for chunk in chunks(ids, 2000):
        rows = Article.objects.filter(pk__in=chunk).values_list("pk", "published_at", "created_at")
        timed += [(article_time(published, created), pk) for pk, published, created in rows]
    return [pk for _time, pk in sorted(timed)]


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enrich_in_batches(
    ordered_ids: list[int],
    *,
    lease: ClusterLease,
    batch_size: int,
    progress: Callable[[int, int], None] | None,
) -> EnrichReport:
    report = EnrichReport()
    done = 0
    load_models_once()
    # Entity ids are remembered within one run only: staff may delete entities in between.
    tagging.forget_entity_ids()
    if progress:
        progress(0, len(ordered_ids))
    for batch in chunks(ordered_ids, batch_size):
        lease.renew()
        report.add(enrich_batch_safely(batch, lease=lease))
        done += len(batch)
        if progress:
            progress(done, len(ordered_ids))
    return report


_models_loaded = False


def load_models_once() -> None:
    """Load the topic and entity models, then freeze what the process holds so far.

    The models are millions of long-lived objects; frozen, Python's garbage collector no
    longer scans them in every full collection (measured: 6% of the enrich step's CPU time on
    the ANT corpus before). A model that cannot be loaded is reported per article instead.
    """
    global _models_loaded
    if _models_loaded:
        return
    from khabar.tagging.entities import default_entity_model
    from khabar.tagging.topics import default_topic_model

    for load in (default_topic_model, default_entity_model):
        try:
            load()
        except Exception:
            logger.exception("could not load a model for the enrich step")
    gc.freeze()
    _models_loaded = True


def enrich_batch_safely(article_ids: list[int], *, lease: ClusterLease) -> EnrichReport:
    """`enrich_batch`, and when its writes fail, each article on its own; an article that
    still fails is recorded as failed."""
    try:
        return enrich_batch(article_ids, lease=lease)
    except LeaseLost:
        raise
    except Exception:
        if len(article_ids) == 1:
            record_failures(article_ids, error=traceback.format_exc(limit=3))
            return EnrichReport(failed=1)
        logger.exception("enriching %d articles failed; trying them one by one", len(article_ids))
    report = EnrichReport()
    for article_id in article_ids:
        report.add(enrich_batch_safely([article_id], lease=lease))
    return report


@dataclass
class ArticleInput:
    """What the enrich step reads of an article."""

    id: int
    title: str
    text: str
    summary: str
    language: str
    time: datetime
    source_id: int
    updated_at: datetime
    errors: list[str] = field(default_factory=list)


INPUT_FIELDS = (
    "title",
    "text",
    "summary",
    "language",
    "published_at",
    "created_at",
    "updated_at",
    "source_id",
)


def articles_to_enrich(article_ids: list[int]) -> list[ArticleInput]:
    articles = Article.objects.filter(pk__in=article_ids).only(*INPUT_FIELDS)
    inputs = [
        ArticleInput(
            id=article.pk,
            title=article.title or "",
            text=article.text or "",
            summary=article.summary or "",
            language=language_code(article.language),
            time=article_time(article.published_at, article.created_at),
            source_id=article.source_id,
            updated_at=article.updated_at,
        )
        for article in articles
    ]
    return sorted(inputs, key=lambda item: (item.time, item.id))


def language_code(language: str) -> str:
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def enrich_batch(article_ids: list[int], *, lease: ClusterLease) -> EnrichReport:
    """Enrich one batch: tags, then stories under the lease, then one transaction of writes."""
    articles = articles_to_enrich(article_ids)
    if not articles:
        return EnrichReport()
    aliases = tagging.entity_aliases()
    tags = [article_tags(article, aliases=aliases) for article in articles]
    try:
        state = cluster_state()
        clustered = set(
            StoryArticle.objects.filter(article_id__in=[a.id for a in articles]).values_list(
                "article_id", flat=True
            )
        )
        live = live_clusterer(state=state, earliest=articles[0].time, latest=articles[-1].time)
        stories = cluster_batch(
            [article for article in articles if article.id not in clustered],
            live=live,
            state=state,
            entities={item.article_id: item.entities for item in tags},
        )
        with transaction.atomic():
            tagging.tags_store(tags=tags)
            stories_write(batch=stories, lease=lease, version=state.version)
            record_outcomes(articles)
            search.index_soon(article.id for article in articles)
    except Exception:
        forget_clusterer()
        tagging.forget_entity_ids()
        raise
    live.version = state.version + 1
    failed = sum(1 for article in articles if article.errors)
    return EnrichReport(enriched=len(articles) - failed, failed=failed)


def article_tags(article: ArticleInput, *, aliases: dict[str, str]) -> tagging.ArticleTags:
    from khabar.tagging.entities import default_entity_model, extract_entities
    from khabar.tagging.topics import predict_topics

    body = article.text or summary_text(article.summary)
    tags = tagging.ArticleTags(
        article_id=article.id, published_at=article.time, topics=None, entities=None
    )
    try:
        tags.topics = predict_topics(article.title, body)
    except Exception as error:
        article.errors.append(f"topics: {type(error).__name__}: {error}")
    try:
        tags.entities = extract_entities(
            f"{article.title}\n\n{body}",
            model=default_entity_model(),
            language=article.language if article.language in ("ar", "en") else None,
            aliases=aliases,
        )
    except Exception as error:
        article.errors.append(f"entities: {type(error).__name__}: {error}")
    return tags


def summary_text(summary: str) -> str:
    return " ".join(strip_tags(summary[:SUMMARY_CHARS]).split())


def record_outcomes(articles: list[ArticleInput]) -> None:
    """Mark these articles enriched, or failed (with the parts' errors) and due again later."""
    now = timezone.now()
    attempts = dict(
        Enrichment.objects.filter(
            article_id__in=[article.id for article in articles if article.errors]
        ).values_list("article_id", "attempts")
    )
    rows = []
    for article in articles:
        if article.errors:
            tries = attempts.get(article.id, 0) + 1
            rows.append(
                Enrichment(
                    article_id=article.id,
                    status=Enrichment.Status.FAILED,
                    enriched_from=article.updated_at,
                    enriched_at=now,
                    error="\n".join(article.errors)[:4000],
                    attempts=tries,
                    retry_at=now + retry_delay(tries),
                )
            )
        else:
            rows.append(
                Enrichment(
                    article_id=article.id,
                    status=Enrichment.Status.DONE,
                    enriched_from=article.updated_at,
                    enriched_at=now,
                )
            )
    Enrichment.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=["status", "enriched_from", "enriched_at", "error", "attempts", "retry_at"],
    )


def retry_delay(attempts: int) -> timedelta:
    """5 minutes after the first failure, doubling each time, at most a day."""
    return min(timedelta(minutes=5) * 2 ** (attempts - 1), MAX_RETRY_DELAY)


def record_failures(article_ids: list[int], *, error: str) -> None:
    """Record that these articles could not be enriched at all; never raises."""
    logger.error("enrichment of articles %s failed:\n%s", article_ids, error)
    try:
        with transaction.atomic():
            existing = set(Article.objects.filter(pk__in=article_ids).values_list("pk", flat=True))
            articles = [
                ArticleInput(
                    id=pk, title="", text="", summary="", language="",
                    time=timezone.now(), source_id=0, updated_at=None,
                    errors=[error.strip().splitlines()[-1] if error.strip() else "failed"],
                )
                for pk in sorted(existing)
            ]  # fmt: skip
            record_outcomes(articles)
    except Exception:
        logger.exception("could not record the enrichment failure of %s", article_ids)


# --- The clusterer in memory ----------------------------------------------------------------


class StoryIds:
    """Hands out story ids from the state's `next_story_id`, remembering the next one."""

    def __init__(self, first: int):
        self.next = first

    def __call__(self) -> int:
        story_id, self.next = self.next, self.next + 1
        return story_id


@dataclass
class LiveClusterer:
    clusterer: StoryClusterer
    ids: StoryIds
    version: int  # the ClusterState version it matches
    clock: datetime | None  # the latest time it has seen
    # Stored placements later than this were left out when it was restored (None: none were).
    known_until: datetime | None = None


_live: LiveClusterer | None = None


def forget_clusterer() -> None:
    global _live
    _live = None


def live_clusterer(*, state, earliest: datetime, latest: datetime) -> LiveClusterer:
    """This process's clusterer when it matches the database for a batch of articles from
    `earliest` to `latest`, else one restored from the database around them.

    It matches when no other process wrote stories since, the batch does not reach back
    before its window, and no stored placement it left out is within a window of the batch.
    In the usual case (new articles, or khabar reenrich going forward) it is built once.
    """
    global _live
    live = _live
    if (
        live is not None
        and live.version == state.version
        and (live.clock is None or earliest >= live.clock - WINDOW)
        and (live.known_until is None or latest + WINDOW <= live.known_until)
    ):
        return live
    anchor = earliest if state.clock is None else min(earliest, state.clock)
    _live = restore_clusterer(start=anchor - WINDOW, end=latest + WINDOW, state=state)
    return _live


def restore_clusterer(*, start: datetime, end: datetime, state) -> LiveClusterer:
    """A clusterer holding the stored placements from `start` to `end`, as decided then."""
    placements = (
        StoryArticle.objects.filter(published_at__gte=start, published_at__lte=end)
        .annotate(
            body=Substr("article__text", 1, BODY_CHARS),
            lead=Substr("article__summary", 1, SUMMARY_CHARS),
        )
        .values_list(
            "article_id", "story_id", "published_at", "article__title", "body", "lead",
            "article__source_id",
        )
    )  # fmt: skip
    assigned = [
        (
            ArticleRecord(
                id=article_id,
                title=title or "",
                text=body or summary_text(lead or ""),
                published_at=time,
                source=str(source_id),
            ),
            story_id,
        )
        for article_id, story_id, time, title, body, lead, source_id in placements.iterator(
            chunk_size=2000
        )
    ]
    story_ids = {story_id for _record, story_id in assigned}
    first_seen = dict(Story.objects.filter(pk__in=story_ids).values_list("pk", "first_seen"))
    ids = StoryIds(state.next_story_id)
    clusterer = StoryClusterer.from_recent(
        assigned, first_seen=first_seen, window=WINDOW, new_story_id=ids
    )
    return LiveClusterer(
        clusterer=clusterer,
        ids=ids,
        version=state.version,
        clock=max((record.published_at for record, _ in assigned), default=None),
        known_until=None if state.clock is None or state.clock <= end else end,
    )


def cluster_batch(
    articles: list[ArticleInput], *, live: LiveClusterer, state, entities: dict
) -> StoryBatch:
    """Give each article (in time order) to the clusterer; the placements to write."""
    batch = StoryBatch()
    use_entities = DEFAULT_SETTINGS.features.entity_weight > 0
    for article in articles:
        mentions = entities.get(article.id) or () if use_entities else ()
        record = ArticleRecord(
            id=article.id,
            title=article.title,
            text=(article.text[:BODY_CHARS] or summary_text(article.summary)),
            published_at=article.time,
            source=str(article.source_id),
            entities=tuple(sorted({mention.canonical for mention in mentions})),
        )
        assignment = live.clusterer.add(record)
        batch.placements.append(
            Placement(
                article_id=article.id,
                story_id=assignment.story_id,
                published_at=article.time,
                reason=assignment.reason,
                score=assignment.score,
                merged_story_ids=assignment.merged_story_ids,
            )
        )
    for story_id in {placement.story_id for placement in batch.placements}:
        story = live.clusterer.story(story_id)
        if story is not None and story.headline:
            batch.headlines[story_id] = story.headline
    times = [placement.published_at for placement in batch.placements]
    live.clock = max([time for time in (live.clock, *times) if time is not None], default=None)
    batch.clock = max(
        [time for time in (state.clock, live.clock) if time is not None], default=None
    )
    batch.next_story_id = live.ids.next
    return batch
