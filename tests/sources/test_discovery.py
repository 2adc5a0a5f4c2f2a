"""Reading a page's <head>: advertised feeds, title, whether it is an article."""

from pathlib import Path

from khabar.sources.discovery import common_feed_urls, is_site_root, read_page

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def test_a_site_page_advertises_its_feed():
    facts = read_page((FEEDS / "site.html").read_text(), base_url="https://madina.example/")
    assert facts.feed_urls == ["https://madina.example/feeds/main.xml"]
    assert facts.title == "أخبار المدينة"
    assert not facts.is_article


def test_an_article_page_says_so():
    facts = read_page((FEEDS / "article.html").read_text(), base_url="https://x.example/news/1")
    assert facts.is_article
    assert facts.title == "افتتاح جسر المشاة فوق الطريق السريع"
    assert facts.feed_urls == []


def test_every_feed_type_and_base_href_are_understood():
    html = """<head><base href="https://cdn.example/site/">
      <link rel="alternate" type="application/atom+xml" href="atom.xml">
      <link rel="alternate" type="application/feed+json" href="/feed.json">
      <link rel="Alternate" type="application/rss+xml; charset=utf-8" href="rss.xml">
      <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/1">
      <link rel="alternate" hreflang="en" href="/en/">
      <link rel="alternate" type="application/rss+xml" href="">
    </head>"""
    assert read_page(html, base_url="https://x.example/").feed_urls == [
        "https://cdn.example/site/atom.xml",
        "https://cdn.example/feed.json",
        "https://cdn.example/site/rss.xml",
    ]


def test_site_roots_and_common_paths():
    assert is_site_root("https://x.example") and is_site_root("https://x.example/")
    assert not is_site_root("https://x.example/news/1")
    urls = common_feed_urls("https://x.example/")
    assert "https://x.example/feed" in urls and "https://x.example/feed.json" in urls
