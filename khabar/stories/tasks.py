"""Background work of the enrich step, run by the worker.

Both tasks are safe to run twice and in any order: enriching replaces an article's topics and
entities and leaves an article already in a story where it is.
"""

import logging

from django.tasks import task

from .enrich import enrich_articles, enrich_pending
from .services import ClusterBusy, LeaseLost

logger = logging.getLogger(__name__)

# After search indexing (10), ahead of fetch jobs (0).
PRIORITY = 5
# Articles enriched by one repair job; when there are more, the job enqueues itself again.
REPAIR_LIMIT = 1000


@task(priority=PRIORITY)
def enrich_articles_task(article_ids: list[int]) -> dict:
    """Enrich these articles (topics, entities, story); they are indexed again afterwards."""
    try:
        return enrich_articles(article_ids).as_dict()
    except (ClusterBusy, LeaseLost) as error:
        # The articles stay unenriched; the repair job takes them up later. They are still
        # searchable by their words: storing them enqueued their indexing.
        logger.warning("%s; %d articles wait for the next repair", error, len(article_ids))
        return {"busy": len(article_ids)}


@task(priority=PRIORITY)
def repair_enrichment_task() -> dict:
    """Enrich what a lost job, a crash, an import without enrichment or a failure left."""
    try:
        report = enrich_pending(limit=REPAIR_LIMIT).as_dict()
    except (ClusterBusy, LeaseLost) as error:
        logger.warning("%s; the enrichment repair waits for its next run", error)
        return {"busy": True}
    if report["enriched"] + report["failed"] >= REPAIR_LIMIT:
        repair_enrichment_task.enqueue()
    return report
