"""OPML in and out: folders (nested too) and Arabic titles survive the round trip."""

from pathlib import Path

import pytest

from khabar.sources.models import Source
from khabar.sources.opml import OpmlError, OpmlFeed, read_opml, write_opml
from khabar.sources.services import SourceError, sources_export_opml, sources_import_opml

pytestmark = pytest.mark.django_db

OPML = Path(__file__).resolve().parent.parent / "fixtures" / "feeds" / "subscriptions.opml"


def test_reading_keeps_nested_folders():
    feeds = read_opml(OPML.read_bytes())
    assert feeds[:3] == [
        OpmlFeed(
            url="https://madina.example/feed.xml",
            title="أخبار المدينة",
            site_url="https://madina.example/",
            folder="محلي",
        ),
        OpmlFeed(url="https://radio.example/feed.json", title="راديو الحي", folder="محلي / رياضة"),
        OpmlFeed(url="https://world.example/rss", title="World News"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<opml><body><outline", "not valid XML"),
        (b"<html><body/></html>", "not <opml>"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b"", "not valid XML"),
    ],
)
def test_bad_opml_is_refused(data, message):
    with pytest.raises(OpmlError, match=message):
        read_opml(data)


def test_import_then_export_round_trips():
    result = sources_import_opml(OPML.read_bytes())
    assert len(result.added) == 3
    assert result.skipped == [
        "ليس عنوانا: 'javascript:alert(1)' is not a web address (http:// or https://)"
    ]
    radio = Source.objects.get(url="https://radio.example/feed.json")
    assert (radio.name, radio.folder, radio.kind) == ("راديو الحي", "محلي / رياضة", "feed")

    exported = sources_export_opml()
    assert "أخبار المدينة".encode() in exported
    Source.objects.all().delete()
    again = sources_import_opml(exported)
    assert len(again.added) == 3
    assert sorted(Source.objects.values_list("url", "name", "folder", "site_url")) == [
        ("https://madina.example/feed.xml", "أخبار المدينة", "محلي", "https://madina.example/"),
        ("https://radio.example/feed.json", "راديو الحي", "محلي / رياضة", ""),
        ("https://world.example/rss", "World News", "", ""),
    ]


def test_importing_twice_adds_nothing_new():
    sources_import_opml(OPML.read_bytes())
    result = sources_import_opml(OPML.read_bytes())
    assert (len(result.added), result.already) == (0, 3)
    assert Source.objects.count() == 3


def test_export_leaves_out_pages_and_imports():
    Source.objects.create(url="https://a.example/feed", name="أ")
    Source.objects.create(kind=Source.Kind.PAGE, url="https://a.example/one-article")
    Source.objects.create(kind=Source.Kind.IMPORT, name="bulk")
    assert read_opml(sources_export_opml()) == [OpmlFeed(url="https://a.example/feed", title="أ")]


def test_write_opml_nests_folders():
    data = write_opml([OpmlFeed(url="https://a.example/f", title="أ", folder="س / ص")])
    assert read_opml(data) == [OpmlFeed(url="https://a.example/f", title="أ", folder="س / ص")]


def test_import_of_malformed_opml_is_a_source_error():
    with pytest.raises(SourceError, match="not valid OPML"):
        sources_import_opml(b"<opml")
