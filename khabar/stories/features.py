"""What the story clusterer reads from an article: weighted terms and a near-duplicate signature.

One pass of the Arabic toolkit's analyzer (`khabar.arabic.analyze.DEFAULT.words`) gives every
word's normalized form and light stem:

- **terms**: light stems without stopwords, as hashed ids (`term_id`), with a sublinear term
  frequency (1 + ln n) over the title and the start of the body, plus `title_weight` for each
  stem of the title, plus `entity_weight` for each canonical entity name given. The clusterer
  multiplies these by the inverse document frequency of its window (`clustering.py`).
- **signature**: a MinHash (datasketch) of the word shingles of the normalized text (title and
  the start of the body, stopwords kept, no stemming), for near-duplicates: one wire copy run
  by two outlets, or an article republished under a second address.

Only the first `body_chars` characters of the body are read: a report's first paragraphs name
the event, and the cost per article stays flat however long the article is.
"""

import math
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from datasketch import LeanMinHash, MinHash

from khabar.arabic.analyze import DEFAULT as DEFAULT_ANALYZER
from khabar.arabic.analyze import Analyzer
from khabar.arabic.normalize import normalize

ENTITY_PREFIX = "entity:"  # entity features never collide with word stems
SCHEME = "affine32"  # datasketch's MinHash permutation scheme (its default since 2.0)


@dataclass(frozen=True)
class FeatureSettings:
    """How an article is read; `clustering.Settings` holds one of these."""

    body_chars: int = 1500
    title_weight: float = 1.0  # added to a stem's weight when it is in the title
    # Weight of each canonical entity name given with the article. 0: it does not help. With
    # the trained tagger shipped with khabar (entities model v2, December 2026), weights 0.5, 1,
    # 2 and 3 scored B-cubed F1 0.885, 0.877, 0.879 and 0.878 on the DEV days against 0.888 at
    # 0 (`bench/stories.py --entities`; with the gazetteer alone, in November, 1 and 2 scored
    # 0.873 and 0.886 against 0.888). The names an article shares with other reports are
    # mostly countries, capitals and heads of state, which say what topic it is on, not which
    # event; the story's own words already carry the event's actors. Measure again when the
    # tagger changes.
    entity_weight: float = 0.0
    shingle_words: int = 3
    min_shingles: int = 8  # shorter texts get no signature (a one-line video caption)
    num_perm: int = 64
    analyzer: Analyzer = DEFAULT_ANALYZER  # the toolkit's, as search uses it


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    terms: dict[int, float]  # term id → weight before IDF
    signature: LeanMinHash | None


@lru_cache(maxsize=200_000)
def term_id(term: str) -> int:
    """A stable 32-bit id for a term (the same in every process, unlike `hash`)."""
    return zlib.crc32(term.encode("utf-8"))


def entity_key(name: str) -> str:
    """The form in which entity names are compared: normalized, spaces folded."""
    return ENTITY_PREFIX + " ".join(normalize(name).split())


def article_features(
    *, title: str, text: str, entities=(), settings: FeatureSettings
) -> ArticleFeatures:
    """Terms and signature of one article; empty text gives empty features, never an error."""
    body = (text or "")[: settings.body_chars]
    analyzer = settings.analyzer
    title_words = list(analyzer.words(title or ""))
    body_words = list(analyzer.words(body))
    title_stems = [w.stem for _, w, _ in title_words if not w.stop]
    body_stems = [w.stem for _, w, _ in body_words if not w.stop]
    counts = Counter(title_stems + body_stems)
    weights: dict[int, float] = {}
    for stem, count in counts.items():
        weights[term_id(stem)] = 1.0 + math.log(count)
    for stem in {w.stem for _, w, _ in title_words if not w.stop}:
        weights[term_id(stem)] += settings.title_weight
    for name in set(entities or ()) if settings.entity_weight > 0 else ():
        if name and name.strip():
            key = term_id(entity_key(name))
            weights[key] = weights.get(key, 0.0) + settings.entity_weight
    norms = [w.norm for _, w, _ in title_words] + [w.norm for _, w, _ in body_words]
    return ArticleFeatures(terms=weights, signature=signature(norms, settings=settings))


def signature(words: list[str], *, settings: FeatureSettings) -> LeanMinHash | None:
    """MinHash of the distinct word shingles, or None when there are too few of them."""
    n = settings.shingle_words
    shingles = {" ".join(words[i : i + n]).encode("utf-8") for i in range(len(words) - n + 1)}
    if len(shingles) < settings.min_shingles:
        return None
    minhash = MinHash(
        num_perm=settings.num_perm,
        hashfunc=zlib.crc32,
        permutations=_permutations(settings.num_perm),
        scheme=SCHEME,
    )
    minhash.update_batch(shingles)
    return LeanMinHash(minhash)


@lru_cache(maxsize=4)
def _permutations(num_perm: int):
    # Made once: MinHash draws its permutations from a seeded generator on every construction.
    return MinHash(num_perm=num_perm, scheme=SCHEME).permutations
