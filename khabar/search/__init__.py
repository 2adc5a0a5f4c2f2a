"""Search: one facade over the backends. Everything outside khabar.search calls only this.

    from khabar import search

    page = search.query("المجالس المحلية source:example.org", limit=20, sort="relevance")
    page.results            # [Hit(article_id, score, title_html, snippet_html, article)]
    page.total, page.total_capped, page.error, page.notices

    search.index_soon(ids)  # after storing or deleting articles: the worker updates the index
    search.index_articles(ids) / search.delete_articles(ids)   # now, in this process
    search.reindex(progress=callback)                           # a new index from everything
    search.repair_index()                                       # after a crash; run by the worker

The backend (tantivy files in the data dir, or PostgreSQL's own tables) is chosen by
khabar.search.backend.backend_name(); both get the same analyzed terms and plans, so they
find the same articles. The query language is described in khabar.search.query.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .query import Problem, parse_query

logger = logging.getLogger(__name__)

SORTS = ("relevance", "date")
MATCHES = ("all", "any")
MAX_LIMIT = 1000
MAX_OFFSET = 1000  # as far as totals are counted (khabar.search.backend.COUNT_LIMIT)

UNKNOWN_SOURCE = "unknown_source"
NO_TERMS = "no_terms"
NOT_READY = "not_ready"


@dataclass(frozen=True)
class Hit:
    article_id: int
    score: float
    title_html: str  # the title, escaped, matches in <mark>
    snippet_html: str  # a passage around the matches, escaped, matches in <mark>
    article: object  # the Article, with its source loaded


@dataclass
class SearchPage:
    query: str
    results: list[Hit] = field(default_factory=list)
    total: int = 0
    total_capped: bool = False  # more than `total` articles match
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def error(self) -> Problem | None:
        """Why the search could not run at all, or None."""
        return next((problem for problem in self.problems if problem.fatal), None)

    @property
    def notices(self) -> list[Problem]:
        """How the query was read generously, or what was left out of it."""
        return [problem for problem in self.problems if not problem.fatal]

    @property
    def page_number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < min(self.total, MAX_OFFSET + self.limit)


def query(
    text: str,
    *,
    limit: int = 20,
    offset: int = 0,
    sort: str = "relevance",
    match: str = "all",
    backend=None,
) -> SearchPage:
    """Search for `text` (see khabar.search.query for the language); never raises for a bad
    query: `page.error` then says what is wrong.

    sort: "relevance" or "date" (newest first). match: "all" (every word must be found) or
    "any" (articles with more of the words rank first; for evaluation).
    """
    from .backend import get_backend

    if sort not in SORTS or match not in MATCHES:
        raise ValueError(f"sort must be one of {SORTS} and match one of {MATCHES}")
    limit, offset = max(1, min(int(limit), MAX_LIMIT)), max(0, min(int(offset), MAX_OFFSET))
    parsed = parse_query(text)
    page = SearchPage(query=parsed.text, sort=sort, limit=limit, offset=offset)
    page.problems = list(parsed.problems)
    if page.error:
        return page
    backend = backend or get_backend()
    if not backend.ready():
        page.problems.append(Problem(NOT_READY))
        return page
    from .running import run_search

    run_search(page, parsed, backend=backend, match=match)
    return page


def index_soon(article_ids: Iterable[int]) -> None:
    """Have the worker bring these articles' index entries up to date once this transaction
    commits: stored articles are (re)indexed, deleted ones removed. Never raises: a job that
    cannot be enqueued is made up for by the worker's periodic repair."""
    from django.db import transaction

    ids = sorted({int(article_id) for article_id in article_ids})
    if ids:
        transaction.on_commit(lambda: enqueue_indexing(ids))


def enqueue_indexing(article_ids: list[int]) -> None:
    from .tasks import index_articles_task

    try:
        index_articles_task.enqueue(article_ids)
    except Exception:
        logger.exception("could not enqueue indexing of %d articles", len(article_ids))


def index_articles(article_ids: Iterable[int]) -> dict:
    """Index these articles now, in this process (the worker's job); removes deleted ones."""
    from .indexing import index_articles as index

    return index(article_ids)


def delete_articles(article_ids: Iterable[int]) -> None:
    """Remove these articles from the index now, in this process."""
    from .indexing import delete_articles as delete

    delete(article_ids)


def reindex(*, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the index from every stored article; returns how many were indexed."""
    from .indexing import reindex as rebuild

    return rebuild(progress=progress)


def repair_index() -> dict:
    """Index what a crash or lost job left out and remove deleted articles; returns counts."""
    from .indexing import repair_index as repair

    return repair().as_dict()
