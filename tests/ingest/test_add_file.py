from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from khabar.articles.models import Article
from khabar.sources.models import Source

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
HEADLINE = "وزارة الصحة تطلق حملة وطنية للتطعيم ضد الحصبة في المدارس"


def add_file(*args):
    out = StringIO()
    call_command("add-file", *map(str, args), stdout=out)
    return out.getvalue().strip()


def test_created_then_unchanged():
    path = PAGES / "scraped-subscription.txt"
    first = add_file(path)
    assert first.startswith(f"created: {HEADLINE} (article ")
    assert 'in "saved files"; 11 lines dropped)' in first
    assert add_file(path).startswith(f"unchanged: {HEADLINE}")
    assert Article.objects.count() == 1


def test_source_and_url():
    output = add_file(
        PAGES / "article-with-chrome.html",
        "--source",
        "صحيفة المثال",
        "--url",
        "https://news.example.com/x",
    )
    assert output.startswith("created: افتتاح أكبر محطة")
    article = Article.objects.get()
    assert article.source == Source.objects.get(name="صحيفة المثال")
    assert article.url == "https://news.example.com/x"


def test_updated_when_the_saved_page_changes(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("العنوان الأول للخبر\nنص الخبر كما نشر أول مرة.")
    add_file(path, "--url", "https://example.com/n/1")
    path.write_text("العنوان المعدل للخبر\nنص الخبر بعد التحديث.")
    assert add_file(path, "--url", "https://example.com/n/1").startswith("updated: العنوان المعدل")
    assert Article.objects.get().previous_titles == ["العنوان الأول للخبر"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/page.html"], "no such file"),
        ([PAGES / "hostile.html", "--url", "javascript:alert(1)"], "--url must be an http"),
        ([PAGES], "is a directory"),
    ],
)
def test_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        add_file(*args)


def test_a_file_of_nothing_but_boilerplate(tmp_path):
    path = tmp_path / "menu.txt"
    path.write_text("الرئيسية\nتسجيل الدخول\nشارك\n")
    with pytest.raises(CommandError, match="no headline or body"):
        add_file(path)
    assert not Article.objects.exists()
