"""Article HTML seen as lines: its readable text, and removing the blocks behind given lines.

Cleaning decides on lines of text; these two functions keep the HTML in step with it, using
one idea of where a line starts and ends (block elements and <br>).
"""

from collections.abc import Callable

import lxml.html
from lxml import etree

BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "figure", "figcaption"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "td", "th", "caption"}
    | {"section", "article", "aside", "header", "footer", "nav", "main", "form", "hr", "address"}
)
LINE_BREAKS = BLOCK_TAGS | {"br"}
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template"})
# An emptied container is removed unless it still holds one of these.
MEDIA_TAGS = frozenset({"img", "iframe", "video", "audio", "picture", "svg", "object", "embed"})


def parse_body(html: str) -> lxml.html.HtmlElement | None:
    """The <body> of `html`, a fragment or a whole document; None when there is nothing."""
    if not html or not html.strip():
        return None
    try:
        document = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    body = document.find("body")
    return body if body is not None else document


def inner_html(body: lxml.html.HtmlElement) -> str:
    parts = [body.text or ""]
    parts += [lxml.html.tostring(child, encoding="unicode") for child in body]
    return "".join(parts).strip()


def text_of_html(html: str) -> str:
    """The readable text of `html`, one line per block or <br>, without scripts or styles."""
    body = parse_body(html)
    if body is None:
        return ""
    pieces: list[str] = []
    _collect_text(body, pieces)
    lines = (" ".join(line.split()) for line in "".join(pieces).splitlines())
    return "\n".join(line for line in lines if line)


def _collect_text(element, pieces: list[str]) -> None:
    if not isinstance(element.tag, str) or element.tag in SKIPPED_TAGS:
        return
    breaks = element.tag in LINE_BREAKS
    if breaks:
        pieces.append("\n")
    pieces.append(element.text or "")
    for child in element:
        _collect_text(child, pieces)
        pieces.append(child.tail or "")
    if breaks:
        pieces.append("\n")


def drop_lines_from_html(html: str, *, keys: set[str], key_of: Callable[[str], str]) -> str:
    """`html` without the blocks (or bare lines of text) whose `key_of(text)` is in `keys`.

    Only whole blocks go: a link or word inside a paragraph that happens to read like a
    dropped line stays, because its paragraph's text as a whole is not that line.
    """
    body = parse_body(html)
    if body is None or not keys:
        return html
    emptied = set()
    for element in _blocks_to_drop(body, keys=keys, key_of=key_of):
        parent = element.getparent()
        element.drop_tree()
        if parent is not None:
            emptied.add(parent)
    _drop_bare_lines(body, keys=keys, key_of=key_of)
    for parent in emptied:
        _drop_if_empty(parent, body=body)
    return inner_html(body)


def _blocks_to_drop(body, *, keys: set[str], key_of: Callable[[str], str]) -> list:
    marked = []
    for element in body.iterdescendants(*BLOCK_TAGS):
        if any(ancestor in marked for ancestor in element.iterancestors()):
            continue
        if key_of(element.text_content()) in keys:
            marked.append(element)
    return marked


def _drop_bare_lines(body, *, keys: set[str], key_of: Callable[[str], str]) -> None:
    """Clear text that stands on its own line between <br>s or blocks and is a dropped line."""
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        first = element[0] if len(element) else None
        starts_line = element is body or element.tag in BLOCK_TAGS
        ends_line = first is None or first.tag in LINE_BREAKS
        if starts_line and ends_line and element.text and key_of(element.text) in keys:
            element.text = ""
        following = element.getnext()
        if (
            element is not body
            and element.tail
            and element.tag in LINE_BREAKS
            and (following is None or following.tag in LINE_BREAKS)
            and key_of(element.tail) in keys
        ):
            element.tail = ""


def _drop_if_empty(element, *, body) -> None:
    while element is not None and element is not body:
        if element.text_content().strip() or any(True for _ in element.iter(*MEDIA_TAGS)):
            return
        parent = element.getparent()
        element.drop_tree()
        element = parent
