"""Read queries for stories: the home page's cards, a story's page, `khabar stories`."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, QuerySet, Subquery

from khabar.articles.models import Article
from khabar.tagging.models import Entity

from .models import Story, StoryArticle

STORIES_PER_PAGE = 20
OUTLETS_ON_A_CARD = 3
AWAITING_ON_HOME = 20
AWAITING_SCAN = 500
ENTITIES_OF_A_STORY = 30
MAX_MERGE_HOPS = 20
COMMAND_CHUNK = 500

ARTICLE_FIELDS = (
    "title",
    "url",
    "published_at",
    "created_at",
    "language",
    "source__name",
    "source__url",
    "source__site_url",
    "source__kind",
)


@dataclass
class StoryArticleRow:
    """An article as a story lists it."""

    id: int
    url: str
    title: str
    source_id: int
    source_name: str
    published_at: datetime | None
    time: datetime  # when the clusterer placed it
    language: str


@dataclass
class StoryCard:
    story: Story
    articles: list[StoryArticleRow] = field(default_factory=list)  # in time order

    @property
    def outlets(self) -> list[StoryArticleRow]:
        """The first article of each outlet, the first `OUTLETS_ON_A_CARD` outlets."""
        seen, rows = set(), []
        for row in self.articles:
            if row.source_id not in seen:
                seen.add(row.source_id)
                rows.append(row)
        return rows[:OUTLETS_ON_A_CARD]


def live_stories() -> QuerySet[Story]:
    """Stories with articles (not merged into another), the most recently active first."""
    return Story.objects.filter(merged_into__isnull=True, article_count__gt=0).order_by(
        "-last_seen", "-id"
    )


def latest_stories_page(*, page_number, per_page: int = STORIES_PER_PAGE) -> Page:
    """One page of story cards; a missing or out-of-range number gives the nearest page."""
    page = Paginator(live_stories(), per_page).get_page(page_number)
    rows = story_article_rows([story.pk for story in page.object_list])
    page.object_list = [StoryCard(story, rows.get(story.pk, [])) for story in page.object_list]
    return page


def story_article_rows(story_ids: list[int]) -> dict[int, list[StoryArticleRow]]:
    """The articles of these stories, each story's in time order, in one query."""
    memberships = (
        StoryArticle.objects.filter(story_id__in=story_ids)
        .order_by("story_id", "published_at", "article_id")
        .values_list(
            "story_id",
            "published_at",
            "article_id",
            "article__url",
            "article__title",
            "article__source_id",
            "article__source__name",
            "article__published_at",
            "article__language",
        )
    )
    rows: dict[int, list[StoryArticleRow]] = {}
    for story_id, time, pk, url, title, source_id, source, published, language in memberships:
        rows.setdefault(story_id, []).append(
            StoryArticleRow(pk, url, title, source_id, source, published, time, language)
        )
    return rows


def articles_awaiting_stories(*, limit: int = AWAITING_ON_HOME) -> list[Article]:
    """Among the latest articles, those not in a story yet (just stored and waiting for the
    worker, or their enrichment failed). Only the latest `AWAITING_SCAN` are looked at, so the
    query costs the same however many articles are stored."""
    newest_first = (F("published_at").desc(nulls_last=True), "-id")
    latest = Article.objects.order_by(*newest_first).values("pk")[:AWAITING_SCAN]
    return list(
        Article.objects.filter(pk__in=Subquery(latest), story_membership__isnull=True)
        .select_related("source")
        .only(*ARTICLE_FIELDS, "summary", "text")
        .order_by(*newest_first)[:limit]
    )


def story_for_reading(story_id: int) -> tuple[Story | None, int | None]:
    """(the story, None); (None, id of the story it was merged into); or (None, None)."""
    story = Story.objects.filter(pk=story_id).first()
    for _hop in range(MAX_MERGE_HOPS):
        if story is None or story.merged_into_id is None:
            break
        story = Story.objects.filter(pk=story.merged_into_id).first()
    if story is None or story.merged_into_id is not None or not story.article_count:
        return None, None
    if story.pk != story_id:
        return None, story.pk
    return story, None


def story_card(story: Story) -> StoryCard:
    return StoryCard(story, story_article_rows([story.pk]).get(story.pk, []))


def story_entities(story: Story, *, limit: int = ENTITIES_OF_A_STORY) -> list[Entity]:
    """The entities the story's articles name, those named in most of its articles first;
    each with `article_count` (articles of the story naming it)."""
    return list(
        Entity.objects.filter(mentions__article__story_membership__story=story)
        .annotate(article_count=Count("mentions"))
        .order_by("-article_count", "type", "name")[:limit]
    )


def story_of_article(article: Article) -> Story | None:
    membership = StoryArticle.objects.filter(article=article).select_related("story").first()
    return None if membership is None else membership.story


@dataclass
class StoryListing:
    """A story as `khabar stories` prints it."""

    id: int
    headline: str
    first_seen: datetime
    source_count: int
    articles: list[StoryArticleRow]


def stories_since(*, since: datetime | None) -> Iterator[StoryListing]:
    """Every story with an article at or after `since` (all: None), first seen first."""
    stories = Story.objects.filter(merged_into__isnull=True, article_count__gt=0)
    if since is not None:
        stories = stories.filter(last_seen__gte=since)
    ids = list(stories.order_by("first_seen", "id").values_list("pk", flat=True))
    for start in range(0, len(ids), COMMAND_CHUNK):
        chunk = ids[start : start + COMMAND_CHUNK]
        found = Story.objects.in_bulk(chunk)
        rows = story_article_rows(chunk)
        for story_id in chunk:
            story = found.get(story_id)
            if story is None:  # deleted meanwhile
                continue
            yield StoryListing(
                id=story.pk,
                headline=story.headline,
                first_seen=story.first_seen,
                source_count=story.source_count,
                articles=rows.get(story_id, []),
            )
