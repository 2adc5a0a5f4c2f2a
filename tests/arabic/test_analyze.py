import pytest
from hypothesis import given
from hypothesis import strategies as st

from khabar.arabic import analyze as analyze_module
from khabar.arabic.analyze import (
    GRAM_N,
    SEARCH_FIELDS,
    Analyzer,
    analyze,
    field_terms,
    gram_terms,
    index_texts,
    query_clauses,
    terms,
)
from khabar.arabic.normalize import normalize
from khabar.arabic.stem import stem_arabic, stem_latin
from khabar.arabic.stopwords import arabic_stopwords, is_stopword

arabic_text = st.lists(
    st.sampled_from(
        list("ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئىة")
        + [
            "\u064e",
            "\u064f",
            "\u0650",
            "\u0651",
            "\u0652",
            "\u0640",
            " ",
            "ال",
            "و",
            "٣",
            "\u200f",
        ]
    )
).map("".join)


def shares_terms(a: str, b: str) -> bool:
    return bool(set(terms(a)) & set(terms(b)))


@pytest.mark.parametrize(
    "query", ["المجالس المحليه", "مجالس محلية", "والمجالس", "بالمجالس", "للمجالس", "فالمجالس"]
)
def test_clitic_and_spelling_variants_share_terms_with_the_text(query):
    assert shares_terms(query, "المجالس المحلية")


def test_the_issue_example_finds_every_word():
    text = set(terms("قررت الحكومة حل المجالس المحلية"))
    assert set(terms("المجالس المحليه")) <= text
    assert set(terms("مجالس محلية")) <= text


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("أحمد", "احمد"),
        ("إسرائيل", "اسرائيل"),
        ("آمال", "امال"),
        ("مستشفى", "مستشفي"),
        ("المدينة", "المدينه"),
        ("مُحَمَّدٌ", "محمد"),
        ("الأخـــبار", "الاخبار"),
        ("٢٠٢٦", "2026"),
        ("۱۴", "14"),
        ("\u200fالأخبار\u200e", "الاخبار"),
    ],
)
def test_spelling_variants_give_the_same_terms(variant, canonical):
    assert terms(variant) == terms(canonical)
    assert gram_terms(variant) == gram_terms(canonical)


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("وزير", "وزير"),
        ("ووزير", "وزير"),
        ("الوزير", "وزير"),
        ("فلسطين", "فلسطين"),
        ("وفلسطين", "فلسطين"),
        ("الفلسطينيون", "فلسطين"),
        ("فلسطينية", "فلسطين"),
        ("التونسية", "تونس"),
        ("تونسيين", "تونس"),
        ("المحلية", "محلي"),
        ("محليه", "محلي"),
        ("حكومتها", "حكوم"),
        ("الحكومة", "حكوم"),
        ("سياراتها", "سيار"),
        ("والمجالس", "مجالس"),
        ("وبالمجالس", "مجالس"),
        ("ولمجلس", "مجلس"),
    ],
)
def test_light_stems(word, stem):
    assert stem_arabic(normalize(word)) == stem


@pytest.mark.parametrize(
    ("family"),
    [
        ["لبنان", "اللبنانيون", "لبنانية", "ولبنان"],
        ["تونس", "تونسي", "التونسية", "تونسيين", "بتونس"],
        ["مدرسة", "المدرسة", "مدرستها", "بالمدرسة", "للمدرسة", "مدرسه"],
        # ب ك ل before ي are the word's own letters (a name), و before them a conjunction.
        ["بيتكوين", "البيتكوين", "وبيتكوين"],
        ["ليفربول", "وليفربول"],
        ["كيلومتر", "الكيلومتر"],
        # و and ف before ي are removed (a verb: ويقول، فيقول).
        ["يقول", "ويقول", "فيقول"],
    ],
)
def test_a_word_family_shares_one_stem(family):
    assert len({stem_arabic(normalize(word)) for word in family}) == 1


@pytest.mark.parametrize("word", ["من", "في", "قال", "ولد", "بيت", "وطن", "كتب", "لعب", "فرح"])
def test_short_words_stay_whole(word):
    assert stem_arabic(normalize(word)) == normalize(word)


def test_stopwords_are_dropped_but_keep_their_position():
    found = analyze("وزير الخارجية في تونس")
    assert [t.term for t in found] == ["وزير", "خارج", "تونس"]
    assert [t.position for t in found] == [0, 1, 3]


def test_alef_maqsura_tells_the_preposition_from_the_name():
    assert is_stopword("على") and is_stopword("إلى")
    assert not is_stopword("علي")
    assert terms("بن علي") == ["بن", "علي"]
    assert terms("على الطاولة") == ["طاول"]


def test_stopwords_in_either_final_ya_spelling_and_question_words_after_waw():
    assert is_stopword("هى") and is_stopword("متي") and is_stopword("فى")
    assert not is_stopword("علي")  # the name
    assert is_stopword("الي") and is_stopword("إلي")  # إلى as readers often write it
    assert not is_stopword("الآلي")
    assert terms("ومتى فقد أمه") == terms("متى فقد أمه") == ["فقد", "امه"]
    assert terms("وما هى عاصمة") == terms("ما هي عاصمة")
    assert terms("فقد") == ["فقد"]  # ف + قد is also the verb فقد: only question words


def test_stopword_list_is_loaded_and_curated():
    words = arabic_stopwords()
    assert len(words) > 300
    assert {"في", "من", "هذا", "التي"} <= words
    assert not {"مليون", "بن", "اليوم", "زياره"} & words


def test_offsets_point_at_the_original_words():
    text = "قالت الحكومةُ إنّ #المجالس_المحلية ستُنتخب."
    assert [text[t.start : t.end] for t in analyze(text)] == [
        "قالت",
        "الحكومةُ",
        "المجالس",
        "المحلية",
        "ستُنتخب",
    ]


def test_latin_words_get_snowball_english():
    assert stem_latin("running") == "run"
    assert terms("The Running of BBC News") == ["run", "bbc", "news"]


def test_grams_stay_inside_words():
    grams = gram_terms("مجلس النواب")
    assert all(" " not in g and len(g) <= GRAM_N for g in grams)
    assert "مجلس"[:GRAM_N] in grams
    assert not any(g.startswith("س") and "ن" in g for g in grams)  # no gram spans the space


def test_field_terms_cover_the_search_fields():
    fields = field_terms("المجالس المحلية")
    assert set(fields) == set(SEARCH_FIELDS)
    assert all(fields[name] for name in fields)


@given(st.text())
def test_analysis_never_crashes_and_offsets_point_into_the_text(text):
    found = analyze(text)
    positions = [t.position for t in found]
    assert positions == sorted(positions)
    for term in found:
        assert term.term and not any(c.isspace() for c in term.term)
        assert text[term.start : term.end]
        assert term.start < term.end
    for name, values in field_terms(text).items():
        assert all(v and not any(c.isspace() for c in v) for v in values), name


@given(arabic_text)
def test_arabic_offsets_give_the_written_word(text):
    for term in analyze(text):
        surface = text[term.start : term.end]
        assert normalize(surface).strip(), surface


@given(st.text(alphabet="ابتثجحخدذرسشصضطظعغفقكلمنهويءة", min_size=1, max_size=12))
def test_stems_are_never_empty_and_come_from_the_word(word):
    word = normalize(word)
    stem = stem_arabic(word)
    assert stem
    assert len(stem) <= len(word)
    assert stem in word or stem[:-1] in word  # ت of ة before a pronoun may go


def test_a_ligature_that_normalizes_to_several_words_is_one_term():
    text = "النبي ﷺ قال"
    found = analyze(text)
    assert all(" " not in t.term for t in found)
    assert text[found[1].start : found[1].end] == "ﷺ"


def test_query_clauses_weight_each_distinct_term_by_field():
    clauses = query_clauses("المجالس المجالس")
    words = [(t, b) for f, t, b in clauses if f == "words"]
    assert words == [("مجالس", 2 * SEARCH_FIELDS["words"])]
    assert {f for f, _, _ in clauses} == set(SEARCH_FIELDS)


mixed_text = st.lists(
    st.one_of(
        arabic_text,
        st.sampled_from(["The", "running", "BBC", "ﷺ", "2024", "_", "#", "«", "\n", "على", "إلى"]),
        st.text(max_size=5),
    )
).map(" ".join)


@given(st.one_of(st.text(), arabic_text, mixed_text))
def test_the_indexing_pass_gives_exactly_terms_and_grams(text):
    words, grams = index_texts(text)
    assert words == " ".join(terms(text))
    assert grams == " ".join(gram_terms(text))


@pytest.mark.parametrize(
    "analyzer",
    [
        Analyzer(drop_stopwords=False),
        Analyzer(stem=False, gram_n=4),
        Analyzer(gram_source="norm", fold_ta_marbuta=False),
    ],
)
def test_the_indexing_pass_follows_the_analyzer_configuration(analyzer):
    text = "وزير الخارجية في تونس يلتقي بالمجالس المحلية، The Running of BBC News ٢٠٢٤"
    assert analyzer.index_texts(text) == (
        " ".join(analyzer.terms(text)),
        " ".join(analyzer.gram_terms(text)),
    )


def test_the_indexing_cache_stays_bounded():
    analyzer = Analyzer(cache_size=5)
    text = "المجالس المحلية تجتمع في المدن والقرى لمناقشة الميزانية الجديدة"
    assert analyzer.index_texts(text) == (" ".join(terms(text)), " ".join(gram_terms(text)))
    assert len(analyzer._cache["indexed"]) <= 5


@given(st.one_of(st.text(), arabic_text, mixed_text), st.integers(min_value=0, max_value=50))
def test_scan_gives_every_word_its_offsets_and_term(text, offset):
    starts, ends, found = analyze_module.DEFAULT.scan(text, offset=offset)
    expected = [
        (match.start() + offset, match.end() + offset, "" if word.stop else word.stem)
        for match, word, _position in analyze_module.DEFAULT.words(text)
    ]
    assert list(zip(starts, ends, found, strict=True)) == expected
