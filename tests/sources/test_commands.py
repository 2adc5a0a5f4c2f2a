"""The add-source, import-opml and export-opml commands, and what bad input looks like."""

import socket
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from khabar import cli
from khabar.articles.models import Article
from khabar.sources.models import Source

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def serve(httpserver, path, name, content_type):
    httpserver.expect_request(path).respond_with_data(
        (FEEDS / name).read_bytes(), content_type=content_type
    )


def add_source(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("add-source", *args, stdout=out)
    return out.getvalue()


def test_a_feed_url_is_subscribed_under_the_feed_title(httpserver):
    serve(httpserver, "/feed.xml", "rss2.xml", "application/rss+xml")
    output = add_source(httpserver.url_for("/feed.xml"), "--folder", "محلي")
    source = Source.objects.get()
    assert (source.kind, source.name, source.folder) == ("feed", "أخبار المدينة", "محلي")
    assert source.url == httpserver.url_for("/feed.xml")
    assert source.site_url == "https://madina.example/"
    assert "Added feed: أخبار المدينة" in output
    assert Article.objects.count() == 0  # the worker fetches it


def test_a_site_is_subscribed_through_its_advertised_feed(httpserver):
    serve(httpserver, "/", "site.html", "text/html; charset=utf-8")
    serve(httpserver, "/feeds/main.xml", "rss2.xml", "application/rss+xml")
    add_source(httpserver.url_for("/"), "--name", "مدينتي")
    source = Source.objects.get()
    assert (source.kind, source.name) == ("feed", "مدينتي")
    assert source.url == httpserver.url_for("/feeds/main.xml")


def test_a_site_without_a_feed_link_is_tried_at_common_paths(httpserver):
    httpserver.expect_request("/").respond_with_data("<html><title>بلا رابط</title></html>")
    httpserver.expect_request("/feed").respond_with_data("", status=404)
    httpserver.expect_request("/rss").respond_with_data("<html>not a feed</html>")
    serve(httpserver, "/feed.xml", "atom.xml", "application/atom+xml")
    add_source(httpserver.url_for("/"))
    assert Source.objects.get().url == httpserver.url_for("/feed.xml")


def test_a_site_with_no_feed_anywhere_is_refused(httpserver):
    httpserver.expect_request("/").respond_with_data("<html><title>لا شيء</title></html>")
    with pytest.raises(CommandError, match="no feed found at"):
        add_source(httpserver.url_for("/"))
    assert not Source.objects.exists()


def test_an_article_page_becomes_a_single_page_source(httpserver):
    serve(httpserver, "/news/bridge", "article.html", "text/html; charset=utf-8")
    output = add_source(httpserver.url_for("/news/bridge"))
    source = Source.objects.get()
    assert (source.kind, source.name) == ("page", "افتتاح جسر المشاة فوق الطريق السريع")
    assert "Added single page" in output


def test_a_page_without_a_feed_becomes_a_single_page_source(httpserver):
    httpserver.expect_request("/notes/1").respond_with_data(
        "<html><head><title>ملاحظة</title></head><body><p>نص</p></body></html>",
        content_type="text/html",
    )
    add_source(httpserver.url_for("/notes/1"))
    assert Source.objects.get().kind == Source.Kind.PAGE


def test_page_option_adds_the_address_as_it_is(httpserver):
    add_source(httpserver.url_for("/anything"), "--page", "--name", "صفحة")
    source = Source.objects.get()
    assert (source.kind, source.name) == ("page", "صفحة")
    assert httpserver.log == []


def test_fetch_option_fetches_at_once(httpserver):
    serve(httpserver, "/feed.xml", "rss2.xml", "application/rss+xml")
    output = add_source(httpserver.url_for("/feed.xml"), "--fetch")
    assert "Fetched: 2 new" in output
    assert Article.objects.count() == 2


def test_subscribing_twice_is_refused(httpserver):
    serve(httpserver, "/feed.xml", "rss2.xml", "application/rss+xml")
    add_source(httpserver.url_for("/feed.xml"))
    with pytest.raises(CommandError, match="already subscribed: أخبار المدينة"):
        add_source(httpserver.url_for("/feed.xml"))


def test_a_loopback_source_is_refused_with_the_guard_on(httpserver, settings):
    settings.KHABAR_ALLOW_PRIVATE_ADDRESSES = False
    serve(httpserver, "/feed.xml", "rss2.xml", "application/rss+xml")
    url = f"http://127.0.0.1:{httpserver.port}/feed.xml"
    with pytest.raises(CommandError, match="refused to connect to 127.0.0.1"):
        add_source(url)
    assert httpserver.log == []


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/feed"


def test_import_and_export_commands(tmp_path, capsys):
    call_command("import-opml", str(FEEDS / "subscriptions.opml"))
    assert "Imported 3 feed(s)" in capsys.readouterr().out
    target = tmp_path / "out.opml"
    call_command("export-opml", str(target))
    assert "راديو الحي" in target.read_text(encoding="utf-8")
    call_command("export-opml")
    assert 'text="محلي"' in capsys.readouterr().out


@pytest.fixture
def malformed_opml(tmp_path):
    path = tmp_path / "broken.opml"
    path.write_text("<opml><body><outline text='نص'", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add-source", "not a url"], "is not a web address"),
        (["add-source", "{closed}"], "could not connect to 127.0.0.1"),
        (["import-opml", "/no/such/file.opml"], "no such file: /no/such/file.opml"),
        (["import-opml", "{malformed}"], "not valid OPML: not valid XML"),
        (["export-opml", "/no/such/folder/out.opml"], "cannot write /no/such/folder/out.opml"),
    ],
)
def test_bad_input_prints_one_clear_line_and_fails(argv, message, malformed_opml, capsys):
    argv = [a.format(closed=closed_port_url(), malformed=malformed_opml) for a in argv]
    with pytest.raises(SystemExit) as exit_:
        cli.main(["khabar", *argv])
    assert exit_.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("CommandError: ") and message in err
    assert "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["add-source", "import-opml", "export-opml", "worker"])
def test_each_command_has_a_one_line_help(name):
    command = load_command_class(get_commands()[name], name)
    assert command.help and cli.one_line(command.help)
