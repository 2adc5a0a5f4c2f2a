"""The enrich step on a real database: topics, entities and stories stored, incrementally."""

from datetime import timedelta

import pytest
from django.utils import timezone

from khabar.ingest.pipeline import process_article
from khabar.ingest.records import ExtractedArticle
from khabar.stories import enrich
from khabar.stories.enrich import (
    enrich_articles,
    enrich_pending,
    forget_clusterer,
    reenrich,
    retry_delay,
)
from khabar.stories.models import ClusterState, Enrichment, Story, StoryArticle
from khabar.stories.services import (
    ClusterBusy,
    ClusterLease,
    Placement,
    StoryBatch,
    cluster_state,
    stories_write,
)
from khabar.stories.tasks import enrich_articles_task
from khabar.tagging.models import ArticleTopic, Entity, EntityMention

from .reports import BANK, MATCH, STORM_A, STORM_B, STORM_C, outlet, story_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_clusterer")]


@pytest.fixture
def outlets():
    return outlet("sahil"), outlet("wadi"), outlet("nahar")


def story_of(article) -> Story:
    return StoryArticle.objects.get(article=article).story


def test_two_outlets_on_one_event_make_one_story(outlets):
    sahil, wadi, _ = outlets
    storm_a = story_article(sahil, STORM_A, hours=0)
    match = story_article(sahil, MATCH, hours=0.5)
    storm_b = story_article(wadi, STORM_B, hours=1)
    report = enrich_articles([storm_b.pk, match.pk, storm_a.pk])
    assert report.as_dict() == {"enriched": 3, "failed": 0, "busy": 0}
    story = story_of(storm_a)
    assert story_of(storm_b) == story
    assert story_of(match) != story
    assert (story.article_count, story.source_count) == (2, 2)
    assert story.first_seen == storm_a.published_at
    assert story.last_seen == storm_b.published_at
    assert story.headline in (STORM_A[0], STORM_B[0])
    assert set(Enrichment.objects.values_list("status", flat=True)) == {"done"}


def test_topics_and_entities_are_stored(outlets):
    storm = story_article(outlets[0], STORM_A)
    match = story_article(outlets[0], MATCH, hours=1)
    enrich_articles([storm.pk, match.pk])
    assert "sport" in set(
        ArticleTopic.objects.filter(article=match).values_list("label", flat=True)
    )
    names = set(Entity.objects.filter(mentions__article=storm).values_list("name", flat=True))
    assert {"عمان", "الأردن"} & names or {"عمّان", "الأردن"} & names
    amman = Entity.objects.get(mentions__article=storm, type="LOC", key="عمان")
    assert EntityMention.objects.get(article=storm, entity=amman).count >= 1


def test_enriching_twice_replaces_the_tags_and_keeps_the_story(outlets):
    storm = story_article(outlets[0], STORM_A)
    enrich_articles([storm.pk])
    story, topics = story_of(storm), ArticleTopic.objects.count()
    mentions = EntityMention.objects.count()
    forget_clusterer()
    enrich_articles([storm.pk])
    assert story_of(storm) == story
    assert (ArticleTopic.objects.count(), EntityMention.objects.count()) == (topics, mentions)
    assert Story.objects.count() == 1


def test_the_clusterer_is_restored_from_the_database_after_a_restart(outlets):
    sahil, wadi, nahar = outlets
    storm_a = story_article(sahil, STORM_A, hours=0)
    enrich_articles([storm_a.pk])
    forget_clusterer()  # a new worker process
    storm_b = story_article(wadi, STORM_B, hours=1)
    enrich_articles([storm_b.pk])
    assert story_of(storm_b) == story_of(storm_a)
    # A day later the story is no longer fresh, but a close follow-up still joins it.
    forget_clusterer()
    storm_c = story_article(nahar, STORM_C, hours=20)
    enrich_articles([storm_c.pk])
    story = story_of(storm_a)
    assert story_of(storm_c) == story
    story.refresh_from_db()
    assert (story.article_count, story.source_count) == (3, 3)


def test_the_clusterer_is_kept_in_memory_between_batches(outlets):
    storm_a = story_article(outlets[0], STORM_A)
    enrich_articles([storm_a.pk])
    live = enrich._live
    storm_b = story_article(outlets[1], STORM_B, hours=1)
    enrich_articles([storm_b.pk])
    assert enrich._live is live
    assert live.version == cluster_state().version


def test_a_write_by_another_process_makes_it_rebuild(outlets):
    storm_a = story_article(outlets[0], STORM_A)
    enrich_articles([storm_a.pk])
    live = enrich._live
    ClusterState.objects.update(version=999)  # another process wrote stories
    storm_b = story_article(outlets[1], STORM_B, hours=1)
    enrich_articles([storm_b.pk])
    assert enrich._live is not live
    assert story_of(storm_b) == story_of(storm_a)


def test_an_article_older_than_the_window_is_clustered_around_its_own_time(outlets):
    sahil, wadi, _ = outlets
    old_a = story_article(sahil, STORM_A, hours=0, slug="old-a")
    recent = story_article(sahil, BANK, hours=24 * 30)
    enrich_articles([old_a.pk, recent.pk])
    old_b = story_article(wadi, STORM_B, hours=1, slug="old-b")  # found late, a month on
    enrich_articles([old_b.pk])
    assert story_of(old_b) == story_of(old_a)
    # ... and the live window is intact: a report on the recent story still joins it.
    follow_up = story_article(wadi, BANK, hours=24 * 30 + 1, slug="bank-2")
    enrich_articles([follow_up.pk])
    assert story_of(follow_up) == story_of(recent)


def test_articles_of_a_batch_are_clustered_in_time_order(outlets):
    sahil, wadi, _ = outlets
    later = story_article(wadi, STORM_B, hours=5)
    earlier = story_article(sahil, STORM_A, hours=0)
    enrich_articles([later.pk, earlier.pk])
    assert StoryArticle.objects.get(article=earlier).reason == "new"
    assert StoryArticle.objects.get(article=later).reason in ("similar", "duplicate")


def test_a_failing_part_is_recorded_and_retried_later(outlets, monkeypatch):
    storm = story_article(outlets[0], STORM_A)

    def broken(title, text, **kwargs):
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr("khabar.tagging.topics.predict_topics", broken)
    report = enrich_articles([storm.pk])
    assert report.as_dict() == {"enriched": 0, "failed": 1, "busy": 0}
    record = Enrichment.objects.get(article=storm)
    assert record.status == "failed" and record.attempts == 1
    assert "topics: RuntimeError: model file unreadable" in record.error
    assert record.retry_at > timezone.now()
    # The other parts are kept: the article has its entities and its story.
    assert EntityMention.objects.filter(article=storm).exists()
    assert StoryArticle.objects.filter(article=storm).exists()
    assert enrich_pending().enriched == 0  # not due yet
    monkeypatch.undo()
    Enrichment.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    assert enrich_pending().enriched == 1
    record.refresh_from_db()
    assert (record.status, record.attempts, record.error) == ("done", 0, "")
    assert ArticleTopic.objects.filter(article=storm).exists()


def test_retries_wait_longer_after_each_failure():
    assert retry_delay(1) == timedelta(minutes=5)
    assert retry_delay(3) == timedelta(minutes=20)
    assert retry_delay(30) == timedelta(days=1)


def test_a_batch_that_cannot_be_written_is_written_article_by_article(outlets, monkeypatch):
    storm = story_article(outlets[0], STORM_A)
    match = story_article(outlets[0], MATCH, hours=1)
    from khabar.tagging import services

    real_store = services.tags_store

    def store_refusing_the_match(*, tags):
        if any(item.article_id == match.pk for item in tags):
            raise ValueError("a row the database refuses")
        real_store(tags=tags)

    monkeypatch.setattr(services, "tags_store", store_refusing_the_match)
    report = enrich_articles([storm.pk, match.pk])
    assert report.as_dict() == {"enriched": 1, "failed": 1, "busy": 0}
    assert Enrichment.objects.get(article=storm).status == "done"
    failed = Enrichment.objects.get(article=match)
    assert failed.status == "failed" and "a row the database refuses" in failed.error
    assert StoryArticle.objects.filter(article=storm).exists()
    assert not StoryArticle.objects.filter(article=match).exists()  # nothing half-written


def test_articles_never_enriched_are_found_by_the_repair(outlets):
    storm = story_article(outlets[0], STORM_A)
    assert enrich_pending().enriched == 0  # stored just now: its own job will come
    from khabar.articles.models import Article

    Article.objects.filter(pk=storm.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert enrich_pending().enriched == 1
    assert StoryArticle.objects.filter(article=storm).exists()


def test_another_process_clustering_makes_the_job_wait_then_give_up(outlets):
    storm = story_article(outlets[0], STORM_A)
    with ClusterLease():
        with pytest.raises(ClusterBusy):
            enrich_articles([storm.pk], wait=0)
        assert enrich_articles_task.call([storm.pk]) == {"busy": 1}
    assert not Enrichment.objects.exists()
    assert enrich_articles([storm.pk], wait=0).enriched == 1  # free again


def test_an_expired_lease_is_taken_over(outlets):
    with ClusterLease() as first:
        ClusterState.objects.update(leased_until=timezone.now() - timedelta(seconds=1))
        with ClusterLease(wait=0) as second:
            assert ClusterState.objects.get().lease_owner == second.owner
        assert first.owner != second.owner


def test_stored_articles_are_enriched_once_the_store_commits(
    outlets, django_capture_on_commit_callbacks
):
    item = ExtractedArticle(
        title=STORM_A[0], text=STORM_A[1], url="https://sahil.example/storm", language="ar"
    )
    with django_capture_on_commit_callbacks(execute=True):
        article, _outcome = process_article(outlets[0], item=item)
    assert StoryArticle.objects.filter(article=article).exists()
    assert Enrichment.objects.get(article=article).status == "done"


def test_reenrich_builds_the_same_stories_again(outlets):
    sahil, wadi, nahar = outlets
    articles = [
        story_article(sahil, STORM_A, hours=0),
        story_article(sahil, MATCH, hours=0.5),
        story_article(wadi, STORM_B, hours=1),
        story_article(wadi, BANK, hours=2),
        story_article(nahar, STORM_C, hours=20),
    ]
    for article in articles:  # one at a time, as the worker would
        enrich_articles([article.pk])
    before = grouping(articles)
    done = []
    report = reenrich(progress=lambda count, total: done.append((count, total)))
    assert report.enriched == 5
    assert grouping(articles) == before
    assert done[-1] == (5, 5)
    assert Story.objects.count() == 3


def test_reenrich_since_a_date_keeps_the_stories_before_it(outlets):
    sahil, wadi, nahar = outlets
    storm_a = story_article(sahil, STORM_A, hours=0)
    storm_b = story_article(wadi, STORM_B, hours=1)
    storm_c = story_article(nahar, STORM_C, hours=20)
    enrich_articles([storm_a.pk, storm_b.pk, storm_c.pk])
    story = story_of(storm_a)
    report = reenrich(since=storm_c.published_at - timedelta(minutes=1))
    assert report.enriched == 1
    assert story_of(storm_a) == story and story_of(storm_c) == story


def grouping(articles) -> set[frozenset[int]]:
    by_story: dict[int, set[int]] = {}
    for membership in StoryArticle.objects.filter(article__in=articles):
        by_story.setdefault(membership.story_id, set()).add(membership.article_id)
    return {frozenset(ids) for ids in by_story.values()}


def test_merged_stories_move_their_articles_to_the_survivor(outlets):
    sahil, wadi, _ = outlets
    first = story_article(sahil, STORM_A, hours=0)
    second = story_article(wadi, STORM_B, hours=1)
    bridge = story_article(wadi, STORM_C, hours=2)
    now = first.published_at
    with ClusterLease() as lease:
        state = cluster_state()
        batch = StoryBatch(
            placements=[
                Placement(first.pk, 1, first.published_at, "new", 0.0),
                Placement(second.pk, 2, second.published_at, "new", 0.0),
            ],
            headlines={1: "أولى", 2: "ثانية"},
            clock=now,
            next_story_id=3,
        )
        stories_write(batch=batch, lease=lease, version=state.version)
        merge = StoryBatch(
            placements=[Placement(bridge.pk, 1, bridge.published_at, "merged", 0.4, (2,))],
            headlines={1: "أولى"},
            clock=bridge.published_at,
            next_story_id=3,
        )
        stories_write(batch=merge, lease=lease, version=state.version + 1)
    survivor = Story.objects.get(pk=1)
    assert set(survivor.memberships.values_list("article_id", flat=True)) == {
        first.pk,
        second.pk,
        bridge.pk,
    }
    assert (survivor.article_count, survivor.source_count) == (3, 2)
    merged = Story.objects.get(pk=2)
    assert (merged.merged_into_id, merged.article_count) == (1, 0)


def test_a_batch_clustered_against_an_old_state_is_refused(outlets):
    from khabar.stories.services import LeaseLost

    article = story_article(outlets[0], STORM_A)
    with ClusterLease() as lease:
        batch = StoryBatch(
            placements=[Placement(article.pk, 1, article.published_at, "new", 0.0)],
            clock=article.published_at,
            next_story_id=2,
        )
        with pytest.raises(LeaseLost):
            stories_write(batch=batch, lease=lease, version=cluster_state().version + 7)
    assert not Story.objects.exists()
