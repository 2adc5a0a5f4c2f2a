"""Highlighted titles and snippets: the query's matches marked in the original text.

The analyzer's terms carry offsets into the original, unnormalized text, so what is marked is
exactly what the article says (with its hamza, harakat and tatweel), HTML-escaped around the
<mark>s. Pure Python, no Django: callers mark the result safe.
"""

import html
import re
from collections.abc import Iterator

from khabar.arabic import analyze as analyzer
from khabar.arabic import tokenize

from .analysis import Highlight, analysis_language

SNIPPET_WORDS = 36
CONTEXT_WORDS = 6  # words shown before the first match of the window
SCAN_CHARS = 20_000  # a match further into a very long article is not looked for
ELLIPSIS = "…"
TRAILING_PUNCTUATION = '.,;:!?؟،؛»”")'
_SPACES = re.compile(r"\s+")


def matched_spans(text: str, *, highlight: Highlight, language: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans of `text` that the query matches."""
    spans = set()
    for term in analyzer.analyze(text, language=analysis_language(language)):
        if term.term in highlight.terms or any(
            needle in term.term and (len(needle) >= analyzer.GRAM_N or needle == term.term)
            for needle in highlight.needles
        ):
            spans.add((term.start, term.end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


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
    text = text[:SCAN_CHARS]
    tokens = tokenize(text)
    if not tokens:
        return ""
    spans = matched_spans(text, highlight=highlight, language=language)
    first = best_window_start(tokens, spans, words=words)
    last = min(len(tokens), first + words) - 1
    end = tokens[last].end
    while end < len(text) and end - tokens[last].end < 3 and text[end] in TRAILING_PUNCTUATION:
        end += 1  # keep the full stop or comma that closes the passage
    body = marked_html(text, spans, start=tokens[first].start, end=end)
    prefix = f"{ELLIPSIS} " if first > 0 else ""
    suffix = f" {ELLIPSIS}" if last < len(tokens) - 1 or len(text) == SCAN_CHARS else ""
    return f"{prefix}{body.strip()}{suffix}"


def best_window_start(tokens, spans: list[tuple[int, int]], *, words: int) -> int:
    """The token index where a window of `words` words holding the most matches starts."""
    if not spans:
        return 0
    hits = list(matched_token_flags(tokens, spans))
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


def matched_token_flags(tokens, spans: list[tuple[int, int]]) -> Iterator[int]:
    span_index = 0
    for token in tokens:
        while span_index < len(spans) and spans[span_index][1] <= token.start:
            span_index += 1
        hit = span_index < len(spans) and spans[span_index][0] < token.end
        yield 1 if hit else 0


def plain_text(snippet: str) -> str:
    """A highlighted snippet as plain text, without the marks."""
    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", ""))
