import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
SCRAPED = PAGES / "scraped-subscription.txt"
KHABAR = Path(sys.executable).parent / "khabar"
HEADLINE = "وزارة الصحة تطلق حملة وطنية للتطعيم ضد الحصبة في المدارس"


def extract(*args):
    out = StringIO()
    call_command("extract", *map(str, args), stdout=out)
    return out.getvalue()


def test_json_output_of_a_scraped_text():
    result = json.loads(extract(SCRAPED))
    assert result["title"] == HEADLINE
    assert result["author"] == "سامي الحداد"
    assert result["published"] == "2025-10-12T09:45:00+00:00"
    assert result["language"] == "ar"
    assert "لم تشترك بعد" not in result["text"]
    assert {"line": "لم تشترك بعد", "reason": "boilerplate: subscription"} in result["dropped"]
    assert {"line": HEADLINE, "reason": "repeated headline"} in result["dropped"]
    assert set(result) == {
        "title",
        "text",
        "author",
        "published",
        "language",
        "url",
        "canonical_url",
        "image",
        "dropped",
    }


def test_json_output_of_an_html_page_with_its_address():
    result = json.loads(
        extract(PAGES / "article-with-chrome.html", "--url", "https://news.example.com/x")
    )
    assert (
        result["canonical_url"]
        == "https://news.example.com/ar/economy/2025/10/12/desalination-plant"
    )
    assert result["image"] == "https://news.example.com/media/2025/10/plant.jpg"
    assert result["published"] == "2025-10-12T09:45:00+03:00"


def test_text_output():
    output = extract(SCRAPED, "--format", "text")
    assert output.startswith(f"title: {HEADLINE}\n")
    assert "[boilerplate: subscription] لم تشترك بعد" in output


def test_a_url_is_fetched_through_the_http_door(httpserver):
    page = (PAGES / "article-with-chrome.html").read_bytes()
    httpserver.expect_request("/ar/page").respond_with_data(
        page, content_type="text/html; charset=utf-8"
    )
    result = json.loads(extract(httpserver.url_for("/ar/page")))
    assert result["title"] == "افتتاح أكبر محطة لتحلية المياه في الساحل الشرقي"
    assert result["url"] == httpserver.url_for("/ar/page")


def test_a_url_that_fails_is_one_clear_error(httpserver):
    httpserver.expect_request("/missing").respond_with_data("", status=404)
    with pytest.raises(CommandError, match="404"):
        extract(httpserver.url_for("/missing"))


def test_a_url_that_is_not_a_page(httpserver):
    httpserver.expect_request("/logo.png").respond_with_data(b"\x89PNG", content_type="image/png")
    with pytest.raises(CommandError, match="image/png, not a web page"):
        extract(httpserver.url_for("/logo.png"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/file.html"], "no such file"),
        ([SCRAPED, "--format", "xml"], "--format must be json or text"),
    ],
)
def test_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        extract(*args)


def test_empty_and_binary_files(tmp_path):
    empty, binary = tmp_path / "empty.txt", tmp_path / "photo.html"
    empty.write_bytes(b"")
    binary.write_bytes(b"\xff\xd8\xff\xe0 JFIF")
    with pytest.raises(CommandError, match="is empty"):
        extract(empty)
    with pytest.raises(CommandError, match="is a JPEG image"):
        extract(binary)


def run_khabar(*args, tmp_path):
    env = {**os.environ, "KHABAR_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [str(KHABAR), *map(str, args)], capture_output=True, text=True, env=env, timeout=60
    )


def test_the_khabar_command_prints_json(tmp_path):
    done = run_khabar("extract", SCRAPED, "--format", "json", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == HEADLINE


def test_the_khabar_command_fails_in_one_line(tmp_path):
    done = run_khabar("extract", tmp_path / "missing.txt", tmp_path=tmp_path)
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0
    assert "no such file" in done.stderr and "Traceback" not in done.stderr
