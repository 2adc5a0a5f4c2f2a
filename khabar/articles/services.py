"""Writes to articles that other parts of khabar must hear about."""

from collections.abc import Iterable

from django.db import transaction

from khabar import search

from .models import Article


def articles_delete(*, article_ids: Iterable[int]) -> int:
    """Delete these articles and have the search index drop them; returns how many went."""
    ids = list(article_ids)
    with transaction.atomic():
        _total, by_model = Article.objects.filter(pk__in=ids).delete()
        search.index_soon(ids)
    return by_model.get(Article._meta.label, 0)
