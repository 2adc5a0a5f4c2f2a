"""Highlighted titles and snippets: marks around the original text, everything else escaped."""

from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.search.analysis import plan_query
from khabar.search.highlight import (
    CONTEXT_WORDS,
    ELLIPSIS,
    FIRST_SCAN_CHARS,
    SNIPPET_WORDS,
    TRAILING_PUNCTUATION,
    best_window_start,
    marked_html,
    plain_text,
    snippet_html,
    title_html,
)
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


def test_a_match_past_the_first_scan_is_still_found():
    filler = " ".join(f"كلمة{number}" for number in range(1000))  # past FIRST_SCAN_CHARS
    snippet = snippet_html(
        f"{filler} المجالس {filler}", highlight=highlight("المجالس"), language="ar"
    )
    assert "<mark>المجالس</mark>" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")


def test_an_early_match_ends_the_scan_after_its_window():
    early = " ".join(["المجالس"] + [f"كلمة{number}" for number in range(1000)])
    dense = " ".join(["المجالس"] * 30)
    snippet = snippet_html(f"{early} {dense}", highlight=highlight("المجالس"), language="ar")
    assert snippet.startswith("<mark>المجالس</mark> كلمة0 ")  # the first scan's window
    assert snippet.endswith(" …")


# The snippet as it was made before the one-pass scan (tokenize, then analyze again), for texts
# shorter than the first scan: the one-pass version must give exactly the same.
def reference_snippet(text, *, query, words=SNIPPET_WORDS):
    from khabar.arabic import analyze as analyzer
    from khabar.arabic import tokenize

    plan_highlight = highlight(query)
    tokens = tokenize(text)
    if not tokens:
        return ""
    spans = sorted(
        (term.start, term.end)
        for term in analyzer.analyze(text)
        if term.term in plan_highlight.terms
        or any(
            needle in term.term and (len(needle) >= analyzer.GRAM_N or needle == term.term)
            for needle in plan_highlight.needles
        )
    )
    hits = [any(s < token.end and token.start < e for s, e in spans) for token in tokens]
    first = reference_window_start(hits, words=words)
    last = min(len(tokens), first + words) - 1
    end = tokens[last].end
    while end < len(text) and end - tokens[last].end < 3 and text[end] in TRAILING_PUNCTUATION:
        end += 1
    body = marked_html(text, spans, start=tokens[first].start, end=end)
    prefix = f"{ELLIPSIS} " if first > 0 else ""
    suffix = f" {ELLIPSIS}" if last < len(tokens) - 1 else ""
    return f"{prefix}{body.strip()}{suffix}"


def reference_window_start(hits, *, words):
    if not any(hits):
        return 0
    best_count, best_first, count = -1, 0, 0
    for index, hit in enumerate(hits):
        count += hit
        if index >= words:
            count -= hits[index - words]
        if count > best_count:
            best_count, best_first = count, max(0, index - words + 1)
    first_hit = next(i for i in range(best_first, len(hits)) if hits[i])
    return max(0, first_hit - CONTEXT_WORDS)


@given(st.lists(st.booleans(), max_size=200), st.integers(min_value=1, max_value=50))
def test_the_best_window_is_the_first_with_the_most_matches(hits, words):
    assert best_window_start(hits, words=words) == reference_window_start(hits, words=words)


news_words = st.sampled_from(
    [
        "المجالس",
        "والمجالس",
        "المَجالِس",
        "مجلس",
        "المحلية",
        "المحليه",
        "انتخابات",
        "إنتخـــابات",
        "في",
        "على",
        "قال",
        "،",
        ".",
        "«الجنوب»",
        "<b>",
        "&",
        "2024",
        "٢٠٢٤",
        "\u200f",
        "Council",
        "elections",
        "نيويورك",
        "يورك",
        "يوركشاير",
        "حل",
        "الحل",
        "مجلسين",
    ]
)


@settings(max_examples=300)
@given(
    st.lists(news_words, max_size=120).map(" ".join),
    st.sampled_from(
        ["المجالس المحلية", "مجلس", '"انتخابات المجالس"', "elections", "قطار", "يورك", "حل"]
    ),
    st.integers(min_value=3, max_value=40),
)
def test_the_one_pass_snippet_is_the_snippet_it_replaces(text, query, words):
    assert len(text) < FIRST_SCAN_CHARS
    snippet = snippet_html(text, highlight=highlight(query), language="ar", words=words)
    assert snippet == reference_snippet(text, query=query, words=words)
