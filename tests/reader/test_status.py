from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from khabar.reader.status import describe_source, explain_fetch_error
from khabar.sources.models import Source

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("error", "plain"),
    [
        (
            "the server answered 410 Gone (the feed is gone for good); fetching stopped",
            "the server says this feed is gone (410)",
        ),
        ("HTTP 410 Gone", "the server says this feed is gone (410)"),
        ("404 Not Found", "the server cannot find this address (404)"),
        ("the server answered 503 Service Unavailable", "the server had an error (503)"),
        (
            "http://a.example:4040/410/feed did not answer completely within 20 seconds",
            "the server did not answer in time",
        ),
        (
            "refused to connect to x.example: it resolves to 10.0.0.1, a private, local or "
            "reserved address",
            "the address points to a private network",
        ),
        (
            "could not find the address of nowhere.example: ...",
            "the site's name could not be found",
        ),
        ("could not connect to a.example: Connection refused", "the server cannot be reached"),
        ("this is not a feed: no RSS, Atom or JSON Feed found", "the page is not a readable feed"),
        ("something odd", "something odd"),
        ("", "an unknown error"),
    ],
)
def test_fetch_errors_in_plain_words(error, plain):
    assert explain_fetch_error(error) == plain


def test_fetch_error_in_arabic():
    with translation.override("ar"):
        assert explain_fetch_error("HTTP 410") == "الخادم يقول إن هذه الخلاصة أُزيلت نهائياً (410)"


def test_new_source_is_due_now():
    status = describe_source(Source(url="https://a.example/rss"), now=NOW)
    assert (status.fetched, status.next_check, status.problem) == (
        "Not fetched yet",
        "Due for a check now",
        None,
    )


def test_failing_source_says_how_often():
    source = Source(
        url="https://a.example/rss",
        last_fetched_at=NOW - timedelta(hours=1),
        next_check_at=NOW + timedelta(hours=2),
        last_error="429 Too Many Requests",
        last_error_at=NOW - timedelta(hours=1),
        error_count=1,
    )
    status = describe_source(source, now=NOW)
    assert status.fetched == "Fetched 1\xa0hour ago"
    assert status.next_check == "Next check in 2\xa0hours"
    assert status.problem == (
        "Last error 1\xa0hour ago: the server asks us to slow down (429) · "
        "1 failed attempt in a row"
    )


def test_file_sources_are_not_fetched():
    status = describe_source(Source(kind=Source.Kind.FILE, name="files"), now=NOW)
    assert status.fetched == "Added from files, not fetched"
    assert status.next_check == ""


def test_disabled_source_does_not_repeat_its_error():
    source = Source(
        url="https://a.example/rss",
        enabled=False,
        disabled_reason="HTTP 410 Gone",
        last_error="HTTP 410 Gone",
        last_error_at=NOW - timedelta(days=1),
        error_count=3,
    )
    status = describe_source(source, now=NOW)
    assert status.next_check == "Disabled: the server says this feed is gone (410)"
    assert status.problem == "Last failed 1\xa0day ago · 3 failed attempts in a row"


def test_a_fetch_seconds_ago_is_just_now():
    source = Source(url="https://a.example/rss", last_fetched_at=NOW - timedelta(seconds=20))
    assert describe_source(source, now=NOW).fetched == "Fetched just now"
