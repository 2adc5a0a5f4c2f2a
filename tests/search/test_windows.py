"""Searching many articles over a long time: order by date across years, totals past the count
limit, words found inside longer words. Each test runs on every backend (see conftest.py) and
expects the same articles; the PostgreSQL backend searches window by window of publication
time, so these tests spread articles over years and days."""

from datetime import UTC, datetime, timedelta

import pytest

from khabar import search
from khabar.search import _postgres, running

pytestmark = pytest.mark.django_db


def ids(text, **options):
    page = search.query(text, **options)
    assert page.error is None, page.error
    return [hit.article_id for hit in page.results]


@pytest.fixture
def years(backend, make_article):
    """Twelve articles on elections, weeks to years apart, and two undated ones."""
    start = datetime(2016, 1, 4, 8, tzinfo=UTC)
    gaps = [0, 1, 2, 3, 9, 30, 31, 100, 250, 251, 400, 700]  # weeks after start
    articles = [
        make_article(
            f"انتخابات رقم {number}",
            f"جرت الانتخابات البلدية في الدائرة {number}.",
            published_at=start + timedelta(weeks=gap, hours=number),
        )
        for number, gap in enumerate(gaps, start=1)
    ]
    articles += [make_article("انتخابات بلا تاريخ", "تقرير عن الانتخابات.") for _ in range(2)]
    search.index_articles([article.pk for article in articles])
    return articles


def newest_first(articles):
    dated = sorted(
        (a for a in articles if a.published_at), key=lambda a: a.published_at, reverse=True
    )
    undated = sorted((a for a in articles if not a.published_at), key=lambda a: -a.pk)
    return [a.pk for a in dated + undated]


def test_sort_by_date_is_exact_across_years_and_pages(years):
    expected = newest_first(years)
    assert ids("الانتخابات", sort="date", limit=100) == expected
    pages = [ids("الانتخابات", sort="date", limit=4, offset=offset) for offset in (0, 4, 8, 12)]
    assert [pk for page in pages for pk in page] == expected


def test_relevance_finds_every_match_over_the_years(years):
    page = search.query("الانتخابات البلدية", limit=100)
    assert {hit.article_id for hit in page.results} == {a.pk for a in years[:12]}
    assert (page.total, page.total_capped) == (12, False)


def test_date_filters_across_windows(years):
    after, before = datetime(2016, 2, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)
    inside = [a for a in years if a.published_at and after <= a.published_at < before]
    assert ids("الانتخابات after:2016-02-01 before:2021-01-01", sort="date") == newest_first(inside)


def test_a_total_past_the_count_limit_is_capped(years, monkeypatch):
    monkeypatch.setattr(running, "COUNT_LIMIT", 5)
    monkeypatch.setattr(_postgres, "COUNT_LIMIT", 5)
    page = search.query("الانتخابات", sort="date", limit=3)
    assert (page.total, page.total_capped) == (5, True)
    assert [hit.article_id for hit in page.results] == newest_first(years)[:3]
    assert search.query("الانتخابات", limit=3).total_capped
    assert search.query("الدائرة 7").total_capped is False


def test_a_word_is_found_inside_a_longer_word(backend, make_article):
    """The stem تكنولوج is inside تكنولوجيا, which the stemmer leaves whole: the grams find it."""
    inside = make_article("معرض", "افتتح معرض للتكنولوجيا في المدينة.")
    exact = make_article("تكنولوجي", "قطاع تكنولوجي ناشئ.")
    other = make_article("معرض الكتاب", "افتتح معرض الكتاب في المدينة.")
    search.index_articles([inside.pk, exact.pk, other.pk])
    assert ids("تكنولوجي") == [exact.pk, inside.pk]
    assert ids("معرض تكنولوجي") == [inside.pk]
    assert ids("معرض -تكنولوجي") == [other.pk]
