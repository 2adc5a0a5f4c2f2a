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
    match = Q(pk__in=[])
    if prints["guid_hash"]:
        match |= Q(source_id=source_id, guid_hash=prints["guid_hash"])
    if prints["canonical_url_hash"]:
        match |= Q(canonical_url_hash=prints["canonical_url_hash"])
    if prints["text_hash"]:
        match |= Q(text_hash=prints["text_hash"])
    candidates = list(Article.objects.filter(match)[:3])
    if not candidates:
        return None
    # Prefer the strongest identity: GUID, then URL, then text.
    for key in ("guid_hash", "canonical_url_hash", "text_hash"):
        for article in candidates:
            if prints[key] and getattr(article, key) == prints[key]:
                return article
    return candidates[0]
