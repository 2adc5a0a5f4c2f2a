"""Clean: drop repeated headlines, boilerplate and per-source repeated lines; never a real paragraph.

STUB: owned by the extraction helper; the signature below is the contract.
"""

from .records import ExtractedArticle


def clean_article(item: ExtractedArticle, *, source=None) -> ExtractedArticle:
    """Return `item` with boilerplate removed from text/html and each removal in `item.dropped`.

    With a `source`, lines are also counted per source (SourceLine) and lines that recur across
    many of its articles are dropped.
    """
    return item
