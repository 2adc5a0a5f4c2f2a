"""Analyzers: text → index terms, the same way for documents and queries.

STUB: owned by the toolkit/search-quality engineer; the signatures below are the contract the
search backends code against. Terms are plain strings without spaces; a backend indexes them
as they are (a whitespace tokenizer, or PostgreSQL's 'simple' configuration).
"""

from dataclasses import dataclass

from .tokenize import tokenize


@dataclass(frozen=True, slots=True)
class Term:
    """One index term and the span of the original text it came from."""

    term: str
    start: int
    end: int
    position: int  # word position, for phrase queries; stopwords keep their position slot


def analyze(text: str, *, language: str = "ar") -> list[Term]:
    """Index terms of `text` in order, with offsets into `text` (for highlighting)."""
    return [
        Term(token.norm, token.start, token.end, position)
        for position, token in enumerate(tokenize(text))
    ]


def terms(text: str, *, language: str = "ar") -> list[str]:
    """Just the terms of `analyze`, for indexing and querying."""
    return [term.term for term in analyze(text, language=language)]
