"""Highlighted titles and snippets: the query's matches marked in the original text.

The analyzer's terms carry offsets into the original, unnormalized text, so what is marked is
exactly what the article says (with its hamza, harakat and tatweel), HTML-escaped around the
<mark>s. One pass over the text's words (the analyzer caches each word's term) gives both the
words a snippet is cut from and which of them match. Pure Python, no Django: callers mark the
result safe.
"""

import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import sub

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


class Matcher:
    """Which of a text's terms the query looks for: a term the query has, or one holding a
    word the query found through its grams (a "needle", GRAM_N letters or more; a shorter one
    only matches itself). Works on a whole list of terms at once, so the loop stays in C:
    set lookups, then one regular-expression scan of the terms joined by newlines. The term
    of a stopword is "" and never matches."""

    def __init__(self, highlight: Highlight):
        short = {needle for needle in highlight.needles if len(needle) < analyzer.GRAM_N}
        self.terms = frozenset(highlight.terms | short) - {""}
        inside = sorted(highlight.needles - short, key=len, reverse=True)
        self.inside = re.compile("|".join(map(re.escape, inside))) if inside else None

    def hits(self, terms: list[str]) -> list[bool]:
        found = list(map(self.terms.__contains__, terms))
        if self.inside is None:
            return found
        joined = "\n".join(terms)
        match = self.inside.search(joined)
        if match is None:
            return found
        starts = list(accumulate((len(term) + 1 for term in terms[:-1]), initial=0))
        while match is not None:
            index = bisect_right(starts, match.start()) - 1
            found[index] = True
            # The next match starts past this term: one is enough for it.
            match = self.inside.search(joined, starts[index] + len(terms[index]) + 1)
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
        self.hits += matches.hits(terms)

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
    # Matches up to each word; the window ending at word i holds before[i + 1] - before[i + 1 -
    # words] (windows near the start are shorter). The first window with the most wins.
    before = list(accumulate(hits, initial=0))
    lagged = [0] * min(words, len(hits)) + before[1 : max(1, len(hits) - words + 1)]
    counts = list(map(sub, before[1:], lagged))
    best_last = counts.index(max(counts))
    best_first = max(0, best_last - words + 1)
    # Start a little before the window's first match, so the match has some context.
    first_hit = hits.index(True, best_first)
    return max(0, first_hit - CONTEXT_WORDS)


def plain_text(snippet: str) -> str:
    """A highlighted snippet as plain text, without the marks."""
    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", ""))
