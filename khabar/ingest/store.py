"""Store: write one cleaned, sanitized article, idempotently."""

import enum

from django.db import IntegrityError, transaction

from khabar.articles.models import Article
from khabar.lib.urls import canonicalize_url
from khabar.sources.models import Source

from .dedupe import find_existing_article, fingerprints
from .records import ExtractedArticle

UPDATABLE_FIELDS = (
    "title",
    "summary",
    "text",
    "html",
    "author",
    "published_at",
    "language",
    "image_url",
    "category",
    "url",
    "canonical_url",
)


class StoreOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def article_fields(item: ExtractedArticle) -> dict:
    return {
        "title": item.title.strip()[:5000],
        "summary": item.summary,
        "text": item.text,
        "html": item.html,
        "author": item.author.strip()[:300],
        "published_at": item.published_at,
        "language": item.language[:12],
        "image_url": item.image_url[:2000],
        "category": item.category[:100],
        "url": item.url[:2000],
        "canonical_url": canonicalize_url(item.canonical_url or item.url)[:2000],
    }


NOT_LOOKED_UP = object()


def store_article(
    source: Source, *, item: ExtractedArticle, existing=NOT_LOOKED_UP
) -> tuple[Article, StoreOutcome]:
    """Create the article, or update the copy already stored, keeping its earlier titles.

    Safe to call twice with the same item and safe against a concurrent writer: the unique
    constraints decide, and a lost race turns into an update. `existing` is the stored
    duplicate (or None) when the caller looked it up already, for a batch.
    """
    prints = fingerprints(item)
    fields = article_fields(item)
    for attempt in range(3):
        if attempt or existing is NOT_LOOKED_UP:
            existing = find_existing_article(source_id=source.pk, prints=prints)
        if existing is not None:
            return existing, update_article(existing, fields=fields, prints=prints)
        try:
            with transaction.atomic():
                article = Article.objects.create(
                    source=source, guid=item.guid.strip(), **prints, **fields
                )
            return article, StoreOutcome.CREATED
        except IntegrityError:
            continue  # another writer stored it first; read it back and update
    raise IntegrityError(f"could not store article {item.url or item.title!r}")


def update_article(article: Article, *, fields: dict, prints: dict) -> StoreOutcome:
    """Apply newer values in place; a new title pushes the old one onto `previous_titles`."""
    changed = []
    for name in UPDATABLE_FIELDS:
        new = fields[name]
        if new in ("", None) or getattr(article, name) == new:
            continue
        if name == "title" and article.title and article.title not in article.previous_titles:
            article.previous_titles = [*article.previous_titles, article.title]
            changed.append("previous_titles")
        setattr(article, name, new)
        changed.append(name)
    for field_name, hash_name in (("text", "text_hash"), ("canonical_url", "canonical_url_hash")):
        if field_name in changed and prints[hash_name]:
            setattr(article, hash_name, prints[hash_name])
            changed.append(hash_name)
    if not changed:
        return StoreOutcome.UNCHANGED
    try:
        with transaction.atomic():
            article.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        # The new URL belongs to another stored article: keep this one's identity as it was.
        article.refresh_from_db()
        return StoreOutcome.UNCHANGED
    return StoreOutcome.UPDATED
