from pathlib import Path

import pytest

from khabar.articles.models import Article
from khabar.ingest.files import UnreadableFile, decode_bytes, read_saved_document
from khabar.ingest.pipeline import NothingToStore, file_source, ingest_file, process_article
from khabar.ingest.records import ExtractedArticle
from khabar.ingest.store import StoreOutcome
from khabar.sources.models import Source, SourceLine

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
SCRAPED = PAGES / "scraped-subscription.txt"
HEADLINE = "وزارة الصحة تطلق حملة وطنية للتطعيم ضد الحصبة في المدارس"


@pytest.fixture
def source():
    return Source.objects.create(url="https://example.org/feed.xml", name="مثال")


def feed_item(number=1, **overrides):
    values = {
        "title": f"المجلس البلدي يقر الميزانية رقم {number}",
        "text": f"أقر المجلس البلدي اليوم ميزانية العام المقبل رقم {number}.\nشارك\nتابعونا على تويتر",
        "html": f'<p onclick="x()">أقر المجلس البلدي اليوم ميزانية العام المقبل رقم {number}.</p>'
        '<p>شارك</p><p>تابعونا على تويتر</p><script>alert(1)</script><a href="/more?utm_source=rss">المزيد</a>',
        "url": f"https://example.org/news/{number}",
        "guid": f"news-{number}",
    }
    return ExtractedArticle(**{**values, **overrides})


def test_process_article_cleans_sanitizes_and_stores(source):
    article, outcome = process_article(source, item=feed_item())
    assert outcome == StoreOutcome.CREATED
    assert article.text == "أقر المجلس البلدي اليوم ميزانية العام المقبل رقم 1."
    assert "<script" not in article.html and "onclick" not in article.html
    assert "شارك" not in article.html and "تابعونا" not in article.html
    assert article.language == "ar"


def test_html_is_built_from_text_when_missing(source):
    article, _ = process_article(source, item=feed_item(html="", text="سطر أول.\nسطر <ثان>."))
    assert article.html == "<p>سطر أول.</p><p>سطر &lt;ثان&gt;.</p>"


def test_processing_twice_is_unchanged_and_counts_lines_once(source):
    process_article(source, item=feed_item())
    counts = dict(SourceLine.objects.values_list("text", "article_count"))
    _article, outcome = process_article(source, item=feed_item())
    assert outcome == StoreOutcome.UNCHANGED
    assert dict(SourceLine.objects.values_list("text", "article_count")) == counts
    assert Article.objects.count() == 1


def test_lines_learned_across_articles_are_dropped_from_later_ones(source):
    footer = "إذاعة المثال – صوت المدينة"
    stored = []
    for number in (1, 2, 3, 4):
        text = f"خبر مختلف تماماً رقم {number} عن شؤون المدينة اليومية.\n{footer}"
        article, _ = process_article(source, item=feed_item(number, text=text, html=""))
        stored.append(article)
    # Three stored articles had the line; the fourth loses it.
    assert [footer in article.text for article in stored] == [True, True, True, False]


def test_the_same_text_under_other_urls_is_counted_once(source):
    text = "نص خبر واحد نشر بعدة روابط.\nسطر قصير في هذا الخبر"
    for number in (1, 2, 3, 4):
        article, _ = process_article(source, item=feed_item(number, text=text, html=""))
    assert "سطر قصير في هذا الخبر" in article.text
    assert set(SourceLine.objects.values_list("article_count", flat=True)) == {1}


def test_rare_lines_are_forgotten_after_a_while(source):
    from datetime import timedelta

    from django.utils import timezone

    from khabar.ingest.learned import forget_rare_lines

    for number in (1, 2, 3):
        process_article(source, item=feed_item(number, text=f"خبر {number}.\nسطر مشترك", html=""))
    SourceLine.objects.update(last_seen_at=timezone.now() - timedelta(days=40))
    assert forget_rare_lines(older_than=timedelta(days=30)) == 3  # the three "خبر n." lines
    assert list(SourceLine.objects.values_list("text", flat=True)) == ["سطر مشترك"]


def test_nothing_to_store_says_why(source):
    with pytest.raises(NothingToStore, match="no article text found"):
        process_article(
            source,
            item=ExtractedArticle(
                dropped=[{"line": "", "reason": "no article text found on the page"}]
            ),
        )
    with pytest.raises(NothingToStore, match="removed every line"):
        process_article(source, item=ExtractedArticle(text="شارك\nالمزيد"))


# --- Saved files -----------------------------------------------------------------------------


def test_ingest_scraped_text_file():
    result = ingest_file(SCRAPED)
    assert result.outcome == StoreOutcome.CREATED
    assert result.article.title == HEADLINE
    assert "لم تشترك بعد" not in result.article.text
    assert result.article.author == "سامي الحداد"
    assert result.source.kind == Source.Kind.FILE and result.source.name == "saved files"
    again = ingest_file(SCRAPED)
    assert again.outcome == StoreOutcome.UNCHANGED and again.article.pk == result.article.pk


def test_ingest_html_file_with_url_and_named_source():
    result = ingest_file(
        PAGES / "article-with-chrome.html",
        source_name="صحيفة المثال",
        url="https://news.example.com/x",
    )
    assert result.article.canonical_url == (
        "https://news.example.com/ar/economy/2025/10/12/desalination-plant"
    )
    assert result.source.name == "صحيفة المثال"
    assert 'src="https://news.example.com/media/2025/10/plant.jpg"' in result.article.html


def test_an_existing_source_is_found_by_name(source):
    assert file_source(name="مثال") == source
    assert file_source(name="جديد").kind == Source.Kind.FILE
    assert file_source(name="جديد") == file_source(name="جديد")


def test_windows_1256_page():
    result = ingest_file(PAGES / "windows-1256.html")
    assert result.article.title == "بلدية المدينة تفتتح حديقة عامة جديدة"
    assert "حديقة عامة" in result.article.text


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("windows-1256"),
    ],
)
def test_encodings(encode):
    text = "العنوان\nالفقرة الأولى من الخبر."
    assert decode_bytes(encode(text)) == text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b" \n\t\n", "is empty"),
        (b"\xef\xbb\xbf", "is empty"),
        (b"%PDF-1.7\n...", "is a PDF document"),
        (b"\x89PNG\r\n\x1a\n", "is a PNG image"),
        (b"abc\x00def\x00", "is a binary file"),
    ],
)
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "page.html"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message):
        read_saved_document(path)


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(UnreadableFile, match="is a directory"):
        read_saved_document(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "is_html"),
    [
        ("a.txt", "<!DOCTYPE html><html><body><p>x</p></body></html>", True),
        ("a.txt", "<p>فقرة</p>\n<p>فقرة</p>", True),
        ("a.txt", "عنوان\nنص فيه علامة < وعلامة >", False),
        ("a.htm", "نص عادي", True),
    ],
)
def test_html_or_text(tmp_path, name, content, is_html):
    path = tmp_path / name
    path.write_text(content)
    assert read_saved_document(path).is_html is is_html
