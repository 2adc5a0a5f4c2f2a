"""Training the reranker (khabar.search.rerank) from the shared corpora: `khabar train rerank`.

Training queries, each with the one article it should find:
- ANT v2.1 multi-source (Al Arabiya, BBC, CNN, France24, Sky News): a title finds its article,
  indexed without the title; a different outlet mix from the benchmark's ANT v1.1 (Jawhara FM);
- the dev split of bench/search_quality.py's task (a), ANT v1.1 title → article, beyond the
  first `BENCH_ANT_QUERIES` dev queries (the ones the bench reports on dev), and of task (b),
  ARCD question → paragraph. Test queries are never read for training.

Each corpus is indexed in a temporary tantivy index by the same code as khabar's search index,
each query is planned and searched as the facade does (match="any", as the benchmark), and the
features of its first RERANK_DEPTH candidates are computed as at search time. The weights are a
pairwise logistic regression: the found article against each of the first 20 others, the three
sources weighted `SHARES`. The shares were chosen without the benchmark's reported dev figures:
models trained on ANT v2.1 and the rest of (a)'s dev, plus one half of (b)'s dev (split by
Wikipedia article), scored on the first 2,000 dev queries of (a) and on the other half of (b)
(docs/benchmarks.md, "Search quality"). Question → paragraph pairs are few (341), so at a
smaller share the title → article pairs swamp them. The document frequencies and the stem
vectors (`stem_vectors`, no labels) come from the ANT v2.1 articles alone.

The benchmark's tasks and splits are defined here too, so the benchmark and the training read
the same queries.
"""

import gzip
import json
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from khabar.arabic import tokenize

from .analysis import Plan, analysis_fingerprint, index_text, plan_query, stem_grams
from .backend import IndexDocument, IndexState, SearchRequest
from .query import parse_query
from .rerank import (
    FEATURES,
    RERANK_DEPTH,
    CollectionFrequencies,
    RerankModel,
    StemVectors,
    StoredTerms,
    TermStatistics,
    candidate_features,
    model_paths,
    news_frequencies,
    query_terms,
    save_model,
)

SPLIT_SEED = 4  # bench/search_quality.py's splits
ANT_V11 = "ant-corpus-v1.1/ant_v1.1_jawharafm.jsonl.gz"
ANT_V21 = "ant-corpus-multisource-v2.1/ant_v2.1_multisource.jsonl.gz"
ARCD = "arcd/arcd-train.json.gz"
BENCH_ANT_QUERIES = 2000  # dev queries of task (a) the bench reports; training takes the rest
V21_QUERIES = 12_000
V21_SEED = 7
SHARES = {"ant_v21": 0.3, "ant_v11_dev": 0.3, "arcd_dev": 0.4}
NEGATIVES = 20
MIN_COUNT = 3  # document frequencies below this are not shipped (read as 1)
VECTOR_TERMS = 30_000  # the most frequent word terms of ANT v2.1 get a stem vector
VECTOR_DIMENSIONS = 64
VECTOR_WINDOW = 2  # terms this close (either side) count as each other's context (5: less)
OPERATORS = {"OR", "أو"}


@dataclass
class Corpus:
    """Documents and queries (text, index of the document it should find) by split."""

    name: str
    documents: list[str]
    queries: dict[str, list[tuple[str, int]]]


# --- The corpora and the benchmark's splits --------------------------------------------------


def read_ant(path: Path) -> tuple[list[str], list[str]]:
    """Bodies and titles of the articles with both, each URL and body once."""
    bodies, titles, urls, seen = [], [], set(), set()
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            title, text = row["title"].strip(), row["text"].strip()
            if not title or not text or row["url"] in urls or text in seen:
                continue
            urls.add(row["url"])
            seen.add(text)
            bodies.append(text)
            titles.append(title)
    return bodies, titles


def title_queries(titles: list[str], seed) -> list[tuple[str, int]]:
    """(title, its article) for every title used once, shuffled."""
    counts = Counter(titles)
    queries = [(title, i) for i, title in enumerate(titles) if counts[title] == 1]
    random.Random(seed).shuffle(queries)
    return queries


def ant_v11_task(data_dir: Path) -> Corpus:
    """Task (a): ANT v1.1 titles → articles, the unique titles halved into dev and test."""
    bodies, titles = read_ant(data_dir / ANT_V11)
    queries = title_queries(titles, SPLIT_SEED)
    half = len(queries) // 2
    return Corpus("ant_v11", bodies, {"dev": queries[:half], "test": queries[half:]})


def clean_question(question: str) -> str:
    question = question.strip().lstrip("-").strip()
    return question.split("؟", 1)[0] + "؟" if "؟" in question else question


def arcd_task(data_dir: Path) -> Corpus:
    """Task (b): ARCD questions → paragraphs, split by Wikipedia article."""
    with gzip.open(data_dir / ARCD, "rt", encoding="utf-8") as f:
        articles = json.load(f)["data"]
    names = sorted(article["title"] for article in articles)
    random.Random(SPLIT_SEED).shuffle(names)
    dev_names = set(names[: len(names) // 2])
    paragraphs, queries = [], {"dev": [], "test": []}
    for article in articles:
        split = "dev" if article["title"] in dev_names else "test"
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                queries[split].append((clean_question(qa["question"]), len(paragraphs)))
            paragraphs.append(paragraph["context"])
    return Corpus("arcd", paragraphs, queries)


def ant_v21_corpus(data_dir: Path) -> Corpus:
    bodies, titles = read_ant(data_dir / ANT_V21)
    return Corpus("ant_v21", bodies, {"train": title_queries(titles, V21_SEED)})


def plain_query(text: str) -> str:
    """The words of `text` without punctuation and OR words, so the query language reads none
    of it (quotes, minus signs, "source:"): a title or question asks for its words."""
    words = (token.text for token in tokenize(text))
    return " ".join(word for word in words if word not in OPERATORS)


# --- Searching a corpus as khabar does -------------------------------------------------------


class CorpusIndex:
    """A corpus in a temporary tantivy index built by khabar's own backend; document i is
    article i + 1. Queries are planned with `word_frequencies` (default: the facade's,
    khabar.search.rerank.news_frequencies)."""

    def __init__(
        self,
        documents: list[str],
        directory: Path,
        *,
        word_frequencies: dict[str, int] | None = None,
    ):
        from ._tantivy import TantivyBackend

        self.backend = TantivyBackend(directory)
        self.word_frequencies = word_frequencies
        now = datetime.now(UTC)
        with self.backend.rebuilding(IndexState(fingerprint="", watermark=None)) as writer:
            batch = []
            for number, text in enumerate(documents):
                indexed = index_text(title="", body=text, language="ar")
                batch.append(
                    IndexDocument(
                        number + 1, now, 1, "ar", None, indexed.words_text, indexed.grams_text
                    )
                )
                if len(batch) == 1000:
                    writer.upsert(batch)
                    batch = []
            writer.upsert(batch)

    def plan(self, text: str) -> Plan | None:
        """`text`'s plan as the facade makes it (match="any"), or None when it has none."""
        if self.word_frequencies is None:
            self.word_frequencies = news_frequencies()
        parsed = parse_query(plain_query(text))
        plan = plan_query(parsed, match="any", word_frequencies=self.word_frequencies)
        return None if parsed.error or plan.matches_everything else plan

    def search(self, text: str, *, limit: int, rerank: bool = True) -> list[int]:
        """Document numbers `text` finds, best first, as the facade ranks them (match="any")."""
        from .running import search_ranked, search_words_first

        plan = self.plan(text)
        if plan is None:
            return []
        request = SearchRequest(plan=plan, limit=limit)
        if rerank:
            pairs, _total = search_ranked(self.backend, request)
        else:
            pairs, _total = search_words_first(self.backend, request)
        return [article_id - 1 for article_id, _score in pairs]

    def candidates(
        self, text: str
    ) -> tuple[list[str], list[int], list[StoredTerms], CollectionFrequencies]:
        """The query's terms, the first RERANK_DEPTH candidates with their stored terms, and
        the index's frequencies of the terms."""
        plan = self.plan(text)
        if plan is None:
            return [], [], [], CollectionFrequencies(0, {})
        numbers = self.search(text, limit=RERANK_DEPTH, rerank=False)
        stored = self.backend.stored_terms([number + 1 for number in numbers])
        empty = StoredTerms("", 0)
        terms = query_terms(plan)
        collection = self.backend.collection_frequencies(list(dict.fromkeys(terms)))
        return terms, numbers, [stored.get(n + 1, empty) for n in numbers], collection


# --- Training --------------------------------------------------------------------------------


def term_statistics(documents: list[str]) -> TermStatistics:
    """Document frequencies of the word terms and grams of `documents`."""
    words: Counter = Counter()
    grams: Counter = Counter()
    total_terms = total_grams = 0
    for text in documents:
        indexed = index_text(title="", body=text, language="ar")
        terms = indexed.words
        total_terms += len(terms)
        total_grams += len(indexed.grams)
        words.update(set(terms))
        grams.update({gram for term in set(terms) for gram in stem_grams(term)})
    n = max(len(documents), 1)
    return TermStatistics(
        documents=len(documents),
        average_terms=total_terms / n,
        average_grams=total_grams / n,
        words={t: c for t, c in words.items() if c >= MIN_COUNT},
        grams={g: c for g, c in grams.items() if c >= MIN_COUNT},
    )


def stem_vectors(documents: list[str], statistics: TermStatistics) -> StemVectors:
    """Vectors of the `VECTOR_TERMS` word terms most of `documents` use: positive pointwise
    mutual information of two terms within `VECTOR_WINDOW` words of each other (the context
    distribution smoothed by the power 0.75, Levy et al. 2015), reduced to
    `VECTOR_DIMENSIONS` by truncated SVD (U·√S), each row of unit length and rounded to
    float16 as shipped. No labels: only which terms the articles use together."""
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD

    frequent = sorted(statistics.words.items(), key=lambda item: (-item[1], item[0]))
    terms = [term for term, _count in frequent[:VECTOR_TERMS]]
    index = {term: row for row, term in enumerate(terms)}
    size = len(terms)
    sequences = [
        np.array([index.get(t, -1) for t in index_text(title="", body=text, language="ar").words])
        for text in documents
    ]
    counts = sparse.csr_matrix((size, size))
    for distance in range(1, VECTOR_WINDOW + 1):
        pairs = [(s[:-distance], s[distance:]) for s in sequences if len(s) > distance]
        left = np.concatenate([a for a, _b in pairs])
        right = np.concatenate([b for _a, b in pairs])
        keep = (left >= 0) & (right >= 0) & (left != right)
        ones = np.ones(int(keep.sum()))
        near = sparse.coo_matrix((ones, (left[keep], right[keep])), shape=(size, size)).tocsr()
        counts = counts + near + near.T
    total = counts.sum()
    row_sums = np.asarray(counts.sum(axis=1)).ravel()
    context = row_sums**0.75 / (row_sums**0.75).sum()
    cells = counts.tocoo()
    pmi = (
        np.log(cells.data / total)
        - np.log(row_sums[cells.row] / total)
        - np.log(context[cells.col])
    )
    positive = pmi > 0
    ppmi = sparse.csr_matrix(
        (pmi[positive], (cells.row[positive], cells.col[positive])), shape=(size, size)
    )
    # The exact SVD (ARPACK): a randomized one moved the held-out dev figures by 0.002.
    svd = TruncatedSVD(VECTOR_DIMENSIONS, algorithm="arpack", random_state=0)
    matrix = svd.fit_transform(ppmi) / np.sqrt(svd.singular_values_)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
    return StemVectors(index, matrix.astype(np.float16).astype(np.float32))


@dataclass
class Examples:
    """Feature rows of each query's candidates; `relevant` marks the article it should find."""

    features: list[np.ndarray]
    relevant: list[np.ndarray]

    @property
    def queries(self) -> int:
        return len(self.features)


def examples(
    index: CorpusIndex,
    queries: list[tuple[str, int]],
    statistics: TermStatistics,
    vectors: StemVectors,
) -> Examples:
    out = Examples([], [])
    for text, relevant in queries:
        terms, numbers, documents, collection = index.candidates(text)
        if relevant not in numbers or len(numbers) < 2:
            continue  # nothing to learn from
        features = candidate_features(terms, documents, statistics, collection, vectors)
        out.features.append(features)
        out.relevant.append(np.array([number == relevant for number in numbers]))
    return out


def pairwise(found: Examples) -> tuple[np.ndarray, np.ndarray]:
    """Differences (found − other) and (other − found) with labels 1 and 0."""
    rows = []
    for features, relevant in zip(found.features, found.relevant, strict=True):
        positive = features[relevant.argmax()]
        negatives = features[~relevant][:NEGATIVES]
        rows.append(positive - negatives)
    differences = np.vstack(rows)
    return (
        np.vstack([differences, -differences]),
        np.r_[np.ones(len(differences)), np.zeros(len(differences))],
    )


def fit_weights(sets: dict[str, Examples], shares: dict[str, float]) -> np.ndarray:
    """A linear ranking function: logistic regression on the pairwise differences, each set
    weighted by its share."""
    from sklearn.linear_model import LogisticRegression

    xs, ys, weights = [], [], []
    for name, found in sets.items():
        if not found.queries:
            continue
        x, y = pairwise(found)
        xs.append(x)
        ys.append(y)
        weights.append(np.full(len(y), shares[name] / len(y)))
    x, y, weight = np.vstack(xs), np.concatenate(ys), np.concatenate(weights)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000, fit_intercept=False)
    model.fit(x / scale, y, sample_weight=weight * len(y))
    return model.coef_[0] / scale


def next_version(out_dir: Path) -> int:
    from .rerank import MODEL_NAME

    versions = [int(MODEL_NAME.search(p.name).group(1)) for p in model_paths([out_dir])]
    return max(versions, default=0) + 1


def train_rerank(
    *, data_dir: Path, out_dir: Path, version: int | None = None, progress=print
) -> Path:
    """Train a reranker from the corpora under `data_dir`; save it in `out_dir`."""
    started = time.perf_counter()
    v21 = ant_v21_corpus(data_dir)
    ant = ant_v11_task(data_dir)
    arcd = arcd_task(data_dir)
    progress(f"counting document frequencies of {len(v21.documents):,} ANT v2.1 articles")
    statistics = term_statistics(v21.documents)
    progress(f"stem vectors of the {VECTOR_TERMS:,} most used terms")
    vectors = stem_vectors(v21.documents, statistics)
    training = {
        "ant_v21": (v21, v21.queries["train"][:V21_QUERIES]),
        "ant_v11_dev": (ant, ant.queries["dev"][BENCH_ANT_QUERIES:]),
        "arcd_dev": (arcd, arcd.queries["dev"]),
    }
    sets = {}
    with tempfile.TemporaryDirectory(prefix="khabar-rerank-") as tmp:
        for name, (corpus, queries) in training.items():
            progress(f"{name}: indexing {len(corpus.documents):,} documents")
            index = CorpusIndex(
                corpus.documents, Path(tmp) / name, word_frequencies=statistics.words
            )
            progress(f"{name}: candidates of {len(queries):,} queries")
            sets[name] = examples(index, queries, statistics, vectors)
    weights = fit_weights(sets, SHARES)
    card = {
        "trained": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.perf_counter() - started),
        "analysis": analysis_fingerprint(),
        "depth": RERANK_DEPTH,
        "training_queries": {name: found.queries for name, found in sets.items()},
        "shares": SHARES,
        "held_out": "the test splits of bench/search_quality.py; its dev figures of (b) and the "
        "dev queries of (a) beyond the first 2,000 are training figures",
        "frequencies": "ANT v2.1 articles (bodies), stems and grams used by >= "
        f"{MIN_COUNT} of them",
        "vectors": f"ANT v2.1 articles (bodies): PPMI of the {VECTOR_TERMS:,} most used stems "
        f"within {VECTOR_WINDOW} words, SVD to {VECTOR_DIMENSIONS} dimensions",
        "citation": "ANT: A. Chouigui, O. Ben Khiroun, B. Elayeb, AICCSA 2017 and AJSE 46(8) "
        "2021; ARCD: H. Mozannar et al., WANLP 2019 (MIT; paragraphs from Arabic Wikipedia, "
        "CC BY-SA)",
    }
    model = RerankModel(version or next_version(out_dir), weights, statistics, card, vectors)
    path = save_model(model, out_dir)
    progress(f"weights: {dict(zip(FEATURES, np.round(weights, 4), strict=True))}")
    return path
