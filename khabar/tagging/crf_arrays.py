"""A trained crfsuite CRF as arrays: the same best labels as `pycrfsuite.Tagger.tag`, faster.

A linear-chain CRF scores a label sequence as the sum, over tokens, of the weights of each
token's features for its label, plus the weights of the transitions between labels. Most of a
token's features depend on one word only (the word itself, or the word as a neighbour sees it),
so their summed weights can be computed once per word and kept: tagging an article is then a
few array additions and a Viterbi pass, instead of building and sending ~35 feature strings a
token to crfsuite. `entities.py` decides which sums it keeps; tests check that the labels
equal crfsuite's.
"""

import itertools
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pycrfsuite

_OFFSET = re.compile(r"^-?[12](?=[^\d])")


class ArrayCRF:
    """The weights of a trained model: one vector (a weight per label) per feature."""

    def __init__(self, tagger: pycrfsuite.Tagger) -> None:
        info = tagger.info()
        self.labels: tuple[str, ...] = tuple(tagger.labels())
        index = {label: i for i, label in enumerate(self.labels)}
        size = len(self.labels)
        self.transitions = np.zeros((size, size))
        for (before, after), weight in info.transitions.items():
            self.transitions[index[before], index[after]] = weight
        self.rows: dict[str, int] = {}
        for feature, _ in info.state_features:
            self.rows.setdefault(feature, len(self.rows))
        # One row of weights per feature, and a last row of zeros for unknown features.
        self.matrix = np.zeros((len(self.rows) + 1, size))
        for (feature, label), weight in info.state_features.items():
            self.matrix[self.rows[feature], index[label]] = weight
        self.weights = {feature: self.matrix[row] for feature, row in self.rows.items()}
        # Features of a neighbour are its own features behind an offset ("-1b=…"): rows by
        # offset, then by the feature without it, so callers need not build those strings.
        self.offset_rows: dict[int, dict[str, int]] = {0: self.rows}
        for feature, row in self.rows.items():
            offset = _OFFSET.match(feature)
            if offset:
                rest = feature[offset.end() :]
                self.offset_rows.setdefault(int(offset.group()), {})[rest] = row

    def score(self, features: Iterable[str]) -> np.ndarray:
        """The summed weights of `features` (a feature listed twice counts twice, as in crfsuite)."""
        return self.scores([features])[0]

    def scores(
        self, groups: Iterable[Iterable[str]], *, offsets: Iterable[int] | None = None
    ) -> np.ndarray:
        """`score` of each group of features, as one (groups × labels) array; with `offsets`,
        group i's features are read as seen from offsets[i] ("b=x" at -1 is "-1b=x")."""
        unknown = len(self.rows)
        rows: list[int] = []
        starts: list[int] = []
        for group, offset in zip(groups, offsets or itertools.repeat(0), strict=False):
            table = self.offset_rows.get(offset, {})
            starts.append(len(rows))
            rows.append(unknown)  # so that no group is empty
            rows.extend([table.get(feature, unknown) for feature in group])
        return np.add.reduceat(self.matrix[rows], starts, axis=0)

    def viterbi(self, sentences: Sequence[np.ndarray]) -> list[list[str]]:
        """The best labels of each sentence, given its (tokens × labels) emission scores.

        The sentences are decoded together, one step per position of the longest.
        """
        sentences = [s for s in sentences]
        if not sentences:
            return []
        lengths = np.array([len(s) for s in sentences])
        longest = int(lengths.max())
        size = len(self.labels)
        emissions = np.zeros((len(sentences), longest, size))
        for i, scores in enumerate(sentences):
            emissions[i, : len(scores)] = scores
        best = emissions[:, 0, :].copy()
        back = np.zeros((len(sentences), longest, size), dtype=np.intp)
        for t in range(1, longest):
            candidates = best[:, :, None] + self.transitions[None, :, :]  # (sentence, from, to)
            back[:, t] = candidates.argmax(axis=1)
            stepped = candidates.max(axis=1) + emissions[:, t]
            active = (t < lengths)[:, None]
            best = np.where(active, stepped, best)
        labels = []
        for i, length in enumerate(lengths):
            path = [int(best[i].argmax())]
            for t in range(length - 1, 0, -1):
                path.append(int(back[i, t, path[-1]]))
            labels.append([self.labels[j] for j in reversed(path)])
        return labels
