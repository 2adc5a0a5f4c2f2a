"""Stories benchmark: B-cubed against hand labels, throughput and peak memory, in one run.

Corpus: ANT multi-source v2.1 (../shared/data), one article per URL (the first row of each),
in published order (RFC-822 `time`, to UTC). Labels: bench/data/stories-labels.tsv, 720
articles of seven days of March–May 2018 labelled by hand into stories (docs/stories-guideline.md
says what a story is and how the days were sampled). Split by day: DEV is 18 March, 14 April,
24 April and 9 May; TEST is 27 March, 8 April and 14 May.

One pass of `StoryClusterer` over the whole corpus (every article of every category, labelled
or not, as a worker would see them) gives both the quality figures, read off the labelled
articles, and the cost: articles/s on one core (the `add` calls alone: features, look-ups,
updates), and the peak resident memory of the process.

Quality is B-cubed precision, recall and F1 over the labelled articles. The labels say nothing
about articles of two different labelled days, so each article's cluster and story are taken
within its own day. Baselines, in the same run, over the same stream:
- exact duplicates: articles whose normalized text is the same (ingest's text fingerprint rule)
  are one story, every other article is its own;
- title similarity only: each article joins the story of the most similar earlier title within
  the same 72-hour window (cosine of the toolkit's title stems, IDF from the window), or starts
  one; its threshold is tuned on DEV in this run.

`--tune` scores a grid of khabar's settings on DEV (the whole stream for each) and prints it;
the chosen values are `DEFAULT_SETTINGS` in khabar/stories/clustering.py. `--entities` adds the
entity tagger's canonical names as features at several weights (on the stream from three days
before each labelled day to one day after it). `--trace-memory` says what the clusterer's state
holds at the end of the stream.

    .venv/bin/python bench/stories.py [--tune | --entities | --trace-memory] [--limit N]
"""

import argparse
import gc
import gzip
import itertools
import json
import math
import resource
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _header import print_header  # noqa: E402

from khabar.arabic.analyze import terms as toolkit_terms  # noqa: E402
from khabar.arabic.normalize import normalize, normalize_spaces  # noqa: E402
from khabar.stories.clustering import (  # noqa: E402
    DEFAULT_SETTINGS,
    DEFAULT_WINDOW,
    ArticleRecord,
    Settings,
    StoryClusterer,
)
from khabar.tagging.topics import shared_data_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = shared_data_dir() / "ant-corpus-multisource-v2.1/ant_v2.1_multisource.jsonl.gz"
LABELS = ROOT / "bench/data/stories-labels.tsv"
F1_GOAL = 0.85
COST_GOAL_MS = 3.0  # clustering's share of the enrich step's 10 ms an article


def main() -> None:
    args = parse_args()
    print_header("khabar stories benchmark", corpus=CORPUS, labels=LABELS)
    loaded_at = time.perf_counter()
    records = load_corpus(CORPUS, limit=args.limit)
    labels = load_labels(LABELS)
    # The 30k loaded records stay out of the garbage collector's way: otherwise its full
    # collections over them would show up as pauses inside the clusterer's calls.
    gc.collect()
    gc.freeze()
    memory_loaded = peak_memory_mib()
    print(
        f"  loaded    {len(records):,} articles (one per URL) in"
        f" {time.perf_counter() - loaded_at:.1f} s; {len(labels)} labelled"
        f" ({Counter(label.split for label in labels.values()).most_common()})"
    )
    missing = [docno for docno in labels if docno not in {r.id for r in records}]
    if missing and not args.limit:
        sys.exit(f"labelled articles missing from the corpus: {missing[:5]} …")
    if args.tune:
        tune(records, labels)
        return
    if args.trace_memory:
        trace_memory(records)
        return
    if args.entities:
        compare_entity_weights(records, labels)
        return
    print("\nkhabar: one pass over the whole stream")
    clusters, cost = run_clusterer(records, settings=DEFAULT_SETTINGS)
    memory_after = peak_memory_mib()
    title_threshold = tune_title_baseline(records, labels)
    systems = {
        "exact duplicates": exact_duplicate_clusters(records),
        f"title similarity (≥ {title_threshold:.2f}, tuned on dev)": title_clusters(
            records, threshold=title_threshold
        ),
        "khabar StoryClusterer": clusters,
    }
    report_quality(systems, labels)
    report_cost(cost, memory_loaded=memory_loaded, memory_after=memory_after)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tune", action="store_true", help="search thresholds on DEV")
    parser.add_argument("--limit", type=int, help="only the first N articles (a quick run)")
    parser.add_argument(
        "--trace-memory", action="store_true", help="what the clusterer's state holds (slow)"
    )
    parser.add_argument(
        "--entities",
        action="store_true",
        help="entity names from khabar.tagging as extra features, at several weights",
    )
    return parser.parse_args()


def peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --- data ------------------------------------------------------------------------------------


def load_corpus(path: Path, *, limit: int | None) -> list[ArticleRecord]:
    """One record per URL (its first row), in published order (then docno)."""
    records, seen = [], set()
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, limit):
            row = json.loads(line)
            if row["url"] in seen:
                continue
            seen.add(row["url"])
            records.append(
                ArticleRecord(
                    id=row["docno"],
                    title=row["title"] or "",
                    text=row["text"] or "",
                    published_at=parsedate_to_datetime(row["time"]).astimezone(UTC),
                    source=row["source"],
                )
            )
    records.sort(key=lambda r: (r.published_at, r.id))
    return records


@dataclass(frozen=True)
class Label:
    day: str
    split: str
    story: str


def load_labels(path: Path) -> dict[str, Label]:
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("docno\t"):
            continue
        docno, _url, day, split, story = line.split("\t")
        labels[docno] = Label(day, split, story)
    return labels


# --- khabar ----------------------------------------------------------------------------------


@dataclass
class Cost:
    articles: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    slowest_ms: float = 0.0
    call_ms: list = None
    window_articles_max: int = 0
    window_stories_max: int = 0
    reasons: Counter = None


def run_clusterer(records, *, settings: Settings) -> tuple[dict[str, int], Cost]:
    """Final story of every article (merges followed), and the cost of the `add` calls."""
    clusterer = StoryClusterer(window=DEFAULT_WINDOW, settings=settings)
    story_of: dict[str, int] = {}
    merged_into = UnionFind()
    cost = Cost(reasons=Counter(), call_ms=[])
    for record in records:
        started, cpu_started = time.perf_counter(), time.process_time()
        assignment = clusterer.add(record)
        elapsed = time.perf_counter() - started
        cost.cpu_seconds += time.process_time() - cpu_started
        cost.seconds += elapsed
        cost.slowest_ms = max(cost.slowest_ms, 1000 * elapsed)
        cost.call_ms.append(1000 * elapsed)
        cost.articles += 1
        cost.reasons[assignment.reason] += 1
        story_of[record.id] = assignment.story_id
        for merged in assignment.merged_story_ids:
            merged_into.union(merged, assignment.story_id)
        if cost.articles % 500 == 0:
            cost.window_articles_max = max(cost.window_articles_max, len(clusterer))
            cost.window_stories_max = max(cost.window_stories_max, len(clusterer.stories()))
    return {a: merged_into.find(s) for a, s in story_of.items()}, cost


class UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, item):
        root = item
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while item != root:
            self.parent[item], item = root, self.parent.get(item, item)
        return root

    def union(self, merged, survivor) -> None:
        self.parent[self.find(merged)] = self.find(survivor)


# --- baselines -------------------------------------------------------------------------------


def exact_duplicate_clusters(records) -> dict[str, str]:
    """Same normalized text (as ingest's text fingerprint), same story; else its own story."""
    first_with_text: dict[str, str] = {}
    clusters = {}
    for record in records:
        text = normalize_spaces(normalize(record.text))
        key = first_with_text.setdefault(text, record.id) if text else record.id
        clusters[record.id] = key
    return clusters


def title_clusters(records, *, threshold: float, window=DEFAULT_WINDOW) -> dict[str, str]:
    """Each article joins the story of its most similar earlier title in the window."""
    clusters: dict[str, str] = {}
    recent: list[tuple[datetime, str, dict[str, float]]] = []
    frequency: Counter = Counter()
    postings: dict[str, set[int]] = defaultdict(set)
    start = 0  # recent[start:] is the window
    for record in records:
        horizon = record.published_at - window
        while start < len(recent) and recent[start][0] < horizon:
            for term in recent[start][2]:
                frequency[term] -= 1
                postings[term].discard(start)
            start += 1
        words = set(toolkit_terms(record.title))
        frequency.update(words)
        documents = len(recent) - start + 1
        vector = unit({t: math.log((documents + 1) / (frequency[t] + 1)) + 1 for t in words})
        best, best_score = None, threshold
        for index in set().union(*(postings[t] for t in vector)) if vector else ():
            other = recent[index][2]
            score = sum(w * other.get(t, 0.0) for t, w in vector.items())
            if score >= best_score:
                best, best_score = recent[index][1], score
        clusters[record.id] = clusters[best] if best is not None else record.id
        for term in vector:
            postings[term].add(len(recent))
        recent.append((record.published_at, record.id, vector))
    return clusters


def unit(vector: dict) -> dict:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def tune_title_baseline(records, labels) -> float:
    stream = labelled_period(records, labels, split="dev")
    best = max(
        (b_cubed(title_clusters(stream, threshold=t), labels, split="dev")[2], t)
        for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
    )
    return best[1]


# --- quality ---------------------------------------------------------------------------------


def b_cubed(clusters: dict, labels: dict[str, Label], *, split: str | None, day: str | None = None):
    """(precision, recall, F1, articles): B-cubed over labelled articles, within each day."""
    items = [
        d
        for d, label in labels.items()
        if d in clusters and split in (None, label.split) and day in (None, label.day)
    ]
    by_day_cluster: Counter = Counter((labels[d].day, clusters[d]) for d in items)
    by_story: Counter = Counter(labels[d].story for d in items)
    both: Counter = Counter((labels[d].day, clusters[d], labels[d].story) for d in items)
    precision = recall = 0.0
    for d in items:
        label = labels[d]
        common = both[label.day, clusters[d], label.story]
        precision += common / by_day_cluster[label.day, clusters[d]]
        recall += common / by_story[label.story]
    if not items:
        return 0.0, 0.0, 0.0, 0
    precision, recall = precision / len(items), recall / len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, len(items)


def report_quality(systems: dict[str, dict], labels) -> None:
    print("\nB-cubed over the labelled articles (clusters and stories taken within each day)")
    print(f"    {'system':<44} {'split':<5} {'n':>4}  {'P':>6} {'R':>6} {'F1':>6}")
    for split in ("dev", "test"):
        for name, clusters in systems.items():
            p, r, f1, n = b_cubed(clusters, labels, split=split)
            print(f"    {name:<44} {split:<5} {n:>4}  {p:6.3f} {r:6.3f} {f1:6.3f}")
    p, r, f1, n = b_cubed(systems["khabar StoryClusterer"], labels, split="test")
    print(f"    goal F1 ≥ {F1_GOAL} on TEST: {'met' if f1 >= F1_GOAL else 'NOT met'} ({f1:.3f})")
    print("  F1 by day (" + ", ".join(systems) + ")")
    for day in sorted({label.day for label in labels.values()}):
        split = next(label.split for label in labels.values() if label.day == day)
        scores = [b_cubed(clusters, labels, split=None, day=day) for clusters in systems.values()]
        n = scores[0][3]
        print(f"    {day} {split:<5} {n:>4}  " + "  ".join(f"{score[2]:.3f}" for score in scores))


def percentile(values: list, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] if ordered else 0.0


def report_cost(cost: Cost, *, memory_loaded: float, memory_after: float) -> None:
    per_article = 1000 * cost.cpu_seconds / max(cost.articles, 1)
    print(f"\nCost of StoryClusterer.add over the whole stream ({cost.articles:,} articles)")
    print(
        f"    CPU time {cost.cpu_seconds:.1f} s: {cost.articles / cost.cpu_seconds:,.0f}"
        f" articles/s on one core, {per_article:.2f} ms/article"
    )
    print(
        f"    wall clock {cost.seconds:.1f} s: {cost.articles / cost.seconds:,.0f} articles/s,"
        f" {1000 * cost.seconds / max(cost.articles, 1):.2f} ms/article;"
        f" per call median {percentile(cost.call_ms, 50):.1f} ms, 99th percentile"
        f" {percentile(cost.call_ms, 99):.1f} ms, slowest {cost.slowest_ms:.0f} ms"
    )
    print(
        f"    goal ≲ {COST_GOAL_MS} ms/article: {'met' if per_article <= COST_GOAL_MS else 'NOT met'}"
    )
    print(
        f"    window (72 h): up to {cost.window_articles_max} articles in"
        f" {cost.window_stories_max} stories; decisions {dict(cost.reasons)}"
    )
    print(
        f"    peak RSS {memory_after:.0f} MiB (corpus loaded: {memory_loaded:.0f} MiB;"
        f" the clusterer's share at most {memory_after - memory_loaded:.0f} MiB)"
    )


def trace_memory(records) -> None:
    """Memory held at the end of the stream, by module: the clusterer's own state (stories,
    postings, document frequencies, LSH) against the Arabic toolkit's word caches."""
    print("\nmemory held after the whole stream (tracemalloc; runs about twice as slow)")
    tracemalloc.start()
    clusterer = StoryClusterer()
    for record in records:
        clusterer.add(record)
    gc.collect()
    by_file = tracemalloc.take_snapshot().statistics("filename")
    groups: Counter = Counter()
    for stat in by_file:
        name = stat.traceback[0].filename
        if "khabar/stories" in name or "datasketch" in name:
            groups["clusterer state (khabar/stories, datasketch LSH)"] += stat.size
        elif "khabar/arabic" in name:
            groups["Arabic toolkit caches (analyzer, stemmer, normalizer tables)"] += stat.size
        else:
            groups["other"] += stat.size
    for group, size in groups.most_common():
        print(f"    {size / 2**20:6.1f} MiB  {group}")
    print(f"    window at the end: {len(clusterer)} articles, {len(clusterer.stories())} stories")


ENTITY_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0)


def compare_entity_weights(records, labels) -> None:
    """Canonical entity names from the project's tagger as features, at several weights.

    Runs on the stream around the labelled DEV days (as `--tune` does; TEST is never used to
    choose); the tagger is whatever `khabar.tagging.entities.extract_entities` loads (a model
    trained into KHABAR_DATA_DIR, else the one shipped with khabar).
    """
    try:
        from khabar.tagging.entities import extract_entities
    except ImportError as error:
        print(f"\nentities: skipped, the tagger cannot be imported ({error})")
        return
    print("\nentities from khabar.tagging.entities.extract_entities (title + body start)")
    chars = DEFAULT_SETTINGS.features.body_chars
    for split in ("dev",):
        stream = labelled_period(records, labels, split=split)
        started = time.process_time()
        tagged = [
            replace(
                r,
                entities=tuple(
                    {e.canonical for e in extract_entities(f"{r.title}\n{r.text[:chars]}")}
                ),
            )
            for r in stream
        ]
        per_article = 1000 * (time.process_time() - started) / max(len(stream), 1)
        share = sum(1 for r in tagged if r.entities) / max(len(tagged), 1)
        print(
            f"  {split}: {len(stream):,} articles, tagging {per_article:.1f} ms/article,"
            f" {share:.0%} with at least one entity"
        )
        for weight in ENTITY_WEIGHTS:
            features = replace(DEFAULT_SETTINGS.features, entity_weight=weight)
            clusters, _ = run_clusterer(
                tagged, settings=replace(DEFAULT_SETTINGS, features=features)
            )
            p, r, f1, n = b_cubed(clusters, labels, split=split)
            print(f"    entity weight {weight:g}: P {p:.3f} R {r:.3f} F1 {f1:.3f} ({n} labelled)")


# --- tuning ----------------------------------------------------------------------------------


def labelled_period(records, labels, *, split: str) -> list[ArticleRecord]:
    """The stream from three days before each labelled day of `split` to one day after it."""
    days = {
        datetime.fromisoformat(label.day).replace(tzinfo=UTC)
        for label in labels.values()
        if label.split == split
    }
    spans = [(day - timedelta(days=3), day + timedelta(days=2)) for day in days]
    return [r for r in records if any(a <= r.published_at < b for a, b in spans)]


TUNING_GRID = {
    "half_life_hours": (8.0, 12.0, 16.0),
    "join_threshold": (0.15, 0.18, 0.21),
    "aged_join_threshold": (0.5, 0.6),
}


def tune(records, labels) -> None:
    """Every combination of `TUNING_GRID` (the rest as in DEFAULT_SETTINGS), scored on DEV
    over the whole stream as in the main run; prints each and the five best."""
    print(f"\ntuning on DEV: the whole stream ({len(records):,} articles) for each setting")
    results = []
    for values in itertools.product(*TUNING_GRID.values()):
        settings = replace(DEFAULT_SETTINGS, **dict(zip(TUNING_GRID, values, strict=True)))
        clusters, _ = run_clusterer(records, settings=settings)
        p, r, f1, _ = b_cubed(clusters, labels, split="dev")
        results.append((round(f1, 4), p, r, values))
        print(f"    {describe(values)}: P {p:.3f} R {r:.3f} F1 {f1:.3f}", flush=True)
    print("five best on DEV:")
    for f1, p, r, values in sorted(results, reverse=True)[:5]:
        print(f"    {describe(values)}: P {p:.3f} R {r:.3f} F1 {f1:.3f}")


def describe(values) -> str:
    return ", ".join(f"{name} {value:g}" for name, value in zip(TUNING_GRID, values, strict=True))


if __name__ == "__main__":
    main()
