"""The second stage of a relevance search: the backend's first `RERANK_DEPTH` articles put in
a new order by a learned linear model.

The backend's BM25 (or ts_rank) sees each term on its own. The reranker looks at how the query
meets each candidate: which of its words the article has and how rare they are (in Arabic
news, by document frequencies shipped with the model, and in the searched collection, by the
counts the backend reports: `CollectionFrequencies`), whether they come early (a news title
paraphrases the lead), close together or in the query's order, and how much of a missing word
its character n-grams still find, and whether a missing word has a near synonym in the
article (the cosine of its stem vector with the stored terms': `StemVectors`, learned without
labels from which stems Arabic news uses together). Every feature is computed from the
article's stored word terms (`StoredTerms`: its first `STORED_TERMS` terms and how many it
has), which both backends keep beside their index, and from those counts, which both backends
count alike (PostgreSQL estimates them from its statistics only for a large index), so for the
same candidates the order does not depend on the backend.

The model (a weight per feature, learned as pairwise logistic regression on ANT v2.1 titles
→ articles, and the dev queries of bench/search_quality.py: khabar.search.rerank_training; the
document frequencies and stem vectors of ANT v2.1 articles) ships in khabar/search/data/;
`khabar train rerank` writes a new version into the data dir's models/, which then takes
precedence. docs/benchmarks.md ("Search quality") has the figures.
"""

import gzip
import itertools
import json
import logging
import math
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from khabar.arabic.analyze import GRAM_N

from .analysis import AllMatch, AnyMatch, Exclude, PhraseMatch, TermMatch, stem_grams

logger = logging.getLogger(__name__)

RERANK_DEPTH = 30  # 20, 30 and 50 ranked alike on dev; fewer candidates cost less
STORED_TERMS = 256  # an article's first terms kept for the reranker (ARCD needs > 128)
PACKAGED_MODEL_DIR = Path(__file__).resolve().parent / "data"
MODEL_NAME = re.compile(r"rerank-v(\d+)\.json$")
K1, B = 1.2, 0.75  # BM25, as tantivy
LEAD_SHORT, LEAD_LONG = 10, 30  # word positions that count as "early"
NEAR = 3  # two query words this close count as near each other
WINDOWS = (12, 25)
_ARABIC = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff]")

FEATURES = (
    "bm25_words",  # BM25 of the query's word terms (shipped idf, whole-article length)
    "bm25_grams",  # BM25 of the query's n-grams, found inside the article's terms
    "coverage_idf",  # share of the query's idf whose terms the article has
    "coverage",  # share of the query's distinct terms the article has
    "soft_coverage",  # coverage_idf, a missing term counting for the share of its grams found
    "gram_coverage_idf",  # share of the query's gram idf the article has
    "lead_short",  # share of the query's idf first seen in the first LEAD_SHORT words
    "lead_long",  # ... in the first LEAD_LONG words
    "first_position",  # log(1 + position of the earliest query term), 6 if none
    "mean_first_position",  # mean of log(1 + first position) over the terms found
    "adjacent",  # share (min-idf weighted) of consecutive query term pairs found in order
    "near",  # ... found within NEAR words of each other, in either order
    "adjacent_lead",  # ... found in order within the first LEAD_LONG words
    "window_short",  # most query idf inside any WINDOWS[0] consecutive words
    "window_long",  # ... inside WINDOWS[1] words
    "length",  # log(1 + number of word terms)
    "density",  # query term occurrences per word term
    "bm25_collection",  # bm25_words with the idf of the searched collection (the backend's)
    "coverage_idf_squared",  # coverage_idf²: a nearly complete match counts for more
    "soft_coverage_squared",  # soft_coverage²
    "soft_match",  # coverage_idf, a missing term counting for its stem vector's best cosine
)


@dataclass(frozen=True)
class StoredTerms:
    """What a backend keeps of an article for the reranker."""

    terms: str  # the first STORED_TERMS word terms, joined by single spaces
    length: int  # how many word terms the whole article has


def stored_terms(words_text: str) -> StoredTerms:
    """The reranker's view of an article whose ``words`` terms are `words_text`."""
    parts = words_text.split(" ", STORED_TERMS) if words_text else []
    if len(parts) > STORED_TERMS:
        return StoredTerms(" ".join(parts[:STORED_TERMS]), words_text.count(" ") + 1)
    return StoredTerms(words_text, len(parts))


# --- The model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermStatistics:
    """Document frequencies of word terms and grams in a news corpus, for the idf of a query's
    terms (a term the corpus used in fewer than `min_count` documents counts as used in one)."""

    documents: int
    average_terms: float
    average_grams: float
    words: dict[str, int]
    grams: dict[str, int]

    def idf(self, count: int) -> float:
        return math.log(1 + (self.documents - count + 0.5) / (count + 0.5))

    def word_idf(self, term: str) -> float:
        return self.idf(self.words.get(term, 1))

    def gram_idf(self, gram: str) -> float:
        return self.idf(self.grams.get(gram, 1))


@dataclass(frozen=True)
class CollectionFrequencies:
    """How many articles the searched index holds and how many of them hold each of a query's
    word terms, as the backend counts them: the idf of the collection itself, beside the
    shipped news frequencies."""

    documents: int
    counts: dict[str, int]

    def idf(self, term: str) -> float:
        count = self.counts.get(term, 0)
        return math.log(1 + max(self.documents - count + 0.5, 0.0) / (count + 0.5))


@dataclass(frozen=True)
class StemVectors:
    """Distributional vectors of word terms (unit length), learned without labels from Arabic
    news (PPMI of the terms within a few words of each other, reduced by SVD): terms used in
    the same contexts (نفط، بترول; انتخاب، اقتراع) have a high cosine."""

    index: dict[str, int]  # term → row
    matrix: np.ndarray  # float32, one unit row per term


NO_VECTORS = StemVectors({}, np.zeros((0, 1), dtype=np.float32))


@dataclass(frozen=True)
class RerankModel:
    version: int
    weights: np.ndarray  # one per FEATURES name
    statistics: TermStatistics
    card: dict
    vectors: StemVectors = NO_VECTORS

    def scores(self, features: np.ndarray) -> np.ndarray:
        return features @ self.weights


def save_model(model: RerankModel, directory: Path) -> Path:
    """Write rerank-v<N>.json (the card and weights), rerank-v<N>.df.tsv.gz (the document
    frequencies) and rerank-v<N>.vectors.npz (the stem vectors, float16); returns the card's
    path."""
    directory.mkdir(parents=True, exist_ok=True)
    stats = model.statistics
    card = {
        **model.card,
        "version": model.version,
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in model.weights],
        "documents": stats.documents,
        "average_terms": round(stats.average_terms, 3),
        "average_grams": round(stats.average_grams, 3),
    }
    base = directory / f"rerank-v{model.version}"
    rows = [f"w\t{t}\t{n}\n" for t, n in sorted(stats.words.items())]
    rows += [f"g\t{t}\t{n}\n" for t, n in sorted(stats.grams.items())]
    frequencies = base.with_suffix(".df.tsv.gz")
    with gzip.GzipFile(frequencies, "wb", compresslevel=9, mtime=0) as out:
        out.write("".join(rows).encode())
    terms = sorted(model.vectors.index, key=model.vectors.index.get)
    np.savez_compressed(
        base.with_suffix(".vectors.npz"),
        terms=np.array(terms, dtype=str),
        matrix=model.vectors.matrix.astype(np.float16),
    )
    path = base.with_suffix(".json")
    path.write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n")
    return path


def load_model(path: Path) -> RerankModel:
    card = json.loads(path.read_text())
    if tuple(card["features"]) != FEATURES:
        raise ValueError(f"{path} was trained on other features; retrain: khabar train rerank")
    words, grams = {}, {}
    with gzip.open(path.with_name(path.name.replace(".json", ".df.tsv.gz")), "rt") as lines:
        for line in lines:
            kind, term, count = line.rstrip("\n").split("\t")
            (words if kind == "w" else grams)[term] = int(count)
    statistics = TermStatistics(
        card["documents"], card["average_terms"], card["average_grams"], words, grams
    )
    weights = np.array(card["weights"], dtype=np.float64)
    with np.load(path.with_name(path.name.replace(".json", ".vectors.npz"))) as arrays:
        terms, matrix = arrays["terms"].tolist(), arrays["matrix"].astype(np.float32)
    vectors = StemVectors({term: row for row, term in enumerate(terms)}, matrix)
    return RerankModel(card["version"], weights, statistics, card, vectors)


def model_paths(directories: list[Path]) -> list[Path]:
    """rerank-v<N>.json files, the newest version of the first directory that has one first."""
    found = []
    for directory in directories:
        versions = [
            (int(match.group(1)), path)
            for path in (directory.glob("rerank-v*.json") if directory.is_dir() else [])
            if (match := MODEL_NAME.search(path.name))
        ]
        found += [path for _version, path in sorted(versions, reverse=True)]
    return found


@cache
def default_model() -> RerankModel | None:
    """The newest model in the data dir's models/ (`khabar train rerank`), else the shipped
    one; None when neither loads (the backend's order is then kept)."""
    from django.conf import settings

    for path in model_paths([Path(settings.DATA_DIR) / "models", PACKAGED_MODEL_DIR]):
        try:
            return load_model(path)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("rerank model %s not usable: %s", path, error)
    return None


def news_frequencies() -> dict[str, int]:
    """Document frequencies of word terms in Arabic news (the model's), for planning queries
    (khabar.search.analysis.conjunction_split); empty without a model."""
    model = default_model()
    return model.statistics.words if model else {}


# --- Features --------------------------------------------------------------------------------


def query_terms(plan) -> list[str]:
    """The word terms a search looks for, in the query's order (excluded ones left out)."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, TermMatch | PhraseMatch):
            found.extend(node.alternatives[0])
        elif isinstance(node, AllMatch | AnyMatch):
            for child in node.nodes:
                walk(child)
        elif not isinstance(node, Exclude):
            raise TypeError(node)

    walk(plan.root)
    return found


def worth_reranking(terms: list[str]) -> bool:
    """The model learned from Arabic queries: a query without an Arabic term keeps BM25's order."""
    return any(_ARABIC.search(term) for term in terms)


@dataclass(frozen=True)
class _Query:
    counts: dict[str, int]  # distinct term → times in the query
    idf: dict[str, float]
    total_idf: float
    term_grams: dict[str, tuple[str, ...]]
    gram_counts: dict[str, int]
    gram_idf: dict[str, float]
    total_gram_idf: float
    pairs: list[tuple[str, str, float]]  # consecutive distinct terms and their weight
    total_pair: float
    collection_idf: dict[str, float]


def _query(
    terms: list[str], statistics: TermStatistics, collection: CollectionFrequencies
) -> _Query:
    counts: dict[str, int] = {}
    gram_counts: dict[str, int] = {}
    for term in terms:
        counts[term] = counts.get(term, 0) + 1
        for gram in stem_grams(term):
            gram_counts[gram] = gram_counts.get(gram, 0) + 1
    idf = {term: statistics.word_idf(term) for term in counts}
    gram_idf = {gram: statistics.gram_idf(gram) for gram in gram_counts}
    pairs = [(a, b, min(idf[a], idf[b])) for a, b in itertools.pairwise(terms) if a != b]
    return _Query(
        counts=counts,
        idf=idf,
        total_idf=sum(idf[t] * n for t, n in counts.items()) or 1.0,
        term_grams={term: stem_grams(term) for term in counts},
        gram_counts=gram_counts,
        gram_idf=gram_idf,
        total_gram_idf=sum(gram_idf[g] * n for g, n in gram_counts.items()) or 1.0,
        pairs=pairs,
        total_pair=sum(weight for _a, _b, weight in pairs) or 1.0,
        collection_idf={term: collection.idf(term) for term in counts},
    )


def candidate_features(
    terms: list[str],
    documents: list[StoredTerms],
    statistics: TermStatistics,
    collection: CollectionFrequencies,
    vectors: StemVectors = NO_VECTORS,
) -> np.ndarray:
    """One row of FEATURES per document, for a query whose word terms are `terms`, searched
    in a collection with `collection`'s frequencies."""
    rows = np.zeros((len(documents), len(FEATURES)))
    if not terms:
        return rows
    query = _query(terms, statistics, collection)
    for row, document in enumerate(documents):
        rows[row, :-1] = _features(query, document, statistics)
    rows[:, -1] = _soft_match(query, documents, vectors)
    return rows


@cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """A product this small is done before a second BLAS thread starts; under load the
    threads' spinning cost more than the product (features p95 15 ms a query, not 4)."""
    return _blas_controller().limit(limits=1, user_api="blas")


def _soft_match(query: _Query, documents: list[StoredTerms], vectors: StemVectors) -> np.ndarray:
    """For each document, the share of the query's distinct terms' idf that it has, a missing
    term counting for the best cosine (if positive) of its vector with a stored term's."""
    distinct = list(query.counts)
    idf = np.array([query.idf[term] for term in distinct])
    per_document = [set(document.terms.split()) for document in documents]
    present = np.array([[term in terms for term in distinct] for terms in per_document])
    matched = present.astype(np.float64)
    # Only a term with a vector that some candidate lacks needs cosines.
    wanted = [
        i for i, term in enumerate(distinct) if term in vectors.index and not present[:, i].all()
    ]
    if not wanted:
        return matched @ idf / (idf.sum() or 1.0)
    union = list(set().union(*per_document))
    rows = np.array([vectors.index.get(term, -1) for term in union])
    known = rows >= 0
    # Cosines of each wanted term with every term any candidate stores, computed once; a
    # stored term without a vector counts as 0.
    cosines = np.zeros((len(wanted), len(union)), dtype=np.float32)
    wanted_rows = [vectors.index[distinct[i]] for i in wanted]
    with _one_blas_thread():
        cosines[:, known] = vectors.matrix[wanted_rows] @ vectors.matrix[rows[known]].T
    column = {term: c for c, term in enumerate(union)}
    for d, terms in enumerate(per_document):
        missing = ~present[d, wanted]
        if terms and missing.any():
            best = cosines[:, [column[term] for term in terms]].max(axis=1).clip(0.0, 1.0)
            matched[d, wanted] = np.where(missing, best, 1.0)
    return matched @ idf / (idf.sum() or 1.0)


def _positions(joined: str, term: str) -> list[int]:
    """Word positions of `term` in `joined` (" t1 t2 ... "): found in C, counted in C."""
    needle = f" {term} "
    found = []
    start = joined.find(needle)
    while start >= 0:
        found.append(joined.count(" ", 0, start))
        start = joined.find(needle, start + len(needle) - 1)
    return found


def _features(query: _Query, document: StoredTerms, statistics: TermStatistics) -> list[float]:
    joined = f" {document.terms} "
    length = max(document.length, 1)
    positions = {term: _positions(joined, term) for term in query.counts}
    word_norm = K1 * (1 - B + B * length / statistics.average_terms)
    bm25 = bm25_collection = covered = soft = lead_short = lead_long = 0.0
    found = occurrences = 0
    firsts = []
    for term, count in query.counts.items():
        weight = query.idf[term] * count
        places = positions[term]
        if places:
            tf = len(places)
            occurrences += tf
            saturated = count * tf * (K1 + 1) / (tf + word_norm)
            bm25 += query.idf[term] * saturated
            bm25_collection += query.collection_idf[term] * saturated
            covered += weight
            soft += weight
            found += 1
            firsts.append(places[0])
            lead_short += weight if places[0] < LEAD_SHORT else 0.0
            lead_long += weight if places[0] < LEAD_LONG else 0.0
        else:
            grams = query.term_grams[term]
            soft += weight * sum(gram in joined for gram in grams) / len(grams)
    # A stored stem of n > GRAM_N letters has n - GRAM_N + 1 grams: counted from the letters.
    stored = document.terms.count(" ") + 1 if document.terms else 0
    letters = len(document.terms) - max(stored - 1, 0)
    gram_length = max(letters - (GRAM_N - 1) * stored, stored) * length / max(stored, 1)
    gram_norm = K1 * (1 - B + B * gram_length / statistics.average_grams)
    bm25_grams = gram_covered = 0.0
    for gram, count in query.gram_counts.items():
        tf = joined.count(gram)
        if tf:
            bm25_grams += count * query.gram_idf[gram] * tf * (K1 + 1) / (tf + gram_norm)
            gram_covered += query.gram_idf[gram] * count
    adjacent = near = adjacent_lead = 0.0
    for a, b, weight in query.pairs:
        first, second = positions[a], positions[b]
        if not first or not second:
            continue
        seconds = set(second)
        ordered = [x for x in first if x + 1 in seconds]
        if ordered:
            adjacent += weight
            adjacent_lead += weight if ordered[0] < LEAD_LONG else 0.0
        if any(_within(x, second, NEAR) for x in first):
            near += weight
    events = sorted((x, term) for term, places in positions.items() for x in places)
    total = query.total_idf
    return [
        bm25,
        bm25_grams,
        covered / total,
        found / len(query.counts),
        soft / total,
        gram_covered / query.total_gram_idf,
        lead_short / total,
        lead_long / total,
        math.log1p(min(firsts)) if firsts else 6.0,
        sum(math.log1p(x) for x in firsts) / len(firsts) if firsts else 6.0,
        adjacent / query.total_pair,
        near / query.total_pair,
        adjacent_lead / query.total_pair,
        _best_window(events, query.idf, WINDOWS[0]) / total,
        _best_window(events, query.idf, WINDOWS[1]) / total,
        math.log1p(length),
        occurrences / length,
        bm25_collection,
        (covered / total) ** 2,
        (soft / total) ** 2,
    ]


def _within(x: int, sorted_positions: list[int], distance: int) -> bool:
    i = bisect_left(sorted_positions, x - distance)
    return i < len(sorted_positions) and sorted_positions[i] <= x + distance


def _best_window(events: list[tuple[int, str]], idf: dict[str, float], width: int) -> float:
    """The most idf of distinct terms that occur together within `width` consecutive words."""
    best = current = 0.0
    inside: dict[str, int] = {}
    start = 0
    for position, term in events:
        if not inside.get(term):
            current += idf[term]
        inside[term] = inside.get(term, 0) + 1
        while events[start][0] <= position - width:
            leaving = events[start][1]
            inside[leaving] -= 1
            if not inside[leaving]:
                current -= idf[leaving]
            start += 1
        best = max(best, current)
    return best


# --- Reranking -------------------------------------------------------------------------------


def rerank(
    plan, pairs: list[tuple[int, float]], backend, *, model: RerankModel | None = None
) -> list[tuple[int, float]]:
    """`pairs` (the backend's best first) with the first RERANK_DEPTH in the model's order,
    each with the model's score; the rest follow as they were. Unchanged when there is no
    model or no Arabic term to look for."""
    model = model or default_model()
    terms = query_terms(plan)
    head = pairs[:RERANK_DEPTH]
    if model is None or len(head) < 2 or not worth_reranking(terms):
        return pairs
    stored = backend.stored_terms([article_id for article_id, _score in head])
    empty = StoredTerms("", 0)
    documents = [stored.get(article_id, empty) for article_id, _score in head]
    collection = backend.collection_frequencies(list(dict.fromkeys(terms)))
    features = candidate_features(terms, documents, model.statistics, collection, model.vectors)
    scores = model.scores(features)
    # Ties keep the backend's order (a stable sort on the negated scores).
    order = np.argsort(-scores, kind="stable")
    return [(head[i][0], float(scores[i])) for i in order] + pairs[RERANK_DEPTH:]
