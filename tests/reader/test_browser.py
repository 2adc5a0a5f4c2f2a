"""The reader pages in a real Chromium: Arabic first, right to left, one click to English."""

from datetime import timedelta

import pytest
from django.utils import timezone

from khabar.articles.models import Article
from khabar.sources.models import Source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    # An Arabic-speaking reader's browser; Chromium would otherwise ask for en-US.
    pytest.mark.browser_context_args(locale="ar"),
]

TITLE = "افتتاح مكتبة عامة جديدة في وسط المدينة"
PARAGRAPHS = [
    "افتتحت البلدية صباح اليوم مكتبة عامة جديدة تضم أكثر من عشرين ألف كتاب باللغتين العربية "
    "والإنجليزية، إلى جانب قاعة للأطفال ومساحة للدراسة مفتوحة حتى منتصف الليل.",
    "وقالت مديرة المكتبة إن الاشتراك مجاني لسكان المدينة، وإن برنامج الأنشطة يبدأ الأسبوع المقبل.",
]


@pytest.fixture
def article():
    source = Source.objects.create(url="https://city.example/rss", name="أخبار المدينة")
    Article.objects.create(
        source=source,
        title="خبر أقدم عن الطقس",
        text="توقعات بأمطار خفيفة.",
        published_at=timezone.now() - timedelta(days=1),
    )
    return Article.objects.create(
        source=source,
        title=TITLE,
        text="\n\n".join(PARAGRAPHS),
        url="https://city.example/library",
        author="ليلى منصور",
        language="ar",
        published_at=timezone.now() - timedelta(minutes=12),
    )


def test_read_an_article_then_switch_to_english(live_server, page, article, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    page.screenshot(path=str(tmp_path / "home-ar.png"), full_page=True)

    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/articles/{article.pk}/")
    assert page.locator("h1").inner_text() == TITLE
    body = page.locator(".article-body")
    # dir="auto" resolves to right-to-left for Arabic text.
    assert body.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert PARAGRAPHS[1] in body.inner_text()
    page.screenshot(path=str(tmp_path / "article-ar.png"), full_page=True)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Read the original").is_visible()
    assert page.locator("h1").inner_text() == TITLE  # still the same article
    page.screenshot(path=str(tmp_path / "article-en.png"), full_page=True)


def test_arabic_text_renders_with_a_real_font(live_server, page, article):
    """Arabic glyphs must be shaped by an installed font, not drawn as missing-glyph boxes."""
    page.goto(live_server.url + "/")
    # Joined (shaped) Arabic is narrower than the same letters written apart with spaces.
    widths = page.evaluate(
        """() => {
            const measure = text => {
                const span = document.createElement('span');
                span.textContent = text;
                document.body.appendChild(span);
                const width = span.getBoundingClientRect().width;
                span.remove();
                return width;
            };
            return [measure('مكتبة'), measure('م ك ت ب ة')];
        }"""
    )
    joined, apart = widths
    assert 0 < joined < apart * 0.8
