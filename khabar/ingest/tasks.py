"""Background work: a fetch is a django.tasks task; the scheduler enqueues the due sources.

Both are safe to run twice. The scheduler reserves a due source with a conditional UPDATE
before enqueueing it, so two schedulers never enqueue the same source; if the job is lost
(the worker died), the reservation runs out and the source is due again. The fetch itself
claims the source, so two workers never fetch it at the same time.
"""

import logging
from datetime import datetime, timedelta

from django.tasks import task
from django.utils import timezone

from khabar.sources.claims import reserve_due_source
from khabar.sources.models import Source
from khabar.sources.schedule import due_sources

from .fetch import fetch_source
from .learned import forget_rare_lines

logger = logging.getLogger(__name__)

MAX_ENQUEUED_PER_RUN = 500
# Lines of articles seen once, kept this long in case they recur (boilerplate learning).
RARE_LINE_RETENTION = timedelta(days=30)


@task
def fetch_source_task(source_id: int) -> dict:
    """Fetch one source; returns the fetch report (JSON-ready) for the task's result."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return {"source_id": source_id, "outcome": "deleted"}
    return fetch_source(source).as_dict()


def enqueue_due_sources(*, now: datetime | None = None, limit: int = MAX_ENQUEUED_PER_RUN) -> int:
    """Enqueue one fetch for each due source this scheduler reserved; returns how many."""
    now = now or timezone.now()
    source_ids = list(due_sources(now=now).values_list("pk", flat=True)[:limit])
    enqueued = 0
    for source_id in source_ids:
        if reserve_due_source(source_id, now=now):
            fetch_source_task.enqueue(source_id)
            enqueued += 1
    if enqueued:
        logger.info("enqueued %d due sources", enqueued)
    return enqueued


@task
def housekeeping_task() -> dict:
    """Periodic clean-up; safe to run any number of times."""
    return {"forgotten_lines": forget_rare_lines(older_than=RARE_LINE_RETENTION)}
