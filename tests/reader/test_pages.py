from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from khabar.articles.models import Article
from khabar.sources.models import Source
from khabar.stories.models import Story, StoryArticle

pytestmark = pytest.mark.django_db

TITLE = "المجلس البلدي يقرّ خطة لتوسعة الحدائق العامة"
TEXT = (
    "أقرّ المجلس البلدي في جلسته الأسبوعية خطة لتوسعة الحدائق العامة في الأحياء الشرقية.\n\n"
    "وقال رئيس المجلس إن العمل يبدأ مطلع الربيع المقبل."
)


@pytest.fixture
def source():
    return Source.objects.create(
        url="https://news.example/feed.xml", name="صحيفة المدينة", folder="محلي"
    )


@pytest.fixture
def article(source):
    return Article.objects.create(
        source=source,
        title=TITLE,
        text=TEXT,
        url="https://news.example/parks",
        author="سلمى حداد",
        language="ar",
        published_at=timezone.now() - timedelta(minutes=5),
    )


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_home_is_arabic_and_right_to_left(client, article):
    html = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert TITLE in html
    assert "صحيفة المدينة" in html
    assert "آخر الأخبار" in html
    assert 'dir="auto"' in html
    assert "<time datetime=" in html


def test_home_lead_is_the_first_words_of_the_text(client, source):
    words = " ".join(f"كلمة{i}" for i in range(60))
    Article.objects.create(source=source, title="عنوان", text=words, url="https://news.example/w")
    html = client.get("/").content.decode()
    assert "كلمة39" in html
    assert "كلمة40" not in html


def test_home_prefers_the_summary_as_lead(client, source):
    Article.objects.create(
        source=source, title="عنوان", summary="<p>ملخص <b>قصير</b></p>", text="نص طويل"
    )
    html = client.get("/").content.decode()
    assert "ملخص قصير" in html
    assert "نص طويل" not in html


def test_english_by_cookie_is_left_to_right(client, article):
    html = english(client).get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Latest news" in html
    assert TITLE in html  # content stays in its own language
    assert "minutes ago" in html


def test_arabic_first_whatever_the_browser_asks_for(client, article):
    html = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_language_switcher_sets_english(client, article):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en" dir="ltr">' in client.get("/").content.decode()


def test_home_without_articles_says_so(client):
    html = client.get("/").content.decode()
    assert "لا توجد مقالات بعد." in html
    assert "khabar add-source URL" in html


def test_home_paginates(client, source):
    now = timezone.now()
    for i in range(25):
        published = now - timedelta(hours=i)
        article = Article.objects.create(
            source=source, title=f"خبر رقم {i}", published_at=published
        )
        story = Story.objects.create(
            id=i + 1, headline=f"قصة رقم {i}", first_seen=published, last_seen=published,
            article_count=1, source_count=1,
        )  # fmt: skip
        StoryArticle.objects.create(article=article, story=story, published_at=published)
    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()
    assert "قصة رقم 0<" in first and "قصة رقم 24<" not in first
    assert "قصة رقم 24<" in second
    assert "الصفحة 2 من 2" in second
    assert client.get("/?page=99").status_code == 200


def test_undated_articles_come_last(client, source):
    Article.objects.create(source=source, title="بلا تاريخ")
    Article.objects.create(source=source, title="مؤرخ", published_at=timezone.now())
    html = client.get("/").content.decode()
    assert html.index("مؤرخ") < html.index("بلا تاريخ")


def test_article_page(client, article):
    html = client.get(reverse("reader:article", args=[article.pk])).content.decode()
    assert f'<h1 dir="auto">{TITLE}</h1>' in html
    assert '<div class="article-body" dir="auto">' in html
    assert "<p>وقال رئيس المجلس إن العمل يبدأ مطلع الربيع المقبل.</p>" in html
    assert "سلمى حداد" in html
    assert 'href="https://news.example/parks" rel="noopener nofollow"' in html
    assert "عناوين سابقة" not in html


def test_article_page_renders_stored_html_and_previous_titles(client, article):
    article.html = "<p>فقرة <strong>منسقة</strong></p>"
    article.previous_titles = ["عنوان قديم"]
    article.save()
    html = client.get(reverse("reader:article", args=[article.pk])).content.decode()
    assert "<p>فقرة <strong>منسقة</strong></p>" in html
    assert "عناوين سابقة" in html and "عنوان قديم" in html


def test_missing_article_is_a_friendly_404(client):
    response = client.get("/articles/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "الصفحة غير موجودة" in html
    assert 'dir="rtl"' in html


def test_sources_page_in_plain_words(client, source):
    now = timezone.now()
    source.last_fetched_at = now - timedelta(minutes=5)
    source.next_check_at = now + timedelta(minutes=25, seconds=30)
    source.save()
    Source.objects.create(
        url="https://gone.example/rss",
        name="Gone",
        enabled=False,
        disabled_reason="HTTP 410 Gone",
        last_error="HTTP 410 Gone",
        last_error_at=now - timedelta(hours=2),
        error_count=3,
        last_fetched_at=now - timedelta(hours=2),
    )
    html = english(client).get("/sources/").content.decode()
    assert "Fetched 5\xa0minutes ago" in html
    assert "Next check in 25\xa0minutes" in html
    assert "Disabled: the server says this feed is gone (410)" in html
    assert "3 failed attempts in a row" in html
    assert "https://news.example/feed.xml" in html and "محلي" in html


def test_sources_page_in_arabic(client, source):
    source.last_fetched_at = timezone.now() - timedelta(minutes=5)
    source.save()
    html = client.get("/sources/").content.decode()
    assert "جُلب قبل 5\xa0دقائق" in html
    assert "لا مقالات" in html


def test_sources_page_without_sources(client):
    assert "لا توجد مصادر بعد." in client.get("/sources/").content.decode()


def test_admin_lists_sources_and_articles(admin_client, article):
    assert admin_client.get("/admin/sources/source/").status_code == 200
    assert admin_client.get("/admin/sources/sourceline/").status_code == 200
    response = admin_client.get("/admin/articles/article/", {"q": "الحدائق"})
    assert TITLE in response.content.decode()


def test_server_error_page_is_friendly_arabic():
    html = render_to_string("500.html")
    assert '<html lang="ar" dir="rtl">' in html
    assert "حدث خطأ ما" in html
