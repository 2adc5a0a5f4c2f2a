"""The record that flows through the ingest pipeline, from extraction to storage."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ExtractedArticle:
    """What extraction and cleaning learned about one article, before it is stored.

    `html` is sanitized by `khabar.lib.html.sanitize_html` as the last step before storage.
    `dropped` lists the lines cleaning removed, each as {"line": ..., "reason": ...}.
    """

    title: str = ""
    text: str = ""
    html: str = ""
    url: str = ""
    canonical_url: str = ""
    guid: str = ""
    summary: str = ""
    author: str = ""
    published_at: datetime | None = None
    language: str = ""
    image_url: str = ""
    category: str = ""
    dropped: list[dict] = field(default_factory=list)
