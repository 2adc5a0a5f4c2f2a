"""A small local news site for the demo: feeds, article pages and a scraped-text page.

The content is written for khabar (fictional outlets, in `content/*.toml` and `scraped/*.txt`);
this module turns it into RSS 2.0, Atom and HTML as real sites serve them, with publication times
counted back from when the server started so the demo always shows fresh news. Responses carry
an ETag and Last-Modified and answer conditional requests with 304, like a polite server.
"""

import hashlib
import html
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
CONTENT_DIR = DATA_DIR / "content"
SCRAPED_DIR = DATA_DIR / "scraped"


@dataclass(frozen=True)
class DemoItem:
    slug: str
    title: str
    author: str
    category: str
    hours_ago: float
    body: str
    summary: str = ""

    @property
    def paragraphs(self) -> list[str]:
        return [block.strip() for block in self.body.strip().split("\n\n") if block.strip()]


@dataclass(frozen=True)
class DemoFeed:
    format: str  # "rss" or "atom"
    path: str
    title: str
    description: str
    language: str
    items: tuple[DemoItem, ...]
    folder: str = ""

    @property
    def feed_path(self) -> str:
        return f"/{self.path}/{'atom' if self.format == 'atom' else 'rss'}.xml"

    def article_path(self, item: DemoItem) -> str:
        return f"/{self.path}/articles/{item.slug}.html"


def load_feeds(content_dir: Path = CONTENT_DIR) -> list[DemoFeed]:
    """Every demo feed described in `content_dir`, in file name order."""
    feeds = []
    for path in sorted(content_dir.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        items = tuple(DemoItem(**item) for item in data["items"])
        feeds.append(DemoFeed(**data["feed"], items=items))
    return feeds


def scraped_pages(scraped_dir: Path = SCRAPED_DIR) -> list[Path]:
    """The plain-text pages, as a scraper saved them: headline, body, headline again, footer."""
    return sorted(scraped_dir.glob("*.txt"))


# --- rendering ----------------------------------------------------------------------------


def published(item: DemoItem, *, anchor: datetime) -> datetime:
    return anchor - timedelta(hours=item.hours_ago)


def body_html(item: DemoItem) -> str:
    return "\n".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in item.paragraphs)


def render_rss(feed: DemoFeed, *, base_url: str, anchor: datetime) -> str:
    """RSS 2.0 with the full text of each item in content:encoded."""
    items = []
    for item in feed.items:
        link = base_url + feed.article_path(item)
        items.append(
            f"""    <item>
      <title>{html.escape(item.title)}</title>
      <link>{link}</link>
      <guid isPermaLink="false">khabar-demo:{feed.path}:{item.slug}</guid>
      <pubDate>{format_datetime(published(item, anchor=anchor))}</pubDate>
      <dc:creator>{html.escape(item.author)}</dc:creator>
      <category>{html.escape(item.category)}</category>
      <description>{html.escape(item.summary or item.paragraphs[0])}</description>
      <content:encoded><![CDATA[{body_html(item)}]]></content:encoded>
    </item>"""
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{html.escape(feed.title)}</title>
    <link>{base_url}/{feed.path}/</link>
    <atom:link href="{base_url}{feed.feed_path}" rel="self" type="application/rss+xml"/>
    <description>{html.escape(feed.description)}</description>
    <language>{feed.language}</language>
    <lastBuildDate>{format_datetime(anchor)}</lastBuildDate>
{chr(10).join(items)}
  </channel>
</rss>
"""


def render_atom(feed: DemoFeed, *, base_url: str, anchor: datetime) -> str:
    """Atom with a summary only: readers (and khabar) must fetch the page for the text."""
    entries = []
    for item in feed.items:
        when = published(item, anchor=anchor).isoformat()
        entries.append(
            f"""  <entry>
    <id>urn:khabar-demo:{feed.path}:{item.slug}</id>
    <title>{html.escape(item.title)}</title>
    <link rel="alternate" type="text/html" href="{base_url}{feed.article_path(item)}"/>
    <published>{when}</published>
    <updated>{when}</updated>
    <author><name>{html.escape(item.author)}</name></author>
    <category term="{html.escape(item.category)}"/>
    <summary>{html.escape(item.summary or item.paragraphs[0])}</summary>
  </entry>"""
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{feed.language}">
  <id>urn:khabar-demo:{feed.path}</id>
  <title>{html.escape(feed.title)}</title>
  <subtitle>{html.escape(feed.description)}</subtitle>
  <link rel="alternate" type="text/html" href="{base_url}/{feed.path}/"/>
  <link rel="self" type="application/atom+xml" href="{base_url}{feed.feed_path}"/>
  <updated>{anchor.isoformat()}</updated>
{chr(10).join(entries)}
</feed>
"""


# The words around an article on a real news page, which extraction must leave out.
PAGE_WORDS = {
    "ar": {
        "dir": "rtl",
        "menu": ["الرئيسية", "محليات", "اقتصاد", "رياضة", "ثقافة", "تقنية", "اتصل بنا"],
        "by": "بقلم",
        "share": ["شارك على فيسبوك", "شارك على إكس", "انسخ الرابط", "اطبع"],
        "related": "اقرأ أيضاً",
        "newsletter": "اشترك في نشرتنا البريدية لتصلك أهم الأخبار كل صباح",
        "subscribe": "اشترك",
        "rights": "جميع الحقوق محفوظة",
        "about": "من نحن · سياسة الخصوصية · شروط الاستخدام · أعلن معنا",
    },
    "en": {
        "dir": "ltr",
        "menu": ["Home", "City", "Politics", "Culture", "Sport", "Contact"],
        "by": "By",
        "share": ["Share on Facebook", "Share on X", "Copy link", "Print"],
        "related": "Read more",
        "newsletter": "Get the morning briefing in your inbox",
        "subscribe": "Subscribe",
        "rights": "All rights reserved",
        "about": "About us · Privacy policy · Terms of use · Advertise",
    },
}


def render_article_page(feed: DemoFeed, item: DemoItem, *, base_url: str, anchor: datetime) -> str:
    """The article as a news site serves it: the text among menus, share links and a footer."""
    words = PAGE_WORDS[feed.language]
    when = published(item, anchor=anchor)
    menu = "".join(f'<li><a href="{base_url}/{feed.path}/">{m}</a></li>' for m in words["menu"])
    share = "".join(f'<li><a href="#share">{s}</a></li>' for s in words["share"])
    related = "".join(
        f'<li><a href="{base_url}{feed.article_path(other)}">{html.escape(other.title)}</a></li>'
        for other in feed.items
        if other.slug != item.slug
    )
    title = html.escape(item.title)
    return f"""<!doctype html>
<html lang="{feed.language}" dir="{words["dir"]}">
<head>
  <meta charset="utf-8">
  <title>{title} | {html.escape(feed.title)}</title>
  <link rel="canonical" href="{base_url}{feed.article_path(item)}">
  <link rel="alternate" type="application/{feed.format}+xml" href="{base_url}{feed.feed_path}">
  <meta name="author" content="{html.escape(item.author)}">
  <meta property="og:title" content="{title}">
  <meta property="og:site_name" content="{html.escape(feed.title)}">
  <meta property="article:published_time" content="{when.isoformat()}">
  <meta name="description" content="{html.escape(item.summary or item.paragraphs[0])}">
</head>
<body>
  <header class="masthead">
    <a class="logo" href="{base_url}/{feed.path}/">{html.escape(feed.title)}</a>
    <nav><ul>{menu}</ul></nav>
  </header>
  <main>
    <article>
      <p class="section">{html.escape(item.category)}</p>
      <h1>{title}</h1>
      <p class="byline">{words["by"]} <span class="author">{html.escape(item.author)}</span>
        · <time datetime="{when.isoformat()}">{when:%Y-%m-%d %H:%M}</time></p>
      <ul class="share">{share}</ul>
      <div class="article-body">
{body_html(item)}
      </div>
    </article>
    <aside class="related"><h2>{words["related"]}</h2><ul>{related}</ul></aside>
    <aside class="newsletter">
      <p>{words["newsletter"]}</p>
      <form><input type="email" name="email"><button>{words["subscribe"]}</button></form>
    </aside>
  </main>
  <footer><p>{words["about"]}</p><p>© {anchor.year} {html.escape(feed.title)} · {words["rights"]}</p></footer>
</body>
</html>
"""


def render_site_index(feed: DemoFeed, *, base_url: str) -> str:
    """A section front with the feed advertised, so a site URL works for feed discovery."""
    links = "".join(
        f'<li><a href="{base_url}{feed.article_path(item)}">{html.escape(item.title)}</a></li>'
        for item in feed.items
    )
    return f"""<!doctype html>
<html lang="{feed.language}" dir="{PAGE_WORDS[feed.language]["dir"]}">
<head>
  <meta charset="utf-8">
  <title>{html.escape(feed.title)}</title>
  <link rel="alternate" type="application/{feed.format}+xml" title="{html.escape(feed.title)}"
        href="{base_url}{feed.feed_path}">
</head>
<body><h1>{html.escape(feed.title)}</h1><ul>{links}</ul></body>
</html>
"""


# --- serving ------------------------------------------------------------------------------

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}


class DemoSite:
    """The demo's pages by path, rendered for one base URL and one start time."""

    def __init__(self, *, base_url: str, anchor: datetime, feeds: list[DemoFeed] | None = None):
        self.base_url = base_url
        self.anchor = anchor
        self.feeds = load_feeds() if feeds is None else feeds

    def page(self, path: str) -> tuple[str, str] | None:
        """(content type, body) for `path`, or None when there is no such page."""
        for feed in self.feeds:
            if path == feed.feed_path:
                render = render_atom if feed.format == "atom" else render_rss
                return CONTENT_TYPES[feed.format], render(
                    feed, base_url=self.base_url, anchor=self.anchor
                )
            if path in (f"/{feed.path}", f"/{feed.path}/"):
                return CONTENT_TYPES["html"], render_site_index(feed, base_url=self.base_url)
            for item in feed.items:
                if path == feed.article_path(item):
                    return CONTENT_TYPES["html"], render_article_page(
                        feed, item, base_url=self.base_url, anchor=self.anchor
                    )
        for text_file in scraped_pages():
            if path == f"/scraped/{text_file.name}":
                return CONTENT_TYPES["text"], text_file.read_text(encoding="utf-8")
        return None

    def feed_urls(self) -> list[tuple[DemoFeed, str]]:
        return [(feed, self.base_url + feed.feed_path) for feed in self.feeds]

    def scraped_url(self, text_file: Path) -> str:
        return f"{self.base_url}/scraped/{text_file.name}"


def make_handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class DemoSiteHandler(BaseHTTPRequestHandler):
        server_version = "khabar-demo-site"

        def do_GET(self):  # noqa: N802 (the name http.server calls)
            found = site.page(self.path.split("?", 1)[0])
            if found is None:
                self.send_error(404)
                return
            content_type, text = found
            body = text.encode("utf-8")
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if self.not_modified(etag):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", format_datetime(site.anchor, usegmt=True))
            self.end_headers()
            self.wfile.write(body)

        def not_modified(self, etag: str) -> bool:
            if self.headers.get("If-None-Match"):
                return etag in self.headers["If-None-Match"]
            since = self.headers.get("If-Modified-Since")
            try:
                return bool(since) and parsedate_to_datetime(since) >= site.anchor
            except (TypeError, ValueError):
                return False

        def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
            pass  # the demo's own output says what happens; per-request lines are noise

    return DemoSiteHandler


class DemoSiteServer:
    """The demo site on 127.0.0.1 and a free port, served from a background thread."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self.httpd = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)
        self.httpd.daemon_threads = True
        host, port = self.httpd.server_address[:2]
        anchor = datetime.now(UTC).replace(second=0, microsecond=0)
        self.site = DemoSite(base_url=f"http://{host}:{port}", anchor=anchor)
        self.httpd.RequestHandlerClass = make_handler(self.site)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return self.site.base_url

    def start(self) -> "DemoSiteServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "DemoSiteServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
