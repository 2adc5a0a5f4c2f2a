"""Highlighted titles and snippets: marks around the original text, everything else escaped."""

from khabar.search.analysis import plan_query
from khabar.search.highlight import plain_text, snippet_html, title_html
from khabar.search.query import parse_query


def highlight(text):
    return plan_query(parse_query(text)).highlight


def test_marks_wrap_the_original_unnormalized_words():
    title = "انتخـــابات المَجالِس المحليّة في «الجنوب»"
    marked = title_html(title, highlight=highlight("انتخابات مجالس محلية"), language="ar")
    assert marked == (
        "<mark>انتخـــابات</mark> <mark>المَجالِس</mark> <mark>المحليّة</mark> في «الجنوب»"
    )


def test_clitics_and_words_found_inside_longer_words_are_marked():
    marked = title_html("وبالمجالس والمجلس", highlight=highlight("المجالس"), language="ar")
    assert marked.startswith("<mark>وبالمجالس</mark>")


def test_everything_else_is_escaped():
    text = 'مقال <script>alert("x")</script> عن المجالس & "اللجان"'
    marked = snippet_html(text, highlight=highlight("المجالس"), language="ar")
    assert "<script>" not in marked
    assert "&lt;script&gt;" in marked
    assert "<mark>المجالس</mark> &amp;" in marked


def test_the_snippet_is_a_window_around_the_matches():
    words = [f"كلمة{number}" for number in range(200)]
    words[120] = "المجالس"
    text = " ".join(words) + "."
    snippet = snippet_html(text, highlight=highlight("المجالس"), language="ar", words=20)
    assert snippet.startswith("… كلمة114 ")
    assert "<mark>المجالس</mark>" in snippet
    assert snippet.endswith(" …")
    assert len(plain_text(snippet).split()) <= 23


def test_without_a_match_the_snippet_is_the_beginning():
    snippet = snippet_html("أول الكلام. ثم ما بعده.", highlight=highlight("قطار"), language="ar")
    assert snippet == "أول الكلام. ثم ما بعده."


def test_phrases_and_excluded_words():
    marked = title_html(
        "المجالس المحلية والرياضة", highlight=highlight('"المجالس المحلية" -الرياضة'), language="ar"
    )
    assert marked == "<mark>المجالس</mark> <mark>المحلية</mark> والرياضة"
