"""Writes of the enrich step's topics and entities, and the aliases staff give entities.

The enrich step (khabar.stories.enrich) computes an article's topics and entity mentions with
the pure modules (topics.py, entities.py) and stores them here, replacing what the article had.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import transaction
from django.db.models import F, Q

from khabar.lib.db import insert_rows

from .canonical import entity_key
from .models import ArticleTopic, Entity, EntityAlias, EntityMention

MAX_NAME = 200  # characters of an entity's name and key kept (Entity.name, Entity.key)
ENTITY_ID_CACHE_SIZE = 200_000


@dataclass
class ArticleTags:
    """What the enrich step found in one article; None for a part that failed (kept as it was)."""

    article_id: int
    published_at: datetime
    topics: list[tuple[str, float]] | None
    entities: list | None  # khabar.tagging.entities.Entity mentions


# (type, key) → Entity id, for the entities this process has already seen or created. Cleared
# whenever a write fails (an entity deleted meanwhile by staff) and when it grows too large.
_entity_ids: dict[tuple[str, str], int] = {}


def forget_entity_ids() -> None:
    _entity_ids.clear()


def entity_aliases() -> dict[str, str]:
    """Every staff alias as {alias: canonical name}, the `aliases=` of extract_entities."""
    return dict(EntityAlias.objects.values_list("name", "entity__name"))


def tags_store(*, tags: Sequence[ArticleTags]) -> None:
    """Replace the topics and entity mentions of these articles with what `tags` says.

    A part that is None is left as it was. Call inside the caller's transaction.
    """
    with_topics = [item for item in tags if item.topics is not None]
    ArticleTopic.objects.filter(article_id__in=[item.article_id for item in with_topics]).delete()
    insert_rows(
        ArticleTopic,
        ("article", "label", "score"),
        ((item.article_id, label, score) for item in with_topics for label, score in item.topics),
    )
    with_entities = [item for item in tags if item.entities is not None]
    EntityMention.objects.filter(
        article_id__in=[item.article_id for item in with_entities]
    ).delete()
    counted = {item.article_id: mention_counts(item.entities) for item in with_entities}
    names = {key: name for counts in counted.values() for key, (name, _n) in counts.items()}
    ids = entity_ids(names)
    insert_rows(
        EntityMention,
        ("article", "entity", "count", "published_at"),
        (
            (item.article_id, ids[key], count, item.published_at)
            for item in with_entities
            for key, (_name, count) in counted[item.article_id].items()
        ),
    )


def mention_counts(mentions: Iterable) -> dict[tuple[str, str], tuple[str, int]]:
    """(type, key) → (canonical name first written, number of mentions)."""
    counts: Counter = Counter()
    names: dict[tuple[str, str], str] = {}
    for mention in mentions:
        name = " ".join(mention.canonical.split())[:MAX_NAME]
        key = cached_entity_key(name)
        if not key:
            continue
        counts[mention.type, key] += 1
        names.setdefault((mention.type, key), name)
    return {key: (names[key], count) for key, count in counts.items()}


@lru_cache(maxsize=100_000)
def cached_entity_key(name: str) -> str:
    """`entity_key` of a canonical name, remembered: the same names come back all day."""
    return entity_key(name)[:MAX_NAME]


def entity_ids(names: dict[tuple[str, str], str]) -> dict[tuple[str, str], int]:
    """The ids of the entities (type, key) → name, creating the missing ones."""
    if len(_entity_ids) > ENTITY_ID_CACHE_SIZE:
        forget_entity_ids()
    missing = set(names) - _entity_ids.keys()
    if missing:
        _entity_ids.update(stored_entity_ids(missing))
        new = missing - _entity_ids.keys()
        if new:
            with transaction.atomic():
                Entity.objects.bulk_create(
                    [Entity(type=type, key=key, name=names[type, key]) for type, key in new],
                    ignore_conflicts=True,
                )
            _entity_ids.update(stored_entity_ids(new))
    return {key: _entity_ids[key] for key in names}


def stored_entity_ids(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found = {}
    by_type: dict[str, list[str]] = {}
    for type, key in keys:
        by_type.setdefault(type, []).append(key)
    condition = Q(pk__in=[])
    for type, type_keys in by_type.items():
        condition |= Q(type=type, key__in=type_keys)
    for pk, type, key in Entity.objects.filter(condition).values_list("pk", "type", "key"):
        found[type, key] = pk
    return found


def entity_merge(*, entity: Entity, into: Entity) -> list[int]:
    """Move `entity`'s mentions to `into` (adding counts where an article names both) and
    delete `entity`; returns the ids of the articles whose mentions changed."""
    if entity.pk == into.pk:
        return []
    with transaction.atomic():
        moved = list(entity.mentions.values_list("article_id", flat=True))
        both = set(into.mentions.filter(article_id__in=moved).values_list("article_id", flat=True))
        for article_id, count in entity.mentions.filter(article_id__in=both).values_list(
            "article_id", "count"
        ):
            into.mentions.filter(article_id=article_id).update(count=F("count") + count)
        entity.mentions.exclude(article_id__in=both).update(entity=into)
        EntityAlias.objects.filter(entity=entity).update(entity=into)
        entity.delete()
    forget_entity_ids()
    return moved


def entity_alias_save(*, alias: EntityAlias) -> list[int]:
    """Save a staff alias and link what was stored under that name to its entity.

    An entity of the same type whose key is the alias's key (قسد, found before the alias
    existed) is merged into the alias's entity. Returns the ids of the articles that changed,
    for the search index. Later articles are tagged with the alias by the enrich step.
    """
    alias.key = entity_key(alias.name)[:MAX_NAME]
    with transaction.atomic():
        alias.save()
        changed = []
        for other in Entity.objects.filter(type=alias.entity.type, key=alias.key).exclude(
            pk=alias.entity_id
        ):
            changed += entity_merge(entity=other, into=alias.entity)
    return changed
