"""Claims: a worker takes a source with a conditional UPDATE before working on it.

Two kinds of claim, both leases that expire on their own, so a worker killed mid-way never
holds a source for good:

- the scheduler *reserves* a due source by pushing its `next_check_at` one lease ahead; only
  the scheduler whose UPDATE matched a row enqueues the fetch, so a source is enqueued once;
- the fetcher *claims* it through `claimed_by`/`claimed_until`; 0 rows updated means another
  worker is fetching it right now.
"""

import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from .models import Source
from .schedule import due_filter


def lease() -> timedelta:
    return timedelta(seconds=settings.KHABAR_FETCH_LEASE)


def new_token() -> str:
    """Who holds a claim: readable in the admin, unique per claim."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{get_random_string(12)}"


def claim_source(source_id: int, *, now: datetime | None = None) -> str | None:
    """The claim's token, or None when the source is disabled or another worker holds it."""
    now = now or timezone.now()
    token = new_token()
    claimed = (
        Source.objects.filter(pk=source_id, enabled=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_by=token, claimed_until=now + lease())
    )
    return token if claimed else None


def renew_claim(source_id: int, *, token: str, now: datetime | None = None) -> bool:
    """Extend a claim still held by `token`; False if it was lost (expired and taken)."""
    now = now or timezone.now()
    return bool(
        Source.objects.filter(pk=source_id, claimed_by=token).update(claimed_until=now + lease())
    )


def release_source(source_id: int, *, token: str) -> None:
    Source.objects.filter(pk=source_id, claimed_by=token).update(claimed_by="", claimed_until=None)


def reserve_due_source(source_id: int, *, now: datetime | None = None) -> bool:
    """True for the one scheduler that reserved this due source; its fetch is due after a lease."""
    now = now or timezone.now()
    return bool(
        Source.objects.filter(due_filter(now=now), pk=source_id).update(next_check_at=now + lease())
    )
