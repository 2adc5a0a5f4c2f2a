"""The demo: its sample sites serve real feeds, and its setup loads Arabic news end to end."""

import os
import queue
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing, suppress

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


def demo_command(data_dir, *options):
    return [sys.executable, "-m", "khabar.demo", "--data-dir", str(data_dir), *options]


def stored_articles(data_dir) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(data_dir / "khabar.sqlite3")) as db:
        return db.execute("SELECT title, language, text FROM articles_article").fetchall()


def stories_by_sources(data_dir) -> list[int]:
    """The number of sources of each story the demo's worker built, most first."""
    with closing(sqlite3.connect(data_dir / "khabar.sqlite3")) as db:
        query = "SELECT source_count FROM stories_story WHERE merged_into_id IS NULL"
        return sorted((count for (count,) in db.execute(query)), reverse=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_until(process: subprocess.Popen, marker: str, *, timeout: float) -> str:
    """The demo's output up to the line containing `marker`.

    Lines are read by a thread: select() on a buffered pipe misses lines already read into
    the buffer, so two lines arriving in one chunk would leave the second unseen.
    """
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    output, deadline = [], time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        output.append(line)
        if marker in line or not line:
            break
    return "".join(output)


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_demo_loads_arabic_news_serves_it_and_stops_everything(tmp_path):
    data_dir = tmp_path / "data"
    setup = subprocess.run(
        demo_command(data_dir, "--setup-only"), capture_output=True, text=True, timeout=300
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "demo@example.org" in setup.stdout
    articles = stored_articles(data_dir)
    arabic = [title for title, language, _text in articles if language == "ar"]
    english = [title for title, language, _text in articles if language == "en"]
    assert len(arabic) >= 14, setup.stdout + setup.stderr
    assert english
    texts = {title: text for title, _language, text in articles}
    wadi_bridge = "افتتاح جسر الوادي الجديد أمام حركة السير بعد ثلاث سنوات من العمل"
    assert "ممر للمشاة والدراجات" in texts[wadi_bridge]  # the Atom entry's page was extracted
    assert not any("لم تشترك بعد" in text for text in texts.values())
    # The worker enriched every article: several outlets' reports of one event are one story.
    sources = stories_by_sources(data_dir)
    assert sources[:2] == [3, 3], sources
    assert "stories" in setup.stdout

    # Again, serving this time: the same articles, the site up, and Ctrl-C leaves nothing behind.
    port = free_port()
    demo = subprocess.Popen(
        demo_command(data_dir, "--port", str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so a failed test can still end the whole group
    )
    try:
        output = read_until(demo, "Ctrl-C stops everything", timeout=120)
        assert "Ctrl-C stops everything" in output, output
        home = httpx.get(f"http://127.0.0.1:{port}/", headers={"accept-language": "ar"})
        assert wadi_bridge in home.text
        assert "3 مصادر" in home.text
        children = children_of(demo.pid)
        assert len(children) == 2  # the worker and the web server
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
        assert not [pid for pid in children if is_running(pid)]
    finally:
        with suppress(ProcessLookupError):
            os.killpg(demo.pid, signal.SIGKILL)
        demo.wait()
    assert len(stored_articles(data_dir)) == len(articles)
