"""Clean: drop repeated headlines, boilerplate and per-source repeated lines; never a real paragraph.

A line is dropped for one of four reasons, checked in this order, and each removal is recorded
in `item.dropped` so a person can see what cleaning did and why:

- it repeats the headline (scraped pages often print it again after the body);
- it is a short prompt or notice matched by the curated patterns in `boilerplate`;
- it recurs across many articles of the same source (`learned`);
- it is a short line in the block of boilerplate that ends the page.
"""

import re

from .boilerplate import boilerplate_kind, line_key
from .htmltext import drop_lines_from_html, text_of_html
from .learned import count_source_lines, learned_lines
from .records import ExtractedArticle

REPEATED_HEADLINE = "repeated headline"
TRAILING_BLOCK = "boilerplate: trailing block"
# Link labels after the first boilerplate line that closes a page are part of its footer:
# a few words, no punctuation. Anything that reads like a sentence stays.
TRAILING_LINE_MAX_CHARS = 40
TRAILING_LINE_MAX_WORDS = 4
_SENTENCE_PUNCTUATION = re.compile(r"[.!?؟…:،,;؛\"«»()]")
# "العنوان | اسم الموقع": the part after a separator may be a site name this long.
TITLE_SUFFIX_MAX_CHARS = 40
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:]\s+|\s*[|｜«»]\s*")
_BLANK_RUNS = re.compile(r"\n{3,}")
_BULLET = re.compile(r"^\s*(?:[-–•*·▪◦]|\d{1,2}[.)])\s+")
# Kinds that are one or two ordinary words ("الإعلانات", "التفاصيل", "بحث") and so can also be
# an item of a list in the article itself; the other kinds are unmistakable prompts.
LABEL_KINDS = frozenset({"navigation", "more", "comments", "advertisement", "share"})


def clean_article(
    item: ExtractedArticle, *, source=None, learn: bool = True, learned: dict | None = None
) -> ExtractedArticle:
    """Return `item` with boilerplate removed from text/html and each removal in `item.dropped`.

    With a `source`, lines are also counted per source (SourceLine) and lines that recur across
    many of its articles are dropped. `learn=False` applies what was learned without counting
    this article: the pipeline counts an article's lines itself, once it is stored as new.
    `learned` ({key: articles seen in}, from `learned_lines`) saves the look-up when a batch
    of articles of one source was looked up at once.
    """
    prepare_text(item)
    lines = item.text.splitlines()
    keys = [line_key(line) for line in lines]
    if learned is None:
        learned = learned_for_source(source, lines=lines, keys=keys, learn=learn)
    title_keys = headline_keys(item.title)
    reasons = [
        drop_reason(line, key=key, title_keys=title_keys, learned=learned)
        for line, key in zip(lines, keys, strict=True)
    ]
    keep_list_items(lines, reasons)
    mark_trailing_block(lines, reasons)
    item.text = kept_text(lines, reasons)
    dropped_keys = {key for key, reason in zip(keys, reasons, strict=True) if reason}
    item.html = drop_lines_from_html(item.html, keys=dropped_keys, key_of=line_key)
    item.dropped.extend(
        {"line": line.strip(), "reason": reason}
        for line, reason in zip(lines, reasons, strict=True)
        if reason
    )
    return item


def prepare_text(item: ExtractedArticle) -> ExtractedArticle:
    """Give `item` a text (from its HTML) and a title (the headline of its text) when it lacks one.

    Safe to call twice: the second call finds both and changes nothing.
    """
    if not item.text.strip() and item.html.strip():
        item.text = text_of_html(item.html)
    if not item.title.strip():
        item.title, item.text, leading = split_headline(item.text)
        item.dropped.extend(leading)
    return item


def line_keys(text: str) -> set[str]:
    """The distinct folded lines of `text`, as cleaning and learning compare them."""
    return {key for key in map(line_key, text.splitlines()) if key}


def split_headline(text: str) -> tuple[str, str, list[dict]]:
    """(headline, the text after it, the boilerplate lines dropped before it) of scraped text.

    The headline is the first line that is not boilerplate (menus and login links often come
    first in a scrape).
    """
    lines = (text or "").splitlines()
    dropped = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        kind = boilerplate_kind(line)
        if kind is None:
            return line.strip(), "\n".join(lines[index + 1 :]).strip("\n"), dropped
        dropped.append({"line": line.strip(), "reason": f"boilerplate: {kind}"})
    return "", "", dropped


def headline_keys(title: str) -> set[str]:
    """The folded forms a repeat of `title` may take: whole, or without a " | site" suffix."""
    keys = {line_key(title)}
    parts = _TITLE_SEPARATOR.split(title or "")
    if len(parts) > 1:
        keys.add(line_key(max(parts, key=len)))
    return {key for key in keys if key}


def is_headline_repeat(line: str, *, key: str, title_keys: set[str]) -> bool:
    if key in title_keys:
        return True
    parts = [part for part in _TITLE_SEPARATOR.split(line) if part.strip()]
    if len(parts) < 2:
        return False
    head, rest = parts[0], " ".join(parts[1:])
    return line_key(head) in title_keys and len(rest) <= TITLE_SUFFIX_MAX_CHARS


def drop_reason(line: str, *, key: str, title_keys: set[str], learned: dict[str, int]) -> str:
    """Why `line` goes, or "" when it stays."""
    if not key:
        return ""
    if is_headline_repeat(line, key=key, title_keys=title_keys):
        return REPEATED_HEADLINE
    kind = boilerplate_kind(line, key=key)
    if kind is not None:
        return f"boilerplate: {kind}"
    if key in learned:
        return f"learned for this source (seen in {learned[key]} articles)"
    return ""


def keep_list_items(lines: list[str], reasons: list[str]) -> None:
    """Keep a bulleted line that reads like a UI label when it sits in a list of content.

    "- الإعلانات" among "- دراسة السوق" and "- تطوير العلامة التجارية" is an item of the
    article's own list (advertising as a job duty), not an advertisement label.
    """
    for index, line in enumerate(lines):
        bullet = _BULLET.match(line)
        if not bullet or not reasons[index].startswith("boilerplate: "):
            continue
        if reasons[index].removeprefix("boilerplate: ") not in LABEL_KINDS:
            continue
        neighbours = _neighbours(lines, index)
        if any(_BULLET.match(lines[i]) and not reasons[i] for i in neighbours):
            reasons[index] = ""


def _neighbours(lines: list[str], index: int) -> list[int]:
    before = next((i for i in range(index - 1, -1, -1) if lines[i].strip()), None)
    after = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
    return [i for i in (before, after) if i is not None]


def mark_trailing_block(lines: list[str], reasons: list[str]) -> None:
    """Mark the footer-like lines that follow the first dropped line of the page's closing block.

    The closing block is the run at the end made only of dropped, blank or footer-like lines
    (short, not ending a sentence); it starts at its first dropped line that comes after some
    content, so a short real line is never taken for footer unless boilerplate precedes it.
    """
    start = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        if not (reasons[index] or is_footer_like(lines[index])):
            break
        start = index
    first_content = next(
        (i for i, line in enumerate(lines) if line.strip() and not reasons[i]), None
    )
    if first_content is None:
        return
    begins = next((i for i in range(max(start, first_content), len(lines)) if reasons[i]), None)
    if begins is None:
        return
    for index in range(begins + 1, len(lines)):
        if not reasons[index] and lines[index].strip():
            reasons[index] = TRAILING_BLOCK


def is_footer_like(line: str) -> bool:
    """Blank, or a few words without punctuation: how links and labels in a page footer look."""
    stripped = line.strip()
    return (
        len(stripped) <= TRAILING_LINE_MAX_CHARS
        and len(stripped.split()) <= TRAILING_LINE_MAX_WORDS
        and not _SENTENCE_PUNCTUATION.search(stripped)
    )


def kept_text(lines: list[str], reasons: list[str]) -> str:
    kept = "\n".join(line for line, reason in zip(lines, reasons, strict=True) if not reason)
    return _BLANK_RUNS.sub("\n\n", kept).strip()


def learned_for_source(source, *, lines: list[str], keys: list[str], learn: bool) -> dict:
    """{key: articles seen in} of this article's lines that are boilerplate for `source`.

    Counting first means this article is one of the articles a line was seen in.
    """
    if source is None or getattr(source, "pk", None) is None:
        return {}
    distinct = {key: line.strip() for line, key in zip(lines, keys, strict=True) if key}
    if learn:
        count_source_lines(source, lines=distinct)
    return learned_lines(source, keys=distinct, pending_articles=1 if learn else 0)
