"""Stopwords: words too common to be worth an index term (their word position is still kept).

Arabic: a curated list from Stopwords ISO (MIT licence), vendored as data/stopwords-ar.txt with
its credit and licence; see the file's header for the source and what was removed.
English: the 33 words of Lucene's classic English stop set (Apache-2.0), short on purpose.
"""

from functools import cache
from pathlib import Path

from .normalize import normalize

_ARABIC_FILE = Path(__file__).with_name("data") / "stopwords-ar.txt"

_ENGLISH = "a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with"
ENGLISH_STOPWORDS = frozenset(_ENGLISH.split(" "))


# A stopword ending in ى is often written with ي and the other way round (هى، متي، فى): both
# are stopwords, except where the other spelling is a common word of its own: the name علي
# (بن علي). الي stays a stopword although آلي normalizes to it: in 8,000 ANT v2.1 articles
# إلى is written 22,281 times, إلي 49 and الي 6 (mostly the preposition), آلي 14.
_SWAPPED_NOT_STOPWORDS = frozenset({"علي", "الالي", "سوي"})
# Question words with و or ف before them (وما، ومتى، فكيف): a question is often asked so.
_QUESTION_WORDS = ("ما", "ماذا", "متى", "كم", "كيف", "اين", "هل", "لماذا", "اي", "هي", "هو")


@cache
def arabic_stopwords() -> frozenset[str]:
    """The Arabic list, in the form `stopword_key` gives (ta marbuta folded, ى kept), with
    each word's other final ى/ي spelling and و/ف + a question word."""
    words = set()
    for line in _ARABIC_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(stopword_key(line))
    words.update(f"{prefix}{word}" for word in _QUESTION_WORDS for prefix in "وف")
    swapped = {_swap_final_ya(word) for word in words} - _SWAPPED_NOT_STOPWORDS
    return frozenset(words | swapped)


def _swap_final_ya(word: str) -> str:
    if word.endswith("ى"):
        return word[:-1] + "ي"
    if word.endswith("ي"):
        return word[:-1] + "ى"
    return word


def stopword_key(word: str) -> str:
    """The form stopwords are matched in: normalized, but keeping alef maqsura.

    Keeping ى tells the preposition على from the name علي and إلى from آلي.
    """
    return normalize(word, fold_alef_maqsura=False)


def is_stopword(word: str) -> bool:
    """Whether `word`, as written (before normalizing ى away), is an Arabic or English stopword."""
    key = stopword_key(word)
    return key in arabic_stopwords() or key in ENGLISH_STOPWORDS
