"""Word clusters learned from unlabelled news: words used in the same contexts share a cluster.

NewsFANE Gold is small (about 150,000 words); most names in tomorrow's news are not in it.
Words that appear in the same contexts in a large unlabelled corpus (names after الرئيس, places
after في مدينة) fall into the same cluster, and the tagger learns from the cluster what it
cannot learn from the word. The corpus is the ANT news articles in ../shared/data (v2.1, five
outlets, and v1.1), never NewsFANE itself, so no test sentence is seen here either.

Method: counts of the words at each of the two positions left and right of every frequent word
(one block of context columns per position), weighted by positive pointwise mutual information,
reduced by truncated SVD, rows normalized, then k-means at two granularities. A word's
clusters are two features of the tagger (`entities.WordFeatures`).

Each word also gets a few statistics of its use in the same articles (`STATISTICS`), bucketed:
how frequent it is, how often it is used with and without the article ال or with a pronoun
suffix (names rarely change so),
and how often it follows a title, a first name, or a word heading a place's or an
organisation's name (الرئيس ماكرون, مدينة حلب). They are written after the clusters on the
word's line, so one file holds what the tagger knows of a word from unlabelled news.
"""

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from khabar.arabic.tokenize import tokenize

ANT_FILES = (
    Path("ant-corpus-multisource-v2.1/ant_v2.1_multisource.jsonl.gz"),
    Path("ant-corpus-v1.1/ant_v1.1_jawharafm.jsonl.gz"),
)
MIN_COUNT = 5
MAX_WORDS = 60_000
CONTEXT_WORDS = 5_000
WINDOW = (-2, -1, 1, 2)
DIMENSIONS = 100
SIZES = (200, 1000)
SEED = 13
# A word's statistics, after its clusters: frequency (log2 of the count); how often its other
# form is used (the word with ال if it has none, without it if it has); how often it takes a
# pronoun suffix; how often it follows a title, a word heading a place's name, an
# organisation's name, a first name (the lists of khabar/tagging/data/ar).
STATISTICS = ("fq", "ar", "sf", "tp", "tl", "to", "fn")
_AFTER_LISTS = ("per-titles", "loc-heads", "org-heads", "first-names")
_SUFFIXES = ("ه", "ها", "هم", "هما", "ي", "نا", "كم", "هن")
_SHARES = (0.02, 0.1, 0.3, 0.6)  # bucket edges of a share; 0 is its own bucket


def has_ant(data_dir: Path) -> bool:
    """Whether the ANT corpora are under `data_dir`."""
    return all((data_dir / name).is_file() for name in ANT_FILES)


def ant_texts(data_dir: Path, *, limit: int | None = None) -> Iterator[str]:
    """Titles and texts of the ANT articles under `data_dir`, each distinct text once."""
    seen: set[int] = set()
    count = 0
    for name in ANT_FILES:
        with gzip.open(data_dir / name, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                text = f"{record.get('title') or ''}\n{record.get('text') or ''}"
                if hash(text) in seen:
                    continue
                seen.add(hash(text))
                yield text
                count += 1
                if limit and count >= limit:
                    return


def learn_clusters(
    texts: Iterable[str], *, sizes: tuple[int, ...] = SIZES
) -> dict[str, tuple[int, ...]]:
    """word (normalized) → its cluster at each of `sizes`, then its `STATISTICS`, for the
    frequent words of `texts`.

    Empty when `texts` have too few frequent words to cluster (fewer than 10 a cluster).
    """
    # Imported here: numpy, scipy and scikit-learn take seconds to import, and only training
    # needs them, not a process that tags.
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from threadpoolctl import threadpool_limits

    ids: dict[str, int] = {}
    documents = [
        np.array([ids.setdefault(t.norm, len(ids)) for t in tokenize(text)], dtype=np.int32)
        for text in texts
    ]
    counts = np.bincount(np.concatenate(documents), minlength=len(ids))
    ranked = np.argsort(-counts, kind="stable")[:MAX_WORDS]
    ranked = ranked[counts[ranked] >= MIN_COUNT]
    if len(ranked) < 10 * max(sizes):
        return {}
    rank = np.full(len(ids), -1, dtype=np.int32)
    rank[ranked] = np.arange(len(ranked))
    matrix = _context_counts([rank[d] for d in documents], len(ranked))
    dimensions = min(DIMENSIONS, len(ranked) // 2)
    vectors = TruncatedSVD(dimensions, random_state=SEED).fit_transform(_ppmi(matrix))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    # One thread: on a busy machine OpenMP and BLAS threads fighting made k-means 15× slower.
    with threadpool_limits(1):
        labels = [
            KMeans(size, n_init=1, max_iter=20, random_state=SEED).fit_predict(vectors)
            for size in sizes
        ]
    words = {i: word for word, i in ids.items()}
    statistics = _statistics(documents, ids, words, counts, ranked)
    return {
        words[int(word)]: (*(int(label[i]) for label in labels), *statistics[i])
        for i, word in enumerate(ranked)
    }


def _statistics(
    documents: list, ids: dict[str, int], words: dict[int, str], counts, ranked
) -> list[tuple[int, ...]]:
    """`STATISTICS` of each word of `ranked`, as small integers (buckets)."""
    import numpy as np

    from .gazetteer import word_list

    ids_all = np.concatenate([[-1], *(np.append(d, -1) for d in documents)])
    before, word = ids_all[:-1], ids_all[1:]
    after = []
    for name in _AFTER_LISTS:
        listed = np.zeros(len(ids) + 1, dtype=bool)  # the last slot: -1, no word
        listed[[ids[w] for w in word_list(name) if w in ids]] = True
        hits = (word >= 0) & listed[before]
        after.append(np.bincount(word[hits], minlength=len(ids)))
    rows = []
    for i in ranked:
        text = words[int(i)]
        count = int(counts[i])
        bare = text[2:] if text.startswith("ال") else text
        other = ids.get(bare if text.startswith("ال") else "ال" + text)
        article = counts[other] if other is not None else 0
        suffixed = sum(counts[ids[bare + s]] for s in _SUFFIXES if bare + s in ids)
        rows.append(
            (
                min(count.bit_length() - 1, 14),
                _share(article / (count + article)),
                _share(suffixed / (count + suffixed)),
                *(_share(hits[i] / count) for hits in after),
            )
        )
    return rows


def _share(share: float) -> int:
    """0 for none, then 1-5 by `_SHARES`."""
    return 0 if share == 0 else 1 + sum(share >= edge for edge in _SHARES)


def _context_counts(documents: list, size: int):
    """Rows: words (-1: not counted); columns: (position, one of the `CONTEXT_WORDS` first).

    Counted by chunks of documents, each chunk summed into the matrix, so memory stays small.
    """
    import numpy as np
    from scipy import sparse

    shape = (size, CONTEXT_WORDS * len(WINDOW))
    matrix = sparse.csr_matrix(shape, dtype=np.float32)
    for chunk in range(0, len(documents), 2000):
        ids = np.concatenate(
            [[-1, -1], *(np.append(d, [-1, -1]) for d in documents[chunk : chunk + 2000])]
        )
        rows, cols = [], []
        for block, offset in enumerate(WINDOW):
            target = ids[max(0, -offset) : len(ids) - max(0, offset)]
            context = ids[max(0, offset) : len(ids) - max(0, -offset)]
            keep = (target >= 0) & (context >= 0) & (context < CONTEXT_WORDS)
            rows.append(target[keep])
            cols.append(context[keep] + block * CONTEXT_WORDS)
        row, col = np.concatenate(rows), np.concatenate(cols)
        data = np.ones(len(row), dtype=np.float32)
        matrix = matrix + sparse.coo_matrix((data, (row, col)), shape=shape).tocsr()
    return matrix


def _ppmi(matrix):
    import numpy as np
    from scipy import sparse

    total = matrix.sum()
    row = np.asarray(matrix.sum(axis=1)).ravel()
    col = np.asarray(matrix.sum(axis=0)).ravel() ** 0.75  # context smoothing (Levy et al.)
    col = col / col.sum() * total
    coo = matrix.tocoo()
    pmi = np.log(coo.data * total / (row[coo.row] * col[coo.col] + 1e-9))
    keep = pmi > 0
    return sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)


def write_clusters(clusters: dict[str, tuple[int, ...]], path: Path) -> None:
    lines = (f"{word}\t{' '.join(map(str, ids))}\n" for word, ids in clusters.items())
    path.write_text("".join(lines), encoding="utf-8")


def read_clusters(path: Path) -> dict[str, tuple[int, ...]]:
    """The clusters `write_clusters` wrote to `path`; none when there is no such file."""
    if not path.is_file():
        return {}
    return parse_clusters(path.read_text(encoding="utf-8"))


def parse_clusters(text: str) -> dict[str, tuple[int, ...]]:
    """The clusters of a file `write_clusters` wrote, given its text."""
    clusters: dict[str, tuple[int, ...]] = {}
    for line in text.splitlines():
        word, _, ids = line.partition("\t")
        clusters[word] = tuple(int(i) for i in ids.split())
    return clusters
