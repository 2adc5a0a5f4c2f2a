from pathlib import Path

import lxml.html
import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.lib.html import is_allowed_embed, sanitize_html

HOSTILE = (Path(__file__).parent.parent / "fixtures" / "pages" / "hostile.html").read_text()
BASE = "https://news.example.com/ar/news/2"


@pytest.fixture(scope="module")
def cleaned():
    return sanitize_html(HOSTILE, base_url=BASE)


def elements(html, tag):
    return lxml.html.fragment_fromstring(html, create_parent="div").findall(f".//{tag}")


def all_attributes(html):
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    return [(el.tag, name, value) for el in tree.iter() for name, value in el.attrib.items()]


def test_no_script_style_or_active_content_survives(cleaned):
    lowered = cleaned.lower()
    for needle in ("<script", "<style", "<object", "<embed", "<svg", "<form", "<input", "<base"):
        assert needle not in lowered
    for needle in ("<meta", "<link", "<noscript", "alert(", "display:none", "<!--"):
        assert needle not in lowered


def test_no_event_handlers_styles_classes_or_ids(cleaned):
    names = {name for _tag, name, _value in all_attributes(cleaned)}
    assert not {name for name in names if name.startswith("on")}
    assert not names & {"style", "class", "id", "srcset", "srcdoc", "allow", "xlink:href"}


def test_only_web_urls_remain(cleaned):
    for _tag, name, value in all_attributes(cleaned):
        if name in ("href", "src"):
            assert value.startswith(("https://", "#")), value


def test_dir_and_lang_are_kept(cleaned):
    assert '<p dir="rtl" lang="ar">نص <b>عريض</b></p>' in cleaned


def test_links_are_absolute_without_tracking_and_open_safely(cleaned):
    link = next(a for a in elements(cleaned, "a") if a.text == "خبر")
    assert link.get("href") == "https://news.example.com/ar/news/1?id=7"
    assert link.get("rel") == "noopener nofollow"
    assert link.get("target") == "_blank"


def test_in_page_anchors_stay_relative(cleaned):
    assert any(a.get("href") == "#section-2" for a in elements(cleaned, "a"))


def test_only_allowlisted_iframes_survive_sandboxed(cleaned):
    sources = [iframe.get("src") for iframe in elements(cleaned, "iframe")]
    assert sources == [
        "https://www.youtube.com/embed/dQw4w9WgXcQ",
        "https://player.vimeo.com/video/123",
    ]
    for iframe in elements(cleaned, "iframe"):
        assert "allow-scripts" in iframe.get("sandbox")


def test_text_content_is_kept(cleaned):
    assert "رابط خبيث" in cleaned
    assert '<td colspan="2">خلية</td>' in cleaned


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube-nocookie.com/embed/abc",
        "https://www.dailymotion.com/embed/video/x8",
        "https://platform.twitter.com/embed/Tweet.html?id=1",
        "https://www.facebook.com/plugins/video.php?href=x",
        "https://w.soundcloud.com/player/?url=x",
        "https://open.spotify.com/embed/episode/1",
    ],
)
def test_embed_allowlist_accepts_known_players(url):
    assert is_allowed_embed(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://www.youtube.com/embed/abc",  # not https
        "https://www.youtube.com/watch?v=abc",  # not the embed path
        "https://www.youtube.com.evil.example/embed/x",
        "https://evil.example/www.youtube.com/embed/x",
        "https://www.facebook.com/plugins/like.php",
        "javascript:alert(1)",
        "",
    ],
)
def test_embed_allowlist_refuses_others(url):
    assert not is_allowed_embed(url)


@override_settings(KHABAR_EMBED_HOSTS=["embed.example.org/"])
def test_embed_hosts_are_configurable():
    html = '<iframe src="https://embed.example.org/v/1"></iframe><iframe src="https://www.youtube.com/embed/a"></iframe>'
    sources = [iframe.get("src") for iframe in elements(sanitize_html(html), "iframe")]
    assert sources == ["https://embed.example.org/v/1"]


def test_javascript_urls_split_by_tabs_or_newlines_are_removed():
    html = '<a href="jav&#x09;ascript:alert(1)">x</a><a href="java\nscript:alert(1)">y</a>'
    for base in ("", BASE):
        assert "href" not in sanitize_html(html, base_url=base)


def test_relative_urls_without_a_base_stay_relative():
    assert 'src="/a.png"' in sanitize_html('<img src="/a.png">')


def test_protocol_relative_urls_become_https():
    html = '<img src="//cdn.example.com/a.jpg?gclid=1&amp;w=2">'
    assert 'src="https://cdn.example.com/a.jpg?w=2"' in sanitize_html(html)


def test_empty_input():
    assert sanitize_html("") == ""
    assert sanitize_html("   ") == ""
    assert sanitize_html(None) == ""


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<script>alert(1)</script>",
                '<img src=x onerror="alert(1)">',
                '<a href="javascript:alert(1)">',
                "<iframe src=https://evil.example>",
                "<svg onload=alert(1)>",
                "<style>",
                "</p>",
                "<p dir=rtl>",
                "نص",
                "<!--",
                "-->",
                '"',
                "'",
                "<",
                ">",
                "&",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_sanitized_output_is_stable_and_inert(html):
    cleaned = sanitize_html(html)
    assert sanitize_html(cleaned) == cleaned
    lowered = cleaned.lower()
    assert "<script" not in lowered and "javascript:" not in lowered and "onerror" not in lowered
