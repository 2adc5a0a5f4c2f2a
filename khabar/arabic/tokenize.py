"""Split text into word tokens that remember where they came from in the original text."""

import re
from dataclasses import dataclass

from .normalize import HARAKAT, INVISIBLE, TATWEEL, normalize

# A word is letters and digits, with harakat, tatweel and joiners allowed inside it. The
# underscore separates words (hashtags such as #عاصي_الحلاني are two words).
_WORD = re.compile(rf"(?:[^\W_]|[{HARAKAT}{TATWEEL}{INVISIBLE}])+")


@dataclass(frozen=True, slots=True)
class Token:
    """A word: `text[start:end]` of the original, and its normalized form."""

    text: str
    start: int
    end: int
    norm: str


def tokenize(text: str, *, fold_ta_marbuta: bool = True) -> list[Token]:
    """Word tokens of `text` in order; tokens that normalize to nothing are skipped."""
    tokens = []
    for match in _WORD.finditer(text or ""):
        norm = normalize(match.group(), fold_ta_marbuta=fold_ta_marbuta)
        if norm.strip():
            tokens.append(Token(match.group(), match.start(), match.end(), norm))
    return tokens
