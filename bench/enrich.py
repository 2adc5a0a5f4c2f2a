"""Enrich-step throughput: topics, entities and stories over the ANT v2.1 multi-source corpus.

Each part runs in its own process, so each reports its own CPU time and peak memory:

- **topics alone** (the baseline): `predict_topics` on each article;
- **pure enrich**: what the enrich step computes for each article, without Django or a
  database: `predict_topics`, `extract_entities` (the shipped model, the staff-alias mapping
  empty) on title and text, and `StoryClusterer.add`, in published order;
- **enrich step, stored**: the real thing. The corpus is imported into a fresh SQLite
  database first (`import_lines`, as `khabar import-jsonl` does; timed apart), then
  `khabar.stories.enrich.enrich_articles` enriches every stored article, in published order,
  in batches, writing topics, entities, mentions, stories, memberships and enrichment records
  (what `khabar import-jsonl` does before it exits). With DATABASE_URL set, that database is
  used instead (its server's CPU is then not in the CPU figure: see wall time).

Rates are articles per second of CPU time of the measuring process (one core), with the wall
clock alongside; peak memory is the process's peak resident set. Models are loaded and warmed
before the clock starts (loading times are printed apart), then every part freezes the objects
it holds out of the garbage collector's way, as the enrich step does (`load_models_once`).

    .venv/bin/python bench/enrich.py [--limit N] [--only topics,pure,stored]

The corpus is read from ../shared/data next to the repository, or from $KHABAR_SHARED_DATA.
"""

import argparse
import gc
import gzip
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _header import print_header  # noqa: E402

SHARED_DATA = Path(os.environ.get("KHABAR_SHARED_DATA") or ROOT.parent / "shared" / "data")
CORPUS = SHARED_DATA / "ant-corpus-multisource-v2.1/ant_v2.1_multisource.jsonl.gz"
PHASES = ("topics", "pure", "stored")
GOAL = 100.0  # articles/s per core, the whole enrich step


def main() -> None:
    args = parse_args()
    if args.phase:
        result = PHASE_FUNCTIONS[args.phase](limit=args.limit)
        result["peak_mib"] = round(peak_memory_mib(), 1)
        print(json.dumps(result))
        return
    print_header(
        "khabar enrich benchmark",
        corpus=f"{CORPUS}" + (f" (first {args.limit} lines)" if args.limit else ""),
    )
    results = {}
    for phase in args.only:
        print(f"\n[{phase}] running in its own process …", flush=True)
        results[phase] = run_phase(phase, limit=args.limit)
        print("  " + json.dumps(results[phase]), flush=True)
    report(results)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="read only the first N lines of the corpus")
    parser.add_argument(
        "--only", type=lambda v: v.split(","), default=list(PHASES), help="topics,pure,stored"
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    return parser.parse_args()


def run_phase(phase: str, *, limit: int | None) -> dict:
    command = [sys.executable, __file__, "--phase", phase]
    if limit:
        command += ["--limit", str(limit)]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        sys.exit(f"{phase} failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


# --- The corpus -----------------------------------------------------------------------------


def corpus_rows(*, limit: int | None) -> list[dict]:
    """One row per URL (its first), in published order, as (docno, title, text, time, source)."""
    rows, seen = [], set()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, limit):
            row = json.loads(line)
            if row["url"] in seen:
                continue
            seen.add(row["url"])
            row["published_at"] = parsedate_to_datetime(row["time"]).astimezone(UTC)
            rows.append(row)
    rows.sort(key=lambda row: (row["published_at"], row["docno"]))
    return rows


def clocks() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def since(start: tuple[float, float]) -> tuple[float, float]:
    cpu, wall = clocks()
    return cpu - start[0], wall - start[1]


def peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- Phases ---------------------------------------------------------------------------------


def setup_django(data_dir: str) -> None:
    os.environ["KHABAR_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khabar.settings")
    import django

    django.setup()


def phase_topics(*, limit: int | None) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)
        from khabar.tagging.topics import default_topic_model, predict_topics

        rows = corpus_rows(limit=limit)
        loading = clocks()
        model = default_topic_model()
        predict_topics("تجربة", "نص للتجربة", model=model)
        load_cpu, _ = since(loading)
        gc.freeze()  # as the enrich step does after loading its models
        before = rss_mib()
        start = clocks()
        labels = 0
        for row in rows:
            labels += len(predict_topics(row["title"] or "", row["text"] or "", model=model))
        cpu, wall = since(start)
    return {
        "articles": len(rows),
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "load_cpu_s": round(load_cpu, 2),
        "rss_before_mib": round(before, 1),
        "topics_per_article": round(labels / len(rows), 2),
    }


def phase_pure(*, limit: int | None) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)  # settings only: where the models are; no database is used
        from khabar.stories.clustering import ArticleRecord, StoryClusterer
        from khabar.tagging.entities import default_entity_model, extract_entities
        from khabar.tagging.topics import default_topic_model, predict_topics

        rows = corpus_rows(limit=limit)
        loading = clocks()
        topic_model, entity_model = default_topic_model(), default_entity_model()
        predict_topics("تجربة", "نص للتجربة", model=topic_model)
        extract_entities("زار الرئيس دمشق", model=entity_model)
        load_cpu, _ = since(loading)
        gc.freeze()  # as the enrich step does after loading its models
        before = rss_mib()
        clusterer = StoryClusterer()
        parts = {"topics": 0.0, "entities": 0.0, "stories": 0.0}
        mentions = 0
        start = clocks()
        for row in rows:
            title, text = row["title"] or "", row["text"] or ""
            t0 = time.process_time()
            predict_topics(title, text, model=topic_model)
            t1 = time.process_time()
            mentions += len(
                extract_entities(
                    f"{title}\n\n{text}", model=entity_model, language="ar", aliases={}
                )
            )
            t2 = time.process_time()
            clusterer.add(
                ArticleRecord(
                    id=row["docno"],
                    title=title,
                    text=text[:1500],
                    published_at=row["published_at"],
                    source=row["source"],
                )
            )
            t3 = time.process_time()
            parts["topics"] += t1 - t0
            parts["entities"] += t2 - t1
            parts["stories"] += t3 - t2
        cpu, wall = since(start)
    return {
        "articles": len(rows),
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "load_cpu_s": round(load_cpu, 2),
        "rss_before_mib": round(before, 1),
        "parts_cpu_s": {name: round(value, 2) for name, value in parts.items()},
        "mentions_per_article": round(mentions / len(rows), 2),
        "stories": len(clusterer.stories()),
    }


def phase_stored(*, limit: int | None) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", interactive=False, verbosity=0)
        from khabar.ingest.jsonl import ImportRun, import_lines
        from khabar.stories.enrich import enrich_articles
        from khabar.stories.models import Story
        from khabar.tagging.entities import default_entity_model, extract_entities
        from khabar.tagging.models import ArticleTopic, Entity, EntityMention
        from khabar.tagging.topics import default_topic_model, predict_topics

        lines = corpus_lines(limit=limit)
        start = clocks()
        run = ImportRun(enrich_after=True)
        import_lines(lines, run=run, default_source="ant")
        import_cpu, import_wall = since(start)

        loading = clocks()
        predict_topics("تجربة", "نص للتجربة", model=default_topic_model())
        extract_entities("زار الرئيس دمشق", model=default_entity_model())
        load_cpu, _ = since(loading)
        before = rss_mib()
        collector = CollectorClock()
        start = clocks()
        report = enrich_articles(run.to_enrich, wait=60)
        cpu, wall = since(start)
        collector.stop()
        stories = Story.objects.filter(merged_into__isnull=True, article_count__gt=0)
        result = {
            "database": connection.vendor,
            "articles": len(run.to_enrich),
            "enriched": report.enriched,
            "failed": report.failed,
            "cpu_s": round(cpu, 2),
            "wall_s": round(wall, 2),
            "load_cpu_s": round(load_cpu, 2),
            "rss_before_mib": round(before, 1),
            "gc_cpu_s": round(collector.seconds, 2),
            "import_cpu_s": round(import_cpu, 2),
            "import_wall_s": round(import_wall, 2),
            "stories": stories.count(),
            "stories_several_sources": stories.filter(source_count__gt=1).count(),
            "largest_story": max(stories.values_list("article_count", flat=True), default=0),
            "topic_rows": ArticleTopic.objects.count(),
            "entities": Entity.objects.count(),
            "mention_rows": EntityMention.objects.count(),
        }
    return result


class CollectorClock:
    """CPU time spent in Python's garbage collector while it is installed."""

    def __init__(self):
        self.seconds, self.started = 0.0, 0.0
        self.callbacks = gc.callbacks
        self.callbacks.append(self)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.process_time()
        else:
            self.seconds += time.process_time() - self.started

    def stop(self) -> None:
        self.callbacks.remove(self)


def corpus_lines(*, limit: int | None) -> list[tuple[int, bytes]]:
    with gzip.open(CORPUS, "rb") as lines:
        return list(enumerate(itertools.islice(lines, limit), start=1))


PHASE_FUNCTIONS = {"topics": phase_topics, "pure": phase_pure, "stored": phase_stored}


# --- Report ---------------------------------------------------------------------------------


def report(results: dict) -> None:
    print(
        "\n| part | articles | CPU s | wall s | articles/s (CPU) | ms/article (CPU) | × topics alone | peak MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    baseline = results.get("topics")
    base_rate = baseline["articles"] / baseline["cpu_s"] if baseline else None
    names = {
        "topics": "baseline: topics alone",
        "pure": "pure enrich (topics + entities + clustering, no database)",
        "stored": "enrich step with storage (khabar.stories.enrich)",
    }
    for phase, result in results.items():
        rate = result["articles"] / result["cpu_s"]
        ratio = f"{base_rate / rate:.1f}× slower" if base_rate and phase != "topics" else "1"
        print(
            f"| {names[phase]} | {result['articles']:,} | {result['cpu_s']:.1f} | "
            f"{result['wall_s']:.1f} | **{rate:.0f}** | {1000 / rate:.2f} | {ratio} | "
            f"{result['peak_mib']:.0f} |"
        )
    if "pure" in results:
        parts, n = results["pure"]["parts_cpu_s"], results["pure"]["articles"]
        print("\npure enrich, CPU ms an article: " + ", ".join(
            f"{name} {1000 * value / n:.2f}" for name, value in parts.items()
        ))  # fmt: skip
    if "stored" in results:
        stored = results["stored"]
        rate = stored["articles"] / stored["cpu_s"]
        verdict = "met" if rate >= GOAL else "NOT met"
        print(
            f"\ngoal ≥ {GOAL:.0f} articles/s per core for the whole enrich step with storage: "
            f"{verdict} ({rate:.0f}/s CPU, {stored['articles'] / stored['wall_s']:.0f}/s wall)"
        )
        if "pure" in results:
            pure = results["pure"]
            storage_ms = 1000 * (
                stored["cpu_s"] / stored["articles"] - pure["cpu_s"] / pure["articles"]
            )
            print(f"storage and Django's share: {storage_ms:.2f} ms an article")
        gc_ms = 1000 * stored["gc_cpu_s"] / stored["articles"]
        print(f"of the stored step, Python's garbage collector: {gc_ms:.2f} ms an article")


if __name__ == "__main__":
    main()
