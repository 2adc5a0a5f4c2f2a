"""The parse step: every feed format read into the same entries, Arabic intact."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from khabar.ingest.feeds import (
    FeedEntry,
    NotAFeed,
    article_from_entry,
    has_full_content,
    parse_feed,
)
from khabar.ingest.htmltext import text_of_html

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def parse(name: str, *, url: str = "https://feeds.example/feed", content_type: str = ""):
    return parse_feed((FEEDS / name).read_bytes(), url=url, content_type=content_type)


def test_rss2_with_full_content():
    feed = parse("rss2.xml", content_type="application/rss+xml")
    assert (feed.title, feed.site_url, feed.language) == (
        "أخبار المدينة",
        "https://madina.example/",
        "ar",
    )
    assert feed.ttl_seconds == 3600
    first, second = feed.entries
    assert first.title == "افتتاح مكتبة عامة جديدة في حي الزيتون"
    assert first.guid == "madina-1001"
    assert first.author == "سلمى الحداد"
    assert first.category == "ثقافة"
    assert first.image_url == "https://madina.example/img/library.jpg"
    assert first.published_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert has_full_content(first)
    assert second.image_url == "https://madina.example/img/rain.jpg"


def test_a_relative_link_resolves_against_the_feed_url():
    feed = parse("rss2.xml", url="https://madina.example/feeds/all.xml")
    assert feed.entries[1].url == "https://madina.example/news/rain"


def test_rss1():
    feed = parse("rss1.rdf")
    (entry,) = feed.entries
    assert feed.title == "صحيفة الساحل"
    assert entry.title == "توسعة الميناء تبدأ الشهر المقبل"
    assert entry.url == "https://sahil.example/2026/port"
    assert entry.author == "مراد بن علي"
    assert entry.published_at == datetime(2026, 11, 2, 6, 15, tzinfo=UTC)
    assert has_full_content(entry)


def test_atom():
    feed = parse("atom.xml")
    (entry,) = feed.entries
    assert (feed.title, feed.site_url) == ("نشرة الجامعة", "https://jamia.example/")
    assert entry.title == "الجامعة تطلق برنامجا للمنح الدراسية"
    assert entry.guid == "urn:jamia:news:77"
    assert entry.language == "ar"
    assert entry.summary_html == ""  # feedparser's copy of <content> is not a summary
    assert has_full_content(entry)
    article = article_from_entry(entry)
    assert article.text.startswith("أطلقت الجامعة برنامجا جديدا")
    assert article.text.count("\n") == 1  # one line per paragraph


def test_json_feed():
    feed = parse("feed.json", url="https://radio.example/feed.json")
    market, match = feed.entries
    assert (feed.title, feed.language) == ("راديو الحي", "ar")
    assert market.guid == "radio-501"
    assert market.author == "نادية يوسف"
    assert market.category == "اقتصاد محلي"
    assert market.image_url == "https://radio.example/img/market.jpg"
    assert market.published_at == datetime(2026, 11, 4, 5, 0, tzinfo=UTC)
    assert has_full_content(market)
    assert match.author == "كريم"  # JSON Feed 1.0's single author
    assert match.content_html.startswith("<p>فاز فريق الحي")
    assert text_of_html(match.content_html).count("\n") == 1


@pytest.mark.parametrize(
    "content",
    [
        b'{"version": "https://jsonfeed.org/version/1.1", "items": "none"}',
        b'{"title": "not a json feed"}',
        b"{broken json",
    ],
)
def test_bad_json_feeds_are_not_feeds(content):
    with pytest.raises(NotAFeed):
        parse_feed(content, url="https://x.example/feed.json")


def test_windows_1256_feed_reads_as_arabic():
    feed = parse("windows-1256.xml", content_type="text/xml")
    (entry,) = feed.entries
    assert feed.title == "جريدة الوادي"
    assert entry.title == "مهرجان التمور يستقبل زواره"
    assert "بمشاركة مزارعين من كل قرى الوادي" in text_of_html(entry.summary_html)


def test_utf8_with_bom_reads_as_arabic():
    feed = parse("utf8-bom.xml", content_type="application/rss+xml")
    assert feed.title == "جريدة الوادي بالعلامة"
    assert feed.entries[0].title == "مهرجان التمور يستقبل زواره"


def test_malformed_xml_keeps_its_items_and_says_so():
    feed = parse("malformed.xml")
    assert [e.title for e in feed.entries][:1] == ["البلدية تصلح الطرق & الأرصفة"]
    assert feed.problems and "malformed" in feed.problems[0]


@pytest.mark.parametrize(
    "content",
    [b"<html><body><p>Not found</p></body></html>", b"", b"\x00\x01garbage", b"<rss><channel"],
)
def test_things_that_are_not_feeds_raise(content):
    with pytest.raises(NotAFeed):
        parse_feed(content, url="https://x.example/feed")


def test_summary_only_entries_need_their_page():
    entry = FeedEntry(summary_html="<p>موجز قصير.</p>", content_html="")
    assert not has_full_content(entry)
    short_content = FeedEntry(
        summary_html="<p>موجز قصير جدا هنا.</p>", content_html="<p>نص أطول قليلا</p>"
    )
    assert not has_full_content(short_content)
