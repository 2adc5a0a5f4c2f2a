"""Plain-text helpers for showing articles: the lead on lists, paragraphs on the article page."""

import re

from django.utils.html import strip_tags
from django.utils.text import Truncator

LEAD_WORDS = 40
PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")


def article_lead(article, *, words: int = LEAD_WORDS) -> str:
    """The summary, else the first `words` words of the text, as plain text."""
    summary = " ".join(strip_tags(article.summary or "").split())
    if summary:
        return Truncator(summary).words(words)
    return Truncator(" ".join((article.text or "").split())).words(words)


def text_paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs of plain text, one per line or blank-line-separated block."""
    return [" ".join(block.split()) for block in PARAGRAPH_BREAK.split(text or "") if block.strip()]
