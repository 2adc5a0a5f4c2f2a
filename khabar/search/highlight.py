"""Highlighted titles and snippets: the query's matches marked in the original text.

The analyzer's terms carry offsets into the original, unnormalized text, so what is marked is
exactly what the article says (with its hamza, harakat and tatweel), HTML-escaped around the
<mark>s. One pass over the text's words (the analyzer caches each word's term) gives both the
words a snippet is cut from and which of them match. Pure Python, no Django: callers mark the
result safe.
"""

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

from khabar.arabic import analyze as analyzer

from .analysis import Highlight

SNIPPET_WORDS = 36
CONTEXT_WORDS = 6  # words shown before the first match of the window
# The snippet is looked for in the first FIRST_SCAN_CHARS; only when nothing matches there is
# the text read further, up to SCAN_CHARS (a match further into a very long article is not
# looked for).
FIRST_SCAN_CHARS = 4_000
SCAN_CHARS = 20_000
SCAN_STEP_CHARS = 2_000
ELLIPSIS = "…"
TRAILING_PUNCTUATION = '.,;:!?؟،؛»”")'
_SPACES = re.compile(r"\s+")

_WORD_CHARS = re.compile(analyzer._WORD.pattern.removesuffix("+") + "*")  # a word, or nothing


class Matcher(dict):
    """Term → whether the query looks for it (a term the query has, or one holding a word the
    query found through its grams), computed once per term: a dict, so a text's terms are
    mapped through it in C. The term of a stopword is "" and never matches."""

    def __init__(self, highlight: Highlight):
        super().__init__()
        self.terms = highlight.terms
        self.needles = tuple(highlight.needles)
        self[""] = False

    def __missing__(self, term: str) -> bool:
        found = self[term] = term in self.terms or any(
            needle in term and (len(needle) >= analyzer.GRAM_N or needle == term)
            for needle in self.needles
        )
        return found


@lru_cache(maxsize=64)
def matcher(highlight: Highlight) -> Matcher:
    """One matcher for all the hits of a query (and the next pages of it)."""
    return Matcher(highlight)


@dataclass
class Scan:
    """The words of a text read so far: their offsets and whether the query matches them."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    hits: list[bool] = field(default_factory=list)
    more: bool = False  # words were left unread

    def read(self, text: str, start: int, end: int, matches: Matcher) -> None:
        starts, ends, terms = analyzer.DEFAULT.scan(text[start:end], offset=start)
        self.starts += starts
        self.ends += ends
        self.hits += map(matches.__getitem__, terms)

    def words_after_last_hit(self) -> int | None:
        if True not in self.hits:
            return None
        return self.hits[::-1].index(True)


def scanned_words(
    text: str, *, highlight: Highlight, first_scan: int = FIRST_SCAN_CHARS, words: int = 0
) -> Scan:
    """The words of `text` and which of them match, read in steps: the first `first_scan`
    characters, then further only until something matched and `words` words follow the last
    match (so a window of `words` words from any match is complete), at most SCAN_CHARS."""
    matches = matcher(highlight)
    scan = Scan()
    limit = min(len(text), SCAN_CHARS)
    start, step = 0, first_scan
    while start < limit:
        end = word_end(text, min(limit, start + step), limit)
        scan.read(text, start, end, matches)
        start, step = end, SCAN_STEP_CHARS
        after = scan.words_after_last_hit()
        if after is not None and after >= words:
            break
    scan.more = start < len(text) and analyzer._WORD.search(text, start) is not None
    return scan


def word_end(text: str, position: int, limit: int) -> int:
    """`position`, or the end of the word it falls in (never past `limit`)."""
    return _WORD_CHARS.match(text, position, limit).end()


def matched_spans(text: str, *, highlight: Highlight, language: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans of `text` that the query matches."""
    scan = scanned_words(text, highlight=highlight, first_scan=SCAN_CHARS)
    return [(s, e) for s, e, hit in zip(scan.starts, scan.ends, scan.hits, strict=True) if hit]


def marked_html(text: str, spans: list[tuple[int, int]], *, start: int = 0, end=None) -> str:
    """`text[start:end]` escaped, with each span inside it wrapped in <mark>."""
    end = len(text) if end is None else end
    parts, cursor = [], start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escaped(text[cursor:span_start]))
        parts.append(f"<mark>{escaped(text[span_start:span_end])}</mark>")
        cursor = span_end
    parts.append(escaped(text[cursor:end]))
    return "".join(parts)


def escaped(text: str) -> str:
    return html.escape(_SPACES.sub(" ", text), quote=False)


def title_html(title: str, *, highlight: Highlight, language: str) -> str:
    return marked_html(title, matched_spans(title, highlight=highlight, language=language))


def snippet_html(
    text: str, *, highlight: Highlight, language: str, words: int = SNIPPET_WORDS
) -> str:
    """About `words` words of `text` around its densest run of matches, matches marked."""
    scan = scanned_words(text, highlight=highlight, words=words)
    if not scan.starts:
        return ""
    first = best_window_start(scan.hits, words=words)
    last = min(len(scan.starts), first + words) - 1
    end = last_end = scan.ends[last]
    limit = min(len(text), SCAN_CHARS)
    while end < limit and end - last_end < 3 and text[end] in TRAILING_PUNCTUATION:
        end += 1  # keep the full stop or comma that closes the passage
    spans = [
        (scan.starts[index], scan.ends[index])
        for index in range(first, last + 1)
        if scan.hits[index]
    ]
    body = marked_html(text, spans, start=scan.starts[first], end=end)
    prefix = f"{ELLIPSIS} " if first > 0 else ""
    suffix = f" {ELLIPSIS}" if last < len(scan.starts) - 1 or scan.more else ""
    return f"{prefix}{body.strip()}{suffix}"


def best_window_start(hits: list[bool], *, words: int) -> int:
    """The word index where a window of `words` words holding the most matches starts."""
    if True not in hits:
        return 0
    best_count, best_first, count = -1, 0, 0
    for index, hit in enumerate(hits):
        count += hit
        if index >= words:
            count -= hits[index - words]
        if count > best_count:
            best_count, best_first = count, max(0, index - words + 1)
    # Start a little before the window's first match, so the match has some context.
    first_hit = next(i for i in range(best_first, len(hits)) if hits[i])
    return max(0, first_hit - CONTEXT_WORDS)


def plain_text(snippet: str) -> str:
    """A highlighted snippet as plain text, without the marks."""
    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", ""))
