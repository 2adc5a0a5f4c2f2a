"""Schedule: which sources are due, and what each fetch outcome does to a source's next check.

After a success the next check is KHABAR_FETCH_INTERVAL away (longer if the feed's <ttl> or a
Retry-After asks for it). After an error the wait doubles with each consecutive error, up to
KHABAR_MAX_BACKOFF. A 410 Gone disables the source. Errors are stored in plain words.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Source

FETCHED_KINDS = (Source.Kind.FEED, Source.Kind.PAGE)


def due_filter(*, now: datetime) -> Q:
    """Enabled feeds and pages whose next check has come, and new ones never fetched."""
    never_fetched = Q(next_check_at__isnull=True, last_fetched_at__isnull=True)
    return Q(enabled=True, kind__in=FETCHED_KINDS, url__isnull=False) & (
        Q(next_check_at__lte=now) | never_fetched
    )


def due_sources(*, now: datetime | None = None) -> QuerySet[Source]:
    now = now or timezone.now()
    return Source.objects.filter(due_filter(now=now)).order_by("next_check_at", "pk")


def capped(delay: timedelta) -> timedelta:
    return min(delay, timedelta(seconds=settings.KHABAR_MAX_BACKOFF))


def backoff_delay(error_count: int) -> timedelta:
    """The wait after `error_count` consecutive errors: the interval, doubled for each repeat."""
    doublings = min(max(error_count - 1, 0), 30)
    return capped(timedelta(seconds=settings.KHABAR_FETCH_INTERVAL * 2**doublings))


def next_check_after_success(
    *, now: datetime, ttl_seconds: int | None = None, retry_after: datetime | None = None
) -> datetime:
    delay = timedelta(seconds=max(settings.KHABAR_FETCH_INTERVAL, ttl_seconds or 0))
    if retry_after is not None:
        delay = max(delay, retry_after - now)
    return now + capped(delay)


def next_check_after_error(
    *, now: datetime, error_count: int, retry_after: datetime | None = None
) -> datetime:
    delay = backoff_delay(error_count)
    if retry_after is not None:
        delay = capped(max(delay, retry_after - now))
    return now + delay


def record_success(
    source: Source,
    *,
    etag: str = "",
    last_modified: str = "",
    ttl_seconds: int | None = None,
    retry_after: datetime | None = None,
    check_again: bool = True,
    now: datetime | None = None,
) -> None:
    """A fetch worked (304 included): clear the error state and schedule the next check.

    A single-page source is not checked again (`check_again=False`).
    """
    now = now or timezone.now()
    source.etag = etag[:500]
    source.last_modified = last_modified[:100]
    source.last_fetched_at = source.last_success_at = now
    source.error_count = 0
    source.last_error = ""
    source.next_check_at = (
        next_check_after_success(now=now, ttl_seconds=ttl_seconds, retry_after=retry_after)
        if check_again
        else None
    )
    source.save(
        update_fields=[
            "etag",
            "last_modified",
            "last_fetched_at",
            "last_success_at",
            "error_count",
            "last_error",
            "next_check_at",
        ]
    )


def record_error(
    source: Source,
    *,
    message: str,
    retry_after: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """A fetch failed: keep `message` for people and wait longer before the next try."""
    now = now or timezone.now()
    source.error_count += 1
    source.last_error = message
    source.last_error_at = source.last_fetched_at = now
    source.next_check_at = next_check_after_error(
        now=now, error_count=source.error_count, retry_after=retry_after
    )
    source.save(
        update_fields=[
            "error_count",
            "last_error",
            "last_error_at",
            "last_fetched_at",
            "next_check_at",
        ]
    )


def disable_source(source: Source, *, reason: str, now: datetime | None = None) -> None:
    """Stop fetching the source (a 410 Gone); a person can enable it again."""
    now = now or timezone.now()
    source.enabled = False
    source.disabled_reason = reason
    source.last_error = reason
    source.last_error_at = source.last_fetched_at = now
    source.error_count += 1
    source.next_check_at = None
    source.save(
        update_fields=[
            "enabled",
            "disabled_reason",
            "last_error",
            "last_error_at",
            "last_fetched_at",
            "error_count",
            "next_check_at",
        ]
    )
