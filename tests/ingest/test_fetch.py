"""The fetch step end to end, against a real local HTTP server: every failure ends as a clear
error on the source, nothing else is lost, nothing crashes."""

import gzip
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from khabar.articles.models import Article
from khabar.ingest import pipeline as pipeline_module
from khabar.ingest.feeds import parse_feed
from khabar.ingest.fetch import FetchOutcome, fetch_source, ingest_entries
from khabar.sources.claims import claim_source
from khabar.sources.models import Source

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def fixture_bytes(name: str, *, base: str = "") -> bytes:
    data = (FEEDS / name).read_bytes()
    return data.replace(b"{base}", base.encode()) if base else data


def serve(httpserver, path: str, name: str, *, content_type="application/rss+xml", **kw):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(path).respond_with_data(
        fixture_bytes(name, base=base), content_type=content_type, **kw
    )


@pytest.fixture
def feed_source(httpserver):
    return Source.objects.create(url=httpserver.url_for("/feed"))


def refreshed(source: Source) -> Source:
    source.refresh_from_db()
    return source


def assert_checked_again_in(source: Source, seconds: int) -> None:
    expected = timezone.now() + timedelta(seconds=seconds)
    assert abs((source.next_check_at - expected).total_seconds()) < 30


def test_rss2_feed_is_stored(httpserver, feed_source, settings):
    settings.KHABAR_FETCH_INTERVAL = 1800
    serve(httpserver, "/feed", "rss2.xml", headers={"ETag": '"v1"'})
    report = fetch_source(feed_source)
    assert (report.outcome, report.created, report.failed) == (FetchOutcome.FETCHED, 2, 0)
    library = Article.objects.get(guid="madina-1001")
    assert library.title == "افتتاح مكتبة عامة جديدة في حي الزيتون"
    assert "عشرين ألف كتاب" in library.text
    assert library.canonical_url == "https://madina.example/news/library"
    source = refreshed(feed_source)
    assert (source.name, source.site_url, source.language) == (
        "أخبار المدينة",
        "https://madina.example/",
        "ar",
    )
    assert (source.etag, source.error_count, source.last_error) == ('"v1"', 0, "")
    assert_checked_again_in(source, 3600)  # the feed's <ttl> of 60 minutes beats the interval
    assert source.claimed_by == "" and source.claimed_until is None


@pytest.mark.parametrize(
    ("name", "content_type", "titles"),
    [
        ("rss1.rdf", "application/rdf+xml", ["توسعة الميناء تبدأ الشهر المقبل"]),
        ("atom.xml", "application/atom+xml", ["الجامعة تطلق برنامجا للمنح الدراسية"]),
        (
            "feed.json",
            "application/feed+json",
            ["سوق الخضار يعود إلى ساحته القديمة", "فريق الحي يفوز في نهائي الدوري"],
        ),
        ("windows-1256.xml", "text/xml", ["مهرجان التمور يستقبل زواره"]),
        ("utf8-bom.xml", "application/xml", ["مهرجان التمور يستقبل زواره"]),
    ],
)
def test_every_format_and_encoding_is_stored(httpserver, feed_source, name, content_type, titles):
    serve(httpserver, "/feed", name, content_type=content_type)
    # Summary-only items fetch their page; give those a page that is not there.
    httpserver.expect_request("/news/dates-festival").respond_with_data("", status=404)
    report = fetch_source(feed_source)
    assert report.outcome == FetchOutcome.FETCHED
    assert sorted(Article.objects.values_list("title", flat=True)) == sorted(titles)
    assert refreshed(feed_source).last_error == ""


def test_windows_1256_text_comes_out_right(httpserver, feed_source):
    serve(httpserver, "/feed", "windows-1256.xml", content_type="text/xml")
    fetch_source(feed_source)
    article = Article.objects.get()
    assert "بمشاركة مزارعين من كل قرى الوادي" in article.text
    assert refreshed(feed_source).name == "جريدة الوادي"


def test_malformed_xml_with_items_keeps_them(httpserver, feed_source):
    serve(httpserver, "/feed", "malformed.xml")
    report = fetch_source(feed_source)
    assert report.outcome == FetchOutcome.FETCHED
    assert report.created == 2
    assert any("malformed" in note for note in report.notes)
    assert refreshed(feed_source).error_count == 0


def test_a_page_that_is_not_a_feed_is_an_error(httpserver, feed_source, settings):
    settings.KHABAR_FETCH_INTERVAL = 600
    httpserver.expect_request("/feed").respond_with_data(
        "<html><body>Welcome</body></html>", content_type="text/html"
    )
    report = fetch_source(feed_source)
    source = refreshed(feed_source)
    assert report.outcome == FetchOutcome.FAILED
    assert source.last_error == "this is not a feed: no RSS, Atom or JSON Feed found"
    assert source.error_count == 1
    assert_checked_again_in(source, 600)


def test_304_with_etag_is_a_success_with_nothing_new(httpserver, feed_source):
    serve(httpserver, "/feed", "rss2.xml", headers={"ETag": '"v1"'})
    fetch_source(feed_source)
    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    report = fetch_source(feed_source)
    source = refreshed(feed_source)
    assert report.outcome == FetchOutcome.NOT_MODIFIED
    assert (source.etag, source.error_count) == ('"v1"', 0)
    assert Article.objects.count() == 2


def test_refetching_is_idempotent(httpserver, feed_source):
    serve(httpserver, "/feed", "rss2.xml")
    first = fetch_source(feed_source)
    second = fetch_source(feed_source)
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)
    assert Article.objects.count() == 2


def test_404_is_an_error_with_growing_backoff(httpserver, feed_source, settings):
    settings.KHABAR_FETCH_INTERVAL = 600
    settings.KHABAR_MAX_BACKOFF = 2000
    httpserver.expect_request("/feed").respond_with_data("", status=404)
    fetch_source(feed_source)
    source = refreshed(feed_source)
    assert source.last_error == "the server answered 404 Not Found"
    assert source.enabled
    assert_checked_again_in(source, 600)
    fetch_source(source)
    assert_checked_again_in(refreshed(source), 1200)
    fetch_source(source)
    source = refreshed(source)
    assert source.error_count == 3
    assert_checked_again_in(source, 2000)  # 2400 capped at KHABAR_MAX_BACKOFF


def test_410_disables_the_source(httpserver, feed_source):
    httpserver.expect_request("/feed").respond_with_data("", status=410)
    report = fetch_source(feed_source)
    source = refreshed(feed_source)
    assert report.outcome == FetchOutcome.DISABLED
    assert not source.enabled
    assert "410 Gone" in source.disabled_reason
    assert source.next_check_at is None
    httpserver.clear_log()
    assert fetch_source(source).outcome == FetchOutcome.SKIPPED
    assert httpserver.log == []


def test_429_waits_as_long_as_retry_after_asks(httpserver, feed_source, settings):
    settings.KHABAR_FETCH_INTERVAL = 600
    httpserver.expect_request("/feed").respond_with_data(
        "", status=429, headers={"Retry-After": "7200"}
    )
    fetch_source(feed_source)
    source = refreshed(feed_source)
    assert "429 Too Many Requests" in source.last_error
    assert_checked_again_in(source, 7200)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("huge", "larger than 2,000 bytes"),
        ("bomb", "larger than 2,000 bytes"),
        ("slow", "within 0.3 seconds"),
        ("loop", "redirect loop"),
    ],
)
def test_hostile_responses_end_as_errors_on_the_source(
    httpserver, feed_source, settings, setup, message
):
    import time

    from werkzeug import Response

    settings.KHABAR_HTTP_MAX_BYTES = 2000
    settings.KHABAR_HTTP_TIMEOUT = 0.3
    if setup == "huge":
        httpserver.expect_request("/feed").respond_with_handler(
            lambda request: Response((b"<rss>" * 100 for _ in range(20)), content_type="text/xml")
        )
    elif setup == "bomb":
        httpserver.expect_request("/feed").respond_with_data(
            gzip.compress(b" " * 5_000_000), headers={"Content-Encoding": "gzip"}
        )
    elif setup == "slow":

        def drip(request):
            def body():
                for _ in range(12):
                    yield b"<rss>"
                    time.sleep(0.05)

            return Response(body(), content_type="text/xml")

        httpserver.expect_request("/feed").respond_with_handler(drip)
    else:
        httpserver.expect_request("/feed").respond_with_data(
            "", status=302, headers={"Location": "/feed"}
        )
    report = fetch_source(feed_source)
    source = refreshed(feed_source)
    assert report.outcome == FetchOutcome.FAILED
    assert message in source.last_error
    assert source.error_count == 1
    assert Article.objects.count() == 0


def test_a_claimed_source_is_not_fetched_twice(httpserver, feed_source):
    serve(httpserver, "/feed", "rss2.xml")
    assert claim_source(feed_source.pk) is not None  # another worker holds it
    assert fetch_source(feed_source).outcome == FetchOutcome.SKIPPED
    assert httpserver.log == []


def test_an_expired_claim_of_a_killed_worker_is_taken_over(httpserver, feed_source):
    serve(httpserver, "/feed", "rss2.xml")
    Source.objects.filter(pk=feed_source.pk).update(
        claimed_by="dead-worker", claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert fetch_source(feed_source).created == 2


def test_one_bad_item_does_not_stop_the_others(httpserver, feed_source, monkeypatch):
    real_store = pipeline_module.store_article

    def failing_for_rain(source, *, item, **options):
        if "أمطار" in item.title:
            raise ValueError("cannot store this one")
        return real_store(source, item=item, **options)

    monkeypatch.setattr(pipeline_module, "store_article", failing_for_rain)
    serve(httpserver, "/feed", "rss2.xml", headers={"ETag": '"v1"'})
    report = fetch_source(feed_source)
    assert (report.created, report.failed) == (1, 1)
    assert "cannot store this one" in report.notes[0]
    source = refreshed(feed_source)
    assert source.last_error == ""
    assert source.etag == ""  # so the next fetch gets the whole feed and retries the item


def test_when_every_item_fails_the_source_says_so(httpserver, feed_source, monkeypatch):
    def always_failing(source, *, item, **options):
        raise ValueError("database said no")

    monkeypatch.setattr(pipeline_module, "store_article", always_failing)
    serve(httpserver, "/feed", "rss2.xml")
    report = fetch_source(feed_source)
    source = refreshed(feed_source)
    assert report.outcome == FetchOutcome.FAILED
    assert source.last_error.startswith("none of the 2 items could be stored")
    assert "database said no" in source.last_error


# --- Summary-only items: the article page ----------------------------------------------------


def test_a_failed_page_fetch_keeps_the_summary(httpserver, feed_source):
    serve(httpserver, "/feed", "summary-only.xml")
    httpserver.expect_request("/news/bridge").respond_with_data("", status=500)
    report = fetch_source(feed_source)
    article = Article.objects.get()
    assert report.created == 1
    assert article.title == "افتتاح جسر المشاة فوق الطريق السريع"
    assert article.text == "افتتح جسر جديد للمشاة."
    assert "500 Internal Server Error" in report.notes[0]
    assert "summary is kept" in report.notes[0]


def test_a_summary_only_item_is_completed_from_its_page(httpserver, feed_source):
    serve(httpserver, "/feed", "summary-only.xml")
    serve(httpserver, "/news/bridge", "article.html", content_type="text/html; charset=utf-8")
    report = fetch_source(feed_source)
    article = Article.objects.get()
    assert report.created == 1
    assert report.notes == []
    assert "ويبلغ طول الجسر ستين مترا" in article.text
    assert article.title == "افتتاح جسر المشاة فوق الطريق السريع"
    assert article.guid == "bridge-1"


def test_the_guard_refuses_an_item_page_on_loopback_and_keeps_the_summary(
    httpserver, feed_source, settings
):
    base = httpserver.url_for("").rstrip("/").replace("localhost", "127.0.0.1")
    feed = parse_feed(fixture_bytes("summary-only.xml", base=base), url=f"{base}/feed")
    httpserver.expect_request("/news/bridge").respond_with_data("<p>internal</p>")
    settings.KHABAR_ALLOW_PRIVATE_ADDRESSES = False
    report = ingest_entries(feed_source, feed.entries)
    assert report.created == 1
    assert Article.objects.get().text == "افتتح جسر جديد للمشاة."
    assert "refused to connect to 127.0.0.1" in report.notes[0]
    assert httpserver.log == []


def test_the_guard_refuses_a_source_on_loopback(httpserver, settings):
    source = Source.objects.create(url=f"http://127.0.0.1:{httpserver.port}/feed")
    serve(httpserver, "/feed", "rss2.xml")
    settings.KHABAR_ALLOW_PRIVATE_ADDRESSES = False
    report = fetch_source(source)
    source = refreshed(source)
    assert report.outcome == FetchOutcome.FAILED
    assert "refused to connect to 127.0.0.1" in source.last_error
    assert "private, local or reserved address" in source.last_error
    assert httpserver.log == []


# --- Single-page sources --------------------------------------------------------------------


def test_a_page_source_that_cannot_be_read_records_why(httpserver):
    source = Source.objects.create(kind=Source.Kind.PAGE, url=httpserver.url_for("/news/gone"))
    httpserver.expect_request("/news/gone").respond_with_data("", status=404)
    fetch_source(source)
    assert refreshed(source).last_error == "the server answered 404 Not Found"


def test_a_page_source_is_stored_once_and_not_checked_again(httpserver):
    source = Source.objects.create(kind=Source.Kind.PAGE, url=httpserver.url_for("/news/bridge"))
    serve(httpserver, "/news/bridge", "article.html", content_type="text/html; charset=utf-8")
    report = fetch_source(source)
    source = refreshed(source)
    assert report.created == 1
    assert "ستين مترا" in Article.objects.get().text
    assert source.last_error == ""
    assert source.next_check_at is None and source.last_success_at is not None


def test_an_empty_page_source_records_that_nothing_was_worth_storing(httpserver):
    source = Source.objects.create(kind=Source.Kind.PAGE, url=httpserver.url_for("/empty"))
    httpserver.expect_request("/empty").respond_with_data(
        "<html><body></body></html>", content_type="text/html"
    )
    report = fetch_source(source)
    source = refreshed(source)
    assert report.outcome == FetchOutcome.FAILED
    assert source.last_error.startswith("nothing worth storing on the page")
    assert Article.objects.count() == 0
