"""process_articles: a feed's items cleaned, sanitized and stored as one batch."""

import pytest

from khabar.articles.models import Article
from khabar.ingest.pipeline import NothingToStore, process_articles
from khabar.ingest.records import ExtractedArticle
from khabar.ingest.store import StoreOutcome
from khabar.sources.models import Source, SourceLine

pytestmark = pytest.mark.django_db

MENU = "إعداد قسم الأخبار المحلية في صحيفة الوادي"


@pytest.fixture
def source():
    return Source.objects.create(url="https://wadi.example/rss", name="الوادي")


def item(number: int, **overrides) -> ExtractedArticle:
    values = {
        "title": f"خبر رقم {number} عن المجالس المحلية",
        "text": f"{MENU}\nفقرة أولى من الخبر رقم {number} تتحدث عن انتخابات المجالس المحلية.\n"
        f"فقرة ثانية من الخبر رقم {number} فيها تفاصيل إضافية عن النتائج.",
        "url": f"https://wadi.example/news/{number}",
        "guid": f"wadi-{number}",
    }
    return ExtractedArticle(**{**values, **overrides})


def test_a_batch_stores_every_item_in_order(source):
    results = process_articles(source, items=[item(1), item(2), item(3)])
    assert [r.outcome for r in results] == [StoreOutcome.CREATED] * 3
    assert [r.article.guid for r in results] == ["wadi-1", "wadi-2", "wadi-3"]
    assert Article.objects.count() == 3


def test_items_duplicating_each_other_are_stored_once(source):
    first = item(1)
    again = item(1, guid="other-guid", title="خبر رقم 1 عن المجالس المحلية (محدث)")
    results = process_articles(source, items=[first, again])
    assert [r.outcome for r in results] == [StoreOutcome.CREATED, StoreOutcome.UPDATED]
    assert Article.objects.count() == 1
    assert Article.objects.get().previous_titles == ["خبر رقم 1 عن المجالس المحلية"]


def test_an_empty_item_fails_alone(source):
    results = process_articles(source, items=[item(1), ExtractedArticle(url="https://x.example/")])
    assert results[0].outcome == StoreOutcome.CREATED
    assert isinstance(results[1].error, NothingToStore)
    assert Article.objects.count() == 1


def test_lines_are_counted_once_per_new_article_and_learned(source):
    process_articles(source, items=[item(n) for n in range(1, 5)])
    menu = SourceLine.objects.get(text=MENU)
    assert menu.article_count == 4
    # Re-fetching the same items counts nothing more.
    process_articles(source, items=[item(n) for n in range(1, 5)])
    menu.refresh_from_db()
    assert menu.article_count == 4
    # The menu line is now the source's furniture: the next article loses it.
    (result,) = process_articles(source, items=[item(5)])
    assert MENU not in result.article.text
    assert any("learned for this source" in entry["reason"] for entry in result.item.dropped)
