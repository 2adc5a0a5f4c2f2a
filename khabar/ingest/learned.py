"""Per-source boilerplate: lines that recur across many articles of one source.

Each distinct line of an article is counted once in SourceLine; a short line seen in enough
of the source's articles is that site's furniture (a menu, "اقرأ أيضاً", a footer) and is dropped
from later articles. Long lines need many more sightings, and the longest are never counted.
"""

import hashlib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from khabar.articles.models import Article
from khabar.sources.models import Source, SourceLine

# Lines up to this long (folded) count as short; up to LEARN_MAX_CHARS they are counted but
# need KHABAR_LEARN_MIN_ARTICLES_LONG sightings; longer lines are prose and never counted.
SHORT_LINE_CHARS = 100
LEARN_MAX_CHARS = 400
STORED_TEXT_CHARS = 500


def line_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def learnable(key: str) -> bool:
    return 0 < len(key) <= LEARN_MAX_CHARS


def count_article_lines(source: Source, *, text: str) -> None:
    """Count each distinct line of one article's text once more for `source`."""
    from .boilerplate import line_key

    lines = {}
    for line in text.splitlines():
        key = line_key(line)
        if key:
            lines.setdefault(key, line.strip())
    count_source_lines(source, lines=lines)


def count_source_lines(source: Source, *, lines: dict[str, str]) -> None:
    """Count each of an article's lines ({key: original line}) once more for `source`.

    Insert-or-ignore, then increment in the database: two workers counting the same new
    line at once both land, and neither overwrites the other's count.
    """
    prints = {line_fingerprint(key): line for key, line in lines.items() if learnable(key)}
    if not prints:
        return
    with transaction.atomic():
        SourceLine.objects.bulk_create(
            [
                SourceLine(source=source, fingerprint=fp, text=line[:STORED_TEXT_CHARS])
                for fp, line in prints.items()
            ],
            ignore_conflicts=True,
        )
        SourceLine.objects.filter(source=source, fingerprint__in=prints).update(
            article_count=F("article_count") + 1, last_seen_at=timezone.now()
        )


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
