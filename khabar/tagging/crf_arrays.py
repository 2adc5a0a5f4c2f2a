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

    def __init__(self, tagger: pycrfsuite.Tagger, *others: pycrfsuite.Tagger) -> None:
        """The weights of `tagger`; with `others` (CRFs with the same labels), the mean of
        every model's weights: an ensemble that costs one model's time to tag."""
        taggers = (tagger, *others)
        infos = [t.info() for t in taggers]
        self.labels: tuple[str, ...] = tuple(tagger.labels())
        index = {label: i for i, label in enumerate(self.labels)}
        size = len(self.labels)
        self.transitions = np.zeros((size, size))
        self.rows: dict[str, int] = {}
        for info in infos:
            for (before, after), weight in info.transitions.items():
                self.transitions[index[before], index[after]] += weight / len(taggers)
            for feature, _ in info.state_features:
                self.rows.setdefault(feature, len(self.rows))
        # One row of weights per feature, and a last row of zeros for unknown features.
        self.matrix = np.zeros((len(self.rows) + 1, size))
        for info in infos:
            for (feature, label), weight in info.state_features.items():
                self.matrix[self.rows[feature], index[label]] += weight / len(taggers)
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
        sentences = list(sentences)
        if not sentences:
            return []
        lengths, emissions = _padded(sentences, len(self.labels))
        longest = emissions.shape[1]
        best = emissions[:, 0, :].copy()
        back = np.zeros(emissions.shape, dtype=np.intp)
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

    def forward_backward(self, sentences: Sequence[np.ndarray]) -> list["Lattice"]:
        """Each sentence's forward-backward pass (`Lattice`), given its (tokens × labels)
        emission scores: the probabilities of its labels and spans."""
        sentences = list(sentences)
        if not sentences:
            return []
        lengths, emissions = _padded(sentences, len(self.labels))
        longest = emissions.shape[1]
        # Scaled forward-backward (Rabiner): probabilities normalized at each step, in a few
        # array operations a step for all sentences at once. The
        # forward pass runs over the sentences aligned at their first token, the backward pass
        # over the same aligned at their last, so that neither needs a mask for the padding.
        top = emissions.max(axis=2, keepdims=True)
        weights = np.exp(emissions - top)
        steps = np.exp(self.transitions)
        back_steps = steps.T.copy()
        forward = np.empty_like(emissions)
        totals = np.ones((len(sentences), longest))
        current = weights[:, 0]
        for t in range(longest):
            if t:
                current = (forward[:, t - 1] @ steps) * weights[:, t]
            total = current.sum(axis=1)
            totals[:, t] = total
            forward[:, t] = current / total[:, None]
        rows = np.arange(len(sentences))[:, None]
        shift = (longest - lengths)[:, None]
        # Position p of the end-aligned layout is token p - shift of the sentence.
        tokens = np.clip(np.arange(longest)[None, :] - shift, 0, longest - 1)
        end_weights = weights[rows, tokens]
        end_totals = totals[rows, tokens]
        ended = np.ones_like(emissions)
        for t in range(longest - 2, -1, -1):
            ended[:, t] = ((end_weights[:, t + 1] * ended[:, t + 1]) @ back_steps) / end_totals[
                :, t + 1, None
            ]
        backward = ended[rows, np.clip(np.arange(longest)[None, :] + shift, 0, longest - 1)]
        active = np.arange(longest)[None, :] < lengths[:, None]
        log_z = np.where(active, np.log(totals) + top[:, :, 0], 0.0).sum(axis=1)
        return [
            Lattice(
                steps,
                weights[i, :length],
                forward[i, :length],
                backward[i, :length],
                totals[i, :length],
                float(log_z[i]),
            )
            for i, length in enumerate(lengths)
        ]


class Lattice:
    """One sentence's forward-backward pass, scaled: the probabilities of its labels and spans.

    `forward[t]` and `backward[t]` are the forward and backward scores of token t divided by
    the partition function's share up to t and after t (`totals`), so that their product is
    the probability of each label; `weights` are exp(emission scores), shifted per token.
    """

    def __init__(self, steps, weights, forward, backward, totals, log_z: float) -> None:
        self.steps = steps  # exp(transition scores)
        self.weights = weights
        self.forward = forward
        self.backward = backward
        self.totals = totals
        self.log_z = log_z  # log of the partition function

    def marginals(self) -> np.ndarray:
        """(tokens × labels) probability of each label at each token."""
        return self.forward * self.backward

    def span_probability(self, first: int, last: int, begin: int, inside: int | None) -> float:
        """The probability that tokens first..last-1 are exactly one name: label `begin` at
        `first`, `inside` after it, and no `inside` at `last` (None: a model without that
        label, so the name is one token)."""
        probability = float(self.forward[first, begin])
        previous = begin
        for t in range(first + 1, last):
            probability *= self.steps[previous, inside] * self.weights[t, inside] / self.totals[t]
            previous = inside
        if last == len(self.weights):
            return probability * float(self.backward[last - 1, previous])
        after = self.steps[previous] * self.weights[last] * self.backward[last]
        rest = after.sum() - (after[inside] if inside is not None else 0.0)
        return probability * float(rest) / float(self.totals[last])

    def likely_spans(
        self, begin: int, inside: int | None, floor: float, *, longest: int = 8
    ) -> list[tuple[int, int, float]]:
        """(first, last + 1, probability) of every span of up to `longest` tokens whose
        probability of being exactly one name (as `span_probability`) is at least `floor`.

        A span can only be as likely as its first label, and as its labels up to any token
        inside it, so most starts and lengths are ruled out without being computed."""
        n = len(self.weights)
        spans = []
        starts = self.forward[:, begin] * self.backward[:, begin] >= floor
        for first in np.flatnonzero(starts).tolist():
            running = float(self.forward[first, begin])  # labels first..last-1, scaled
            previous = begin
            for last in range(first + 1, min(n, first + longest) + 1):
                if last == n:
                    probability = running * float(self.backward[last - 1, previous])
                else:
                    after = self.steps[previous] * self.weights[last] * self.backward[last]
                    rest = float(after.sum()) - (
                        float(after[inside]) if inside is not None else 0.0
                    )
                    probability = running * rest / float(self.totals[last])
                if probability >= floor:
                    spans.append((first, last, probability))
                if last == n or inside is None:
                    break
                running *= float(
                    self.steps[previous, inside] * self.weights[last, inside] / self.totals[last]
                )
                previous = inside
                if running * float(self.backward[last, inside]) < floor:
                    break
        return spans


def _padded(sentences: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The sentences' lengths, and their (tokens × labels) scores in one zero-padded array."""
    lengths = np.array([len(s) for s in sentences])
    emissions = np.zeros((len(sentences), int(lengths.max()), size))
    for i, scores in enumerate(sentences):
        emissions[i, : len(scores)] = scores
    return lengths, emissions
