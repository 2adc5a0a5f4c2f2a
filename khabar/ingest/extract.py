"""Extract: turn fetched HTML or scraped plain text into an ExtractedArticle.

HTML goes through trafilatura for the main content; the page's own metadata (Open Graph,
JSON-LD, <link rel=canonical>, <time>) is read here first because it is more precise than
trafilatura's (which keeps dates to the day). When trafilatura finds no main content, the
page's readable paragraphs are used instead, and when even those are missing the item says
why in `dropped`, so a page never yields nothing silently.
"""

import json
import logging
import re
from html import escape
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from khabar.lib.urls import canonicalize_url, strip_tracking

from .boilerplate import boilerplate_kind, line_key
from .clean import split_headline
from .dates import is_date_line, parse_published
from .htmltext import drop_lines_from_html, inner_html, parse_body, text_of_html
from .language import detect_language
from .records import ExtractedArticle

logger = logging.getLogger(__name__)
# trafilatura warns "discarding data: None" for every page without main content; that case is
# handled here (fallback, then a reason in `dropped`), so only its errors are worth showing.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

NOTHING_FOUND = "no article text found on the page"
# A fallback paragraph must be at least this long to count as prose rather than a link or label.
FALLBACK_PARAGRAPH_CHARS = 40
FALLBACK_SKIPPED_ANCESTORS = ("nav", "header", "footer", "aside", "form", "menu")
# After the headline of scraped text, a byline or date line is at most this long.
META_LINE_MAX_CHARS = 80
META_LINES_AFTER_HEADLINE = 3
BYLINE = re.compile(
    r"^(?:بقلم|كتب|كتبت|كتبه|كتبته|إعداد|اعداد|تحرير|المحرر|الكاتب|الكاتبة|by|written by)"
    r"\s*[:：\-–]?\s*(?P<name>[^\d:|]{2,60})$",
    re.IGNORECASE,
)

PUBLISHED_META = (
    ("property", "article:published_time"),
    ("property", "og:published_time"),
    ("itemprop", "datePublished"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "publish-date"),
    ("name", "date"),
    ("name", "dc.date"),
    ("name", "dc.date.issued"),
    ("name", "dcterms.created"),
    ("name", "sailthru.date"),
    ("name", "parsely-pub-date"),
    ("property", "article:modified_time"),
)
IMAGE_META = (
    ("property", "og:image:secure_url"),
    ("property", "og:image"),
    ("name", "twitter:image"),
    ("name", "twitter:image:src"),
    ("itemprop", "image"),
)
DATED_MARKERS = re.compile(r"date|time|publish|posted|byline|meta")
TITLE_META = (("property", "og:title"), ("name", "twitter:title"), ("itemprop", "headline"))
AUTHOR_META = (("name", "author"), ("property", "article:author"), ("name", "dc.creator"))


def extract_from_html(html: str, *, url: str = "") -> ExtractedArticle:
    """Main text, title, author, date, language, lead image and canonical URL of an HTML page."""
    item = ExtractedArticle(url=url)
    if not html or not html.strip():
        item.dropped.append({"line": "", "reason": "the page is empty"})
        return item
    page = parse_page(html)
    document = run_trafilatura(html, url=url)
    main_html = main_content_html(document)
    if not text_of_html(main_html):
        main_html = readable_paragraphs_html(page)
    fill_metadata(item, page=page, url=url)
    # trafilatura's heuristics are slow and its author guesses weak: only a missing title or
    # date calls them in.
    if not (item.title and item.published_at):
        fill_missing_metadata(item, page=page, url=url)
    fill_body(item, main_html=main_html)
    item.language = detect_language(f"{item.title}\n{item.text}") or page_language(page)
    if not item.text:
        item.dropped.append({"line": "", "reason": NOTHING_FOUND})
    return item


def fill_body(item: ExtractedArticle, *, main_html: str) -> None:
    """Text and HTML of the main content, less the date and byline lines under the headline."""
    already_dropped = len(item.dropped)
    item.text = take_meta_lines(item, text_of_html(main_html))
    taken = {line_key(entry["line"]) for entry in item.dropped[already_dropped:]}
    item.html = drop_lines_from_html(main_html, keys=taken, key_of=line_key)


def extract_from_text(text: str, *, url: str = "") -> ExtractedArticle:
    """Title and body of scraped plain text (headline first, maybe repeated after the body).

    Short date and byline lines right under the headline become `published_at` and `author`.
    """
    item = ExtractedArticle(url=url, canonical_url=canonicalize_url(url))
    item.title, body, item.dropped = split_headline(text or "")
    item.text = take_meta_lines(item, body)
    item.language = detect_language(f"{item.title}\n{item.text}")
    if not item.title:
        item.dropped.append({"line": "", "reason": "the text has no headline or body"})
    return item


def take_meta_lines(item: ExtractedArticle, body: str) -> str:
    """`body` without the date and byline lines under the headline, which fill `item`.

    Only short lines among the first few count, and a date or author the page already gave
    in its metadata is kept: the line is still removed, as a repeat of it.
    """
    lines = body.splitlines()
    title_key = line_key(item.title)
    seen = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or line_key(stripped) == title_key:
            continue
        seen += 1
        if seen > META_LINES_AFTER_HEADLINE or len(stripped) > META_LINE_MAX_CHARS:
            break
        if is_date_line(stripped):
            item.published_at = item.published_at or parse_published(stripped)
            item.dropped.append({"line": stripped, "reason": "date line (used as published)"})
            lines[index] = ""
        elif byline := BYLINE.match(stripped):
            item.author = item.author or byline["name"].strip(" -–—،,")
            item.dropped.append({"line": stripped, "reason": "byline (used as author)"})
            lines[index] = ""
    return "\n".join(lines).strip("\n")


# --- HTML ----------------------------------------------------------------------------------


def parse_page(html: str):
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


# Page furniture that sites mark by class or id; pruned before trafilatura looks for the
# main content, because a share bar next to a short article can be read as part of it. Only
# small elements go, so an <article class="story with-share-bar"> is never pruned whole.
PRUNED_MARKERS = ("share", "social", "subscribe", "newsletter", "related", "comments", "cookie")
PRUNED_MAX_CHARS = 400
_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
PRUNE_XPATH = [
    f"//*[(contains({_LOWER.format('@class')}, '{marker}') "
    f"or contains({_LOWER.format('@id')}, '{marker}')) "
    f"and string-length(normalize-space()) < {PRUNED_MAX_CHARS}]"
    for marker in PRUNED_MARKERS
]


def run_trafilatura(html: str, *, url: str):
    import trafilatura  # imported on first use: it takes most of a second

    try:
        return trafilatura.bare_extraction(
            html,
            url=url or None,
            output_format="html",
            # The page's own markup gives the metadata (fill_metadata); trafilatura's heuristic
            # search runs only for what the markup lacks (fill_missing_metadata).
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            include_images=True,
            include_links=True,
            include_formatting=True,
            prune_xpath=PRUNE_XPATH,
        )
    except Exception:  # trafilatura fails in many ways on broken pages; the fallback takes over
        logger.warning("trafilatura failed on %s", url or "a page", exc_info=True)
        return None


def main_content_html(document) -> str:
    """The HTML of trafilatura's main content, without the <html><body> wrapper."""
    from trafilatura.htmlprocessing import build_html_output

    if document is None or document.body is None:
        return ""
    body = parse_body(build_html_output(document))
    return inner_html(body) if body is not None else ""


def readable_paragraphs_html(page) -> str:
    """The page's prose paragraphs outside menus and footers, for when trafilatura finds none."""
    if page is None:
        return ""
    paragraphs = []
    for element in page.iter("p", "blockquote", "li"):
        if any(ancestor.tag in FALLBACK_SKIPPED_ANCESTORS for ancestor in element.iterancestors()):
            continue
        text = " ".join(element.text_content().split())
        if len(text) >= FALLBACK_PARAGRAPH_CHARS and boilerplate_kind(text) is None:
            paragraphs.append(text)
    return "".join(f"<p>{escape(text, quote=False)}</p>" for text in dict.fromkeys(paragraphs))


def fill_metadata(item: ExtractedArticle, *, page, url: str) -> None:
    """Title, author, date, image, canonical URL and language from the page's own markup."""
    linked = json_ld_article(page)
    site_name = meta_content(page, (("property", "og:site_name"),))
    title = meta_content(page, TITLE_META) or field(linked, "headline")
    item.title = clean_title(title, site_name=site_name)
    item.author = json_ld_author(linked) or usable_author(meta_content(page, AUTHOR_META))
    item.published_at = (
        parse_published(meta_content(page, PUBLISHED_META))
        or parse_published(field(linked, "datePublished"))
        or parse_published(time_element_date(page))
        or parse_published(dated_element_text(page))
    )
    image = meta_content(page, IMAGE_META) or json_ld_image(linked)
    item.image_url = absolute_url(image, base=url)
    canonical = link_href(page, "canonical") or meta_content(page, (("property", "og:url"),))
    item.canonical_url = canonicalize_url(absolute_url(canonical, base=url) or url)
    item.summary = meta_content(page, (("property", "og:description"), ("name", "description")))


def fill_missing_metadata(item: ExtractedArticle, *, page, url: str) -> None:
    """What the markup lacked, from trafilatura's heuristics and the page's first heading.

    trafilatura's date is a last resort: it is kept to the day and sometimes guessed.
    """
    document = trafilatura_metadata(page, url=url)
    site_name = meta_content(page, (("property", "og:site_name"),)) or field(document, "sitename")
    if not item.title:
        item.title = clean_title(
            field(document, "title") or page_heading(page), site_name=site_name
        )
    item.author = item.author or field(document, "author")
    item.published_at = item.published_at or parse_published(field(document, "date"))
    if not item.image_url:
        item.image_url = absolute_url(field(document, "image"), base=url)


def trafilatura_metadata(page, *, url: str):
    from trafilatura.metadata import extract_metadata

    if page is None:
        return None
    try:
        # htmldate's extensive search guesses from any year on the page (a copyright line).
        return extract_metadata(
            page,
            default_url=url or None,
            date_config={"extensive_search": False, "original_date": True},
            extensive=False,
        )
    except Exception:  # trafilatura fails in many ways on broken pages; keep what we have
        logger.warning("trafilatura's metadata failed on %s", url or "a page", exc_info=True)
        return None


def field(source, name: str) -> str:
    """A string field of trafilatura's document or a JSON-LD object; "" when absent or odd."""
    if source is None:
        return ""
    value = source.get(name) if isinstance(source, dict) else getattr(source, name, None)
    return " ".join(value.split()) if isinstance(value, str) else ""


def meta_content(page, pairs) -> str:
    """The first non-empty <meta> content among (attribute, value) pairs, in their order."""
    if page is None:
        return ""
    for attribute, value in pairs:
        for element in page.iter("meta"):
            if (element.get(attribute) or "").strip().lower() == value.lower():
                content = (element.get("content") or "").strip()
                if content:
                    return content
    return ""


def link_href(page, rel: str) -> str:
    if page is None:
        return ""
    for element in page.iter("link"):
        if rel in (element.get("rel") or "").lower().split():
            href = (element.get("href") or "").strip()
            if href:
                return href
    return ""


def page_heading(page) -> str:
    if page is None:
        return ""
    for tag in ("h1", "title"):
        for element in page.iter(tag):
            text = " ".join(element.text_content().split())
            if text:
                return text
    return ""


def page_language(page) -> str:
    if page is None:
        return ""
    spelled = (page.get("lang") or meta_content(page, (("property", "og:locale"),))).strip()
    return re.split(r"[-_]", spelled.lower())[0][:12] if spelled else ""


def time_element_date(page) -> str:
    if page is None:
        return ""
    for element in page.iter("time"):
        value = (element.get("datetime") or element.text_content() or "").strip()
        if value:
            return value
    return ""


def dated_element_text(page) -> str:
    """The text of the first short element whose class or id names a date ("date", "time")."""
    if page is None:
        return ""
    for element in page.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "body", "script"):
            continue
        marker = f"{element.get('class', '')} {element.get('id', '')}".lower()
        if DATED_MARKERS.search(marker):
            text = " ".join(element.text_content().split())
            if text and len(text) <= META_LINE_MAX_CHARS and parse_published(text):
                return text
    return ""


def clean_title(title: str, *, site_name: str) -> str:
    """`title` on one line, without a trailing or leading " | site name"."""
    title = " ".join((title or "").split())
    site = " ".join((site_name or "").split())
    if site and title != site:
        for separator in (" | ", " - ", " – ", " — ", " :: ", " « ", " » "):
            if title.endswith(separator + site):
                return title[: -len(separator + site)].strip()
            if title.startswith(site + separator):
                return title[len(site + separator) :].strip()
    return title


def usable_author(author: str) -> str:
    """An author name, not the profile URL some sites put in article:author."""
    author = " ".join((author or "").split())
    return "" if re.match(r"^(https?:)?//", author) else author


def absolute_url(link: str, *, base: str) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    return strip_tracking(urljoin(base, link) if base else link)


# --- JSON-LD -------------------------------------------------------------------------------

ARTICLE_TYPES = {"article", "newsarticle", "reportage", "blogposting", "analysisnewsarticle"}


def json_ld_article(page) -> dict:
    """The first Article-like object in the page's JSON-LD, or {}."""
    if page is None:
        return {}
    for script in page.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, TypeError):
            continue
        for candidate in _json_ld_objects(data):
            kinds = candidate.get("@type", "")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(str(kind).lower() in ARTICLE_TYPES for kind in kinds):
                return candidate
    return {}


def _json_ld_objects(data):
    if isinstance(data, list):
        for element in data:
            yield from _json_ld_objects(element)
    elif isinstance(data, dict):
        yield data
        yield from _json_ld_objects(data.get("@graph", []))


def json_ld_author(article: dict) -> str:
    authors = article.get("author") or []
    authors = authors if isinstance(authors, list) else [authors]
    names = [
        author.get("name", "") if isinstance(author, dict) else str(author) for author in authors
    ]
    return "، ".join(name.strip() for name in names if isinstance(name, str) and name.strip())


def json_ld_image(article: dict) -> str:
    image = article.get("image")
    if isinstance(image, list):
        image = image[0] if image else ""
    if isinstance(image, dict):
        image = image.get("url", "")
    return image if isinstance(image, str) else ""
