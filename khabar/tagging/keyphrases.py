"""Keyphrases: the words and short phrases an article is about, as the article writes them.

Candidates are runs of one to three content words that no punctuation or stopword separates.
Each word counts by its light stem (`khabar.arabic`), so الانتخابات, بالانتخابات and انتخابات
are one word. A stem scores by how often the article uses it (words near the start count more)
times how rare it is in news (its inverse document frequency in the ANT articles,
`data/keyphrases-df.tsv.gz`); a phrase scores the sum of its words' scores, times how often the
article repeats the phrase itself (a name the entity tagger found counts as a phrase). The best phrases are kept, skipping any that shares a stem
with a better one. Each is shown in the form the article writes most often, without
a conjunction or preposition written onto its article (بالانتخابات → الانتخابات).

The method and its settings were chosen on a dev part of held-out ANT articles, with the
article's own title as the stand-in for its key phrases (bench/keyphrases.py; figures in
docs/benchmarks.md, "Keyphrases").
"""

import gzip
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from khabar.arabic.analyze import DEFAULT as ANALYZER
from khabar.arabic.normalize import normalize
from khabar.arabic.stem import stem_arabic

DF_FILE = Path(__file__).resolve().parent / "data" / "keyphrases-df.tsv.gz"
MAX_WORDS = 3


@dataclass(frozen=True)
class KeyphraseSettings:
    """The measured choice (bench/keyphrases.py, dev split)."""

    lead_chars: int = 100  # words in the first characters (the headline, the lead) count more
    lead_weight: float = 3.0
    phrase_repeats: int = 2  # a phrase of two or three words must occur this often
    phrase_bonus: float = 0.5  # times its words' summed scores, for each repeat
    min_letters: int = 3


DEFAULT_SETTINGS = KeyphraseSettings()
# Clitics written onto the article (وال، بال، لل …): taken off a shown phrase. A clitic before
# a word without the article is left, as it cannot be told from the word's first letter.
_ARTICLE_CLITIC = re.compile(r"^(?:[وف]?[بك]|[وف])(?=ال)|^[وف]?ل(?=ل)")
_SEPARATOR = re.compile(r"[^\s\u200c-\u200f\u0640]")  # anything but space, joiners and tatweel


@dataclass(frozen=True)
class DocumentFrequencies:
    """How many of `documents` news articles use each stem."""

    documents: int
    counts: dict[str, int]

    def share(self, stem: str) -> float:
        """The share of news articles that use `stem`."""
        return self.counts.get(stem, 0) / max(self.documents, 1)

    def idf(self, stem: str) -> float:
        return math.log((self.documents + 1) / (self.counts.get(stem, 0) + 1))


def extract_keyphrases(
    text: str,
    *,
    limit: int = 10,
    names: Iterable[str] = (),
    frequencies: DocumentFrequencies | None = None,
    settings: KeyphraseSettings = DEFAULT_SETTINGS,
) -> list[str]:
    """Up to `limit` keyphrases of `text` (title and body), best first, as written.

    `names`: the entity names found in the text (`Entity.text`); a name of several words is a
    phrase even when the article writes it once (بشار الأسد), shown as the tagger cut it
    (هيئة تحرير الشام, not لهيئة تحرير الشام).
    """
    frequencies = frequencies or default_frequencies()
    words = _content_words(text, settings=settings)
    if not words:
        return []
    stem_score = _stem_scores(words, frequencies=frequencies, settings=settings)
    named: dict[tuple[str, ...], str] = {}
    for name in names:
        stems = _stems_of(name)
        if len(stems) > 1:
            named.setdefault(stems, " ".join(name.split()))
    phrases = _candidates(text, words, settings=settings, named=named)
    scored = []
    for stems, spans in phrases.items():
        score = sum(stem_score[s] for s in stems)
        if len(stems) > 1:
            score *= settings.phrase_bonus * len(spans)
            if stems in named:
                score = max(score, sum(stem_score[s] for s in stems))  # a name beats its parts
        scored.append((score, -spans[0][0], stems, spans))
    scored.sort(reverse=True)
    chosen: list[tuple[tuple[str, ...], list]] = []
    covered: set[str] = set()
    for _, _, stems, spans in scored:
        if covered.intersection(stems):
            continue  # a better phrase holds one of its words: say something else
        chosen.append((stems, spans))
        covered.update(stems)
        if len(chosen) >= limit:
            break
    return [named.get(stems) or _shown(text, spans) for stems, spans in chosen]


def _content_words(text: str, *, settings: KeyphraseSettings) -> list[tuple[int, int, str]]:
    """(start, end, stem) of each word of `text`, None as the stem of a word that is no
    keyphrase word (a stopword, a number, a word too short)."""
    words = []
    for match, word, _ in ANALYZER.words(text):
        keep = not word.stop and len(word.norm) >= settings.min_letters and not word.norm.isdigit()
        words.append((match.start(), match.end(), word.stem if keep else None))
    return words


def _stem_scores(words, *, frequencies: DocumentFrequencies, settings: KeyphraseSettings):
    counts: Counter = Counter()
    for start, _, stem in words:
        if stem:
            counts[stem] += settings.lead_weight if start < settings.lead_chars else 1.0
    return defaultdict(float, {s: c * frequencies.idf(s) for s, c in counts.items()})


def _stems_of(name: str) -> tuple[str, ...]:
    return tuple(word.stem for _, word, _ in ANALYZER.words(name) if not word.stop)


def _candidates(
    text: str, words, *, settings: KeyphraseSettings, named: Mapping[tuple[str, ...], str]
) -> dict[tuple, list]:
    """stems of each candidate phrase → the (start, end) spans where the article writes it."""
    found: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
    run: list[tuple[int, int, str]] = []
    longest = max([MAX_WORDS, *map(len, named)])  # a name may be longer (حسين أمير عبد اللهيان)
    for i, (start, end, stem) in enumerate(words):
        joined = i > 0 and not _SEPARATOR.search(text, words[i - 1][1], start)
        if stem is None or not joined:
            run = []
        if stem is None:
            continue
        run.append((start, end, stem))
        for n in range(1, min(longest, len(run)) + 1):
            part = run[-n:]
            found[tuple(w[2] for w in part)].append((part[0][0], part[-1][1]))
    return {
        stems: spans
        for stems, spans in found.items()
        if len(stems) == 1
        or stems in named
        or (
            len(stems) <= MAX_WORDS
            and len(spans) >= settings.phrase_repeats
            and len(set(stems)) == len(stems)
        )
    }


def _shown(text: str, spans: list[tuple[int, int]]) -> str:
    """The form the article writes most often (without a clitic on the article); the first
    such occurrence when several tie."""
    forms: Counter = Counter()
    first: dict[str, str] = {}
    for start, end in spans:
        written = _without_clitic(" ".join(text[start:end].split()), text=text, start=start)
        key = normalize(written)
        forms[key] += 1
        first.setdefault(key, written)
    return first[forms.most_common(1)[0][0]]


def _without_clitic(written: str, *, text: str, start: int) -> str:
    """`written` without a conjunction or preposition on its first word: the one before the
    article (بالانتخابات → الانتخابات, للحكومة → الحكومة), or one the stemmer also takes off
    (وقوات → قوات; not وزير, whose و is its own)."""
    stripped = _ARTICLE_CLITIC.sub("", written)
    if stripped != written:
        if stripped.startswith("ل") and not stripped.startswith("ال"):
            stripped = "ا" + stripped if _was_article(text, start) else stripped
        return stripped
    first = written.split(" ", 1)[0]
    stem = stem_arabic(normalize(first))
    rest = first[1:]
    if first[:1] in _CLITICS and len(normalize(rest)) >= 3 and stem_arabic(normalize(rest)) == stem:
        return rest + written[len(first) :]
    return written


_CLITICS = frozenset("و")  # the stemmer also takes letters of names: بارزاني, فرهاد


def _was_article(text: str, start: int) -> bool:
    """Whether the word at `start` was written لل (ل + the article whose alef is dropped)."""
    return bool(re.match(r"[وف]?لل", text[start:]))


# --- document frequencies --------------------------------------------------------------------


def count_document_frequencies(texts: Iterable[str]) -> DocumentFrequencies:
    """How many of `texts` use each stem (stopwords left out)."""
    counts: Counter = Counter()
    documents = 0
    for text in texts:
        documents += 1
        counts.update({word.stem for _, word, _ in ANALYZER.words(text) if not word.stop})
    return DocumentFrequencies(documents, dict(counts))


def write_frequencies(frequencies: DocumentFrequencies, path: Path, *, min_count: int = 3) -> None:
    """Save the stems used by at least `min_count` documents (rarer ones read as unseen)."""
    rows = sorted(
        ((stem, n) for stem, n in frequencies.counts.items() if n >= min_count),
        key=lambda row: (-row[1], row[0]),
    )
    lines = [f"#documents\t{frequencies.documents}\n", *(f"{s}\t{n}\n" for s, n in rows)]
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as out:
        out.writelines(lines)


def read_frequencies(path: Path) -> DocumentFrequencies:
    counts = {}
    documents = 0
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            stem, count = line.rstrip("\n").split("\t")
            if stem == "#documents":
                documents = int(count)
            else:
                counts[stem] = int(count)
    return DocumentFrequencies(documents, counts)


def train_keyphrases(*, data_dir: Path, out_dir: Path) -> Path:
    """Count the document frequencies of the ANT articles under `data_dir` into `out_dir`."""
    from .word_clusters import ant_texts, has_ant

    if not has_ant(data_dir):
        raise FileNotFoundError(f"the ANT corpora are not under {data_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DF_FILE.name
    partial = path.with_suffix(".partial")
    write_frequencies(count_document_frequencies(ant_texts(data_dir)), partial)
    partial.replace(path)
    return path


@cache
def default_frequencies() -> DocumentFrequencies:
    """The document frequencies in the data dir's models/ (`khabar train keyphrases`), else
    the ones shipped with khabar (ANT v2.1 and v1.1 articles)."""
    from .entities import default_model_dir

    for path in (default_model_dir() / DF_FILE.name, DF_FILE):
        if path.is_file():
            return read_frequencies(path)
    return DocumentFrequencies(1, {})
