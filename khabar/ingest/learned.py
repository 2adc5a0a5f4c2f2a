"""Per-source boilerplate: lines that recur across many articles of one source.

Each distinct line of an article is counted once in SourceLine; a short line seen in enough
of the source's articles is that site's furniture (a menu, "اقرأ أيضاً", a footer) and is dropped
from later articles. Long lines need many more sightings, and the longest are never counted.
"""

import hashlib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from khabar.articles.models import Article
from khabar.sources.models import Source, SourceLine

# Lines up to this long (folded) count as short; up to LEARN_MAX_CHARS they are counted but
# need KHABAR_LEARN_MIN_ARTICLES_LONG sightings; longer lines are prose and never counted.
SHORT_LINE_CHARS = 100
LEARN_MAX_CHARS = 400
STORED_TEXT_CHARS = 500
# Rows a statement: six parameters each stays far below every backend's parameter limit.
UPSERT_ROWS = 500


def line_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def learnable(key: str) -> bool:
    return 0 < len(key) <= LEARN_MAX_CHARS


def count_article_lines(source: Source, *, text: str) -> None:
    """Count each distinct line of one article's text once more for `source`."""
    count_articles_lines(source, texts=[text])


def count_articles_lines(source: Source, *, texts: list[str]) -> None:
    """Count, for each distinct line, how many of these articles of `source` contain it."""
    from .boilerplate import line_key

    sightings: dict[str, list] = {}
    for text in texts:
        distinct = {}
        for line in text.splitlines():
            key = line_key(line)
            if key:
                distinct.setdefault(key, line.strip())
        for key, line in distinct.items():
            sightings.setdefault(key, [line, 0])[1] += 1
    add_sightings(source, sightings={key: (line, n) for key, (line, n) in sightings.items()})


def count_source_lines(source: Source, *, lines: dict[str, str]) -> None:
    """Count each of an article's lines ({key: original line}) once more for `source`."""
    add_sightings(source, sightings={key: (line, 1) for key, line in lines.items()})


def add_sightings(source: Source, *, sightings: dict[str, tuple[str, int]]) -> None:
    """Add {key: (original line, articles)} to the source's line counts in one upsert.

    The database increments: two workers counting the same new line at once both land, and
    neither overwrites the other's count.
    """
    rows = [
        (line_fingerprint(key), line[:STORED_TEXT_CHARS], count)
        for key, (line, count) in sightings.items()
        if learnable(key)
    ]
    if not rows:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for start in range(0, len(rows), UPSERT_ROWS):
        upsert_sightings(source, rows=rows[start : start + UPSERT_ROWS], now=now)


def upsert_sightings(source: Source, *, rows: list[tuple[str, str, int]], now) -> None:
    table = connection.ops.quote_name(SourceLine._meta.db_table)
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {table} "
        "(source_id, fingerprint, text, article_count, first_seen_at, last_seen_at) "
        f"VALUES {placeholders} ON CONFLICT (source_id, fingerprint) DO UPDATE SET "
        f"article_count = {table}.article_count + EXCLUDED.article_count, "
        "last_seen_at = EXCLUDED.last_seen_at"
    )
    params = [
        value
        for fingerprint, line, count in rows
        for value in (source.pk, fingerprint, line, count, now, now)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def learned_lines(
    source: Source, *, keys: Iterable[str], pending_articles: int = 0
) -> dict[str, int]:
    """{key: articles seen in} for the keys that are boilerplate of `source`.

    A line qualifies when it was seen in at least KHABAR_LEARN_MIN_ARTICLES articles (the
    _LONG count for lines longer than SHORT_LINE_CHARS) and in at least KHABAR_LEARN_MIN_SHARE
    of the source's articles; `pending_articles` counts ones being processed, not yet stored.
    """
    by_print = {line_fingerprint(key): key for key in keys if learnable(key)}
    minimum = settings.KHABAR_LEARN_MIN_ARTICLES
    if not by_print:
        return {}
    seen = dict(
        SourceLine.objects.filter(
            source=source, fingerprint__in=by_print, article_count__gte=minimum
        ).values_list("fingerprint", "article_count")
    )
    if not seen:
        return {}
    total = Article.objects.filter(source=source).count() + pending_articles
    share_needed = settings.KHABAR_LEARN_MIN_SHARE * total
    learned = {}
    for fingerprint, count in seen.items():
        key = by_print[fingerprint]
        needed = (
            minimum if len(key) <= SHORT_LINE_CHARS else settings.KHABAR_LEARN_MIN_ARTICLES_LONG
        )
        if count >= needed and count >= share_needed:
            learned[key] = count
    return learned


def forget_rare_lines(*, older_than: timedelta) -> int:
    """Delete lines that stayed below the learning threshold and were not seen for a while.

    Most lines of most articles are seen once; without this the table grows with every
    article. Returns how many lines were forgotten. Meant for a periodic job.
    """
    cutoff = timezone.now() - older_than
    deleted, _by_model = SourceLine.objects.filter(
        article_count__lt=settings.KHABAR_LEARN_MIN_ARTICLES, last_seen_at__lt=cutoff
    ).delete()
    return deleted
