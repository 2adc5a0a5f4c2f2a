"""A story from three outlets in a real Chromium: home card → story page → entity page."""

import pytest

from khabar.stories.enrich import enrich_articles, forget_clusterer
from khabar.stories.models import StoryArticle
from khabar.tagging.models import Entity
from tests.stories.reports import MATCH, STORM_A, STORM_B, STORM_C, outlet, story_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(locale="ar"),
]


@pytest.fixture
def storm():
    forget_clusterer()
    sahil, wadi, nahar = outlet("صحيفة الساحل"), outlet("بوابة الوادي"), outlet("النهار")
    articles = [
        story_article(sahil, STORM_A, hours=0),
        story_article(sahil, MATCH, hours=0.5),
        story_article(wadi, STORM_B, hours=1),
        story_article(nahar, STORM_C, hours=20),
    ]
    enrich_articles([article.pk for article in articles])
    yield StoryArticle.objects.get(article=articles[0]).story
    forget_clusterer()


def test_follow_a_story_across_outlets(live_server, page, storm, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    card = page.locator(".story-card", has_text=storm.headline)
    assert "3 مصادر" in card.locator(".sources-count").inner_text()
    page.screenshot(path=str(tmp_path / "home-stories.png"), full_page=True)

    card.locator(".card-title a").click()
    page.wait_for_url(f"**/stories/{storm.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == storm.headline
    coverage = page.locator(".coverage-list li")
    assert coverage.count() == 3
    sources = [coverage.nth(i).locator(".source").inner_text() for i in range(3)]
    assert sources == ["صحيفة الساحل", "بوابة الوادي", "النهار"]
    assert page.locator(".timeline-item").count() == 3
    assert page.locator(".timeline-day").count() == 2
    headline = page.locator("h1")
    assert headline.evaluate("element => getComputedStyle(element).direction") == "rtl"
    page.screenshot(path=str(tmp_path / "story-ar.png"), full_page=True)

    amman = Entity.objects.get(type="LOC", key="عمان")  # named in all three reports
    page.locator(f'.entities a[href="/entities/{amman.pk}/"]').click()
    page.wait_for_url(f"**/entities/{amman.pk}/")
    assert page.locator("h1").inner_text() == amman.name
    assert page.locator(".entity-articles .card").count() == 3
    page.screenshot(path=str(tmp_path / "entity-ar.png"), full_page=True)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.get_by_role("heading", name="Stories").is_visible()
