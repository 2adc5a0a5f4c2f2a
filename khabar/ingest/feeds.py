"""Parse: read a fetched feed (RSS 0.9x/1.0/2.0, Atom or JSON Feed) into entries.

feedparser reads the XML formats, whatever their declared encoding. It does not know JSON Feed,
so JSON Feed 1.0/1.1 has its own small reader here. Both give the same `ParsedFeed`.
"""

import calendar
import html
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

from .dates import parse_published
from .htmltext import text_of_html
from .records import ExtractedArticle

logger = logging.getLogger(__name__)

JSON_FEED_VERSION_PREFIX = "https://jsonfeed.org/version/"
# Content is "full" when it is clearly more than the summary; otherwise the page is fetched.
FULL_CONTENT_RATIO = 2


class NotAFeed(ValueError):
    """The bytes are not a feed khabar can read; the message says why in plain words."""


@dataclass
class FeedEntry:
    """One item of a feed, before extraction: links absolute, HTML as the feed gave it."""

    title: str = ""
    url: str = ""
    guid: str = ""
    summary_html: str = ""
    content_html: str = ""
    author: str = ""
    published_at: datetime | None = None
    language: str = ""
    image_url: str = ""
    category: str = ""


@dataclass
class ParsedFeed:
    title: str = ""
    site_url: str = ""
    language: str = ""
    ttl_seconds: int | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    # Problems the entries survived: a malformed document, items that could not be read.
    problems: list[str] = field(default_factory=list)


def parse_feed(content: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
    """The feed in `content`, fetched from `url`; raises NotAFeed when nothing can be read."""
    if looks_like_json(content, content_type=content_type):
        return parse_json_feed(content, url=url)
    return parse_xml_feed(content, url=url, content_type=content_type)


def looks_like_json(content: bytes, *, content_type: str) -> bool:
    start = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return start == b"{" or ("json" in content_type.lower() and start != b"<")


# --- RSS and Atom, through feedparser ------------------------------------------------------


def parse_xml_feed(content: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(content, response_headers=headers)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise NotAFeed(xml_failure(parsed))
    channel = parsed.feed
    feed = ParsedFeed(
        title=plain_title(channel.get("title", "")),
        site_url=absolute(channel.get("link", ""), base=url),
        language=channel.get("language", "") or "",
        ttl_seconds=ttl_seconds(channel.get("ttl", "")),
    )
    if parsed.bozo:
        feed.problems.append(f"the feed is malformed ({parsed.bozo_exception}); items kept")
    for number, raw in enumerate(parsed.entries, start=1):
        try:
            feed.entries.append(entry_from_feedparser(raw, base=url, language=feed.language))
        except Exception as error:  # one unreadable item must not hide the others
            logger.warning("feed %s: item %d unreadable: %s", url, number, error)
            feed.problems.append(f"item {number} could not be read: {error}")
    return feed


def xml_failure(parsed) -> str:
    if parsed.get("version") and parsed.bozo:
        return f"the feed could not be read: {parsed.get('bozo_exception')}"
    return "this is not a feed: no RSS, Atom or JSON Feed found"


def ttl_seconds(value) -> int | None:
    """RSS <ttl> is in minutes."""
    try:
        minutes = int(str(value).strip())
    except ValueError:
        return None
    return minutes * 60 if minutes > 0 else None


def entry_from_feedparser(raw, *, base: str, language: str) -> FeedEntry:
    url = absolute(raw.get("link", ""), base=base)
    content_html = longest(part.get("value", "") for part in raw.get("content") or [])
    summary_html = raw.get("summary", "") or ""
    if summary_html == content_html:
        summary_html = ""  # feedparser copies Atom <content> into summary when there is none
    return FeedEntry(
        title=plain_title(raw.get("title", "")),
        url=url,
        guid=str(raw.get("id", "") or url),
        summary_html=summary_html,
        content_html=content_html,
        author=feedparser_author(raw),
        published_at=feedparser_published(raw),
        language=feedparser_language(raw) or language,
        image_url=absolute(feedparser_image(raw), base=base),
        category=first_tag(raw),
    )


def feedparser_author(raw) -> str:
    detail = raw.get("author_detail") or {}
    return (detail.get("name") or raw.get("author") or "").strip()


def feedparser_published(raw) -> datetime | None:
    text = raw.get("published") or raw.get("updated") or ""
    published = parse_date(text)
    if published is not None:
        return published
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    if parsed:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)  # feedparser gives UTC
    return None


def feedparser_language(raw) -> str:
    for detail in [*(raw.get("content") or []), raw.get("title_detail") or {}]:
        if detail.get("language"):
            return detail["language"]
    return ""


def feedparser_image(raw) -> str:
    for media in raw.get("media_content") or []:
        if media.get("medium") == "image" or media.get("type", "").startswith("image/"):
            return media.get("url", "")
    for thumbnail in raw.get("media_thumbnail") or []:
        if thumbnail.get("url"):
            return thumbnail["url"]
    for enclosure in raw.get("enclosures") or []:
        if enclosure.get("type", "").startswith("image/"):
            return enclosure.get("href", "")
    return ""


def first_tag(raw) -> str:
    for tag in raw.get("tags") or []:
        if tag.get("term"):
            return tag["term"].strip()
    return ""


# --- JSON Feed 1.0 and 1.1 -----------------------------------------------------------------


def parse_json_feed(content: bytes, *, url: str) -> ParsedFeed:
    data = json_document(content)
    items = data.get("items")
    if not isinstance(items, list):
        raise NotAFeed("the JSON Feed has no list of items")
    feed = ParsedFeed(
        title=str(data.get("title") or "").strip(),
        site_url=absolute(str(data.get("home_page_url") or ""), base=url),
        language=str(data.get("language") or ""),
    )
    for number, item in enumerate(items, start=1):
        try:
            feed.entries.append(entry_from_json_item(item, base=url, language=feed.language))
        except Exception as error:  # one unreadable item must not hide the others
            logger.warning("feed %s: item %d unreadable: %s", url, number, error)
            feed.problems.append(f"item {number} could not be read: {error}")
    return feed


def json_document(content: bytes) -> dict:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise NotAFeed(f"the JSON Feed could not be read: {error}") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not str(version or "").startswith(JSON_FEED_VERSION_PREFIX):
        raise NotAFeed("this JSON is not a JSON Feed (no jsonfeed.org version)")
    return data


def entry_from_json_item(item: dict, *, base: str, language: str) -> FeedEntry:
    if not isinstance(item, dict):
        raise ValueError("an item is not a JSON object")
    url = absolute(str(item.get("url") or item.get("external_url") or ""), base=base)
    content_html = str(item.get("content_html") or "") or text_as_html(
        str(item.get("content_text") or "")
    )
    return FeedEntry(
        title=str(item.get("title") or "").strip(),
        url=url,
        guid=str(item.get("id") or url),
        summary_html=html.escape(str(item.get("summary") or "")),
        content_html=content_html,
        author=json_author(item),
        published_at=parse_date(str(item.get("date_published") or item.get("date_modified") or "")),
        language=str(item.get("language") or language),
        image_url=absolute(json_image(item), base=base),
        category=next((str(tag) for tag in item.get("tags") or [] if tag), ""),
    )


def json_author(item: dict) -> str:
    # 1.1 has "authors", a list; 1.0 had one "author".
    authors = item.get("authors") or [item.get("author")]
    names = [str(a.get("name")).strip() for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names)


def json_image(item: dict) -> str:
    if item.get("image") or item.get("banner_image"):
        return str(item.get("image") or item.get("banner_image"))
    for attachment in item.get("attachments") or []:
        if isinstance(attachment, dict) and str(attachment.get("mime_type", "")).startswith(
            "image/"
        ):
            return str(attachment.get("url") or "")
    return ""


def text_as_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


# --- From an entry to the pipeline's record -------------------------------------------------


def has_full_content(entry: FeedEntry) -> bool:
    """True when the feed carries the article itself, not only a summary of it."""
    content = text_of_html(entry.content_html)
    if not content:
        return False
    summary = text_of_html(entry.summary_html)
    return not summary or len(content) >= FULL_CONTENT_RATIO * len(summary)


def article_from_entry(entry: FeedEntry) -> ExtractedArticle:
    """What the feed alone says about the article: its content, or else its summary."""
    body_html = entry.content_html or entry.summary_html
    return ExtractedArticle(
        title=entry.title,
        text=text_of_html(body_html),
        html=body_html,
        url=entry.url,
        guid=entry.guid,
        summary=text_of_html(entry.summary_html),
        author=entry.author,
        published_at=entry.published_at,
        language=entry.language,
        image_url=entry.image_url,
        category=entry.category,
    )


# --- Small helpers -------------------------------------------------------------------------


def absolute(link: str, *, base: str) -> str:
    link = (link or "").strip()
    return urljoin(base, link) if link else ""


def longest(values) -> str:
    return max((v for v in values if v), key=len, default="")


def plain_title(title: str) -> str:
    return " ".join(text_of_html(title).split())


def parse_date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_published(text)
    except Exception:  # a date the parser chokes on is a missing date, not a lost item
        logger.debug("unparseable date %r", text, exc_info=True)
        return None
