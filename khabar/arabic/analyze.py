"""Analyzers: text → index terms, the same way for documents and queries.

Terms are plain strings without spaces; a backend indexes them as they are (a whitespace
tokenizer, or PostgreSQL's 'simple' configuration). Each document is indexed in the fields of
`SEARCH_FIELDS`, each the whitespace-joined output of one function:

- ``words``: `terms(text)`: light stems (`stem.stem_arabic`; Snowball English for Latin
  script), stopwords dropped. Positions (`analyze`) are word positions in which a dropped
  stopword keeps its slot, so a phrase query matches the words around it at the right distance.
- ``grams``: `gram_terms(text)`: character n-grams (`GRAM_N`) of each stem, never across two
  words; a stem no longer than n is one gram. They match what light stemming cannot join
  (broken plurals' shared letters, spelling variants of names, words the stemmer left whole).

A query is analyzed with the same functions and scored as the sum over fields of
``weight × BM25(field)``, every term of the query an optional (OR) clause: see `SEARCH_FIELDS`
and `query_clauses`. The analysis is decided by script, not by the `language` argument, so a
query of unknown language matches documents in either language: Arabic script → the Arabic
light stemmer, Latin script → Snowball English.

All choices (fields, n, weights, stemmer rules, stopwords) were measured on the development
split of bench/search_quality.py and reported on its held-out split: docs/benchmarks.md,
section "Search quality (bench/search_quality.py)".

To reproduce the measured system, a backend must: index ``words`` = " ".join(terms(text)) and
``grams`` = " ".join(gram_terms(text)) with a whitespace tokenizer and no other filter; score with
BM25 k1 = 1.2, b = 0.75 (tantivy's fixed values); and for a query OR one term query per
`query_clauses(query)` entry, boosted by its boost, summing the scores (no second stage).
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress

from .normalize import HARAKAT, INVISIBLE, TATWEEL, normalize
from .stem import DEFAULT_RULES, StemRules, stem_arabic, stem_latin
from .stopwords import ENGLISH_STOPWORDS, arabic_stopwords, stopword_key

# Fields and their BM25 weights (tantivy, k1 = 1.2, b = 0.75), chosen on the dev split of
# bench/search_quality.py (grams 0.3-1.0 were within 0.001; n = 3 beat 2, 4 and 5); see
# docs/benchmarks.md "Search quality".
SEARCH_FIELDS = {"words": 1.0, "grams": 0.3}
GRAM_N = 3

# Same word pattern as tokenize.py: letters and digits, with harakat, tatweel and joiners inside.
_WORD = re.compile(rf"(?:[^\W_]|[{HARAKAT}{TATWEEL}{INVISIBLE}])+")
# The same words, twice as fast to find: one character class, which also takes "_" (a word
# character to `\w`), so "_" is replaced by a space first (`_fast_text`): offsets stay put.
_FAST_WORD = re.compile(rf"[\w{HARAKAT}{TATWEEL}{INVISIBLE}]+")
_FAST_WORD_SPLIT = re.compile(f"({_FAST_WORD.pattern})")
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_CACHE_SIZE = 200_000


@dataclass(frozen=True, slots=True)
class Term:
    """One index term and the span of the original text it came from."""

    term: str
    start: int
    end: int
    position: int  # word position, for phrase queries; stopwords keep their position slot


@dataclass(frozen=True, slots=True)
class _Word:
    norm: str
    stem: str
    stop: bool


@dataclass(frozen=True)
class Analyzer:
    """One configuration of the analysis; `DEFAULT` is the measured choice.

    The benchmark builds other configurations to compare them; the application uses the
    module-level functions, which use `DEFAULT`.
    """

    rules: StemRules = DEFAULT_RULES
    stem: bool = True
    drop_stopwords: bool = True
    fold_ta_marbuta: bool = True
    gram_n: int = GRAM_N
    gram_source: str = "stem"  # "stem" or "norm": n-grams of stems or of normalized words
    # Distinct written words each cache keeps: about 250 bytes a word for indexing's.
    cache_size: int = field(default=_CACHE_SIZE, compare=False)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._cache["word"] = lru_cache(maxsize=self.cache_size)(self._word)
        self._cache["grams"] = lru_cache(maxsize=self.cache_size)(self._grams)
        self._cache["indexed"] = _WordCache(self._indexed, size=self.cache_size)
        self._cache["term"] = _WordCache(self._term, size=self.cache_size)

    def _word(self, surface: str) -> _Word | None:
        # NFKC can spread one character over several words (ﷺ): a term never holds a space.
        norm = "".join(normalize(surface, fold_ta_marbuta=self.fold_ta_marbuta).split())
        if not norm:
            return None
        key = stopword_key(surface)
        stop = key in arabic_stopwords() or key in ENGLISH_STOPWORDS
        if not self.stem:
            stem = norm
        elif _ARABIC_LETTER.search(norm):
            stem = stem_arabic(norm, self.rules)
        elif norm.isdigit():
            stem = norm
        else:
            stem = stem_latin(norm)
        return _Word(norm, stem or norm, stop)

    def _grams(self, word: str) -> tuple[str, ...]:
        n = self.gram_n
        if len(word) <= n:
            return (word,)
        return tuple(word[i : i + n] for i in range(len(word) - n + 1))

    def _indexed(self, surface: str) -> tuple[str, str] | None:
        """What one written word adds to the two fields: its stem and its grams joined by
        spaces; None for a stopword or a word that normalizes to nothing. Computed without the
        other caches: indexing keeps only this one."""
        word = self._word(surface)
        if word is None or (word.stop and self.drop_stopwords):
            return None
        grams = self._grams(word.stem if self.gram_source == "stem" else word.norm)
        return word.stem, " ".join(grams)

    def _term(self, surface: str) -> str | None:
        """A written word's term: "" for a dropped stopword, None for no word at all."""
        word = self._cache["word"](surface)
        if word is None:
            return None
        return "" if word.stop and self.drop_stopwords else word.stem

    def words(self, text: str):
        """(match, _Word, position) for every word of `text`, stopwords included."""
        word_of = self._cache["word"]
        position = 0
        for match in _WORD.finditer(text or ""):
            word = word_of(match.group())
            if word is None:
                continue
            yield match, word, position
            position += 1

    def scan(self, text: str, *, offset: int = 0) -> tuple[list[int], list[int], list[str]]:
        """The start and end offsets and the term of every word of `text` (offsets plus
        `offset`), in three lists; a dropped stopword's term is "".

        `analyze` without positions or objects, for highlighting: splitting with the word
        pattern captured and summing the lengths of the pieces finds the offsets in C.
        """
        pieces = _FAST_WORD_SPLIT.split(_fast_text(text))
        bounds = list(accumulate(map(len, pieces), initial=offset))
        terms = list(map(self._cache["term"].__getitem__, pieces[1::2]))
        starts, ends = bounds[1:-1:2], bounds[2::2]
        if None in terms:  # a word that normalizes to nothing is no word
            kept = [term is not None for term in terms]
            starts, ends = list(compress(starts, kept)), list(compress(ends, kept))
            terms = list(compress(terms, kept))
        return starts, ends, terms

    def analyze(self, text: str) -> list[Term]:
        return [
            Term(word.stem, match.start(), match.end(), position)
            for match, word, position in self.words(text)
            if not (word.stop and self.drop_stopwords)
        ]

    def terms(self, text: str) -> list[str]:
        return [
            word.stem for _, word, _ in self.words(text) if not (word.stop and self.drop_stopwords)
        ]

    def gram_terms(self, text: str) -> list[str]:
        grams_of = self._cache["grams"]
        out: list[str] = []
        for _, word, _ in self.words(text):
            if word.stop and self.drop_stopwords:
                continue
            out.extend(grams_of(word.stem if self.gram_source == "stem" else word.norm))
        return out

    def index_texts(self, text: str) -> tuple[str, str]:
        """`terms(text)` and `gram_terms(text)`, each joined by single spaces, in one pass.

        The fast path for indexing: no offsets or positions, one cached lookup per written
        word (`_WORD.findall` and `map` keep the loop in C). `analyze` keeps the offsets for
        highlighting.
        """
        words = _FAST_WORD.findall(_fast_text(text))
        found = [entry for entry in map(self._cache["indexed"].__getitem__, words) if entry]
        return " ".join([entry[0] for entry in found]), " ".join([entry[1] for entry in found])


def _fast_text(text: str | None) -> str:
    return (text or "").replace("_", " ")


class _WordCache(dict):
    """Written word → what `compute` makes of it, computed on first use; emptied when it holds
    `size` words, so a long run keeps its memory bounded (the frequent words are back at
    once). A dict subclass because its lookup, unlike an `lru_cache` call, can be mapped over
    a document's words in C."""

    def __init__(self, compute, *, size: int):
        super().__init__()
        self.compute = compute
        self.size = size

    def __missing__(self, surface: str):
        if len(self) >= self.size:
            self.clear()
        entry = self[surface] = self.compute(surface)
        return entry


DEFAULT = Analyzer()


def analyze(text: str, *, language: str = "ar") -> list[Term]:
    """Index terms of `text` in order, with offsets into `text` (for highlighting).

    `text[term.start:term.end]` is the original word the term came from. Stopwords give no
    term but keep their position. `language` is accepted for the contract; the analysis
    follows each word's script (see the module docstring).
    """
    return DEFAULT.analyze(text)


def terms(text: str, *, language: str = "ar") -> list[str]:
    """Just the terms of `analyze`, for indexing the ``words`` field and querying it."""
    return DEFAULT.terms(text)


def gram_terms(text: str, *, language: str = "ar", n: int = GRAM_N) -> list[str]:
    """Character n-grams of each word's stem, for the ``grams`` field (stopwords skipped)."""
    analyzer = DEFAULT if n == GRAM_N else _with_gram_n(n)
    return analyzer.gram_terms(text)


def stem_grams(stem: str) -> tuple[str, ...]:
    """The grams `gram_terms` gives for one word whose stem is `stem` (a ``words`` term)."""
    return DEFAULT._cache["grams"](stem)


@lru_cache(maxsize=8)
def _with_gram_n(n: int) -> Analyzer:
    return Analyzer(gram_n=n)


def use_large_caches(size: int) -> None:
    """Analyze with caches of `size` words from now on in this process: for a process that
    only analyzes many documents (a bulk reindex), where a cache holding the corpus's whole
    vocabulary saves most of the per-word work."""
    global DEFAULT
    DEFAULT = Analyzer(cache_size=size)


def index_texts(text: str, *, language: str = "ar") -> tuple[str, str]:
    """The ``words`` and ``grams`` fields of a document, each its terms joined by spaces:
    `" ".join(terms(text))` and `" ".join(gram_terms(text))`, computed in one faster pass."""
    return DEFAULT.index_texts(text)


def field_terms(text: str, *, language: str = "ar") -> dict[str, list[str]]:
    """The terms of every field in `SEARCH_FIELDS`, for indexing one document or a query."""
    return {"words": terms(text, language=language), "grams": gram_terms(text, language=language)}


def query_clauses(text: str, *, language: str = "ar") -> list[tuple[str, str, float]]:
    """(field, term, boost) for every distinct query term: the measured way to score a query.

    The engine ORs one term query per clause, each boosted by `boost` (the field's weight in
    `SEARCH_FIELDS` times how often the term occurs in the query), and ranks by the sum of the
    boosted BM25 scores: in tantivy, `Query.boolean_query([(Occur.Should,
    Query.boost_query(Query.term_query(schema, field, term), boost)), ...])`.
    """
    clauses = []
    for name, values in field_terms(text, language=language).items():
        counts: dict[str, int] = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        weight = SEARCH_FIELDS[name]
        clauses.extend((name, term, weight * count) for term, count in counts.items())
    return clauses
