"""The per-article pipeline after fetching: extract (if needed) → clean → sanitize → store.

Every way in (feeds, single pages, saved files, bulk import) goes through `process_article`.
STUB: owned by the extraction helper; the signature below is the contract.
"""

from khabar.lib.html import sanitize_html

from .records import ExtractedArticle
from .store import store_article


def process_article(source, *, item: ExtractedArticle):
    """Clean, sanitize and store one extracted article; returns (Article, StoreOutcome)."""
    item.html = sanitize_html(item.html, base_url=item.url)
    return store_article(source, item=item)
