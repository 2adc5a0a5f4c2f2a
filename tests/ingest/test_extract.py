from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from khabar.ingest import extract
from khabar.ingest.extract import NOTHING_FOUND, extract_from_html, extract_from_text
from khabar.ingest.files import read_saved_document

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
URL = "https://news.example.com/ar/economy/2025/10/12/desalination-plant?utm_source=newsletter"
TITLE = "افتتاح أكبر محطة لتحلية المياه في الساحل الشرقي"
PARAGRAPH = (
    "افتتح وزير الطاقة والمياه صباح اليوم أكبر محطة لتحلية مياه البحر في منطقة الساحل "
    "الشرقي، بطاقة إنتاجية تبلغ ستمئة ألف متر مكعب يومياً."
)


@pytest.fixture(scope="module")
def page():
    return extract_from_html((PAGES / "article-with-chrome.html").read_text(), url=URL)


def test_title_without_site_name(page):
    assert page.title == TITLE


def test_main_text_without_menus_footer_or_related_links(page):
    assert "افتتح وزير الطاقة والمياه" in page.text
    assert "بعد أن أنشأت آلاف الأسر حسابات إلكترونية" in page.text
    for chrome in ("رياضة", "ارتفاع أسعار النفط", "سياسة الخصوصية", "جميع الحقوق", "tracking"):
        assert chrome not in page.text


def test_main_html_is_markup_of_the_same_text(page):
    assert "<p>افتتح وزير الطاقة والمياه" in page.html
    for tag in ("<nav", "<footer", "<script", "<style", "<html", "<body"):
        assert tag not in page.html


def test_metadata(page):
    assert page.author == "ليلى منصور"
    assert page.published_at == datetime(2025, 10, 12, 9, 45, tzinfo=timezone(timedelta(hours=3)))
    assert page.language == "ar"
    assert page.image_url == "https://news.example.com/media/2025/10/plant.jpg"
    assert page.canonical_url == "https://news.example.com/ar/economy/2025/10/12/desalination-plant"
    assert page.url == URL


def test_json_ld_fills_what_meta_tags_lack():
    html = f"""<html><head><title>{TITLE}</title>
    <meta property="article:author" content="https://facebook.com/someone">
    <script type="application/ld+json">{{"@graph": [{{"@type": "WebPage"}},
      {{"@type": "NewsArticle", "headline": "{TITLE}", "datePublished": "2025-10-12T06:45:00Z",
        "author": [{{"@type": "Person", "name": "ليلى منصور"}}, {{"name": "سامي الحداد"}}],
        "image": {{"url": "https://cdn.example.com/a.jpg"}}}}]}}</script>
    </head><body><article><p>{PARAGRAPH}</p><p>{PARAGRAPH} مرة ثانية.</p></article></body></html>"""
    item = extract_from_html(html, url="https://news.example.com/a")
    assert item.author == "ليلى منصور، سامي الحداد"
    assert item.published_at == datetime(2025, 10, 12, 6, 45, tzinfo=UTC)
    assert item.image_url == "https://cdn.example.com/a.jpg"
    assert item.canonical_url == "https://news.example.com/a"


def test_date_line_under_the_headline_is_used_and_removed():
    document = read_saved_document(PAGES / "windows-1256.html")
    item = extract_from_html(document.content)
    assert item.title == "بلدية المدينة تفتتح حديقة عامة جديدة"
    assert item.published_at.date().isoformat() == "2009-03-03"
    assert "نشر في" not in item.text and "نشر في" not in item.html
    assert item.text.startswith("افتتحت بلدية المدينة أمس حديقة عامة جديدة")
    assert {"line": "نشر في 3 آذار 2009", "reason": "date line (used as published)"} in item.dropped


def test_a_sentence_with_a_date_under_the_headline_stays():
    sentence = "أعلنت الحكومة أن الانتخابات ستجري في 5 مايو 2026."
    html = f"<html><body><article><h1>{TITLE}</h1><p>{sentence}</p><p>{PARAGRAPH}</p>"
    html += f"<p>{PARAGRAPH} تتمة.</p></article></body></html>"
    item = extract_from_html(html)
    assert sentence in item.text


def test_an_article_whose_class_mentions_sharing_is_not_pruned():
    paragraphs = "".join(f"<p>{PARAGRAPH} فقرة رقم {n}.</p>" for n in range(4))
    html = f"<html><body><article class='story has-share-bar'><h1>{TITLE}</h1>{paragraphs}"
    html += "<div class='share-bar'><a href='#'>واتساب</a></div></article></body></html>"
    item = extract_from_html(html)
    assert len(item.text.splitlines()) == 5  # the headline and the four paragraphs
    assert "واتساب" not in item.text


def test_fallback_when_trafilatura_finds_nothing(monkeypatch):
    monkeypatch.setattr(extract, "run_trafilatura", lambda html, url: None)
    html = f"""<html><head><meta property="og:title" content="{TITLE}"></head><body>
    <nav><p>الرئيسية والأخبار والرياضة والاقتصاد والثقافة والمنوعات</p></nav>
    <div><p>{PARAGRAPH}</p><p>قصير</p><p>{PARAGRAPH} تتمة الخبر.</p></div>
    <footer><p>جميع الحقوق محفوظة لصحيفة المثال منذ عام ألفين وحتى اليوم</p></footer>
    </body></html>"""
    item = extract_from_html(html)
    assert item.title == TITLE
    assert item.text.splitlines() == [PARAGRAPH, f"{PARAGRAPH} تتمة الخبر."]
    assert item.dropped == []


def test_a_page_without_text_says_why():
    html = (
        "<html><head><title>صفحة</title></head><body><script>x()</script><div> </div></body></html>"
    )
    item = extract_from_html(html)
    assert item.title == "صفحة"
    assert item.text == ""
    assert {"line": "", "reason": NOTHING_FOUND} in item.dropped


@pytest.mark.parametrize("html", ["", "   ", "<<<>>>", "\x00\x01\x02", "<html>", "<p>", "<?xml ?>"])
def test_broken_pages_do_not_raise(html):
    item = extract_from_html(html)
    assert item.dropped  # the reason it is empty


def test_english_page_language():
    paragraph = (
        "The ministry opened the largest desalination plant on the east coast on Sunday, "
        "with capacity to supply more than two million people with drinking water."
    )
    html = f"<html lang='ar'><body><article><h1>Plant opens</h1><p>{paragraph}</p><p>{paragraph}</p></article></body></html>"
    assert extract_from_html(html).language == "en"


# --- Plain text ------------------------------------------------------------------------------


def test_text_headline_date_and_byline():
    text = "\n\nالعنوان الرئيسي للخبر\nالأحد 12 أكتوبر 2025 - 09:45\nكتب: سامي الحداد\n\nالفقرة الأولى.\nالفقرة الثانية."
    item = extract_from_text(text, url="https://example.com/a?utm_source=x")
    assert item.title == "العنوان الرئيسي للخبر"
    assert item.text == "الفقرة الأولى.\nالفقرة الثانية."
    assert item.author == "سامي الحداد"
    assert item.published_at == datetime(2025, 10, 12, 9, 45, tzinfo=UTC)
    assert item.canonical_url == "https://example.com/a"
    assert item.language == "ar"


def test_text_menu_lines_before_the_headline_are_dropped():
    item = extract_from_text("الرئيسية | سياسة | رياضة\nتسجيل الدخول\nالعنوان\nالنص.")
    assert item.title == "العنوان"
    assert item.text == "النص."
    assert [entry["reason"] for entry in item.dropped] == [
        "boilerplate: navigation",
        "boilerplate: login",
    ]


def test_a_first_paragraph_with_a_date_is_not_a_date_line():
    first = "قالت الوزارة يوم 12 أكتوبر 2025 إن الحملة ستستمر شهراً كاملاً في جميع المحافظات."
    item = extract_from_text(f"العنوان\n{first}")
    assert item.text == first
    assert item.published_at is None


def test_empty_text_says_why():
    item = extract_from_text("  \n ")
    assert item.title == "" and item.text == ""
    assert item.dropped == [{"line": "", "reason": "the text has no headline or body"}]
