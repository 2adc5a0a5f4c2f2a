"""The demo: its sample sites serve real feeds, and its setup loads Arabic news end to end."""

import sqlite3
import subprocess
import sys
from contextlib import closing

import feedparser
import httpx
import pytest

from khabar.demo_data.site import DemoSiteServer, load_feeds, scraped_pages


@pytest.fixture(scope="module")
def demo_site():
    with DemoSiteServer() as server:
        yield server


def test_every_sample_feed_parses(demo_site):
    for feed, url in demo_site.site.feed_urls():
        response = httpx.get(url)
        parsed = feedparser.parse(response.content)
        assert response.status_code == 200
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert len(parsed.entries) == len(feed.items) >= 4
        assert all(entry.get("published_parsed") for entry in parsed.entries)


def test_sample_sources_are_the_kinds_the_demo_promises():
    feeds = {feed.path: feed for feed in load_feeds()}
    assert (feeds["sahil"].format, feeds["sahil"].language, len(feeds["sahil"].items)) == (
        "rss",
        "ar",
        8,
    )
    assert (feeds["wadi"].format, feeds["wadi"].language) == ("atom", "ar")
    assert all(item.summary for item in feeds["wadi"].items)
    assert feeds["harbour"].language == "en"
    for text_file in scraped_pages():
        lines = [line for line in text_file.read_text().splitlines() if line.strip()]
        assert lines.count(lines[0]) == 2  # the headline comes back after the body
        assert "لم تشترك بعد؟" in lines


def test_atom_entries_link_to_article_pages_with_the_text(demo_site):
    feed = next(feed for feed in load_feeds() if feed.format == "atom")
    parsed = feedparser.parse(httpx.get(demo_site.base_url + feed.feed_path).content)
    assert "content" not in parsed.entries[0]
    page = httpx.get(parsed.entries[0].link)
    assert page.headers["content-type"].startswith("text/html")
    assert feed.items[0].paragraphs[1] in page.text


def test_sample_site_answers_conditional_requests(demo_site):
    url = demo_site.site.feed_urls()[0][1]
    first = httpx.get(url)
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    since = httpx.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert (again.status_code, since.status_code) == (304, 304)
    assert httpx.get(demo_site.base_url + "/missing").status_code == 404


def run_demo_setup(data_dir):
    return subprocess.run(
        [sys.executable, "-m", "khabar.demo", "--setup-only", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def stored_articles(data_dir) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(data_dir / "khabar.sqlite3")) as db:
        return db.execute("SELECT title, language, text FROM articles_article").fetchall()


@pytest.mark.slow
def test_demo_setup_loads_arabic_news_and_can_run_again(tmp_path):
    data_dir = tmp_path / "data"
    first = run_demo_setup(data_dir)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "demo@example.org" in first.stdout
    articles = stored_articles(data_dir)
    arabic = [title for title, language, _text in articles if language == "ar"]
    english = [title for title, language, _text in articles if language == "en"]
    assert len(arabic) >= 14, first.stdout + first.stderr
    assert english
    texts = {title: text for title, _language, text in articles}
    wadi_bridge = "افتتاح جسر الوادي الجديد أمام حركة السير بعد ثلاث سنوات من العمل"
    assert "ممر للمشاة والدراجات" in texts[wadi_bridge]  # the Atom entry's page was extracted
    assert not any("لم تشترك بعد" in text for text in texts.values())

    second = run_demo_setup(data_dir)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(stored_articles(data_dir)) == len(articles)
