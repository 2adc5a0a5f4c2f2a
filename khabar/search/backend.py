"""What every search backend receives and answers, and which backend this install uses.

A backend indexes `IndexDocument`s (terms already analyzed) and answers a `SearchRequest`
(an analyzed query plan plus filters) with (article id, score) pairs and a total. It also keeps
an `IndexState` (which analyzer built it, and up to when it was checked against the database)
and answers the questions `khabar.search.indexing.repair_index` asks to find what is missing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from .analysis import Plan

BACKENDS = ("tantivy", "postgres")
# Matches are counted up to this many; a page shows a larger total as "1,000+" and goes no
# further. A backend may stop counting once it has found COUNT_LIMIT + 1.
COUNT_LIMIT = 1000


class IndexBusy(Exception):
    """Another process holds the index's writer lock; the work is retried later."""


@dataclass(frozen=True)
class IndexDocument:
    article_id: int
    updated_at: datetime
    source_id: int
    language: str  # primary language subtag, lowercase ("ar", "en"), or ""
    published_at: datetime | None
    words_text: str  # the ``words`` terms in order, joined by single spaces
    grams_text: str  # the ``grams`` terms in order, joined by single spaces
    # From the enrich step: "topic:<label>" and "entity:<key>" (khabar.tagging.queries).
    tags: tuple[str, ...] = ()

    @property
    def words(self) -> list[str]:
        return self.words_text.split()

    @property
    def grams(self) -> list[str]:
        return self.grams_text.split()


@dataclass(frozen=True)
class IndexState:
    fingerprint: str  # khabar.search.analysis.analysis_fingerprint() of the analyzer that built it
    watermark: datetime | None  # articles updated before this were checked by repair_index


@dataclass(frozen=True)
class SearchRequest:
    plan: Plan
    sort: str = "relevance"  # or "date"
    limit: int = 20
    offset: int = 0
    source_ids: list[int] | None = None  # None: any source
    exclude_source_ids: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    exclude_languages: tuple[str, ...] = ()
    after: datetime | None = None  # published at or after
    before: datetime | None = None  # published before
    tags: tuple[tuple[str, ...], ...] = ()  # each group: the article has one of its tags
    exclude_tags: tuple[str, ...] = ()  # the article has none of these


def backend_name() -> str:
    """KHABAR_SEARCH_BACKEND when set, else PostgreSQL's own search on PostgreSQL, else tantivy."""
    name = (settings.KHABAR_SEARCH_BACKEND or "").strip().lower()
    if name:
        if name not in BACKENDS:
            raise ImproperlyConfigured(
                f"KHABAR_SEARCH_BACKEND is {name!r}; choose one of {', '.join(BACKENDS)}"
            )
        if name == "postgres" and connection.vendor != "postgresql":
            raise ImproperlyConfigured("KHABAR_SEARCH_BACKEND=postgres needs a PostgreSQL database")
        return name
    return "postgres" if connection.vendor == "postgresql" else "tantivy"


def get_backend(name: str | None = None):
    name = name or backend_name()
    if name == "postgres":
        from ._postgres import PostgresBackend

        return PostgresBackend()
    from ._tantivy import TantivyBackend

    return TantivyBackend()
