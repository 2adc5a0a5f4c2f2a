"""Incremental story clustering: each new article joins a story of the last 72 hours or starts one.

A story is one news event told by one or more outlets (docs/stories-guideline.md). Articles are
added one at a time, in published order, and each decision looks only at the sliding window:
the articles published in the `window` (72 hours by default) before the newest one seen.
Nothing is ever reclustered.

For each article (`StoryClusterer.add`):

1. **Near-duplicate.** The MinHash of its word shingles is looked up in an LSH index of the
   window's articles (datasketch). An article whose estimated shingle Jaccard reaches
   `duplicate_threshold` joins that article's story (reason ``"duplicate"``).
2. **Related report.** Otherwise its TF-IDF vector (light stems of the title and the start of
   the body, title stems weighted up, canonical entity names as extra features when given, the
   strongest `max_terms` kept; the IDF comes from the window's document frequencies) is compared
   by cosine with the centroid of every story it shares a term with. The best story that clears
   its bar takes it (reason ``"similar"``): `join_threshold` while the story is fresh (first
   seen less than `fresh_hours` before), `aged_join_threshold` after that. An event's coverage
   comes mostly in its first day; the higher bar afterwards keeps clear follow-ups but stops a
   story from chaining on through every report of its topic (a war, a crisis) for weeks.
3. **Merge.** Any other story that clears its bar at `merge_threshold` or more, and whose
   centroid is at least `merge_centroid_threshold` similar to the best story's, turns out to be
   the same story: the stories are merged into the one seen first (reason ``"merged"``).
4. Otherwise the article starts a new story (reason ``"new"``).

A story's centroid is the sum of its window articles' unit vectors, each weighted by its
recency (the weight halves every `half_life_hours`), so that a developing story is compared
with how it is being told now rather than how it began. As articles leave the window they leave
the centroid, the LSH index and the document frequencies, and a story with no article left in
the window is forgotten. So the state is a function of the window's articles
and their stories: `StoryClusterer.from_recent` rebuilds it at start-up from what the database
holds, without reclustering.

Cost: about 2 ms of CPU an article at the ANT multi-source corpus's density, about 20 MiB of
state for a 72-hour window (docs/benchmarks.md, "Stories"); the thresholds were tuned on the
DEV days of the hand labels (bench/stories.py, bench/data/stories-labels.tsv).
"""

import heapq
import itertools
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from datasketch import LeanMinHash, MinHashLSH

from .features import ArticleFeatures, FeatureSettings, article_features

DEFAULT_WINDOW = timedelta(hours=72)


@dataclass(frozen=True)
class Settings:
    """Thresholds and reading choices; `DEFAULT_SETTINGS` is the measured choice."""

    features: FeatureSettings = field(default_factory=FeatureSettings)
    max_terms: int = 100  # an article's vector keeps its strongest terms only
    join_threshold: float = 0.18  # cosine of the article with a story's centroid
    # After `fresh_hours` a story takes only articles that match it this well: an event's
    # coverage comes in its first day or so, and a lower bar would let a story chain on through
    # every report of its topic (a war, a crisis) for as long as the topic lasts.
    fresh_hours: float = 48.0
    aged_join_threshold: float = 0.5
    merge_threshold: float = 0.3  # the article also matches a second story this well…
    merge_centroid_threshold: float = 0.2  # …and the two centroids are this similar: merge
    duplicate_threshold: float = 0.5  # estimated Jaccard of word shingles
    half_life_hours: float | None = 12.0  # newer articles weigh more in a centroid


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class ArticleRecord:
    """What the clusterer needs of an article. `published_at` must be timezone-aware.

    `entities` are canonical entity names (from the entity tagger), if any.
    """

    id: Hashable
    title: str
    text: str
    published_at: datetime
    source: str = ""
    entities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    """Where `add` put an article.

    `merged_story_ids` are stories that this article showed to be `story_id` too: they no longer
    exist, and their articles now belong to `story_id`. `score` is the cosine with the story's
    centroid ("similar", "merged"), the estimated Jaccard ("duplicate"), or 0.0 ("new").
    """

    article_id: Hashable
    story_id: int
    reason: str  # "new", "duplicate", "similar", "merged" or "known" (added before)
    score: float
    merged_story_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Story:
    """A story as the clusterer sees it now.

    `first_seen`, `article_count` and `sources` count every article the clusterer has given the
    story since it started (or since `from_recent`); `article_ids` and `headline` come from the
    articles still in the window. The headline is the title of the article closest to the
    centroid: the report that best sums up what the outlets have in common.
    """

    id: int
    headline: str
    first_seen: datetime
    last_seen: datetime
    article_count: int
    sources: tuple[str, ...]  # most articles first
    article_ids: tuple[Hashable, ...]  # in the window, in published order


@dataclass
class _Member:
    id: Hashable
    story_id: int
    published_at: datetime
    title: str
    terms: tuple[int, ...]  # every term, for the document frequencies
    vector: dict[int, float]  # unit length, the strongest `max_terms` terms
    signature: LeanMinHash | None


@dataclass
class _Story:
    id: int
    first_seen: datetime
    last_seen: datetime
    article_count: int = 0
    sources: Counter = field(default_factory=Counter)
    centroid: dict[int, float] = field(default_factory=dict)
    norm2: float = 0.0
    members: dict[Hashable, None] = field(default_factory=dict)  # ordered set, window only


class StoryClusterer:
    """Assigns articles to stories one at a time; see the module docstring for the method.

    `new_story_id` makes the id of each new story (by default 1, 2, 3, …): the caller may pass
    one that continues after the ids it has already stored.
    """

    def __init__(
        self,
        *,
        window: timedelta = DEFAULT_WINDOW,
        settings: Settings = DEFAULT_SETTINGS,
        new_story_id: Callable[[], int] | None = None,
    ):
        self.window = window
        self.settings = settings
        self._new_story_id = new_story_id or itertools.count(1).__next__
        self._stories: dict[int, _Story] = {}
        self._members: dict[Hashable, _Member] = {}
        self._expiry: list[tuple[datetime, int, Hashable]] = []  # heap by published time
        self._sequence = itertools.count()
        # The centroids, inverted: term → {story id: the term's weight in the story's centroid}.
        self._postings: dict[int, dict[int, float]] = {}
        self._document_frequency: Counter = Counter()  # term → window articles with it
        # Bands of 3 rows: a pair at the duplicate threshold (Jaccard 0.5) is a candidate with
        # probability 0.94 (64 permutations), a pair of unrelated reports (0.05) with 0.003; the
        # candidates' Jaccard is then estimated from their signatures.
        num_perm = settings.features.num_perm
        self._lsh = MinHashLSH(num_perm=num_perm, params=(num_perm // 3, 3))
        self._clock: datetime | None = None  # the newest published time seen
        self._epoch: datetime | None = None  # see `_time_weight`

    # --- public API ---------------------------------------------------------------------------

    def add(self, article: ArticleRecord) -> Assignment:
        """Put `article` in a story of the window (or a new one) and say which and why."""
        if article.id in self._members:
            story_id = self._members[article.id].story_id
            return Assignment(article.id, story_id, "known", 1.0)
        self._advance_clock(article.published_at)
        features = self._features(article)
        self._count_documents(features.terms, +1)
        vector = self._vector(features.terms)
        story_id, reason, score, merged = self._decide(article, vector, features.signature)
        if story_id is None:
            story_id = self._start_story(article.published_at)
        self._join(story_id, article, features, vector)
        return Assignment(article.id, story_id, reason, round(score, 4), tuple(merged))

    @classmethod
    def from_recent(
        cls,
        assigned: Iterable[tuple[ArticleRecord, int]],
        *,
        first_seen: Mapping[int, datetime] | None = None,
        **kwargs,
    ) -> "StoryClusterer":
        """A clusterer whose window holds these articles in these stories, as decided before.

        Pass the articles of the last `window` with the story id each one has (in any order),
        and each story's first-seen time if it is older than its articles in the window (it
        decides how close a new article must be; see `fresh_hours`). The stories keep their ids
        and nothing is reclustered. Other keyword arguments are those of the constructor;
        without `new_story_id`, new stories are numbered after the largest id given.
        """
        assigned = sorted(assigned, key=lambda pair: pair[0].published_at)
        if "new_story_id" not in kwargs:
            first_free = max((story_id for _, story_id in assigned), default=0) + 1
            kwargs["new_story_id"] = itertools.count(first_free).__next__
        clusterer = cls(**kwargs)
        for article, story_id in assigned:
            clusterer.restore(article, story_id=story_id)
        for story_id, seen in (first_seen or {}).items():
            story = clusterer._stories.get(story_id)
            if story is not None:
                story.first_seen = min(story.first_seen, seen)
        return clusterer

    def restore(self, article: ArticleRecord, *, story_id: int) -> None:
        """Put `article` back in story `story_id` without deciding anything (see `from_recent`)."""
        if article.id in self._members:
            return
        self._advance_clock(article.published_at)
        features = self._features(article)
        self._count_documents(features.terms, +1)
        if story_id not in self._stories:
            self._stories[story_id] = _Story(
                story_id, first_seen=article.published_at, last_seen=article.published_at
            )
        self._join(story_id, article, features, self._vector(features.terms))

    def story(self, story_id: int) -> Story | None:
        """The story as it is now, or None if it left the window (or was merged away)."""
        story = self._stories.get(story_id)
        return None if story is None else self._summary(story)

    def stories(self) -> list[Story]:
        """Every story with an article in the window, the most recently active first."""
        ordered = sorted(self._stories.values(), key=lambda s: s.last_seen, reverse=True)
        return [self._summary(story) for story in ordered]

    def story_id_of(self, article_id: Hashable) -> int | None:
        """The story of an article still in the window."""
        member = self._members.get(article_id)
        return None if member is None else member.story_id

    def __len__(self) -> int:
        """Articles in the window."""
        return len(self._members)

    # --- deciding -----------------------------------------------------------------------------

    def _features(self, article: ArticleRecord) -> ArticleFeatures:
        return article_features(
            title=article.title,
            text=article.text,
            entities=article.entities,
            settings=self.settings.features,
        )

    def _decide(self, article, vector, signature):
        """(story id or None, reason, score, merged story ids) for a new article."""
        duplicate = self._nearest_duplicate(signature, published_at=article.published_at)
        if duplicate is not None:
            story_id, jaccard = duplicate
            return story_id, "duplicate", jaccard, []
        scored = self._similar_stories(vector, published_at=article.published_at)
        if not scored:
            return None, "new", 0.0, []
        best_score, best_id = scored[0]
        merging = [
            story_id
            for score, story_id in scored[1:]
            if score >= self.settings.merge_threshold
            and self._centroid_cosine(best_id, story_id) >= self.settings.merge_centroid_threshold
        ]
        if not merging:
            return best_id, "similar", best_score, []
        survivor = self._merge([best_id, *merging])
        return survivor, "merged", best_score, [i for i in [best_id, *merging] if i != survivor]

    def _nearest_duplicate(self, signature, *, published_at):
        if signature is None:
            return None
        best = None
        for article_id in self._lsh.query(signature):
            member = self._members[article_id]
            if not self._in_window(member.published_at, published_at):
                continue
            jaccard = signature.jaccard(member.signature)
            if jaccard >= self.settings.duplicate_threshold and (best is None or jaccard > best[1]):
                best = (member.story_id, jaccard)
        return best

    def _similar_stories(self, vector, *, published_at) -> list[tuple[float, int]]:
        """(cosine, story id) of the stories that would take the article, best first.

        The dot products are summed along the postings of the article's terms, so only the
        (term, story) pairs that actually meet are visited.
        """
        dots: dict[int, float] = {}
        for term, weight in vector.items():
            for story_id, centroid_weight in self._postings.get(term, {}).items():
                dots[story_id] = dots.get(story_id, 0.0) + weight * centroid_weight
        scored = []
        for story_id, dot in dots.items():
            story = self._stories[story_id]
            if story.norm2 <= 0 or not self._in_window(story.last_seen, published_at):
                continue
            score = dot / math.sqrt(story.norm2)
            if score >= self._join_bar(story, published_at):
                scored.append((score, story_id))
        scored.sort(reverse=True)
        return scored

    def _join_bar(self, story: _Story, published_at: datetime) -> float:
        """The cosine an article needs to join: higher once the story is no longer fresh."""
        if published_at - story.first_seen > timedelta(hours=self.settings.fresh_hours):
            return self.settings.aged_join_threshold
        return self.settings.join_threshold

    def _centroid_cosine(self, first: int, second: int) -> float:
        a, b = self._stories[first], self._stories[second]
        if a.norm2 <= 0 or b.norm2 <= 0:
            return 0.0
        small, large = sorted((a.centroid, b.centroid), key=len)
        dot = sum(weight * large.get(term, 0.0) for term, weight in small.items())
        return dot / math.sqrt(a.norm2 * b.norm2)

    def _in_window(self, then: datetime, now: datetime) -> bool:
        return abs(now - then) <= self.window

    # --- vectors ------------------------------------------------------------------------------

    def _count_documents(self, terms, sign: int) -> None:
        frequency = self._document_frequency
        for term in terms:
            frequency[term] += sign
            if frequency[term] <= 0:
                del frequency[term]

    def _vector(self, terms: dict[int, float]) -> dict[int, float]:
        """Unit TF-IDF vector of the strongest `max_terms` terms; IDF from the window (smoothed)."""
        documents = len(self._members) + 1
        frequency = self._document_frequency
        vector = {
            term: weight * (math.log((documents + 1) / (frequency[term] + 1)) + 1.0)
            for term, weight in terms.items()
        }
        if len(vector) > self.settings.max_terms:
            vector = dict(heapq.nlargest(self.settings.max_terms, vector.items(), key=_weight))
        norm = math.sqrt(sum(w * w for w in vector.values()))
        return {term: w / norm for term, w in vector.items()} if norm > 0 else {}

    # --- changing the state -------------------------------------------------------------------

    def _start_story(self, published_at: datetime) -> int:
        story_id = self._new_story_id()
        self._stories[story_id] = _Story(story_id, first_seen=published_at, last_seen=published_at)
        return story_id

    def _join(self, story_id, article: ArticleRecord, features: ArticleFeatures, vector) -> None:
        story = self._stories[story_id]
        signature = features.signature
        member = _Member(
            article.id,
            story_id,
            article.published_at,
            article.title or "",
            tuple(features.terms),
            vector,
            signature,
        )
        self._members[article.id] = member
        heapq.heappush(self._expiry, (article.published_at, next(self._sequence), article.id))
        story.first_seen = min(story.first_seen, article.published_at)
        story.last_seen = max(story.last_seen, article.published_at)
        story.article_count += 1
        story.sources[article.source or ""] += 1
        story.members[article.id] = None
        self._add_vector(story, vector, self._time_weight(article.published_at))
        if signature is not None:
            self._lsh.insert(article.id, signature)

    def _time_weight(self, published_at: datetime) -> float:
        """An article's weight in its story's centroid: 2^(hours since the epoch / half-life).

        Only the ratio of two articles' weights matters to a cosine, so newer articles count
        more without any weight ever being updated; the epoch moves forward now and then to
        keep the numbers small (`_rebase`).
        """
        half_life = self.settings.half_life_hours
        if not half_life:
            return 1.0
        if self._epoch is None:
            self._epoch = published_at - self.window
        return 2.0 ** ((published_at - self._epoch).total_seconds() / 3600 / half_life)

    def _rebase(self) -> None:
        """Move the epoch to the window's start, dividing every weight by the same factor."""
        half_life = self.settings.half_life_hours
        if not half_life or self._epoch is None or self._clock is None:
            return
        epoch = self._clock - self.window
        exponent = (epoch - self._epoch).total_seconds() / 3600 / half_life
        if exponent < 30:
            return
        factor = 2.0**-exponent
        for story in self._stories.values():
            story.centroid = {term: w * factor for term, w in story.centroid.items()}
            story.norm2 *= factor * factor
        for postings in self._postings.values():
            for story_id in postings:
                postings[story_id] *= factor
        self._epoch = epoch

    def _add_vector(self, story: _Story, vector: dict[int, float], sign: float) -> None:
        """Add (sign > 0) or take away (< 0) sign × a unit vector: the centroid and postings."""
        centroid = story.centroid
        for term, weight in vector.items():
            old = centroid.get(term, 0.0)
            new = old + sign * weight
            story.norm2 += new * new - old * old
            if abs(new) < 1e-9 * abs(sign):  # the last article with the term left
                centroid.pop(term, None)
                postings = self._postings.get(term)
                if postings is not None:
                    postings.pop(story.id, None)
                    if not postings:
                        del self._postings[term]
            else:
                centroid[term] = new
                self._postings.setdefault(term, {})[story.id] = new
        if not centroid:
            story.norm2 = 0.0

    def _merge(self, story_ids: list[int]) -> int:
        """Fold the stories into the one seen first; its id survives."""
        stories = sorted((self._stories[i] for i in story_ids), key=lambda s: (s.first_seen, s.id))
        survivor = stories[0]
        for story in stories[1:]:
            for article_id in story.members:
                self._members[article_id].story_id = survivor.id
                survivor.members[article_id] = None
            for term, weight in story.centroid.items():
                postings = self._postings[term]
                del postings[story.id]
                postings[survivor.id] = survivor.centroid.get(term, 0.0) + weight
                survivor.centroid[term] = postings[survivor.id]
            survivor.first_seen = min(survivor.first_seen, story.first_seen)
            survivor.last_seen = max(survivor.last_seen, story.last_seen)
            survivor.article_count += story.article_count
            survivor.sources.update(story.sources)
            del self._stories[story.id]
        survivor.norm2 = sum(w * w for w in survivor.centroid.values())
        survivor.members = dict(
            sorted(survivor.members.items(), key=lambda item: self._members[item[0]].published_at)
        )
        return survivor.id

    def _advance_clock(self, published_at: datetime) -> None:
        if published_at.tzinfo is None:
            raise ValueError(f"published_at must be timezone-aware, got {published_at!r}")
        if self._clock is None or published_at > self._clock:
            self._clock = published_at
        horizon = self._clock - self.window
        while self._expiry and self._expiry[0][0] < horizon:
            _, _, article_id = heapq.heappop(self._expiry)
            self._forget(article_id)
        self._rebase()

    def _forget(self, article_id: Hashable) -> None:
        """An article leaves the window; a story with no article left in it is forgotten."""
        member = self._members.pop(article_id)
        story = self._stories[member.story_id]
        del story.members[article_id]
        self._add_vector(story, member.vector, -self._time_weight(member.published_at))
        self._count_documents(member.terms, -1)
        if member.signature is not None:
            self._lsh.remove(article_id)
        if not story.members:
            del self._stories[story.id]

    # --- reading ------------------------------------------------------------------------------

    def _summary(self, story: _Story) -> Story:
        members = [self._members[article_id] for article_id in story.members]
        return Story(
            id=story.id,
            headline=self._headline(story, members),
            first_seen=story.first_seen,
            last_seen=story.last_seen,
            article_count=story.article_count,
            sources=tuple(source for source, _ in story.sources.most_common() if source),
            article_ids=tuple(member.id for member in members),
        )

    @staticmethod
    def _headline(story: _Story, members: list[_Member]) -> str:
        """The title of the window article closest to the centroid (the earliest on a tie)."""
        best_title, best_dot = "", -1.0
        for member in members:
            if not member.title.strip():
                continue
            dot = sum(w * story.centroid.get(term, 0.0) for term, w in member.vector.items())
            if dot > best_dot + 1e-12:
                best_title, best_dot = member.title, dot
        return best_title


def _weight(item: tuple[int, float]) -> float:
    return item[1]
