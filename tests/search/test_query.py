"""The query language parser, on its own: no database, no Django."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khabar.search.query import (
    BAD_DATE,
    BAD_LANGUAGE,
    DATES_REVERSED,
    EMPTY,
    EMPTY_FILTER,
    MISSING_QUOTE,
    ONLY_EXCLUSIONS,
    UNBALANCED_PARENTHESIS,
    AllOf,
    AnyOf,
    Not,
    Phrase,
    Word,
    parse_query,
)


def nodes(text):
    return parse_query(text).root.nodes


def codes(text):
    return [problem.code for problem in parse_query(text).problems]


def test_words_are_all_required():
    assert nodes("المجالس المحلية") == (Word("المجالس"), Word("المحلية"))


def test_phrases_keep_their_words_together():
    assert nodes('"المجالس المحلية" انتخابات') == (Phrase("المجالس المحلية"), Word("انتخابات"))


@pytest.mark.parametrize("quotes", ["“”", "«»"])
def test_typographic_quotes_make_phrases(quotes):
    assert nodes(f"{quotes[0]}المجالس المحلية{quotes[1]}") == (Phrase("المجالس المحلية"),)


def test_exclusions_of_words_and_phrases():
    assert nodes('غزة -رفح -"وقف إطلاق النار"') == (
        Word("غزة"),
        Not(Word("رفح")),
        Not(Phrase("وقف إطلاق النار")),
    )


def test_a_hyphen_inside_a_word_is_not_an_exclusion():
    assert nodes("covid-19") == (Word("covid-19"),)


def test_or_binds_tighter_than_and():
    assert nodes("مساعدات غزة OR رفح") == (Word("مساعدات"), AnyOf((Word("غزة"), Word("رفح"))))


@pytest.mark.parametrize("operator", ["OR", "|", "أو"])
def test_or_spellings(operator):
    assert nodes(f"مصر {operator} السودان") == (AnyOf((Word("مصر"), Word("السودان"))),)


def test_lowercase_or_is_a_word():
    assert nodes("this or that") == (Word("this"), Word("or"), Word("that"))


def test_parentheses_group():
    assert nodes("(غزة رفح) OR القدس") == (
        AnyOf((AllOf((Word("غزة"), Word("رفح"))), Word("القدس"))),
    )


def test_a_dangling_or_is_ignored():
    assert nodes("OR غزة OR") == (Word("غزة"),)


def test_filters():
    parsed = parse_query(
        'غزة source:example.org source:"Al Jazeera" -source:tabloid lang:AR -lang:en '
        "after:2024-05-01 before:2024-06"
    )
    assert parsed.root.nodes == (Word("غزة"),)
    filters = parsed.filters
    assert filters.sources == ["example.org", "Al Jazeera"]
    assert filters.exclude_sources == ["tabloid"]
    assert (filters.languages, filters.exclude_languages) == (["ar"], ["en"])
    assert (filters.after, filters.before) == (date(2024, 5, 1), date(2024, 6, 1))
    assert parsed.problems == []


def test_arabic_field_names_and_digits():
    filters = parse_query("غزة مصدر:الجزيرة بعد:٢٠٢٤-٠٥-٠١ لغة:ar").filters
    assert filters.sources == ["الجزيرة"]
    assert filters.after == date(2024, 5, 1)
    assert filters.languages == ["ar"]


def test_filters_alone_are_a_query():
    parsed = parse_query("source:example.org")
    assert parsed.error is None
    assert not parsed.has_words


def test_unknown_fields_are_words():
    assert nodes("http://example.org") == (Word("http://example.org"),)


@pytest.mark.parametrize(
    "text, code",
    [
        ("", EMPTY),
        ("   ", EMPTY),
        ('""', EMPTY),
        ("-غزة", ONLY_EXCLUSIONS),
        ('-غزة -"وقف النار"', ONLY_EXCLUSIONS),
        ("غزة after:2024-13-01", BAD_DATE),
        ("غزة before:yesterday", BAD_DATE),
        ("غزة lang:arabic1", BAD_LANGUAGE),
        ("غزة after:2024-06-01 before:2024-05-01", DATES_REVERSED),
    ],
)
def test_queries_that_cannot_run_say_why(text, code):
    parsed = parse_query(text)
    assert parsed.error is not None
    assert parsed.error.code == code


@pytest.mark.parametrize(
    "text, code, expected",
    [
        ('"المجالس المحلية', MISSING_QUOTE, (Phrase("المجالس المحلية"),)),
        ("(غزة رفح", UNBALANCED_PARENTHESIS, (AllOf((Word("غزة"), Word("رفح"))),)),
        ("غزة) رفح", UNBALANCED_PARENTHESIS, (Word("غزة"), Word("رفح"))),
        ("غزة source:", EMPTY_FILTER, (Word("غزة"),)),
    ],
)
def test_malformed_queries_are_read_generously(text, code, expected):
    parsed = parse_query(text)
    assert parsed.error is None
    assert code in codes(text)
    assert parsed.root.nodes == expected


def test_topic_and_entity_filters_are_read_with_their_exclusions():
    parsed = parse_query('غزة topic:سياسة -موضوع:رياضة entity:"الأمم المتحدة" -كيان:حماس')
    assert parsed.problems == []
    assert parsed.root.nodes == (Word("غزة"),)
    filters = parsed.filters
    assert (filters.topics, filters.exclude_topics) == (["سياسة"], ["رياضة"])
    assert (filters.entities, filters.exclude_entities) == (["الأمم المتحدة"], ["حماس"])


def test_a_topic_alone_is_a_search():
    parsed = parse_query("topic:sport")
    assert parsed.error is None and bool(parsed.filters)
    assert codes("entity:") == [EMPTY_FILTER, EMPTY]


@given(st.text(max_size=200))
def test_any_text_parses_without_raising(text):
    parsed = parse_query(text)
    assert isinstance(parsed.root, AllOf)


@given(st.text(alphabet='ab "-():|ORسمصدر', max_size=60))
def test_any_mix_of_operators_parses_without_raising(text):
    parse_query(text)
