"""Text to index terms, and a parsed query to what the engines match; the same for every backend.

Documents and queries are analyzed here in Python by khabar.arabic.analyze, and the engines
receive ready terms in two fields: `words` (light stems) and `grams` (character n-grams of each
stem, which join what light stemming cannot). Pure Python, no Django.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from khabar.arabic import analyze as analyzer
from khabar.arabic import normalize

from .query import AnyOf, Node, Not, ParsedQuery, Phrase, Word

# Text beyond this is not indexed: it keeps PostgreSQL's tsvector under its limits and a
# pathological page from stalling the worker. News articles are far shorter.
MAX_INDEXED_CHARS = 100_000
INDEX_LANGUAGES = ("ar", "en")
# A query word that starts with the conjunction و or ف but keeps it as a term, because the stemmer
# leaves a word of three letters after it alone (ومصر، وحجز: it cannot tell them from وزير، وجود),
# is looked for without it first when Arabic news uses the rest at least this many times as often
# (khabar.search.rerank.news_frequencies: مصر 1,855 articles, ومصر 355; وجود 2,449, جود 17).
CONJUNCTIONS = "وف"
CONJUNCTION_RATIO = 3
# A bulk analysis process caches this many distinct written words (about 250 bytes each):
# news in one language has a few hundred thousand, so a rebuild analyzes each word about once.
BULK_CACHE_WORDS = 600_000


def field_weights() -> dict[str, float]:
    """Each field's weight in the score, as measured by the toolkit's benchmark."""
    return dict(analyzer.SEARCH_FIELDS)


def analysis_language(language: str) -> str:
    """The analyzer for an article in `language`: English for English, else Arabic's."""
    return "en" if (language or "").lower().startswith("en") else "ar"


def word_grams(text: str, *, language: str = "ar") -> list[str]:
    """Character n-grams of each word's stem, in order; a word's grams never cross into the
    next word, so a word's grams one after another find it inside a longer word."""
    return analyzer.gram_terms(text, language=language)


def stem_grams(term: str) -> tuple[str, ...]:
    """The grams of one ``words`` term, as `word_grams` gives them for a word with that stem."""
    return analyzer.stem_grams(term)


@dataclass(frozen=True)
class IndexedText:
    """The terms of each field, joined by single spaces (what the engines take)."""

    words_text: str
    grams_text: str

    @property
    def words(self) -> list[str]:
        return self.words_text.split()

    @property
    def grams(self) -> list[str]:
        return self.grams_text.split()


def index_text(*, title: str, body: str, language: str) -> IndexedText:
    """The terms of an article's title and body, title first."""
    text = f"{title}\n{body}"[:MAX_INDEXED_CHARS]
    words, grams = analyzer.index_texts(text, language=analysis_language(language))
    return IndexedText(words_text=words, grams_text=grams)


def start_bulk_analysis() -> None:
    """Set up a process that will analyze a whole corpus (see `index_texts_many`)."""
    analyzer.use_large_caches(BULK_CACHE_WORDS)


def index_texts_many(items: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """`index_text` of many (title, body, language) items, as (words, grams) texts: the
    work a bulk indexing process hands to its analysis processes."""
    out = []
    for title, body, language in items:
        text = index_text(title=title, body=body, language=language)
        out.append((text.words_text, text.grams_text))
    return out


def analysis_fingerprint() -> str:
    """Changes when the analyzer, the weights or what the reranker stores change, so an index
    built before is rebuilt."""
    from .rerank import STORED_TERMS

    sample = "والمجالس المحلية بالمجالس «الأوَّلى» ٢٠٢٤ بيتكوين الي Elections were held, running"
    parts = [repr(field_weights()), repr(word_grams(sample)), f"stored terms {STORED_TERMS}"]
    parts += [repr(analyzer.terms(sample, language=language)) for language in INDEX_LANGUAGES]
    parts.append("tags: topic, entity")  # documents carry the enrich step's tags
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# --- Queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermMatch:
    """One query word: one of its analyses in `words` (a longer one as a phrase), or its
    `grams` one after another in `grams` (its stem inside a longer word). When `loose`, each
    gram is a clause of its own that only adds to the score (match="any")."""

    alternatives: tuple[tuple[str, ...], ...]
    grams: tuple[str, ...] = ()
    loose: bool = False


@dataclass(frozen=True)
class PhraseMatch:
    alternatives: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Exclude:
    node: "Match"


@dataclass(frozen=True)
class AllMatch:
    nodes: tuple["Match", ...]


@dataclass(frozen=True)
class AnyMatch:
    nodes: tuple["Match", ...]


Match = TermMatch | PhraseMatch | Exclude | AllMatch | AnyMatch


@dataclass(frozen=True)
class Highlight:
    """What to mark in a snippet: words whose term is in `terms`, or whose term contains one
    of `needles` (the query words found through their grams)."""

    terms: frozenset[str]
    needles: frozenset[str]


@dataclass(frozen=True)
class Plan:
    root: AllMatch
    highlight: Highlight

    @property
    def matches_everything(self) -> bool:
        """True when nothing must be found: only filters (and exclusions) narrow the results."""
        return not any(not isinstance(node, Exclude) for node in self.root.nodes)

    @property
    def has_strict_grams(self) -> bool:
        """Whether a word may be found through its grams alone (match="all"): the costly
        alternative `words_only` leaves out."""
        return _has_strict_grams(self.root)

    def words_only(self) -> "Plan":
        """This plan with every word found by its terms alone, not through its grams: what a
        search tries first (khabar.search.running.search_words_first). Loose grams (match=
        "any") stay, as they only add to the score."""
        return Plan(_without_strict_grams(self.root), self.highlight)


def _has_strict_grams(node: "Match") -> bool:
    if isinstance(node, TermMatch):
        return bool(node.grams) and not node.loose
    if isinstance(node, Exclude):
        return _has_strict_grams(node.node)
    if isinstance(node, AllMatch | AnyMatch):
        return any(_has_strict_grams(child) for child in node.nodes)
    return False


def _without_strict_grams(node):
    if isinstance(node, TermMatch):
        return node if node.loose else replace(node, grams=())
    if isinstance(node, Exclude):
        return Exclude(_without_strict_grams(node.node))
    if isinstance(node, AllMatch | AnyMatch):
        return type(node)(tuple(_without_strict_grams(child) for child in node.nodes))
    return node


def plan_query(
    parsed: ParsedQuery, *, match: str = "all", word_frequencies: Mapping[str, int] | None = None
) -> Plan:
    """The engine-neutral form of `parsed`: analyzed terms in a boolean tree.

    With match="all" every word (or OR group) must be found. With "any" one is enough and
    every term and gram adds to the score, as the toolkit's benchmark measures retrieval.
    `word_frequencies` (news document frequencies of ``words`` terms) let a word's leading
    conjunction be split off (`conjunction_split`); without them none is.
    """
    planner = Planner(loose=match == "any", word_frequencies=word_frequencies or {})
    nodes = [planner.planned(node) for node in parsed.root.nodes]
    nodes = _without_ambiguous_prepositions([node for node in nodes if node is not None])
    if match == "any":
        positive = [node for node in nodes if not isinstance(node, Exclude)]
        excluded = [node for node in nodes if isinstance(node, Exclude)]
        nodes = ([AnyMatch(tuple(positive))] if positive else []) + excluded
    highlight = Highlight(frozenset(planner.terms), frozenset(planner.needles))
    return Plan(AllMatch(tuple(nodes)), highlight)


# A word that is both a stopword misspelled (final ى written ي) and a word of its own: on its
# own or beside one other word it may be the name (علي العريض), beside more it is far more
# often the preposition (القبض علي ارهابي), as readers who write ى as ي type it.
AMBIGUOUS_PREPOSITIONS = frozenset({"علي"})


def _without_ambiguous_prepositions(nodes: list[Match]) -> list[Match]:
    def ambiguous(node: Match) -> bool:
        return isinstance(node, TermMatch) and (
            len(node.alternatives[0]) == 1 and node.alternatives[0][0] in AMBIGUOUS_PREPOSITIONS
        )

    others = [node for node in nodes if not ambiguous(node) and not isinstance(node, Exclude)]
    if len(others) < 2:
        return nodes
    return [node for node in nodes if not ambiguous(node)]


class Planner:
    def __init__(self, *, loose: bool, word_frequencies: Mapping[str, int]):
        self.loose = loose
        self.word_frequencies = word_frequencies
        self.terms: set[str] = set()
        self.needles: set[str] = set()

    def planned(self, node: Node, *, negated: bool = False) -> Match | None:
        if isinstance(node, Word):
            return self.word(node.text, negated=negated)
        if isinstance(node, Phrase):
            alternatives = analyses(node.text)
            if not negated:
                self.terms.update(term for alternative in alternatives for term in alternative)
            return PhraseMatch(alternatives) if alternatives else None
        if isinstance(node, Not):
            inner = self.planned(node.node, negated=not negated)
            return Exclude(inner) if inner is not None else None
        children = [self.planned(child, negated=negated) for child in node.nodes]
        children = [child for child in children if child is not None]
        if len(children) <= 1:
            return children[0] if children else None
        return AnyMatch(tuple(children)) if isinstance(node, AnyOf) else AllMatch(tuple(children))

    def word(self, text: str, *, negated: bool) -> Match | None:
        alternatives = analyses(text)
        if not alternatives:
            return None  # a stopword, or no letters at all
        single = len(alternatives) == 1 and len(alternatives[0]) == 1
        grams = tuple(word_grams(text)) if single else ()
        split = conjunction_split(text, alternatives, self.word_frequencies) if single else None
        if split == ():
            return None  # the conjunction and a stopword (وبعد، فعند)
        if split:
            alternatives = ((split,), *alternatives)
            grams = tuple(word_grams(normalize(text)[1:]))
        if not negated:
            self.terms.update(term for alternative in alternatives for term in alternative)
            if grams:
                self.needles.add(alternatives[0][0])
        return TermMatch(alternatives, grams, loose=self.loose)


def conjunction_split(
    text: str, alternatives: tuple[tuple[str, ...], ...], word_frequencies: Mapping[str, int]
) -> str | tuple[()] | None:
    """The term of `text` without its leading conjunction و or ف when the analysis kept it
    (a single term starting with it) and news uses that term CONJUNCTION_RATIO times as often;
    () when the rest is a stopword; else None."""
    whole = alternatives[0][0]
    written = normalize(text)
    if len(written) < 4 or written[0] not in CONJUNCTIONS or whole[:1] != written[0]:
        return None
    rest = analyzer.terms(written[1:], language="ar")
    if not rest:
        return () if written[1:].isalpha() else None
    if len(rest) != 1 or rest[0] == whole:
        return None
    found, kept = word_frequencies.get(rest[0], 0), word_frequencies.get(whole, 0)
    return rest[0] if found >= CONJUNCTION_RATIO * max(kept, 1) else None


def analyses(text: str) -> tuple[tuple[str, ...], ...]:
    """The distinct term sequences of `text` under each index language's analyzer."""
    found = []
    for language in INDEX_LANGUAGES:
        sequence = tuple(analyzer.terms(text, language=language))
        if sequence and sequence not in found:
            found.append(sequence)
    return tuple(found)
