"""Language: which of the languages khabar serves an article is written in."""

from functools import cache

from django.conf import settings

# Enough text to be sure of the language; classifying a whole long article only costs time.
SAMPLE_CHARS = 2000
MIN_LETTERS = 3
MIN_CONFIDENCE = 0.5


def detect_language(text: str, *, languages: tuple[str, ...] | None = None) -> str:
    """The ISO 639-1 code of `text`'s language among `languages`, or "" when it cannot tell.

    `languages` defaults to settings.KHABAR_DETECT_LANGUAGES (ar, en, fr): restricting the
    choice keeps short Arabic headlines from being called Persian or Urdu.
    """
    sample = (text or "")[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return ""
    candidates = tuple(languages or settings.KHABAR_DETECT_LANGUAGES)
    language, confidence = _identifier(candidates).classify(sample)
    return language if confidence >= MIN_CONFIDENCE else ""


@cache
def _identifier(languages: tuple[str, ...]):
    # Loading the model takes most of a second, so each language set loads it once per process.
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier
