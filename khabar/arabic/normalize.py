"""One Arabic normalizer for indexing, querying and comparing text.

Folds the spelling variation readers and writers do not distinguish when searching: hamza on
alef, alef maqsura, ta marbuta (optional), hamza carriers, harakat, tatweel, presentation forms,
Arabic-Indic and Persian digits, Persian letter variants, and invisible bidi/joiner controls.
"""

import re
import unicodedata

HARAKAT = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0653\u0654\u0655\u0656\u0657\u0658\u0659\u065a\u065b\u065c\u065d\u065e\u065f\u0670"
QURANIC_MARKS = "".join(chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06E5, 0x06E6))
TATWEEL = "\u0640"
# LRM/RLM, embeddings and overrides, isolates, zero-width joiner/non-joiner/space, BOM, ALM.
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u061c"

_REMOVE = {ord(c): None for c in HARAKAT + QURANIC_MARKS + TATWEEL + INVISIBLE}
_LETTERS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ٵ": "ا",
    "ى": "ي",
    "ی": "ي",
    "ې": "ي",
    "ۍ": "ي",
    "ێ": "ي",
    "ؤ": "و",
    "ٶ": "و",
    "ۄ": "و",
    "ئ": "ي",
    "ٸ": "ي",
    "ک": "ك",
    "ڪ": "ك",
    "گ": "ك",
    "ہ": "ه",
    "ە": "ه",
    "ھ": "ه",
    "ۀ": "ه",
}
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
_BASE_MAP = {**_REMOVE, **{ord(k): v for k, v in _LETTERS.items()}, **_DIGITS}


def dense_table(mapping: dict[int, str | None]) -> list:
    """A list indexed by code point: `str.translate` looks it up far faster than a dict.

    Code points past the list raise IndexError, which `translate` takes as "unchanged".
    """
    table: list = [chr(code) for code in range(0x10000)]
    for code, replacement in mapping.items():
        table[code] = replacement
    return table


_KEEP_ALEF_MAQSURA = {ord("ى"): "ى"}
_TABLES = {
    (True, True): dense_table({**_BASE_MAP, ord("ة"): "ه"}),
    (False, True): dense_table(_BASE_MAP),
    # Keeping ى tells the preposition على from the name علي (only the stopword test needs it).
    (True, False): dense_table({**_BASE_MAP, ord("ة"): "ه", **_KEEP_ALEF_MAQSURA}),
    (False, False): dense_table({**_BASE_MAP, **_KEEP_ALEF_MAQSURA}),
}
_SPACES = re.compile(r"\s+")


def normalize(
    text: str,
    *,
    fold_ta_marbuta: bool = True,
    lowercase: bool = True,
    fold_alef_maqsura: bool = True,
) -> str:
    """Return the search form of `text`; normalizing twice gives the same result.

    Whitespace is kept as it is, so a caller can normalize a whole text or a single token.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if lowercase:
        text = text.casefold()
    table = _TABLES[fold_ta_marbuta, fold_alef_maqsura]
    text = text.translate(table)
    # NFKC again: removing a mark can leave a sequence that composes differently.
    return unicodedata.normalize("NFKC", text).translate(table)


def normalize_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
