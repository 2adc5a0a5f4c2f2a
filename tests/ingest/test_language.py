import pytest
from django.test import override_settings

from khabar.ingest.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("أعلنت وزارة الصحة اليوم عن حملة وطنية للتطعيم في المدارس", "ar"),
        ("عاجل: زلزال", "ar"),  # short headlines too
        ("The ministry announced a national vaccination campaign in schools", "en"),
        ("Le ministère a annoncé une campagne nationale de vaccination dans les écoles", "fr"),
        ("استضاف برنامج سينما سينما أبطال الفيلم التونسي Demain Dès l'Aube", "ar"),
    ],
)
def test_detects_the_served_languages(text, language):
    assert detect_language(text) == language


def test_persian_looking_text_is_still_arabic_among_the_served_languages():
    # Without the restriction, a short Arabic line can be called Persian or Urdu.
    assert detect_language("گزارش خبرنگار از تهران") == "ar"


@pytest.mark.parametrize("text", ["", "   ", "١٢٣ 456", "!!", None])
def test_unsure_without_letters(text):
    assert detect_language(text) == ""


def test_languages_can_be_restricted_per_call():
    assert detect_language("Le ministère a annoncé une campagne", languages=("ar", "en")) == "en"


@override_settings(KHABAR_DETECT_LANGUAGES=["de", "en"])
def test_languages_come_from_settings():
    assert detect_language("Das Ministerium hat eine Impfkampagne angekündigt") == "de"


def test_arabic_script_decides_without_the_classifier_when_arabic_is_the_only_such_choice():
    from khabar.ingest.language import detect_language

    assert (
        detect_language("قال الرئيس إن الحكومة ستعمل على خطة جديدة", languages=("ar", "en")) == "ar"
    )
    # With Persian on offer the script is not enough: the classifier decides.
    assert (
        detect_language("این یک متن فارسی است و زبان آن فارسی است", languages=("ar", "fa")) == "fa"
    )
