"""Discovery: what an HTML page says about feeds, and where a site's feed usually lives."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json+feed",
    }
)
# Tried in order on a site's root when its home page advertises no feed.
COMMON_FEED_PATHS = (
    "/feed",
    "/rss",
    "/feed.xml",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/posts/default",
)


@dataclass
class PageFacts:
    """What a page's <head> tells: its advertised feeds, its title, and whether it is an article."""

    feed_urls: list[str] = field(default_factory=list)
    title: str = ""
    is_article: bool = False


class HeadReader(HTMLParser):
    def __init__(self, *, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.facts = PageFacts()
        self.in_title = False
        self.og_title = ""

    def handle_starttag(self, tag, attrs):
        values = {name: (value or "") for name, value in attrs}
        if tag == "base" and values.get("href"):
            self.base_url = urljoin(self.base_url, values["href"])
        elif tag == "link":
            self.read_link(values)
        elif tag == "meta":
            self.read_meta(values)
        elif tag == "title":
            self.in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.facts.title += data

    def read_link(self, values: dict) -> None:
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href", "").strip():
            url = urljoin(self.base_url, values["href"].strip())
            if url not in self.facts.feed_urls:
                self.facts.feed_urls.append(url)

    def read_meta(self, values: dict) -> None:
        key = (values.get("property") or values.get("name") or "").lower()
        if key == "og:type" and values.get("content", "").strip().lower() == "article":
            self.facts.is_article = True
        elif key == "og:title":
            self.og_title = values.get("content", "").strip()


def read_page(html: str, *, base_url: str) -> PageFacts:
    """Feeds a page advertises (<link rel="alternate">, absolute URLs), its title, its og:type."""
    reader = HeadReader(base_url=base_url)
    reader.feed(html)
    reader.close()
    facts = reader.facts
    facts.title = reader.og_title or " ".join(facts.title.split())
    return facts


def is_site_root(url: str) -> bool:
    return urlsplit(url).path in ("", "/")


def common_feed_urls(site_url: str) -> list[str]:
    return [urljoin(site_url, path) for path in COMMON_FEED_PATHS]
