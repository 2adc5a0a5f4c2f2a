"""Searching in a real Chromium: the header box, highlighted results, right to left."""

from datetime import timedelta

import pytest
from django.utils import timezone

from khabar import search

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(locale="ar"),
]


def test_search_from_the_header_and_sort_by_date(live_server, page, make_article, tmp_path):
    now = timezone.now()
    older = make_article(
        "انتخابات المجالس المحلية",
        "جرت انتخابات المجالس المحلية في المدن والقرى وسط إقبال كبير.",
        published_at=now - timedelta(days=2),
    )
    newer = make_article(
        "اجتماع للمجالس البلدية",
        "عقدت المجالس البلدية اجتماعًا لمناقشة الميزانية المحلية.",
        published_at=now - timedelta(hours=3),
    )
    make_article("أمطار غزيرة", "توقعات بأمطار على السواحل.", published_at=now)
    search.reindex()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    box = page.get_by_role("searchbox", name="ابحث في الأخبار").first
    box.fill("مجالس")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("html").get_attribute("dir") == "rtl"
    results = page.locator("article.result")
    assert results.count() == 2
    first_mark = results.first.locator("mark").first
    assert first_mark.inner_text() in ("المجالس", "للمجالس")
    snippet = results.first.locator(".snippet")
    assert snippet.evaluate("element => getComputedStyle(element).direction") == "rtl"
    page.screenshot(path=str(tmp_path / "search-ar.png"), full_page=True)

    page.get_by_role("link", name="الأحدث أولًا").click()
    page.wait_for_url("**sort=date*")
    titles = page.locator("article.result h2").all_inner_texts()
    assert titles == [newer.title, older.title]

    page.get_by_role("link", name=newer.title).click()
    page.wait_for_url(f"**/articles/{newer.pk}/")
