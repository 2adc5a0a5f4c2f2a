from datetime import UTC, datetime

import pytest

from khabar.articles.models import Article
from khabar.ingest.records import ExtractedArticle
from khabar.ingest.store import StoreOutcome, store_article
from khabar.sources.models import Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return Source.objects.create(url="https://example.org/feed.xml", name="مثال")


def item(**overrides):
    values = {
        "title": "المجالس المحلية تنتخب رؤساءها",
        "text": "انتخبت المجالس المحلية اليوم رؤساءها في جلسة علنية.",
        "url": "https://example.org/news/1?utm_source=rss",
        "guid": "news-1",
        "published_at": datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
    }
    return ExtractedArticle(**{**values, **overrides})


def test_storing_twice_keeps_one_article(source):
    first, outcome1 = store_article(source, item=item())
    second, outcome2 = store_article(source, item=item())
    assert (outcome1, outcome2) == (StoreOutcome.CREATED, StoreOutcome.UNCHANGED)
    assert first.pk == second.pk
    assert Article.objects.count() == 1
    assert first.canonical_url == "https://example.org/news/1"


def test_updated_title_is_kept_in_history(source):
    store_article(source, item=item())
    article, outcome = store_article(source, item=item(title="المجالس المحلية تنتخب رؤساءها الجدد"))
    assert outcome == StoreOutcome.UPDATED
    assert article.title.endswith("الجدد")
    assert article.previous_titles == ["المجالس المحلية تنتخب رؤساءها"]


def test_same_url_with_other_guid_is_the_same_article(source):
    store_article(source, item=item())
    store_article(source, item=item(guid="other", url="https://EXAMPLE.org/news/1#top"))
    assert Article.objects.count() == 1


def test_same_text_elsewhere_is_the_same_article(source):
    other = Source.objects.create(url="https://other.example/rss", name="آخر")
    store_article(source, item=item())
    store_article(
        other,
        item=item(
            guid="x",
            url="https://other.example/a",
            text="  انتخبت المجالسُ المحلية اليوم رؤساءها في جلسة علنية. ",
        ),
    )
    assert Article.objects.count() == 1


def test_different_articles_are_both_kept(source):
    store_article(source, item=item())
    store_article(
        source, item=item(guid="news-2", url="https://example.org/news/2", text="نص آخر تماما.")
    )
    assert Article.objects.count() == 2
