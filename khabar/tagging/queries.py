"""Read queries for topics and entities: an article's tags, an entity's page."""

from django.core.paginator import Page, Paginator
from django.db.models import Count

from khabar.articles.models import Article
from khabar.articles.queries import ARTICLES_PER_PAGE, LIST_FIELDS

from .canonical import ENTITY_TYPES, canonicalize, entity_key
from .models import ArticleTopic, Entity, EntityAlias, EntityMention

STORIES_OF_AN_ENTITY = 20


def article_topics(article: Article) -> list[ArticleTopic]:
    """The article's topics, the most certain first."""
    return list(ArticleTopic.objects.filter(article=article).order_by("-score", "label"))


def article_entities(article: Article) -> list[Entity]:
    """The entities the article names, by type, the most mentioned first; each with
    `mention_count` (times named in this article)."""
    mentions = (
        EntityMention.objects.filter(article=article)
        .select_related("entity")
        .order_by("entity__type", "-count", "entity__name")
    )
    entities = []
    for mention in mentions:
        mention.entity.mention_count = mention.count
        entities.append(mention.entity)
    return entities


def entity_for_reading(entity_id: int) -> Entity | None:
    return Entity.objects.prefetch_related("aliases").filter(pk=entity_id).first()


def entity_articles_page(entity: Entity, *, page_number, per_page=ARTICLES_PER_PAGE) -> Page:
    """The articles naming the entity, newest first, one page of them."""
    articles = (
        Article.objects.filter(entity_mentions__entity=entity)
        .select_related("source")
        .only(*LIST_FIELDS)
        .order_by("-entity_mentions__published_at", "-id")
    )
    return Paginator(articles, per_page).get_page(page_number)


def entity_article_count(entity: Entity) -> int:
    return entity.mentions.count()


def entity_stories(entity: Entity, *, limit: int = STORIES_OF_AN_ENTITY):
    """The stories with an article naming the entity, the most recently active first; each
    with `entity_articles`, how many of its articles name it."""
    from khabar.stories.models import Story

    return list(
        Story.objects.filter(
            merged_into__isnull=True, memberships__article__entity_mentions__entity=entity
        )
        .annotate(entity_articles=Count("memberships"))
        .order_by("-last_seen", "-id")[:limit]
    )


TOPIC_TAG = "topic:"
ENTITY_TAG = "entity:"


def index_tags(article_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The search index's tags of these articles: topic:<label> and entity:<key>."""
    tags: dict[int, list[str]] = {}
    topics = ArticleTopic.objects.filter(article_id__in=article_ids).values_list(
        "article_id", "label"
    )
    for article_id, label in topics:
        tags.setdefault(article_id, []).append(TOPIC_TAG + label)
    mentions = EntityMention.objects.filter(article_id__in=article_ids).values_list(
        "article_id", "entity__key"
    )
    for article_id, key in mentions:
        tags.setdefault(article_id, []).append(ENTITY_TAG + key)
    return {article_id: tuple(sorted(set(values))) for article_id, values in tags.items()}


def entity_keys_for(value: str) -> list[str]:
    """The keys of the entities a reader may mean by `value`: its own key, its canonical forms
    as a person, organisation or place (بدمشق → دمشق, قسد → قوات سوريا الديمقراطية), and the
    entity it is a staff alias of."""
    keys = {entity_key(value)} | {entity_key(canonicalize(value, type)) for type in ENTITY_TYPES}
    keys.discard("")
    aliased = EntityAlias.objects.filter(key__in=keys).values_list("entity__key", flat=True)
    return sorted(keys | set(aliased))
