"""Query plans: what khabar's planner finds and ranks, on the tasks of bench/search_quality.py.

bench/search_quality.py scores the analysis: every term and gram of a query an optional
clause, as `khabar search --match any` asks. The search box asks for every word (match="all")
and the planner then decides how a word may be found: its term in ``words``, or (a phrase of)
its grams in ``grams``, which costs most of a query's time at a million documents. This bench
puts the same documents in khabar's own tantivy backend and runs each task's queries through
`plan_query` and the backend, under each way of planning, so a change in planning is measured
on the same tasks, splits and variants: (a) ANT title → article, (b) ARCD question →
paragraph, MRR@10 and Recall@5; (c) the spelling variants, the share whose top result is the
canonical query's. Choices are made on dev; test is reported.

Queries are the tasks' texts reduced to their words (the query language's quotes, minus signs
and OR words left out), so every query asks for its words and nothing else.

    .venv/bin/python bench/search_plans.py [--ant-queries N] [--variants N] [--data DIR]
"""

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search_quality as quality  # noqa: E402
from _header import print_header  # noqa: E402

# The facade's modules need Django's apps loaded (no database is used here).
_DATA_DIR = tempfile.mkdtemp(prefix="khabar-plans-data-")
atexit.register(shutil.rmtree, _DATA_DIR, ignore_errors=True)
os.environ.setdefault("KHABAR_DATA_DIR", _DATA_DIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khabar.settings")
import django  # noqa: E402

django.setup()

from khabar.arabic.analyze import _WORD, index_texts  # noqa: E402
from khabar.search import running  # noqa: E402
from khabar.search._tantivy import TantivyBackend  # noqa: E402
from khabar.search.analysis import plan_query  # noqa: E402
from khabar.search.backend import IndexDocument, IndexState, SearchRequest  # noqa: E402
from khabar.search.query import parse_query  # noqa: E402

# ../shared/data beside the repository, or beside the folder of git worktrees it is one of.
DATA = next(
    (base / "shared/data" for base in ROOT.parents if (base / "shared/data/arcd").is_dir()),
    ROOT.parent / "shared/data",
)
OPERATORS = {"OR", "أو", "او"}


def plans() -> dict:
    """Each way of planning a query: name → (plan, backend) → (article id, score) pairs."""

    def every_word_and_grams(plan, backend, limit):
        return backend.search(SearchRequest(plan=plan, limit=limit))

    def words_only(plan, backend, limit):
        return backend.search(SearchRequest(plan=plan.words_only(), limit=limit))

    def words_first(enough):
        def search(plan, backend, limit):
            request = SearchRequest(plan=plan, limit=limit)
            return running.search_words_first(backend, request, enough=enough)

        return search

    return {
        "grams for every word (before)": every_word_and_grams,
        "words only": words_only,
        "words first, grams when they find nothing": words_first(1),
        "words first, grams when they find fewer than 3": words_first(3),
        "words first, grams when fewer than the limit (khabar)": words_first(None),
    }


def query_text(text: str) -> str:
    """The words of `text`, without the query language's operators."""
    return " ".join(word for word in _WORD.findall(text) if word not in OPERATORS)


def build(task: quality.Task, directory: Path) -> TantivyBackend:
    backend = TantivyBackend(directory)
    now = datetime.now(UTC)
    with backend.rebuilding(IndexState(fingerprint="bench", watermark=None)) as writer:
        documents = []
        for doc_id, text in task.docs:
            words, grams = index_texts(text)
            documents.append(IndexDocument(doc_id + 1, now, 1, "ar", None, words, grams))
        writer.upsert(documents)
    return backend


def ranked(backend, planner, queries: list[str], *, match: str) -> list[list[int]]:
    out = []
    for text in queries:
        parsed = parse_query(query_text(text))
        plan = plan_query(parsed, match=match)
        if parsed.problems or plan.matches_everything:
            out.append([])
            continue
        pairs, _total = planner(plan, backend, quality.K)
        out.append([article_id - 1 for article_id, _score in pairs])
    return out


def evaluate(backend, planner, task: quality.Task, split: str, match: str) -> quality.Scores:
    queries = task.queries[split]
    found = ranked(backend, planner, [q for q, _ in queries], match=match)
    mrr, r5 = quality.mrr_recall(found, [relevant for _, relevant in queries])

    def top(texts: list[str]) -> list[int | None]:
        return [docs[0] if docs else None for docs in ranked(backend, planner, texts, match=match)]

    variants, kinds = quality.agreement(task.variants[split], top)
    answered = sum(1 for docs in found if docs) / len(found)
    return replace(
        quality.Scores(mrr, r5, variants, kinds, len(queries), len(task.variants[split])),
        variant_kinds={**kinds, "answered": answered},
    )


def words_only_totals(backend, task: quality.Task, split: str) -> list[int]:
    """How many documents each query's words find by their terms alone (match="all")."""
    totals = []
    for text, _relevant in task.queries[split]:
        parsed = parse_query(query_text(text))
        plan = plan_query(parsed)
        if parsed.problems or plan.matches_everything:
            totals.append(0)
            continue
        totals.append(backend.search(SearchRequest(plan=plan.words_only(), limit=1))[1])
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ant-queries", type=int, default=2000, help="(a) queries per split")
    parser.add_argument("--variants", type=int, default=150, help="(c) variants per kind")
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    args = parser.parse_args()
    quality.ANT = args.data / "ant-corpus-v1.1/ant_v1.1_jawharafm.jsonl.gz"
    quality.ARCD = args.data / "arcd/arcd-train.json.gz"
    print_header("khabar search plans benchmark")
    started = time.time()
    tasks = [quality.load_ant(args.ant_queries), quality.load_arcd()]
    for task in tasks:
        quality.make_variants(task, args.variants)
    with tempfile.TemporaryDirectory(prefix="khabar-plans-") as tmp:
        backends = {task.name: build(task, Path(tmp) / str(n)) for n, task in enumerate(tasks)}
        print("\nqueries whose words alone find at least 1 / 3 / 10 documents (match='all'):")
        for split in ("dev", "test"):
            cells = []
            for task in tasks:
                totals = words_only_totals(backends[task.name], task, split)
                shares = [sum(t >= n for t in totals) / len(totals) for n in (1, 3, 10)]
                cells.append(f"{task.name[:3]} " + " / ".join(f"{x:.1%}" for x in shares))
            print(f"  {split}: " + " | ".join(cells))
        for match in ("all", "any"):
            print(f"\nmatch={match!r}")
            for split in ("dev", "test"):
                print(f"  {split}:")
                for name, planner in plans().items():
                    if match == "any" and name != "grams for every word (before)":
                        continue  # "any" plans every gram loose, unchanged
                    cells = []
                    for task in tasks:
                        s = evaluate(backends[task.name], planner, task, split, match)
                        cells.append(
                            f"{task.name[:3]} MRR@10 {s.mrr:.4f} R@5 {s.recall5:.4f}"
                            f" answered {s.variant_kinds['answered']:.1%}"
                            f" variants {s.variants:.2%} (n {s.n}/{s.n_variants})"
                        )
                    print(f"    {name:<56} " + " | ".join(cells), flush=True)
    print(f"\ntotal {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
