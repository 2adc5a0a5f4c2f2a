"""Language: which of the languages khabar serves an article is written in."""

import re
from functools import cache

from django.conf import settings

# Enough text to be sure of the language; classifying a whole long article only costs time.
SAMPLE_CHARS = 2000
SCRIPT_SAMPLE_CHARS = 600
MIN_LETTERS = 3
MIN_CONFIDENCE = 0.5
# Languages written in Arabic script. When Arabic is the only one of them on offer, the script
# alone decides, far faster than the classifier.
ARABIC_SCRIPT_LANGUAGES = frozenset({"ar", "fa", "ur", "ps", "ku", "ckb", "sd", "ug", "arz"})
ARABIC_SCRIPT_SHARE = 0.6
_LETTER = re.compile(r"[^\W\d_]")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f]")


def detect_language(text: str, *, languages: tuple[str, ...] | None = None) -> str:
    """The ISO 639-1 code of `text`'s language among `languages`, or "" when it cannot tell.

    `languages` defaults to settings.KHABAR_DETECT_LANGUAGES (ar, en, fr): restricting the
    choice keeps short Arabic headlines from being called Persian or Urdu.
    """
    sample = (text or "")[:SAMPLE_CHARS]
    head = sample[:SCRIPT_SAMPLE_CHARS]
    letters = len(_LETTER.findall(head))
    if letters < MIN_LETTERS:
        return ""
    candidates = tuple(languages or settings.KHABAR_DETECT_LANGUAGES)
    if only_arabic_script_choice(candidates) and arabic_share(head, letters=letters) >= (
        ARABIC_SCRIPT_SHARE
    ):
        return "ar"
    language, confidence = _identifier(candidates).classify(sample)
    return language if confidence >= MIN_CONFIDENCE else ""


def only_arabic_script_choice(candidates: tuple[str, ...]) -> bool:
    return ARABIC_SCRIPT_LANGUAGES.intersection(candidates) == {"ar"}


def arabic_share(sample: str, *, letters: int) -> float:
    return len(_ARABIC_LETTER.findall(sample)) / letters


@cache
def _identifier(languages: tuple[str, ...]):
    # Loading the model takes most of a second, so each language set loads it once per process.
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier
