"""A second look at the names the CRF proposes: a small classifier scores each candidate span.

The CRF's best path can hold names that the CRF itself finds unlikely, and leave out names its
forward-backward pass gives fair odds. Instead of a threshold on the span probability, every
candidate (each name of the best path, and each span and type whose probability of being
exactly one name passes `FLOOR`) gets features: its probabilities and its rivals', its words'
length, the word lists, the gazetteer and the ANT statistics of its words, its other mentions
in the text, the word before it, and how much its letters look like a name's (`NameLikeness`).
A gradient-boosted classifier, trained on the CRF's out-of-fold candidates, gives each the
probability of being a right name (exact bounds and type); names are then taken greedily,
likeliest first, without overlaps, while that probability passes a threshold.
"""

import io
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from khabar.arabic.stopwords import is_stopword

from .word_clusters import SIZES, STATISTICS

FLOOR = 0.1  # candidates off the best path: spans at least this likely (0.2 scored lower)
THRESHOLD = 0.4  # a candidate stays when its score is at least this (0.35-0.45 scored alike)
# The classifier (sklearn's HistGradientBoostingClassifier), chosen on the 5 folds.
BOOSTING = {
    "learning_rate": 0.1,
    "max_iter": 100,
    "min_samples_leaf": 20,
    "early_stopping": False,
    "random_state": 0,
}
TYPES = ("PER", "ORG", "LOC")
NGRAMS = (2, 3, 4)


class NameLikeness:
    """How much a word's letters look like a name's: naive Bayes over the character 2-4-grams
    of the words of training names against all other words (each distinct word once), for
    the names the CRF never saw (foreign names transliterated: كالديرون, اينشتاين)."""

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.weights = dict(weights)
        self._cache: dict[str, float] = {}

    @classmethod
    def train(cls, words: Iterable[tuple[str, bool]], *, min_count: int = 2) -> "NameLikeness":
        """From (word, is part of a name) pairs; a word seen both ways counts in both."""
        names, others = set(), set()
        for word, is_name in words:
            (names if is_name else others).add(word)
        in_names = Counter(g for w in names for g in set(_ngrams(w)))
        in_others = Counter(g for w in others for g in set(_ngrams(w)))
        n, o = len(names) + 2, len(others) + 2
        weights = {}
        for gram in in_names.keys() | in_others.keys():
            a, b = in_names[gram], in_others[gram]
            if a + b >= min_count:
                weights[gram] = round(math.log((a + 1) / n) - math.log((b + 1) / o), 3)
        return cls(weights)

    def __call__(self, word: str) -> float:
        score = self._cache.get(word)
        if score is None:
            grams = _ngrams(word)
            score = sum(self.weights.get(g, 0.0) for g in grams) / max(len(grams), 1)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[word] = score
        return score


class BoostedTrees:
    """A trained `HistGradientBoostingClassifier`'s trees as plain arrays: the same
    probabilities without scikit-learn at run time, saved without pickle."""

    def __init__(self, baseline: float, roots, feature, threshold, left, right, value, leaf):
        self.baseline = float(np.ravel(baseline)[0])
        self.roots = np.asarray(roots, dtype=np.int64)
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold = np.asarray(threshold, dtype=float)
        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.value = np.asarray(value, dtype=float)
        self.leaf = np.asarray(leaf, dtype=bool)

    @classmethod
    def fit(cls, features: np.ndarray, right: np.ndarray) -> "BoostedTrees":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return cls.from_sklearn(HistGradientBoostingClassifier(**BOOSTING).fit(features, right))

    @classmethod
    def from_sklearn(cls, classifier) -> "BoostedTrees":
        parts: dict[str, list] = {k: [] for k in ("feature", "threshold", "left", "right")}
        parts |= {"value": [], "leaf": [], "roots": []}
        offset = 0
        for (tree,) in classifier._predictors:  # binary: one tree an iteration
            nodes = tree.nodes
            parts["roots"].append(offset)
            parts["feature"].append(nodes["feature_idx"])
            parts["threshold"].append(nodes["num_threshold"])
            parts["left"].append(nodes["left"].astype(np.int64) + offset)
            parts["right"].append(nodes["right"].astype(np.int64) + offset)
            parts["value"].append(nodes["value"])
            parts["leaf"].append(nodes["is_leaf"].astype(bool))
            offset += len(nodes)
        baseline = float(np.ravel(classifier._baseline_prediction)[0])
        return cls(baseline, parts.pop("roots"), *(np.concatenate(parts[k]) for k in parts))

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """(samples × 2): the probability of each class, as scikit-learn gives it."""
        features = np.asarray(features, dtype=float)
        nodes = np.broadcast_to(self.roots, (len(features), len(self.roots))).copy()
        rows = np.arange(len(features))[:, None]
        while True:
            inner = ~self.leaf[nodes]
            if not inner.any():
                break
            go_left = features[rows, self.feature[nodes]] <= self.threshold[nodes]
            nodes = np.where(inner, np.where(go_left, self.left[nodes], self.right[nodes]), nodes)
        raw = self.baseline + self.value[nodes].sum(axis=1)
        positive = 1.0 / (1.0 + np.exp(-raw))
        return np.stack([1.0 - positive, positive], axis=1)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "baseline": np.array([self.baseline]),
            "roots": self.roots,
            "feature": self.feature,
            "threshold": self.threshold,
            "left": self.left,
            "right": self.right,
            "value": self.value,
            "leaf": self.leaf,
        }


@dataclass
class SpanRescorer:
    """The classifier that keeps or leaves out each candidate name, with what its features
    need (the name-likeness of words) and its settings."""

    classifier: object | None  # predict_proba(features)[:, 1]: the probability of a right name
    threshold: float = THRESHOLD
    name_likeness: NameLikeness | None = None
    floor: float = FLOOR

    def scores(self, features: np.ndarray) -> np.ndarray:
        if not len(features):
            return np.zeros(0)
        return self.classifier.predict_proba(features)[:, 1]

    def to_bytes(self) -> bytes:
        """The rescorer as a compressed .npz (no pickle): its trees, settings and n-grams."""
        grams = self.name_likeness.weights if self.name_likeness else {}
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            **self.classifier.arrays(),
            settings=np.array([self.threshold, self.floor]),
            features=np.array(FEATURES),
            grams=np.array(sorted(grams)),
            gram_weights=np.array([grams[g] for g in sorted(grams)]),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "SpanRescorer | None":
        """The rescorer saved by `to_bytes`, or None when it was made for other features."""
        with np.load(io.BytesIO(data), allow_pickle=False) as saved:
            if tuple(saved["features"].tolist()) != FEATURES:
                return None
            trees = BoostedTrees(
                *(saved[k] for k in ("baseline", "roots", "feature", "threshold")),
                *(saved[k] for k in ("left", "right", "value", "leaf")),
            )
            threshold, floor = saved["settings"].tolist()
            likeness = NameLikeness(
                dict(zip(saved["grams"].tolist(), saved["gram_weights"].tolist(), strict=True))
            )
        return cls(trees, threshold=threshold, name_likeness=likeness, floor=floor)


def _ngrams(word: str) -> list[str]:
    padded = f"^{word}$"
    return [padded[i : i + n] for n in NGRAMS for i in range(len(padded) - n + 1)]


FEATURES = (
    "p",
    "viterbi",
    "viterbi_bounds_other_type",
    "viterbi_overlap",
    "p_same_bounds_other_types",
    "p_overlap_max",
    "p_begin",
    "p_name_mean",
    "p_continues",
    "p_name_before",
    "type_per",
    "type_org",
    "type_loc",
    "words",
    "first_length",
    "min_length",
    "sentence_start",
    "gazetteer_type",
    "gazetteer_other_type",
    "curated_type",
    "gazetteer_longest",
    "curated_longest",
    "clitic",
    "title_before",
    "first_name_before",
    "stopword_before",
    "punctuation_before",
    "punctuation_after",
    "first_is_first_name",
    "first_is_head",
    "nisba_after",
    "last_is_nisba",
    "latin",
    "mentions",
    "mentions_tagged_type",
    "mentions_tagged",
    "candidates_p_sum",
    "name_likeness_mean",
    "name_likeness_min",
    "name_likeness_first",
    "known_words",
    *(f"first_{s}" for s in STATISTICS),
    *(f"last_{s}" for s in STATISTICS),
)


def candidate_spans(
    crf, emissions: Sequence[np.ndarray], labels: Sequence[str], *, floor: float = FLOOR
) -> tuple[list[tuple[int, int, str]], np.ndarray, list]:
    """The candidate names of a text: (first, last + 1, type) in its token numbering, the
    (candidates × 10) probability features (the first ten of `FEATURES`), and the
    forward-backward pass of each sentence."""
    index = {label: i for i, label in enumerate(crf.labels)}
    outside = index["O"]
    begins = [index[label] for label in crf.labels if label.startswith("B-")]
    lattices = crf.forward_backward(emissions)
    spans: list[tuple[int, int, str]] = []
    rows: list[list[float]] = []
    offset = 0
    for lattice in lattices:
        n = len(lattice.weights)
        # The names of the best path in this sentence, in its own numbering.
        viterbi = set(label_spans(labels[offset : offset + n]))
        found: dict[tuple[int, int, str], float] = {}
        for type in TYPES:
            begin, inside = index.get(f"B-{type}"), index.get(f"I-{type}")
            if begin is None:
                continue
            for first, last, p in lattice.likely_spans(begin, inside, floor):
                found[first, last, type] = p
        for a, b, type in viterbi - found.keys():
            found[a, b, type] = lattice.span_probability(
                a, b, index[f"B-{type}"], index.get(f"I-{type}")
            )
        if found:
            marginals = lattice.marginals()
            name = 1.0 - marginals[:, outside]
            begin_any = marginals[:, begins].sum(axis=1)
            by_bounds: dict[tuple[int, int], float] = Counter()
            for (a, b, _), p in found.items():
                by_bounds[a, b] += p
            for (a, b, type), p in found.items():
                here = (a + offset, b + offset, type)
                on_path = (a, b, type) in viterbi
                other_type = any((a, b, t) in viterbi for t in TYPES if t != type)
                overlap = (
                    not on_path and not other_type and any(s[0] < b and a < s[1] for s in viterbi)
                )
                rivals = [
                    q for (c, d, _), q in found.items() if c < b and a < d and (c, d) != (a, b)
                ]
                spans.append(here)
                rows.append(
                    [
                        p,
                        float(on_path),
                        float(other_type),
                        float(overlap),
                        by_bounds[a, b] - p,
                        max(rivals, default=0.0),
                        float(marginals[a, index[f"B-{type}"]]),
                        float(name[a:b].mean()),
                        float(name[b] - begin_any[b]) if b < n else 0.0,
                        float(name[a - 1]) if a > 0 else 0.0,
                    ]
                )
        offset += n
    return spans, np.array(rows).reshape(len(rows), 10), lattices


def span_features(
    spans: Sequence[tuple[int, int, str]],
    probabilities: np.ndarray,
    *,
    text: str,
    tokens,
    words,
    sentence_starts: set[int],
    labels: Sequence[str],
    gaz: Sequence[str],
    cur: Sequence[str],
    gazetteer,
    curated,
    clusters: Mapping[str, tuple[int, ...]],
    lists: Mapping[str, frozenset[str]],
    name_likeness: NameLikeness | None,
) -> np.ndarray:
    """The (candidates × `FEATURES`) matrix of `candidate_spans`' candidates."""
    n = len(words)
    by_base: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        by_base.setdefault(word.base, []).append(i)
    tagged = Counter()
    for first, last, type in label_spans(labels):
        key = _key(words, first, last)
        tagged[key, type] += 1
        tagged[key] += 1
    soft = Counter()
    for (first, last, type), p in zip(spans, probabilities[:, 0], strict=True):
        soft[_key(words, first, last), type] += p
    titles, fname = lists["title"], lists["fname"]
    heads = lists["orgh"] | lists["loch"]
    likeness = name_likeness or (lambda word: 0.0)
    empty = (-1,) * len(STATISTICS)
    rows = []
    for first, last, type in spans:
        key = _key(words, first, last)
        span_words = words[first:last]
        bases = [span_words[0].base, *(w.norm for w in span_words[1:])]
        lengths = [len(b) for b in bases]
        gazetteer_type = gazetteer.type_of(key)
        curated_type = curated.type_of(key)
        before = words[first - 1] if first > 0 else None
        after = words[last] if last < n else None
        mentions = sum(
            1
            for i in by_base.get(key[0], ())
            if i + len(key) <= n and all(words[i + j].norm == key[j] for j in range(1, len(key)))
        )
        scores = [likeness(b) for b in bases]
        first_stats = clusters.get(bases[0], ())[len(SIZES) :] or empty
        last_stats = clusters.get(bases[-1], ())[len(SIZES) :] or empty
        rows.append(
            [
                float(type == "PER"),
                float(type == "ORG"),
                float(type == "LOC"),
                last - first,
                lengths[0],
                min(lengths),
                float(first in sentence_starts),
                float(gazetteer_type == type),
                float(gazetteer_type is not None and gazetteer_type != type),
                float(curated_type == type) - float(curated_type not in (None, type)),
                float(_is_match(gaz, first, last, type)),
                float(_is_match(cur, first, last, type)),
                span_words[0].clitic,
                float(before is not None and (before.base in titles or before.norm in titles)),
                float(before is not None and before.norm in fname),
                float(first > 0 and is_stopword(tokens[first - 1].text)),
                float(
                    first > 0 and bool(text[tokens[first - 1].end : tokens[first].start].strip())
                ),
                float(last < n and bool(text[tokens[last - 1].end : tokens[last].start].strip())),
                float(span_words[0].norm in fname),
                float(bases[0] in heads),
                float(after is not None and _is_nisba(after.base)),
                float(_is_nisba(bases[-1])),
                float(not ("\u0621" <= bases[0][:1] <= "\u064a")),
                mentions,
                tagged[key, type],
                tagged[key],
                soft[key, type],
                sum(scores) / len(scores),
                min(scores),
                scores[0],
                sum(1 for b in bases if b in clusters) / len(bases),
                *first_stats,
                *last_stats,
            ]
        )
    extra = np.array(rows, dtype=float).reshape(len(rows), len(FEATURES) - 10)
    return np.hstack([probabilities, extra])


def greedy_labels(
    n: int, spans: Sequence[tuple[int, int, str]], scores: np.ndarray, threshold: float
) -> list[str]:
    """BIO labels of the spans taken likeliest first, each not overlapping one taken before,
    while their score is at least `threshold`."""
    labels = ["O"] * n
    taken = np.zeros(n, dtype=bool)
    for k in np.argsort(-scores, kind="stable"):
        if scores[k] < threshold:
            break
        first, last, type = spans[k]
        if taken[first:last].any():
            continue
        taken[first:last] = True
        labels[first] = f"B-{type}"
        labels[first + 1 : last] = [f"I-{type}"] * (last - first - 1)
    return labels


def label_spans(labels: Sequence[str]) -> Iterable[tuple[int, int, str]]:
    """(first, last + 1, type) of each entity in BIO `labels`; a stray I- starts one."""
    first = None
    type = None
    for i, label in enumerate([*labels, "O"]):
        if label.startswith("I-") and label[2:] == type:
            continue
        if first is not None:
            yield first, i, type
            first = type = None
        if label != "O":
            first, type = i, label[2:]


def _key(words, first: int, last: int) -> tuple[str, ...]:
    return (words[first].base, *(w.norm for w in words[first + 1 : last]))


def _is_match(labels: Sequence[str], first: int, last: int, type: str) -> bool:
    return (
        labels[first] == f"B-{type}"
        and all(label == f"I-{type}" for label in labels[first + 1 : last])
        and (last == len(labels) or labels[last] != f"I-{type}")
    )


def _is_nisba(base: str) -> bool:
    return base.startswith("ال") and base.endswith(("ي", "يه", "يون", "يين", "يات"))
