"""Background work for search: the worker is the only process that writes the index.

Both tasks are safe to run twice and in any order: indexing reads the articles' current state,
and the repair compares the database with the index.
"""

import logging

from django.tasks import task

from .backend import IndexBusy
from .indexing import index_articles, repair_index

logger = logging.getLogger(__name__)

# Ahead of fetch jobs in the queue, so a stored article is searchable within a second.
PRIORITY = 10


@task(priority=PRIORITY)
def index_articles_task(article_ids: list[int]) -> dict:
    """Bring these articles' index entries up to date (deleted ones are removed)."""
    try:
        return index_articles(article_ids)
    except IndexBusy:
        logger.warning("search index busy; %d articles wait for the next repair", len(article_ids))
        return {"busy": True}


@task(priority=PRIORITY)
def repair_index_task() -> dict:
    """Index what a crash or a lost job left out; remove deleted articles; rebuild if needed."""
    try:
        return repair_index().as_dict()
    except IndexBusy:
        logger.warning("search index busy; the repair waits for the next run")
        return {"busy": True}
