from hypothesis import given
from hypothesis import strategies as st

from khabar.arabic import normalize, tokenize


def test_hamza_forms_of_alef_fold_to_bare_alef():
    assert normalize("أحمد إبراهيم آمال") == "احمد ابراهيم امال"


def test_alef_maqsura_and_ta_marbuta_fold():
    assert normalize("مستشفى المدينة") == "مستشفي المدينه"
    assert normalize("المدينة", fold_ta_marbuta=False) == "المدينة"


def test_harakat_tatweel_and_bidi_controls_vanish():
    assert normalize("مُحَمَّدٌ") == "محمد"
    assert normalize("الأخـــبار") == "الاخبار"
    assert normalize("\u200fالأخبار\u200e") == "الاخبار"


def test_digits_and_persian_letters():
    assert normalize("٢٠٢٦ ۱۴") == "2026 14"
    assert normalize("کتاب یوم") == "كتاب يوم"


def test_presentation_forms():
    assert normalize("ﻻ ﺍﻟﺴﻼﻡ") == "لا السلام"


def test_latin_is_casefolded():
    assert normalize("BBC News") == "bbc news"


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text())
def test_token_offsets_point_into_the_original(text):
    for token in tokenize(text):
        assert text[token.start : token.end] == token.text
        assert token.norm


def test_tokens_of_arabic_sentence():
    text = "قالت الحكومةُ إنّ #المجالس_المحلية ستُنتخب."
    assert [t.norm for t in tokenize(text)] == [
        "قالت",
        "الحكومه",
        "ان",
        "المجالس",
        "المحليه",
        "ستنتخب",
    ]
