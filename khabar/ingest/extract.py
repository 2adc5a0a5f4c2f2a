"""Extract: turn fetched HTML or scraped plain text into an ExtractedArticle.

STUB: owned by the extraction helper; the signatures below are the contract.
"""

from .records import ExtractedArticle


def extract_from_html(html: str, *, url: str = "") -> ExtractedArticle:
    """Main text, title, author, date, language, lead image and canonical URL of an HTML page."""
    raise NotImplementedError


def extract_from_text(text: str, *, url: str = "") -> ExtractedArticle:
    """Title and body of scraped plain text (headline first, maybe repeated after the body)."""
    raise NotImplementedError
