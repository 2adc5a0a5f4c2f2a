"""Entity names: the proclitic before a name, identity keys, and canonical forms.

Three forms of a name are used:

- the *span*: the name as written in the article, without a preposition or conjunction written
  onto it (بدمشق → دمشق, وللأمم المتحدة → لأمم المتحدة: only the و and the preposition ل go);
- the *canonical* form, for display: the base name with the article restored (للأمم → الأمم),
  marks removed, and variants mapped through the alias tables (قسد → قوات سوريا الديمقراطية);
- the *key*, for identity: `entity_key(canonical)`, the toolkit's normalized form, so that
  الأسد and الاسد, or two canonicals differing only by a hamza, are one entity.
"""

import re
from collections.abc import Container, Iterable, Mapping
from functools import cache, lru_cache

from khabar.arabic.normalize import HARAKAT, INVISIBLE, TATWEEL, normalize

from .gazetteer import curated_names, word_list

# A preposition or conjunction written onto the article: (clitic, what it is written onto).
# ل + ال is written لل (للأمم), so after ل or ول or فل the article shows only its ل.
ARTICLE_CLITICS = (
    ("وب", "ال"),
    ("وك", "ال"),
    ("فب", "ال"),
    ("فك", "ال"),
    ("ول", "ل"),
    ("فل", "ل"),
    ("و", "ال"),
    ("ف", "ال"),
    ("ب", "ال"),
    ("ك", "ال"),
    ("ل", "ل"),
)
CONJUNCTIONS = "وف"
PREPOSITIONS = "بلك"
ENTITY_TYPES = ("PER", "ORG", "LOC")

_MARKS = str.maketrans(
    {"_": " ", "#": None, **dict.fromkeys(map(ord, HARAKAT + TATWEEL + INVISIBLE))}
)
_SPACES = re.compile(r"\s+")


def split_proclitic(word: str, *, known: Container[str] = frozenset()) -> tuple[int, str]:
    """(letters of a leading conjunction or preposition, the name they are written onto).

    `word` is normalized (`khabar.arabic.normalize`); `known` holds normalized words of known
    names. A known word keeps its first letter (واشنطن, لبنان, بغداد); otherwise a clitic goes
    when what is left is known (بدمشق, ولبنان), or when it sits on the article (بالعراق,
    للعراق → العراق), or when و starts an unknown word of four letters or more (in NewsFANE
    the conjunction و comes before a name five times as often as a name starts with و).
    A lone ف is left on the word unless the article follows: names start with ف far more
    often than the conjunction ف precedes one (فارنا is not ف + ارنا).
    """
    if len(word) < 3 or word in known:
        return 0, word
    for clitic, article in ARTICLE_CLITICS:
        if word.startswith(clitic + article) and len(word) >= len(clitic) + len(article) + 2:
            rest = word[len(clitic) :]
            return len(clitic), rest if article == "ال" else "ا" + rest
    if word[0] in CONJUNCTIONS and word[1] in PREPOSITIONS and word[2:] in known:
        return 2, word[2:]
    if word[0] in "و" + PREPOSITIONS and word[1:] in known:
        return 1, word[1:]
    if word[0] == "و" and len(word) >= 4:
        return 1, word[1:]
    return 0, word


def clean_name(text: str) -> str:
    """`text` without harakat, tatweel, invisible marks or hashtag signs, on one line with
    single spaces (#بشار_الأسد → بشار الأسد)."""
    return _SPACES.sub(" ", text.translate(_MARKS)).strip()


def entity_key(name: str) -> str:
    """The identity of a name: two names with the same key are the same entity."""
    return _SPACES.sub(" ", normalize(clean_name(name))).strip()


def base_name(name: str, *, known: Container[str] | None = None) -> str:
    """`name` without a conjunction or preposition written onto its first word, article restored.

    بدمشق → دمشق, وواشنطن → واشنطن, للأمم المتحدة → الأمم المتحدة.
    """
    name = clean_name(name)
    first, _, rest = name.partition(" ")
    norm = normalize(first)
    length, key = split_proclitic(norm, known=_known_words() if known is None else known)
    if not length:
        return name
    base = first[length:]
    if key != norm[length:]:
        base = "ا" + base  # ل + ال is written لل: the article gets its alef back
    return f"{base} {rest}".strip()


def canonicalize(name: str, type: str, *, aliases: Mapping[str, str] | None = None) -> str:
    """The canonical form of the entity `name` of `type` (PER, ORG or LOC).

    `aliases` maps names to canonical names (any spelling: keys are compared by `entity_key`)
    and wins over the built-in tables, so staff-edited aliases can extend or correct them.
    Pass `keyed_aliases(aliases)` when canonicalizing many names with the same aliases.
    """
    if aliases:
        mapped = keyed_aliases(aliases).get(entity_key(base_name(name)))
        if mapped is not None:
            return clean_name(mapped)
    return _canonical(name, type)


class KeyedAliases(dict):
    """Aliases with their keys already in `entity_key` form."""


def keyed_aliases(aliases: Mapping[str, str]) -> KeyedAliases:
    """`aliases` keyed by `entity_key`, ready for many `canonicalize` calls."""
    if isinstance(aliases, KeyedAliases):
        return aliases
    return KeyedAliases((entity_key(name), canonical) for name, canonical in aliases.items())


# A place named with the word for what it is (مدينة الفاشر, محافظة الحسكة) is the place itself;
# so is the countryside of a city (ريف إدلب), unless the lists name it (ريف دمشق, a governorate).
PLACE_WORDS = frozenset(("مدينه", "محافظه", "ولايه", "بلده", "قريه"))
COUNTRYSIDE = "ريف"


@lru_cache(maxsize=50_000)
def _canonical(name: str, type: str) -> str:
    base = base_name(name)
    key = entity_key(base)
    found = _builtin_aliases().get((type, key)) or _builtin_aliases().get(("", key))
    head, _, rest = base.partition(" ")
    generic = not found or entity_key(found.split()[0]) in PLACE_WORDS
    if type == "LOC" and rest and entity_key(head) in (*PLACE_WORDS, COUNTRYSIDE) and generic:
        return _canonical(rest, type)
    return found or base


@cache
def _builtin_aliases() -> dict[tuple[str, str], str]:
    """(type, key of a variant) → canonical, from the curated lists; ("", key) for any type."""
    table: dict[tuple[str, str], str] = {}
    for entry in curated_names():
        for variant in entry.names:
            table.setdefault((entry.type, entity_key(variant)), entry.canonical)
            table.setdefault(("", entity_key(variant)), entry.canonical)
    return table


@cache
def _known_words() -> frozenset[str]:
    return known_first_words(entity_key(name) for entry in curated_names() for name in entry.names)


def known_first_words(names: Iterable[str]) -> frozenset[str]:
    """The words a name can start with: the first words of `names` (normalized) and the
    curated first names."""
    return frozenset(name.split()[0] for name in names if name.strip()) | word_list("first-names")
