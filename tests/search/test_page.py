"""The search page of the reader interface."""

from datetime import timedelta

import pytest
from django.utils import timezone

from khabar import search

pytestmark = pytest.mark.django_db

TITLE = "انتخابات المجالس المحلية"


@pytest.fixture
def articles(backend, make_article):
    now = timezone.now()
    made = [
        make_article(
            f"{TITLE} {number}",
            f"جرت انتخابات <المجالس> المحلية في المدينة {number}.",
            published_at=now - timedelta(days=number),
        )
        for number in range(25)
    ]
    search.reindex()
    return made


def test_the_header_has_a_search_box(client, db):
    html = client.get("/").content.decode()
    assert 'role="search"' in html
    assert 'action="/search/"' in html


def test_without_a_query_the_page_explains_the_language(client, db):
    html = client.get("/search/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "كيف تبحث" in html


def test_results_are_highlighted_escaped_and_paged(client, articles):
    html = client.get("/search/", {"q": "مجالس محليه"}).content.decode()
    assert "25 نتيجة" in html
    assert "<mark>المجالس</mark> <mark>المحلية</mark>" in html
    assert "&lt;<mark>المجالس</mark>&gt;" in html  # article text is escaped around the marks
    assert html.count('class="card result"') == 20
    assert 'class="snippet" dir="auto"' in html
    assert 'rel="next" href="?q=' in html
    second = client.get("/search/", {"q": "مجالس محليه", "page": 2}).content.decode()
    assert second.count('class="card result"') == 5
    assert 'rel="prev"' in second


def test_sort_switch(client, articles):
    html = client.get("/search/", {"q": "مجالس", "sort": "date"}).content.decode()
    assert '<span aria-current="true">الأحدث أولًا</span>' in html
    assert html.index("المدينة 0.") < html.index("المدينة 1.") < html.index("المدينة 2.")


def test_no_results_and_errors_are_friendly(client, articles):
    html = client.get("/search/", {"q": "قطارات"}).content.decode()
    assert "لا توجد مقالات تطابق هذا البحث." in html
    html = client.get("/search/", {"q": "مجالس after:2024-13-40"}).content.decode()
    assert 'role="alert"' in html
    assert "ليس تاريخًا" in html
    html = client.get("/search/", {"q": "مجالس topic:طبخ"}).content.decode()
    assert "لا يوجد موضوع «طبخ»" in html


def test_the_page_in_english(client, articles):
    client.cookies["django_language"] = "en"
    html = client.get("/search/", {"q": '"مجالس', "page": "x"}).content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "25 results" in html
    assert "A closing quotation mark was missing" in html
