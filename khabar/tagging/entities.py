"""Named entities: people (PER), organisations (ORG) and places (LOC) in an article's text.

`extract_entities(text)` returns each mention with its exact character span in `text` as given
(`text[start:end] == entity.text`, marks and all) and its canonical name (`canonical.py`).

Arabic text is tagged by a linear-chain CRF (python-crfsuite) trained on NewsFANE Gold
(`train_entities`), over the words of `khabar.arabic.tokenize`, with features from the toolkit
(normalized word, light stem), the clitic before a name, the word's shape and neighbours,
punctuation around it, curated word lists (titles, first names, words heading organisations and
places) and gazetteer matches (`gazetteer.py`). Without a trained model the curated gazetteer
alone tags the text (longest match). Latin-script text goes to `entities_en.py`.
The choices and their measurements are in docs/entities.md and bench/entities.py.
"""

import gzip
import json
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pycrfsuite

from khabar.arabic.normalize import normalize
from khabar.arabic.stem import stem_arabic
from khabar.arabic.stopwords import is_stopword
from khabar.arabic.tokenize import Token, tokenize

from .canonical import canonicalize as canonicalize_name
from .canonical import clean_name, entity_key, keyed_aliases, known_first_words, split_proclitic
from .crf_arrays import ArrayCRF
from .gazetteer import Gazetteer, curated_names, institution_names, word_list
from .newsfane import GoldSentence, block_folds, read_newsfane
from .span_rescorer import (
    BOOSTING,
    BoostedTrees,
    NameLikeness,
    SpanRescorer,
    candidate_spans,
    greedy_labels,
    span_features,
)
from .span_rescorer import FEATURES as RESCORER_FEATURES
from .word_clusters import (
    SIZES,
    STATISTICS,
    ant_texts,
    has_ant,
    learn_clusters,
    parse_clusters,
    write_clusters,
)

MODEL_VERSION = 5  # bump when features change: a model trained on other features is not loaded
MODEL_NAME = f"entities-v{MODEL_VERSION}"
TRAINING_PARAMS = {
    "c1": 0.1,  # L1: keeps the model small (about 30,000 active features)
    "c2": 0.05,
    "max_iterations": 150,  # 300 scored the same on the dev split
    "feature.possible_transitions": True,
}
JACKKNIFE_FOLDS = 5
RESCORER_FOLDS = 5  # the rescorer learns from the candidates of CRFs of 4/5 of the data
RESCORER_SEED = 14  # the block shuffle of bench/entities.py's folds (its seed 13 + 1)
TYPES = ("PER", "ORG", "LOC")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Entity:
    """A mention: `text` is exactly `source[start:end]`; `canonical` names the entity."""

    text: str
    type: str  # PER, ORG or LOC
    canonical: str
    start: int
    end: int


@dataclass
class EntityModel:
    """A trained tagger (or none: gazetteer only) and the gazetteer its features were built with."""

    gazetteer: Gazetteer
    tagger: pycrfsuite.Tagger | None = None
    # More CRFs over the same features: tagging uses the mean of all their weights.
    members: list[pycrfsuite.Tagger] = field(default_factory=list)
    clusters: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    card: dict = field(default_factory=dict)
    path: Path | None = None
    # The model's bytes when the tagger was opened in memory: crfsuite reads them in place.
    buffer: bytes | None = field(default=None, repr=False)
    # Decides which candidate names stay (span_rescorer.py); None: `confident_labels`.
    rescorer: SpanRescorer | None = None

    def __post_init__(self) -> None:
        self.words = WordFeatures(self.gazetteer, self.clusters)
        self._crf: ArrayCRF | None = None
        self._scored: dict[tuple[str, str], _ScoredWord] = {}
        self.word_scores = np.zeros((0, 1 + len(OFFSETS), 0))
        self._tables: dict[str, np.ndarray] = {}

    def crf(self) -> ArrayCRF:
        """The tagger's weights as arrays (read from crfsuite on first use, about 0.2 s)."""
        if self._crf is None:
            self._crf = ArrayCRF(self.tagger, *self.members)
            crf = self._crf
            self.word_scores = np.zeros((SCORED_CACHE_SIZE, 1 + len(OFFSETS), len(crf.labels)))
            self._tables = {
                name: np.stack(
                    [[crf.score([table[o][label]]) for label in GAZ_LABELS] for o in (0, *OFFSETS)]
                )
                for name, table in (("gaz", _GAZ), ("cur", _CUR))
            } | {
                "edges": np.stack([crf.score([edge]) for edge in _EDGES]),
            }
        return self._crf

    def scored_word(self, text: str, norm: str) -> "_ScoredWord":
        """What tagging needs of a word: its forms, and the row of `self.word_scores` holding
        the summed weights of its own features and of what each neighbour sees of it.

        Remembered, as words repeat: the feature strings are not kept, and the scores live in
        one array, so 200,000 words take about 60 MB and add nothing for the garbage collector
        to scan.
        """
        word = self._scored.get((text, norm))
        if word is None:
            if len(self._scored) >= SCORED_CACHE_SIZE:
                self._scored.clear()  # rare: a new day's news refills it
            row = len(self._scored)
            norm, clitic, base, features, near, far = self.words.parts(text, norm)
            groups = [features, *(near if abs(offset) == 1 else far for offset in OFFSETS)]
            self.word_scores[row] = self.crf().scores(groups, offsets=(0, *OFFSETS))
            word = self._scored[text, norm] = _ScoredWord(norm, clitic, base, row)
        return word

    def gap_scores(self, prefix: str, gaps: Sequence[str]) -> np.ndarray:
        crf = self.crf()
        table = self._tables.setdefault(prefix, {})
        for gap in gaps:
            if gap not in table:
                table[gap] = crf.score([f"{prefix}{gap}"])
        return np.stack([table[gap] for gap in gaps])


def extract_entities(
    text: str,
    *,
    model: EntityModel | None = None,
    language: str | None = None,
    aliases: Mapping[str, str] | None = None,
    tokens: Sequence[Token] | None = None,
) -> list[Entity]:
    """PER, ORG and LOC mentions in `text`, in order; `language` "ar" or "en" (None: by script).

    `aliases` (name → canonical, as staff edit them) take precedence over the built-in tables.
    `tokens`: `khabar.arabic.tokenize(text)` when the caller has it already (the enrich step
    tokenizes once for all its parts).
    """
    if not text or not text.strip():
        return []
    if (language or script_language(text)) == "en":
        from .entities_en import extract_english_entities

        return extract_english_entities(text, aliases=aliases)
    model = model or default_entity_model()
    tokens = tokenize(text) if tokens is None else tokens
    if not tokens:
        return []
    if model.tagger is None:
        words = [model.words(token.text, token.norm) for token in tokens]
        gaz = gazetteer_labels(words, model.gazetteer)
        return _entities(text, tokens, words, gaz, aliases=aliases)
    words = [model.scored_word(token.text, token.norm) for token in tokens]
    gaz = gazetteer_labels(words, model.gazetteer)
    curated = curated_gazetteer()
    matches = curated.longest_matches([w.norm for w in words], [w.base for w in words])
    cur = labels_of_matches(len(words), matches)
    emissions = array_emissions(model, text, tokens, words, gaz, cur)
    labels = [label for labels in model.crf().viterbi(emissions) for label in labels]
    if model.rescorer is not None and model.rescorer.classifier is not None:
        spans, features = candidate_features(
            model, model.rescorer, text, tokens, words, emissions, labels, gaz, cur
        )
        scores = model.rescorer.scores(features)
        rescored = greedy_labels(len(words), spans, scores, model.rescorer.threshold)
        if POSTPROCESS["place_first_words"]:
            rescored = keep_place_first_words(words, labels, rescored)
        labels = rescored
    elif POSTPROCESS["drop_spans"]:
        labels = confident_labels(model.crf(), emissions, labels)
    labels = prefer_curated(words, propagate_labels(words, labels), curated, matches=matches)
    labels = complete_person_names(text, tokens, words, labels)
    labels = led_coalitions(tokens, words, labels)
    if POSTPROCESS["place_first_words"]:
        labels = join_place_first_words(text, tokens, words, labels)
    if POSTPROCESS["strip_titles"]:
        labels = strip_titles(words, labels)
    if POSTPROCESS["type_vote"]:
        labels = vote_types(words, labels)
    return _entities(text, tokens, words, labels, aliases=aliases)


def candidate_features(
    model: EntityModel, rescorer: SpanRescorer, text, tokens, words, emissions, labels, gaz, cur
):
    """(candidate spans, their features) for the rescorer: `span_rescorer.candidate_spans`."""
    spans, probabilities, _ = candidate_spans(model.crf(), emissions, labels, floor=rescorer.floor)
    starts = {first for first, _ in sentence_ranges(text, tokens)}
    features = span_features(
        spans,
        probabilities,
        text=text,
        tokens=tokens,
        words=words,
        sentence_starts=starts,
        labels=labels,
        gaz=gaz,
        cur=cur,
        gazetteer=model.gazetteer,
        curated=curated_gazetteer(),
        clusters=model.clusters,
        lists=_lists(),
        name_likeness=rescorer.name_likeness,
    )
    return spans, features


def span_candidates(model: EntityModel, text: str, rescorer: SpanRescorer):
    """(tokens, words, candidate spans, their features) of an Arabic text, as
    `extract_entities` sees them before the rescorer decides (for training it)."""
    tokens = tokenize(text)
    words = [model.scored_word(token.text, token.norm) for token in tokens]
    gaz = gazetteer_labels(words, model.gazetteer)
    curated = curated_gazetteer()
    matches = curated.longest_matches([w.norm for w in words], [w.base for w in words])
    cur = labels_of_matches(len(words), matches)
    emissions = array_emissions(model, text, tokens, words, gaz, cur)
    labels = [label for labels in model.crf().viterbi(emissions) for label in labels]
    spans, features = candidate_features(
        model, rescorer, text, tokens, words, emissions, labels, gaz, cur
    )
    return tokens, words, spans, features


def name_likeness_of(sentences: Sequence[GoldSentence], gazetteer: Gazetteer) -> NameLikeness:
    """`NameLikeness` learned from the words of `sentences`: those inside a name against the
    others, each without its clitic."""
    known = known_first_words(gazetteer.names())
    pairs = []
    for sentence in sentences:
        tokens = tokenize(sentence.text)
        for token, label in zip(tokens, token_labels(tokens, sentence), strict=True):
            if _ARABIC_LETTER.match(token.norm):
                pairs.append((split_proclitic(token.norm, known=known)[1], label != "O"))
    return NameLikeness.train(pairs)


def rescorer_examples(
    model: EntityModel, documents: Sequence[Sequence[GoldSentence]], likeness: NameLikeness
) -> tuple[np.ndarray, np.ndarray]:
    """(features, right) of the candidate names in `documents` (each tagged as one text, its
    sentences one a line): `right` when a candidate is a gold name, exact span and type."""
    probe = SpanRescorer(None, name_likeness=likeness)
    features, right = [np.zeros((0, len(RESCORER_FEATURES)))], []
    for document in documents:
        text = "\n".join(sentence.text for sentence in document)
        gold = set()
        start = 0
        for sentence in document:
            gold |= {(e.start + start, e.end + start, e.type) for e in sentence.entities}
            start += len(sentence.text) + 1
        tokens, words, spans, found = span_candidates(model, text, probe)
        features.append(found)
        right += [
            (_clitic_end(tokens[first], words[first].clitic), tokens[last - 1].end, type) in gold
            for first, last, type in spans
        ]
    return np.vstack(features), np.array(right, dtype=bool)


def fit_rescorer(
    examples: Sequence[tuple[np.ndarray, np.ndarray]], likeness: NameLikeness
) -> SpanRescorer | None:
    """The rescorer trained on out-of-fold `rescorer_examples` (None if they are too few)."""
    features = np.vstack([x for x, _ in examples])
    right = np.concatenate([y for _, y in examples])
    if len(right) < 100 or right.all() or not right.any():
        return None
    return SpanRescorer(BoostedTrees.fit(features, right), name_likeness=likeness)


def train_rescorer(
    sentences: Sequence[GoldSentence],
    *,
    clusters: Mapping[str, tuple[int, ...]],
    taggers: Path | None = None,
    seed: int = RESCORER_SEED,
) -> SpanRescorer | None:
    """The rescorer for a CRF trained on `sentences`: a CRF trained on each `RESCORER_FOLDS`
    folds of their blocks tags the fold it did not see, and the classifier learns from those
    candidates, as it will see a CRF's candidates on new text. `taggers`: a folder where the
    fold CRFs are kept (reused when there)."""
    folds = block_folds(sentences, folds=RESCORER_FOLDS, seed=seed)
    if any(not documents for _, documents in folds):
        return None  # too few blocks
    examples = []
    with tempfile.TemporaryDirectory(prefix="khabar-entities-") as tmp:
        for k, (fold_train, documents) in enumerate(folds):
            path = (Path(taggers) if taggers else Path(tmp)) / f"fold-{k}.crfsuite"
            if not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                train_tagger(fold_train, path, clusters=clusters)
            model = tagger_model(path, gazetteer=gazetteer_with(fold_train), clusters=clusters)
            likeness = name_likeness_of(fold_train, model.gazetteer)
            examples.append(rescorer_examples(model, documents, likeness))
    return fit_rescorer(examples, name_likeness_of(sentences, gazetteer_with(sentences)))


def tagger_model(
    path: Path, *, gazetteer: Gazetteer, clusters: Mapping[str, tuple[int, ...]]
) -> EntityModel:
    """An `EntityModel` of the CRF saved at `path` (no rescorer)."""
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return EntityModel(gazetteer=gazetteer, tagger=tagger, clusters=clusters, path=Path(path))


def crfsuite_labels(model: EntityModel, text: str, tokens, words, gaz, cur) -> list[str]:
    """The labels crfsuite gives, sentence by sentence (what `array_labels` must equal)."""
    gaps = text_gaps(text, tokens)
    labels: list[str] = []
    for first, last in sentence_ranges(text, tokens):
        features = sequence_features(
            words[first:last], gaps[first : last + 1], gaz[first:last], cur[first:last]
        )
        labels += model.tagger.tag(features)
    return labels


def array_labels(model: EntityModel, text: str, tokens, words, gaz, cur) -> list[str]:
    """The labels of `crfsuite_labels`, from weights summed once per word (`crf_arrays`)."""
    emissions = array_emissions(model, text, tokens, words, gaz, cur)
    return [label for labels in model.crf().viterbi(emissions) for label in labels]


def array_emissions(model: EntityModel, text: str, tokens, words, gaz, cur) -> list[np.ndarray]:
    """Each sentence's (tokens × labels) scores, the sentences of `sentence_ranges` in order."""
    crf = model.crf()
    tables = model._tables
    gaps = text_gaps(text, tokens)
    scores = model.word_scores[[word.row for word in words]]
    gaz_index = np.array([GAZ_INDEX[label] for label in gaz])
    cur_index = np.array([GAZ_INDEX[label] for label in cur])
    own = (
        scores[:, 0]
        + tables["gaz"][0][gaz_index]
        + tables["cur"][0][cur_index]
        + model.gap_scores("<", gaps[:-1])
        + model.gap_scores(">", gaps[1:])
    )
    seen = [
        scores[:, 1 + k] + tables["gaz"][1 + k][gaz_index] + tables["cur"][1 + k][cur_index]
        for k in range(len(OFFSETS))
    ]
    sentences = []
    for first, last in sentence_ranges(text, tokens):
        n = last - first
        emissions = own[first:last].copy()
        for k, offset in enumerate(OFFSETS):
            shift = abs(offset)
            source = seen[k][first:last]
            if offset < 0:
                emissions[shift:] += source[: max(n - shift, 0)]
                emissions[: min(shift, n)] += tables["edges"][k]
            else:
                emissions[: max(n - shift, 0)] += source[shift:]
                emissions[max(n - shift, 0) :] += tables["edges"][k]
        for i in range(first + 1, last):
            weight = crf.weights.get(f"ww={words[i - 1].norm}|{words[i].norm}")
            if weight is not None:
                emissions[i - first] += weight
        sentences.append(emissions)
    return sentences


def confident_labels(
    crf: ArrayCRF, emissions: Sequence[np.ndarray], labels: Sequence[str]
) -> list[str]:
    """The Viterbi labels without the names the CRF itself finds unlikely: a name whose
    probability as a whole span (its words exactly, forward-backward) is below
    `POSTPROCESS["drop_spans"]` is left out. The best path can hold a name less likely than
    not when the other readings split the probability (measured on the dev folds)."""
    threshold = POSTPROCESS["drop_spans"]
    index = {label: i for i, label in enumerate(crf.labels)}
    labels = list(labels)
    starts = np.cumsum([0, *(len(e) for e in emissions)])
    named = [
        i for i in range(len(emissions)) if any(x != "O" for x in labels[starts[i] : starts[i + 1]])
    ]
    for i, lattice in zip(named, crf.forward_backward([emissions[i] for i in named]), strict=True):
        offset = starts[i]
        for first, last, type in list(_label_spans(labels[offset : starts[i + 1]])):
            begin, inside = index[f"B-{type}"], index.get(f"I-{type}")
            if lattice.span_probability(first, last, begin, inside) < threshold:
                labels[offset + first : offset + last] = ["O"] * (last - first)
    return labels


POSTPROCESS = {
    "drop_spans": 0.45,  # a name the CRF gives a lower probability than this is left out
    "add_curated": 2,  # curated names of this many words or more are tagged where untagged
    "add_single": ("ORG", "LOC"),  # ... and single-word names of these types
    # after a first name, a word in fewer news articles than this continues the name
    "person_df": 0.005,
    "surnames": True,  # a person's last name alone, after the full name, is the person
    "multiword_always": True,  # a name of two words or more found once is tagged everywhere
    "place_first_words": True,  # تل + تمر: a place's common first word and the next word
    "strip_titles": True,  # a title opening a person's name is left out of it
    "type_vote": True,  # the mentions of one name in a text take the type most of them have
}


def prefer_curated(
    words: Sequence["_Word"],
    labels: Sequence[str],
    curated: Gazetteer,
    *,
    matches: Sequence[tuple[int, int, str]] | None = None,
) -> list[str]:
    """Names of the curated lists win where the tagger cut across them or typed part of them
    otherwise (it read وفد "قوات سوريا الديمقراطية" as the place سوريا الديمقراطية), and are
    tagged where the tagger found nothing (names of `POSTPROCESS["add_curated"]` words or more,
    and single words of the `POSTPROCESS["add_single"]` types: the lists leave ambiguous names
    out). `matches`: `curated.longest_matches` of the words, when the caller has them. The
    tagger keeps a name that holds the
    curated one (جامعة السلطان قابوس, مجلس الأمن الدولي) or an organisation or place of the
    same type inside it (الأهلي in النادي الأهلي); a person's full name from the lists wins
    over part of it (عبد الفتاح → عبد الفتاح البرهان)."""
    labels = list(labels)
    spans = list(_label_spans(labels))
    titles = _lists()["title"]
    if matches is None:
        matches = curated.longest_matches([w.norm for w in words], [w.base for w in words])
    for first, last, type in matches:
        while type == "PER" and last - first > 1 and words[first].base in titles:
            first += 1  # الشيخ تميم بن حمد: the title is not part of the name
        overlapping = [s for s in spans if s[0] < last and first < s[1]]
        if not overlapping:
            after_office = (
                first > 0
                and words[first - 1].base in _OFFICE_WORDS
                and _is_institution(words[first:last])
            )
            long_enough = last - first >= POSTPROCESS["add_curated"]
            if (long_enough or type in POSTPROCESS["add_single"]) and not after_office:
                labels[first:last] = [f"B-{type}"] + [f"I-{type}"] * (last - first - 1)
            continue
        if last - first < 2 or any(
            (a <= first and last <= b) or (first <= a and b <= last and t == type and type != "PER")
            for a, b, t in overlapping
        ):
            continue
        for a, b, _ in overlapping:
            labels[a:b] = ["O"] * (b - a)
        labels[first:last] = [f"B-{type}"] + [f"I-{type}"] * (last - first - 1)
    return labels


@cache
def _institution_keys() -> frozenset[str]:
    return frozenset(
        " ".join(normalize(name).split()) for entry in institution_names() for name in entry.names
    )


def _is_institution(words: Sequence["_Word"]) -> bool:
    """Whether `words` name a state's institution by head word and adjective (الخارجية الأميركية)."""
    return " ".join([words[0].base, *(w.norm for w in words[1:])]) in _institution_keys()


def led_coalitions(
    tokens: Sequence[Token], words: Sequence["_Word"], labels: Sequence[str]
) -> list[str]:
    """ "The coalition" named by who leads it (التحالف بقيادة السعودية) is an organisation:
    the tagger, which never saw the word alone as a name, leaves it out."""
    labels = list(labels)
    for i in range(len(words) - 1):
        if (
            labels[i] == "O"
            and words[i].base == "التحالف"
            and clean_name(tokens[i + 1].text) in ("بقيادة", "بزعامة")
        ):
            labels[i] = "B-ORG"
    return labels


# After these, an institution's name names a person's office, not the actor (وزيرة الخارجية
# الأميركية), as NewsFANE has it; other names stay (المتحدث باسم الحوثيين).
_OFFICE_WORDS = frozenset(
    ("وزير", "وزيره", "باسم", "المتحدث", "المتحدثه", "الناطق", "الناطقه", "مساعد", "مساعده")
)


def complete_person_names(
    text: str, tokens: Sequence[Token], words: Sequence["_Word"], labels: Sequence[str]
) -> list[str]:
    """A person's name the tagger cut short: a first name written before it (علي in
    علي عبدالله صالح, which NewsFANE's spelling of على made the tagger distrust), and up to
    two words after a first name that news rarely uses other than as names (دقلو after
    محمد حمدان, البرهان after عبد الفتاح), by their document frequency in the ANT articles."""
    from .keyphrases import default_frequencies

    labels = list(labels)
    frequencies = default_frequencies()
    if frequencies.documents < 1000:
        return labels
    lists = _lists()
    for first, last, type in list(_label_spans(labels)):
        if type != "PER":
            continue
        if first > 0 and labels[first - 1] == "O" and _joined(text, tokens, first - 1):
            before = tokens[first - 1].text
            if words[first - 1].norm in lists["fname"] and not clean_name(before).endswith("ى"):
                labels[first - 1 : first + 1] = ["B-PER", "I-PER"]
        end = last
        while (
            end < min(last + 2, len(words))
            and labels[end] == "O"
            and _joined(text, tokens, end - 1)
        ):
            word = words[end]
            if not (
                _first_name_ends(words, first, end)
                and _name_like(word, tokens[end].text, lists)
                and frequencies.share(stem_arabic(word.base)) < POSTPROCESS["person_df"]
            ):
                break
            labels[end] = "I-PER"
            end += 1
    return labels


def join_place_first_words(
    text: str, tokens: Sequence[Token], words: Sequence["_Word"], labels: Sequence[str]
) -> list[str]:
    """Place names that begin with a common word (تل تمر, رأس العين, دير الزور): the tagger,
    which reads the second word as a common word too (تمر, "dates"), may keep the first alone
    as the place, or the second alone. The two words are one place."""
    labels = list(labels)
    first_words = word_list("loc-first-words")
    lists = _lists()
    for first, last, type in list(_label_spans(labels)):
        if type != "LOC":
            continue
        if (
            last - first == 1
            and words[first].base in first_words
            and last < len(words)
            and labels[last] == "O"
            and _joined(text, tokens, first)
            and _name_like(words[last], tokens[last].text, lists)
        ):
            labels[last] = "I-LOC"
        elif (
            first > 0
            and labels[first - 1] == "O"
            and words[first - 1].base in first_words
            and words[first].clitic == 0
            and _joined(text, tokens, first - 1)
        ):
            labels[first - 1 : first + 1] = ["B-LOC", "I-LOC"]
    return labels


def keep_place_first_words(
    words: Sequence["_Word"], viterbi: Sequence[str], labels: Sequence[str]
) -> list[str]:
    """A place the best path found as a place's common first word alone (تل before تمر) stays
    for `join_place_first_words` to complete, though the rescorer, which learned that such a
    word alone is rarely a whole name, left it out."""
    labels = list(labels)
    first_words = word_list("loc-first-words")
    for first, last, type in _label_spans(viterbi):
        if (
            type == "LOC"
            and last - first == 1
            and words[first].base in first_words
            and labels[first] == "O"
            and (last == len(labels) or labels[last] == "O")
        ):
            labels[first] = "B-LOC"
    return labels


def strip_titles(words: Sequence["_Word"], labels: Sequence[str]) -> list[str]:
    """A title the tagger took into a person's name is left out (الدكتور حجازي → حجازي), as
    the training names mostly are (they are tagged inside in a few)."""
    labels = list(labels)
    titles = _lists()["title"]
    for first, last, type in list(_label_spans(labels)):
        while (
            type == "PER"
            and last - first > 1
            and (words[first].base in titles or words[first].norm in titles)
        ):
            labels[first] = "O"
            first += 1
            labels[first] = "B-PER"
    return labels


def vote_types(words: Sequence["_Word"], labels: Sequence[str]) -> list[str]:
    """One name, one type in a text: a mention takes the type more of its mentions have (a
    tie changes nothing)."""
    labels = list(labels)
    spans = [
        (first, last, type, _span_key(words, first, last))
        for first, last, type in _label_spans(labels)
    ]
    types: dict[tuple[str, ...], Counter[str]] = {}
    for _, _, type, key in spans:
        types.setdefault(key, Counter())[type] += 1
    for first, last, type, key in spans:
        best, count = types[key].most_common(1)[0]
        if count > types[key][type]:
            labels[first:last] = [f"B-{best}"] + [f"I-{best}"] * (last - first - 1)
    return labels


def _span_key(words: Sequence["_Word"], first: int, last: int) -> tuple[str, ...]:
    """A name's words, its first without its clitic (بدمشق and دمشق are one name)."""
    return (words[first].base, *(w.norm for w in words[first + 1 : last]))


def _first_name_ends(words: Sequence["_Word"], first: int, end: int) -> bool:
    """Whether the name words[first:end] ends with a first name (محمد حمدان, عبد الفتاح), so
    that a father's or family name may follow."""
    fname = _lists()["fname"]
    return words[end - 1].norm in fname or (
        end - 2 >= first and words[end - 2].norm in ("عبد", "ابو")
    )


def _joined(text: str, tokens: Sequence[Token], i: int) -> bool:
    """Whether only spaces separate token i from token i + 1."""
    return i + 1 < len(tokens) and not text[tokens[i].end : tokens[i + 1].start].strip()


def _name_like(word: "_Word", written: str, lists) -> bool:
    return (
        word.clitic == 0
        and len(word.norm) >= 3
        and bool(_ARABIC_LETTER.match(word.norm))
        and not any(word.norm in lists[k] for k in ("title", "orgh", "loch"))
        and not is_stopword(written)
    )


def propagate_labels(words: Sequence["_Word"], labels: Sequence[str]) -> list[str]:
    """Tag the other mentions of a name the tagger found elsewhere in the same text.

    A text names a person or a place several times, and the tagger may miss a mention whose
    context says little. A name (its words, the first without its clitic) found as an entity
    at least as often as it was left untagged is tagged wherever else it occurs untagged.
    """
    found: dict[tuple[str, ...], list[str]] = {}
    for first, last, type in _label_spans(labels):
        key = (words[first].base, *(w.norm for w in words[first + 1 : last]))
        found.setdefault(key, []).append(type)
    if not found:
        return list(labels)
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for key in sorted(found, key=len, reverse=True):
        by_first.setdefault(key[0], []).append(key)
    labels = list(labels)
    untagged: dict[tuple[str, ...], list[int]] = {}
    for i, word in enumerate(words):
        if labels[i] != "O" or word.base not in by_first:
            continue
        for key in by_first[word.base]:
            end = i + len(key)
            if (
                end <= len(words)
                and all(words[j].norm == key[j - i] for j in range(i + 1, end))
                and all(label == "O" for label in labels[i:end])
            ):
                untagged.setdefault(key, []).append(i)
                break
    for key, starts in untagged.items():
        types = found[key]
        if len(types) < len(starts) and not (len(key) > 1 and POSTPROCESS["multiword_always"]):
            continue
        type = max(sorted(set(types)), key=types.count)  # sorted: the same type in every process
        for i in starts:
            if all(label == "O" for label in labels[i : i + len(key)]):
                labels[i : i + len(key)] = [f"B-{type}"] + [f"I-{type}"] * (len(key) - 1)
    if POSTPROCESS["surnames"]:
        _tag_surnames(words, labels, found)
    return labels


# Last words of names that do not name the person alone (عبد الله, نور الدين).
_NOT_SURNAMES = frozenset(("الله", "الدين", "الرحمن", "الثاني", "الاول", "الثالث", "الابن"))


def _tag_surnames(words, labels: list[str], found: dict) -> None:
    """After a person's full name (ساتيش كومار), the last name alone is the same person
    (كومار): news names people in full once, then by their last name."""
    fname = _lists()["fname"]
    surnames = {
        key[-1]
        for key, types in found.items()
        if len(key) >= 2 and "PER" in types and len(key[-1]) >= 3
    }
    surnames -= fname | _NOT_SURNAMES
    for i, word in enumerate(words):
        if labels[i] == "O" and word.base in surnames and not is_stopword(word.base):
            labels[i] = "B-PER"


def script_language(text: str) -> str:
    """ "ar" when Arabic letters outnumber Latin ones in (the start of) `text`, else "en"."""
    sample = text[:2000]
    return (
        "ar" if len(_ARABIC_LETTER.findall(sample)) >= len(_LATIN_LETTER.findall(sample)) else "en"
    )


# --- words and features ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Word:
    norm: str
    clitic: int  # letters of a conjunction or preposition before the name
    base: str  # the word without them, the article restored (للعراق → العراق)
    features: tuple[str, ...]  # the word's own features
    around: tuple[tuple[str, ...], ...]  # what its neighbours at OFFSETS see of it


class _ScoredWord(NamedTuple):
    norm: str
    clitic: int
    base: str
    row: int  # in EntityModel.word_scores


SCORED_CACHE_SIZE = 200_000
OFFSETS = (-2, -1, 1, 2)
_NISBA = ("ي", "يه", "يون", "يين", "يات")


class WordFeatures:
    """Features of words, remembered: news texts repeat most of their words.

    `gazetteer` gives the words names start with (for `split_proclitic`) and, for each word,
    the types of the names it is part of and where in them it stands.
    """

    CACHE_SIZE = 50_000  # about 150 MB when full (used for training; tagging keeps less)

    def __init__(self, gazetteer: Gazetteer, clusters: Mapping[str, tuple[int, ...]]) -> None:
        self.known = known_first_words(gazetteer.names())
        self.lexicon = _word_lexicon(gazetteer)
        self.clusters = clusters
        self._cache: dict[tuple[str, str], _Word] = {}

    def __call__(self, text: str, norm: str) -> _Word:
        word = self._cache.get((text, norm))
        if word is None:
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            word = self._cache[text, norm] = self.compute(text, norm)
        return word

    def compute(self, text: str, norm: str) -> _Word:
        """The word's features, not remembered."""
        norm, clitic, base, features, near, far = self.parts(text, norm)
        around = tuple(
            tuple(f"{offset}{f}" for f in (near if abs(offset) == 1 else far)) for offset in OFFSETS
        )
        return _Word(norm, clitic, base, features, around)

    def parts(self, text: str, norm: str):
        """(norm, clitic, base, own features, what neighbours at ±1 see, what those at ±2 see)."""
        arabic = bool(_ARABIC_LETTER.match(norm))
        clitic, base = split_proclitic(norm, known=self.known) if arabic else (0, norm)
        stem = stem_arabic(base) if arabic else base
        # What the word's neighbours see of it, besides the word and its stem.
        marks = [name for name, words in _lists().items() if base in words or norm in words]
        marks += [f"c{i}={c}" for i, c in enumerate(self.clusters.get(norm, ())[: len(SIZES)])]
        if _is_nisba(base):
            marks.append("nisba")  # الاميركي، اللبنانية: an adjective, rarely a name
        # The word is known by its base (the clitic apart), its light stem and its affixes;
        # the form with its clitic only when it has one. Each choice measured on the dev split.
        features = [
            f"b={base}",
            f"s={stem}",
            f"p2={base[:2]}",
            f"p3={base[:3]}",
            f"p4={base[:4]}",
            f"x1={base[-1:]}",
            f"x2={base[-2:]}",
            f"x3={base[-3:]}",
            f"x4={base[-4:]}",
            *marks,
            *self.lexicon.get(base, ()),
        ]
        if not arabic:
            features.append(f"sh={_shape(text)}")
        if clitic:
            features.append(f"cl={norm[:clitic]}")
            features.append(f"w={norm}")
            features += [
                f"cb{i}={c}" for i, c in enumerate(self.clusters.get(base, ())[: len(SIZES)])
            ]
        if arabic and self.clusters:
            # How the word is used in unlabelled news (word_clusters.STATISTICS); the word
            # itself only: its neighbours seeing them scored lower on the dev split.
            profile = self.clusters.get(base, ())[len(SIZES) :]
            features += (
                [f"{n}={v}" for n, v in zip(STATISTICS, profile, strict=True)]
                if profile
                else ["fq=-"]
            )
        if base.startswith("ال"):
            features.append("al")
        if base in self.known:
            features.append("known")
        # Its length: words of one or two letters are rarely names (dev folds +0.2 points).
        features.append(f"n={min(len(base), 8)}")
        # Words next to it see more of it than words two away (measured on the dev split).
        near = (f"b={base}", f"s={stem}", f"x2={base[-2:]}", *marks)
        far = (f"b={base}", f"s={stem}", *(m for m in marks if not m.startswith("c")))
        return norm, clitic, base, tuple(features), near, far


def _word_lexicon(gazetteer: Gazetteer) -> dict[str, tuple[str, ...]]:
    """word → features naming the types of the names it is part of, and its place in them."""
    lexicon: dict[str, set[str]] = {}
    for name, type, _ in gazetteer.entries():
        words = name.split()
        for i, word in enumerate(words):
            place = (
                "1" if len(words) == 1 else "f" if i == 0 else "l" if i == len(words) - 1 else "m"
            )
            lexicon.setdefault(word, set()).add(f"g{place}={type}")
    return {word: tuple(sorted(features)) for word, features in lexicon.items()}


@cache
def _lists() -> dict[str, frozenset[str]]:
    return {
        "title": word_list("per-titles"),
        "fname": word_list("first-names"),
        "orgh": word_list("org-heads"),
        "loch": word_list("loc-heads"),
    }


def _shape(text: str) -> str:
    if _ARABIC_LETTER.match(text):
        return "ar"
    if text.isdigit():
        return "0"
    if text[:1].isupper():
        return "Aa" if not text.isupper() else "AA"
    return "a"


_GAZ = {
    offset: {
        label: f"{offset or ''}gz={label}"
        for label in ("O", *(f"{b}-{t}" for b in "BI" for t in TYPES))
    }
    for offset in (0, *OFFSETS)
}
# The same for the curated lists alone: they hold no ambiguous name, so a match there can be
# trusted more than one of the training names (measured on the dev split).
_CUR = {
    offset: {label: f"{offset or ''}cz={label}" for label in _GAZ[0]} for offset in (0, *OFFSETS)
}
_EDGES = tuple(f"{offset}edge" for offset in OFFSETS)
GAZ_LABELS = ("O", *(f"{b}-{t}" for b in "BI" for t in TYPES))
GAZ_INDEX = {label: i for i, label in enumerate(GAZ_LABELS)}


def sequence_features(
    words: Sequence[_Word], gaps: Sequence[str], gaz: Sequence[str], cur: Sequence[str]
) -> list[list[str]]:
    """Each word's CRF features: its own, its neighbours', punctuation, gazetteer matches.

    `gaps[i]` is what comes before word i (`text_gaps`), `gaps[-1]` what follows the last;
    `gaz` the gazetteer's labels of the words (`gazetteer_labels`), `cur` the curated lists'.
    """
    n = len(words)
    # What each word shows its neighbour at each offset, its gazetteer labels included.
    shown = [
        [
            (*word.around[k], _GAZ[offset][g], _CUR[offset][c])
            for word, g, c in zip(words, gaz, cur, strict=True)
        ]
        for k, offset in enumerate(OFFSETS)
    ]
    sequence = []
    previous = None
    for i, word in enumerate(words):
        features = [
            *word.features,
            _GAZ[0][gaz[i]],
            _CUR[0][cur[i]],
            _BEFORE[gaps[i]],
            _AFTER[gaps[i + 1]],
        ]
        for k, offset in enumerate(OFFSETS):
            j = i + offset
            if 0 <= j < n:
                features += shown[k][j]
            else:
                features.append(_EDGES[k])
        if previous is not None:
            features.append(f"ww={previous}|{word.norm}")
        previous = word.norm
        sequence.append(features)
    return sequence


class _Prefixed(dict):
    """gap → the gap's feature, made once."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def __missing__(self, gap: str) -> str:
        self[gap] = feature = f"{self.prefix}{gap}"
        return feature


_BEFORE = _Prefixed("<")
_AFTER = _Prefixed(">")
_SENTENCE_END = re.compile(r"[.!?؟\n]")


def text_gaps(text: str, tokens: Sequence[Token]) -> list[str]:
    """What separates consecutive tokens (and precedes the first, follows the last): "" for
    spaces, else the first two characters of its punctuation."""
    ends = [0, *(t.end for t in tokens)]
    starts = [*(t.start for t in tokens), len(text)]
    return [_gap(text[a:b]) for a, b in zip(ends, starts, strict=True)]


def _gap(between: str) -> str:
    between = "".join(between.split())
    return between[:2] if between else ""


def sentence_ranges(text: str, tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """(first, last + 1) token ranges of the sentences of `text`: the tagger was trained on
    sentences, so it tags one at a time."""
    ranges = []
    first = 0
    for i in range(1, len(tokens)):
        if _SENTENCE_END.search(text, tokens[i - 1].end, tokens[i].start):
            ranges.append((first, i))
            first = i
    ranges.append((first, len(tokens)))
    return ranges


# --- labels to entities ---------------------------------------------------------------------


def gazetteer_labels(words: Sequence[_Word], gazetteer: Gazetteer) -> list[str]:
    """BIO labels from the gazetteer's longest matches alone (the baseline, and the fallback)."""
    matches = gazetteer.longest_matches([w.norm for w in words], [w.base for w in words])
    return labels_of_matches(len(words), matches)


def labels_of_matches(n: int, matches: Iterable[tuple[int, int, str]]) -> list[str]:
    """BIO labels of `n` words from (first, last + 1, type) ranges."""
    labels = ["O"] * n
    for first, last, type in matches:
        labels[first] = f"B-{type}"
        for i in range(first + 1, last):
            labels[i] = f"I-{type}"
    return labels


def _entities(
    text: str,
    tokens: Sequence[Token],
    words: Sequence[_Word],
    labels: Sequence[str],
    *,
    aliases: Mapping[str, str] | None,
) -> list[Entity]:
    spans = []
    for first, last, type in _clean_spans(text, tokens, words, _label_spans(labels)):
        start = _clitic_end(tokens[first], words[first].clitic)
        end = tokens[last - 1].end
        if start >= end:
            continue
        name = clean_name(text[start:end])
        base = words[first].base
        if words[first].clitic and words[first].norm[words[first].clitic :] != base:
            name = "ا" + name  # للعراق: the span is لعراق, the name العراق
        spans.append((start, end, type, name))
    full_names = _full_person_names(spans)
    aliases = keyed_aliases(aliases) if aliases else None
    entities = []
    for start, end, type, name in spans:
        if type == "PER":
            name = full_names.get(entity_key(name), name)
        canonical = canonicalize_name(name, type, aliases=aliases)
        entities.append(Entity(text[start:end], type, canonical, start, end))
    return entities


# Prepositions the toolkit's normalizer (ى → ي) and NewsFANE's spelling make look like names
# (على like علي): as written, they never start or end a name.
_NEVER_AT_EDGES = frozenset(("على", "إلى", "الى", "حتى", "لدى", "سوى", "متى"))
_HARD_PUNCTUATION = re.compile(r"[()\[\]{}«»\"“”،,.:;!?؟]")


_SPOKESMAN = frozenset(
    ("المتحدث", "المتحدثه", "الناطق", "الناطقه", "متحدث", "متحدثه", "ناطق", "ناطقه")
)


# Words that link two names and are never part of one (التحالف بقيادة السعودية).
_LINKS = frozenset(
    ("بقيادة", "برئاسة", "بزعامة", "بدعم", "المدعوم", "المدعومة", "التابع", "التابعة", "ضد")
)


def _clean_spans(
    text: str, tokens: Sequence[Token], words: Sequence[_Word], spans: Iterable
) -> Iterable[tuple[int, int, str]]:
    """Spans cut where punctuation or a linking word separates their words (ميناء (جابهار)
    الإيراني, التحالف بقيادة السعودية), without pieces that are only a heading word or an
    adjective of origin, or a preposition at an edge; a piece that is a curated name takes
    its type."""
    heads = _lists()["orgh"] | _lists()["loch"] | _lists()["title"]
    for first, last, type in spans:
        cuts = [first]
        links = set()
        for i in range(first + 1, last):
            if clean_name(tokens[i].text) in _LINKS:
                cuts += [i, i + 1]
                links.add(i)
            elif _HARD_PUNCTUATION.search(text, tokens[i - 1].end, tokens[i].start):
                cuts.append(i)
        cuts.append(last)
        for a, b in zip(cuts, cuts[1:], strict=False):
            if a in links:
                continue
            while a < b and clean_name(tokens[a].text) in _NEVER_AT_EDGES:
                a += 1
            if b - a > 1 and a > 0 and words[a].norm == "باسم" and words[a - 1].base in _SPOKESMAN:
                a += 1  # المتحدث باسم قسد: "in the name of", not the first name باسم
            while b > a and clean_name(tokens[b - 1].text) in _NEVER_AT_EDGES:
                b -= 1
            if (
                b - a == 1
                and len(cuts) > 2
                and (words[a].base in heads or _is_nisba(words[a].base))
            ):
                continue
            if a < b:
                yield from _split_joined_names(words, a, b, type, cut=len(cuts) > 2)


def _split_joined_names(words, a: int, b: int, type: str, *, cut: bool):
    """(a, b, type), or its pieces when it begins with a curated name of another type followed
    by another known name (قطر السعودية; قسد فرهاد شامي, a person after an organisation)."""
    curated = curated_gazetteer()
    norms = [w.norm for w in words[a:b]]
    bases = [w.base for w in words[a:b]]
    if cut:
        type = curated.type_of([bases[0], *norms[1:]]) or curated.type_of(norms) or type
    matches = curated.longest_matches(norms, bases) if b - a >= 2 else []
    if matches and matches[0][0] == 0 and matches[0][1] < b - a and matches[0][2] != type:
        middle = matches[0][1]
        rest = curated.type_of(norms[middle:])
        if rest or (type == "PER" and b - a - middle >= 2):
            yield a, a + middle, matches[0][2]
            yield a + middle, b, rest or type
            return
    yield a, b, type


def _is_nisba(base: str) -> bool:
    return base.startswith("ال") and base.endswith(_NISBA)


def _label_spans(labels: Sequence[str]) -> Iterable[tuple[int, int, str]]:
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


def _clitic_end(token: Token, clitic: int) -> int:
    """Where the name starts in `token`: after `clitic` letters, and after their marks."""
    if not clitic:
        return token.start
    letters = 0
    for i, char in enumerate(token.text):
        if _ARABIC_LETTER.match(char):
            if letters == clitic:
                return token.start + i
            letters += 1
    return token.start


def _full_person_names(spans: Sequence[tuple[int, int, str, str]]) -> dict[str, str]:
    """A person named in part (انان) → the longest full name in the text that ends the same way."""
    people = [name for _, _, type, name in spans if type == "PER"]
    full = {}
    for name in sorted(set(people), key=lambda n: -len(n.split())):
        words = entity_key(name).split()
        for other in people:
            other_words = entity_key(other).split()
            if len(other_words) < len(words) and words[-len(other_words) :] == other_words:
                full.setdefault(entity_key(other), name)
    return full


# --- models ---------------------------------------------------------------------------------


@cache
def curated_gazetteer() -> Gazetteer:
    """The names of the curated Arabic lists, each with its type (one shared instance: do not
    add to it; `gazetteer_with` makes a new one)."""
    return _new_curated_gazetteer()


def _new_curated_gazetteer() -> Gazetteer:
    return Gazetteer((name, entry.type) for entry in curated_names("ar") for name in entry.names)


def gazetteer_with(sentences: Iterable[GoldSentence]) -> Gazetteer:
    """A new gazetteer: the curated names plus every entity name in `sentences`."""
    gazetteer = _new_curated_gazetteer()
    for sentence in sentences:
        for span in sentence.entities:
            gazetteer.add(span.name, span.type)
    return gazetteer


def training_sequences(
    sentences: Sequence[GoldSentence],
    *,
    clusters: Mapping[str, tuple[int, ...]],
    folds: int = JACKKNIFE_FOLDS,
) -> Iterable[tuple[list[list[str]], list[str]]]:
    """(features, labels) of each sentence, gazetteer features taken jackknife-style.

    The names of a sentence's own fold are left out of the gazetteer its features see, so the
    tagger learns how far a gazetteer match can be trusted for a name it has not seen before.
    """
    for fold in range(folds):
        others = [s for i, s in enumerate(sentences) if i * folds // len(sentences) != fold]
        gazetteer = gazetteer_with(others)
        words_of = WordFeatures(gazetteer, clusters)
        for i, sentence in enumerate(sentences):
            if i * folds // len(sentences) != fold:
                continue
            tokens = tokenize(sentence.text)
            if not tokens:
                continue
            words = [words_of(t.text, t.norm) for t in tokens]
            gaps = text_gaps(sentence.text, tokens)
            gaz = gazetteer_labels(words, gazetteer)
            cur = gazetteer_labels(words, curated_gazetteer())
            features = sequence_features(words, gaps, gaz, cur)
            yield features, token_labels(tokens, sentence)


def token_labels(tokens: Sequence[Token], sentence: GoldSentence) -> list[str]:
    """BIO labels of `tokens`: a token is in an entity when the entity's span overlaps it."""
    labels = ["O"] * len(tokens)
    for span in sentence.entities:
        inside = [i for i, t in enumerate(tokens) if t.start < span.end and t.end > span.start]
        for n, i in enumerate(inside):
            labels[i] = f"{'I' if n else 'B'}-{span.type}"
    return labels


def train_tagger(
    sentences: Sequence[GoldSentence],
    model_path: Path,
    *,
    clusters: Mapping[str, tuple[int, ...]],
    params: Mapping | None = None,
) -> dict:
    """Train a CRF on `sentences` into `model_path`; returns crfsuite's last log entry."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for features, labels in training_sequences(sentences, clusters=clusters):
        trainer.append(features, labels)
    trainer.set_params({**TRAINING_PARAMS, **(params or {})})
    trainer.train(str(model_path))
    return dict(trainer.logparser.last_iteration or {})


def train_entities(*, data_dir: Path, out_dir: Path, clusters_file: Path | None = None) -> Path:
    """Train the Arabic tagger on all of NewsFANE Gold under `data_dir`; returns the model path.

    Writes `entities-v<N>.crfsuite`, its card `entities-v<N>.json` (what it was trained on, how,
    when), `entities-v<N>.gazetteer.tsv` (the names its gazetteer features use), the word
    clusters and `entities-v<N>.rescorer.npz` (the span rescorer) to `out_dir`.
    `clusters_file`: word clusters to reuse (plain or gzipped) instead of learning them from
    ANT: k-means numbers and cuts clusters differently with other library builds and thread
    counts, so a model is only reproduced with its own clusters.
    """
    started = time.perf_counter()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    sentences = read_newsfane(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if clusters_file:
        raw = Path(clusters_file).read_bytes()
        clusters = parse_clusters(
            (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode()
        )
    else:
        clusters = learn_clusters(ant_texts(data_dir)) if has_ant(data_dir) else {}
    clusters_seconds = time.perf_counter() - started
    write_clusters(clusters, out_dir / f"{MODEL_NAME}.clusters.tsv")
    model_path = out_dir / f"{MODEL_NAME}.crfsuite"
    partial = model_path.with_suffix(".crfsuite.partial")
    last = train_tagger(sentences, partial, clusters=clusters)
    crf_seconds = time.perf_counter() - started - clusters_seconds
    rescorer = train_rescorer(sentences, clusters=clusters)
    rescorer_path = out_dir / f"{MODEL_NAME}.rescorer.npz"
    if rescorer is not None:
        rescorer_path.write_bytes(rescorer.to_bytes())
    else:
        rescorer_path.unlink(missing_ok=True)
    gazetteer = gazetteer_with(sentences)
    _write_gazetteer(gazetteer, out_dir / f"{MODEL_NAME}.gazetteer.tsv")
    card = {
        "model": MODEL_NAME,
        "version": MODEL_VERSION,
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "seconds_clusters": round(clusters_seconds, 1),
        "seconds_crf": round(crf_seconds, 1),
        "data": "NewsFANE Gold 2014 (Alotaibi and Lee, COLING 2014), all 4,760 sentences",
        "licence": "CC BY-SA 3.0: this model is derived from NewsFANE Gold and shares its licence",
        "licence_url": "https://creativecommons.org/licenses/by-sa/3.0/",
        "attribution": (
            "Trained on NewsFANE Gold (Gold standard Newswire-based Fine-grained Arabic Named "
            "Entity Corpus) by Fahd Alotaibi and Mark Lee, University of Birmingham, released "
            "under CC BY-SA 3.0 Unported. Its gazetteer file lists the corpus's entity names "
            "(mapped to PER/ORG/LOC) with khabar's curated lists; the word clusters are learned "
            "from the ANT news corpora (Chouigui et al.): words, their cluster numbers and "
            "bucketed statistics of their use, no article text."
        ),
        "changes": "45 fine types mapped to PER/ORG/LOC; sentences rebuilt as printed text",
        "sentences": len(sentences),
        "entities": sum(len(s.entities) for s in sentences),
        "types": ["PER", "ORG", "LOC"],
        "algorithm": "crfsuite lbfgs",
        "params": TRAINING_PARAMS,
        "jackknife_folds": JACKKNIFE_FOLDS,
        "gazetteer_names": len(gazetteer),
        "cluster_words": len(clusters),
        "clusters_from": (
            "ANT v2.1 and v1.1 article text (word_clusters.py)"
            + (f", reused from {Path(clusters_file).name}" if clusters_file else "")
            if clusters
            else None
        ),
        "word_statistics": list(STATISTICS) if clusters else [],
        "last_iteration": {k: last[k] for k in ("num", "loss", "active_features") if k in last},
        "rescorer": (
            {
                "what": "gradient-boosted trees keeping or leaving out each candidate name "
                "(span_rescorer.py), trained on the candidates of CRFs of the other folds",
                "folds": RESCORER_FOLDS,
                "params": BOOSTING,
                "floor": rescorer.floor,
                "threshold": rescorer.threshold,
                "trees": len(rescorer.classifier.roots),
                "features": list(RESCORER_FEATURES),
                "name_ngrams": len(rescorer.name_likeness.weights),
            }
            if rescorer is not None
            else None
        ),
        "evaluation": "bench/entities.py (split by document blocks); docs/benchmarks.md",
    }
    (out_dir / f"{MODEL_NAME}.json").write_text(
        json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    partial.replace(model_path)
    return model_path


def _write_gazetteer(gazetteer: Gazetteer, path: Path) -> None:
    lines = [f"{name}\t{type}\t{count}\n" for name, type, count in gazetteer.entries()]
    path.write_text("".join(lines), encoding="utf-8")


def _read_gazetteer(text: str) -> Gazetteer:
    gazetteer = Gazetteer()
    for line in text.splitlines():
        name, type, count = line.split("\t")
        gazetteer.add(name, type, int(count))
    # Names added to the curated lists since the model was trained count too.
    known = set(gazetteer.names())
    for name, type, _ in curated_gazetteer().entries():
        if name not in known:
            gazetteer.add(name, type)
    return gazetteer


PACKAGED_MODEL_DIR = Path(__file__).resolve().parent / "data"


def load_entity_model(model_dir: Path | None = None) -> EntityModel:
    """The trained model in `model_dir`, else the model shipped with khabar.

    `model_dir` defaults to `models/` in KHABAR_DATA_DIR (./data), where `khabar train
    entities` writes a model; one there wins over the shipped one (khabar/tagging/data, its
    files gzipped). With neither, the curated gazetteer alone tags (longest match).
    """
    model_dir = Path(model_dir) if model_dir else default_model_dir()
    for directory in (model_dir, PACKAGED_MODEL_DIR):
        model = _read_model_files(directory)
        if model is not None:
            return model
    return EntityModel(gazetteer=curated_gazetteer())


def _read_model_files(directory: Path) -> EntityModel | None:
    """The model saved in `directory` (each file plain or gzipped), or None if there is none."""
    model_bytes = _model_file(directory, ".crfsuite")
    if model_bytes is None:
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model_bytes)
    card = _model_file(directory, ".json")
    gazetteer = _model_file(directory, ".gazetteer.tsv") or b""
    clusters = _model_file(directory, ".clusters.tsv") or b""
    rescorer = _model_file(directory, ".rescorer.npz")
    return EntityModel(
        gazetteer=_read_gazetteer(gazetteer.decode("utf-8")),
        tagger=tagger,
        clusters=parse_clusters(clusters.decode("utf-8")),
        card=json.loads(card) if card else {},
        path=directory / f"{MODEL_NAME}.crfsuite",
        buffer=model_bytes,
        rescorer=SpanRescorer.from_bytes(rescorer) if rescorer else None,
    )


def _model_file(directory: Path, suffix: str) -> bytes | None:
    path = directory / f"{MODEL_NAME}{suffix}"
    if path.is_file():
        return path.read_bytes()
    if path.with_name(path.name + ".gz").is_file():
        return gzip.decompress(path.with_name(path.name + ".gz").read_bytes())
    return None


def default_model_dir() -> Path:
    """models/ in the data dir: Django's DATA_DIR when configured, else KHABAR_DATA_DIR."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return Path(settings.DATA_DIR) / "models"
    except (ImproperlyConfigured, AttributeError):  # used outside Django
        return Path(os.environ.get("KHABAR_DATA_DIR", "data")).resolve() / "models"


@cache
def default_entity_model() -> EntityModel:
    """`load_entity_model()`, loaded once per process."""
    return load_entity_model()
