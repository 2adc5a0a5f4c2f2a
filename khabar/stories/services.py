"""Writes of stories: the clustering lease, a batch's story assignments, and resets.

Only one process clusters at a time: it holds the lease on the one `ClusterState` row, taken
with a conditional UPDATE that expires on its own (a killed process frees it after `LEASE`).
Every batch written bumps the state's version inside the same transaction, so a process knows
when its in-memory clusterer no longer matches the database.
"""

import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import get_random_string

from .models import ClusterState, Story, StoryArticle

STATE_ID = 1
LEASE = timedelta(minutes=10)
POLL_SECONDS = 0.2


class ClusterBusy(Exception):
    """Another process holds the clustering lease; the work is retried later."""


class LeaseLost(Exception):
    """The lease ran out and another process took it (or the state changed under us)."""


def cluster_state() -> ClusterState:
    """The clustering state row, created on first use."""
    state = ClusterState.objects.filter(pk=STATE_ID).first()
    if state is None:
        try:
            with transaction.atomic():
                state = ClusterState.objects.create(pk=STATE_ID)
        except IntegrityError:  # another process created it first
            state = ClusterState.objects.get(pk=STATE_ID)
    return state


class ClusterLease:
    """`with ClusterLease(wait=2.0) as lease:` holds the clustering lease, or raises ClusterBusy
    after waiting `wait` seconds. Long runs call `lease.renew()` between batches."""

    def __init__(self, *, wait: float = 0.0):
        self.wait = wait
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{get_random_string(12)}"

    def __enter__(self) -> "ClusterLease":
        cluster_state()
        deadline = time.monotonic() + self.wait
        while not self.claim():
            if time.monotonic() >= deadline:
                raise ClusterBusy("another process is clustering stories")
            time.sleep(POLL_SECONDS)
        return self

    def __exit__(self, *exc_info) -> None:
        ClusterState.objects.filter(pk=STATE_ID, lease_owner=self.owner).update(
            lease_owner="", leased_until=None
        )

    def claim(self) -> bool:
        now = timezone.now()
        free = Q(leased_until__isnull=True) | Q(leased_until__lt=now) | Q(lease_owner=self.owner)
        return bool(
            ClusterState.objects.filter(free, pk=STATE_ID).update(
                lease_owner=self.owner, leased_until=now + LEASE
            )
        )

    def renew(self) -> None:
        renewed = ClusterState.objects.filter(pk=STATE_ID, lease_owner=self.owner).update(
            leased_until=timezone.now() + LEASE
        )
        if not renewed:
            raise LeaseLost("the clustering lease was lost")


@dataclass
class Placement:
    """Where the clusterer put one article (a clustering.Assignment, with the article's time)."""

    article_id: int
    story_id: int
    published_at: datetime
    reason: str
    score: float
    merged_story_ids: tuple[int, ...] = ()


@dataclass
class StoryBatch:
    """What one enrich batch decided about stories, ready to write."""

    placements: list[Placement] = field(default_factory=list)
    headlines: dict[int, str] = field(default_factory=dict)  # story id → headline now
    clock: datetime | None = None  # the latest time clustered so far
    next_story_id: int = 1


def stories_write(*, batch: StoryBatch, lease: ClusterLease, version: int) -> None:
    """Write a batch's placements, merges and story rows; call inside a transaction.

    Raises LeaseLost when the lease or the state's version changed since the batch was
    clustered: then nothing of the batch may be written.
    """
    moved = ClusterState.objects.filter(
        pk=STATE_ID, version=version, lease_owner=lease.owner
    ).update(version=F("version") + 1, clock=batch.clock, next_story_id=batch.next_story_id)
    if not moved:
        raise LeaseLost("the clustering state changed while this batch was clustered")
    # A merge moves the merged stories' earlier articles too; placements of this batch are
    # created afterwards with their final story.
    survivor_of: dict[int, int] = {}
    for placement in batch.placements:
        for merged in placement.merged_story_ids:
            survivor_of[merged] = placement.story_id
    for merged, survivor in survivor_of.items():
        while survivor in survivor_of:  # merged again later in the same batch
            survivor = survivor_of[survivor]
        survivor_of[merged] = survivor
    final = {placement.article_id: placement.story_id for placement in batch.placements}
    for article_id, story_id in final.items():
        final[article_id] = survivor_of.get(story_id, story_id)
    touched = set(final.values()) | set(survivor_of.values())
    stories_create(story_ids=touched, placements=batch.placements, headlines=batch.headlines)
    for merged, survivor in survivor_of.items():
        StoryArticle.objects.filter(story_id=merged).update(story_id=survivor)
    StoryArticle.objects.bulk_create(
        StoryArticle(
            article_id=placement.article_id,
            story_id=final[placement.article_id],
            published_at=placement.published_at,
            reason=placement.reason,
            score=placement.score,
        )
        for placement in batch.placements
    )
    stories_count(story_ids=touched, headlines=batch.headlines)
    Story.objects.filter(pk__in=survivor_of.keys()).update(article_count=0, source_count=0)
    for merged, survivor in survivor_of.items():
        Story.objects.filter(pk=merged).update(merged_into_id=survivor)


def stories_create(
    *, story_ids: set[int], placements: Iterable[Placement], headlines: dict[int, str]
) -> None:
    """Create the rows of the stories among `story_ids` that have none yet."""
    times: dict[int, list[datetime]] = {}
    for placement in placements:
        times.setdefault(placement.story_id, []).append(placement.published_at)
    existing = set(Story.objects.filter(pk__in=story_ids).values_list("pk", flat=True))
    now = timezone.now()
    Story.objects.bulk_create(
        Story(
            id=story_id,
            headline=headlines.get(story_id, ""),
            first_seen=min(times.get(story_id, [now])),
            last_seen=max(times.get(story_id, [now])),
        )
        for story_id in story_ids - existing
    )


def stories_count(*, story_ids: Iterable[int], headlines: dict[int, str] | None = None) -> None:
    """Recount the articles, sources and times of these stories from their memberships (one
    statement), and set the headlines that changed."""
    ids = list(story_ids)
    members = StoryArticle.objects.filter(story=OuterRef("pk")).values("story")
    Story.objects.filter(pk__in=ids).update(
        article_count=Coalesce(Subquery(members.annotate(n=Count("pk")).values("n")), 0),
        source_count=Coalesce(
            Subquery(members.annotate(n=Count("article__source_id", distinct=True)).values("n")),
            0,
        ),
        first_seen=Coalesce(
            Subquery(members.annotate(t=Min("published_at")).values("t")), F("first_seen")
        ),
        last_seen=Coalesce(
            Subquery(members.annotate(t=Max("published_at")).values("t")), F("last_seen")
        ),
        updated_at=timezone.now(),
    )
    wanted = {pk: text for pk, text in (headlines or {}).items() if text and pk in set(ids)}
    for pk, current in Story.objects.filter(pk__in=wanted).values_list("pk", "headline"):
        if current != wanted[pk]:
            Story.objects.filter(pk=pk).update(headline=wanted[pk])


def stories_reset(*, since: datetime | None, lease: ClusterLease) -> int:
    """Take every article clustered at or after `since` (all: None) out of its story, so that
    they can be clustered again in order; returns how many were taken out.

    Stories left without articles are deleted; the others are recounted. The clock goes back
    to the latest article still in a story.
    """
    with transaction.atomic():
        lease.renew()
        memberships = StoryArticle.objects.all()
        if since is not None:
            memberships = memberships.filter(published_at__gte=since)
        touched = set(memberships.values_list("story_id", flat=True).distinct())
        removed, _ = memberships.delete()
        stories_count(story_ids=touched)
        emptied = Story.objects.filter(pk__in=touched, article_count=0)
        Story.objects.filter(merged_into__in=emptied).delete()
        emptied.delete()
        if since is None:
            Story.objects.all().delete()
        clock = StoryArticle.objects.aggregate(clock=Max("published_at"))["clock"]
        ClusterState.objects.filter(pk=STATE_ID).update(version=F("version") + 1, clock=clock)
    return removed
