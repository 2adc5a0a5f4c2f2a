"""Deduplicate: the fingerprints that the database's unique constraints compare."""

import hashlib

from django.db.models import Q

from khabar.arabic.normalize import normalize, normalize_spaces
from khabar.articles.models import Article
from khabar.lib.urls import canonicalize_url

from .records import ExtractedArticle


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalized_text(text: str) -> str:
    """Text as compared for duplicates: Arabic spelling variants, case and spacing folded."""
    return normalize_spaces(normalize(text or ""))


def text_fingerprint(text: str) -> str | None:
    """Equal for texts that differ only in spacing, case or Arabic spelling; None if empty."""
    normalized = normalized_text(text)
    return sha256(normalized) if normalized else None


def url_fingerprint(url: str) -> str | None:
    canonical = canonicalize_url(url)
    return sha256(canonical) if canonical else None


def guid_fingerprint(guid: str) -> str | None:
    guid = (guid or "").strip()
    return sha256(guid) if guid else None


def fingerprints(item: ExtractedArticle) -> dict[str, str | None]:
    return {
        "guid_hash": guid_fingerprint(item.guid),
        "canonical_url_hash": url_fingerprint(item.canonical_url or item.url),
        "text_hash": text_fingerprint(item.text),
    }


def find_existing_article(*, source_id: int, prints: dict[str, str | None]) -> Article | None:
    """The stored article this one duplicates: same GUID in the source, same URL, or same text."""
    return find_existing_articles(source_id=source_id, prints_list=[prints])[0]


def find_existing_articles(
    *, source_id: int, prints_list: list[dict[str, str | None]]
) -> list[Article | None]:
    """`find_existing_article` for a batch of articles of one source, in one query."""
    by_key: dict[str, set] = {"guid_hash": set(), "canonical_url_hash": set(), "text_hash": set()}
    for prints in prints_list:
        for key, values in by_key.items():
            if prints[key]:
                values.add(prints[key])
    match = Q(pk__in=[])
    if by_key["guid_hash"]:
        match |= Q(source_id=source_id, guid_hash__in=by_key["guid_hash"])
    if by_key["canonical_url_hash"]:
        match |= Q(canonical_url_hash__in=by_key["canonical_url_hash"])
    if by_key["text_hash"]:
        match |= Q(text_hash__in=by_key["text_hash"])
    candidates = list(Article.objects.filter(match).order_by())
    return [best_match(candidates, prints=prints, source_id=source_id) for prints in prints_list]


def best_match(candidates: list[Article], *, prints: dict, source_id: int) -> Article | None:
    """The candidate this article duplicates, preferring GUID, then URL, then text."""
    for key in ("guid_hash", "canonical_url_hash", "text_hash"):
        if not prints[key]:
            continue
        for article in candidates:
            if getattr(article, key) != prints[key]:
                continue
            if key != "guid_hash" or article.source_id == source_id:
                return article
    return None
