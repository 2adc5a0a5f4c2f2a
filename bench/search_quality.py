"""Search quality: khabar's analysis against every open baseline, in one run, on the same corpus.

Tasks (the shared data, read in place):
(a) ANT v1.1 known-item: the title is the query, the article body (without its title) is the
    document; MRR@10. Articles with an empty title or text are skipped, repeated URLs, texts
    and titles dropped.
(b) ARCD train: question → paragraph (231 paragraphs, 693 questions); Recall@5 and MRR@10.
(c) Spelling variants: queries of (a) and (b) perturbed as readers write them (hamza forms,
    ى/ي, ة/ه, harakat, tatweel, clitics و ب ل ال added or removed, Arabic-Indic digits); the
    share of variants whose top result is the canonical query's top result. Goal ≥ 98%.

Splits (seed 4): (a) queries are split in two halves, (b) questions by Wikipedia article; (c)
perturbs the queries of each split. Every design choice was made on DEV; TEST is held out and
reported as the result. Both are printed. All documents are indexed for both splits.

Systems: BM25 (tantivy, k1 = 1.2, b = 0.75) over each system's terms, a whitespace tokenizer
over pre-analyzed text; PostgreSQL's 'arabic' configuration is ranked by ts_rank_cd (not BM25).

    .venv/bin/python bench/search_quality.py [--ant-queries N] [--no-postgres] [--tune]

PostgreSQL ranks every document that shares a word with the query (its 'arabic' configuration
keeps stopwords), so it runs on the first --postgres-queries test queries of each task (and their
variants), and every other system is printed again on that same subset.
"""

import argparse
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _header import print_header  # noqa: E402
from _search_systems import (  # noqa: E402
    Postgres,
    System,
    TantivyIndex,
    khabar_fields_factory,
    lucene_fields_factory,
    ngram_fields_factory,
    raw_fields,
    snowball_fields,
    tantivy_fields,
)

# khabar is measured through its own search code, which needs Django's apps loaded (no
# database is used): a throwaway data dir unless KHABAR_DATA_DIR names one.
os.environ.setdefault("KHABAR_DATA_DIR", tempfile.mkdtemp(prefix="khabar-quality-data-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khabar.settings")
import django  # noqa: E402

django.setup()

from khabar.arabic import analyze as khabar_analyze  # noqa: E402
from khabar.arabic.analyze import Analyzer  # noqa: E402
from khabar.arabic.stem import DEFAULT_RULES  # noqa: E402
from khabar.arabic.stem import PRONOUN_SUFFIXES as PRONOUNS  # noqa: E402
from khabar.arabic.stopwords import arabic_stopwords  # noqa: E402
from khabar.search import rerank  # noqa: E402
from khabar.search import rerank_training as training  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# $KHABAR_SHARED_DATA, else ../shared/data beside the repository or beside its worktrees' folder.
DATA = Path(
    os.environ.get("KHABAR_SHARED_DATA")
    or next(
        (base / "shared/data" for base in ROOT.parents if (base / "shared/data/arcd").is_dir()),
        ROOT.parent / "shared/data",
    )
)
ANT = DATA / "ant-corpus-v1.1/ant_v1.1_jawharafm.jsonl.gz"
ARCD = DATA / "arcd/arcd-train.json.gz"
SEED = 4
K = 10
VARIANT_GOAL = 0.98
KHABAR = "khabar"
KHABAR_FIRST_STAGE = "khabar, no rerank"
ERROR_GOAL = 0.20


# --- data -------------------------------------------------------------------------------------


@dataclass
class Task:
    name: str
    docs: list[tuple[int, str]]
    queries: dict[str, list[tuple[str, int]]]  # split → [(query, relevant doc id)]
    variants: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    # split → [(kind, canonical query, variant)]


def load_ant(limit: int) -> Task:
    corpus = training.ant_v11_task(ANT.parents[1])
    return Task(
        "(a) ANT title→article",
        list(enumerate(corpus.documents)),
        {split: queries[:limit] for split, queries in corpus.queries.items()},
    )


def load_arcd() -> Task:
    corpus = training.arcd_task(ARCD.parents[1])
    return Task("(b) ARCD question→paragraph", list(enumerate(corpus.documents)), corpus.queries)


# --- spelling variants ------------------------------------------------------------------------

HARAKAT = "\u064e\u064f\u0650\u0652\u0651\u064b"
_ARABIC_WORD = re.compile(r"[\u0621-\u064a]{2,}")
_CONNECTS = set("بتثجحخسشصضطظعغفقكلمنهي")  # letters that join to the next one (tatweel fits)


def _words(query: str) -> list[re.Match]:
    return list(_ARABIC_WORD.finditer(query))


def _replace_word(query: str, match: re.Match, new: str) -> str:
    return query[: match.start()] + new + query[match.end() :]


def perturb(kind: str, query: str, rng: random.Random) -> str | None:
    """One variant of `query` of the given kind, or None when the kind does not apply."""
    words = _words(query)
    if kind == "hamza":
        spots = [i for i, c in enumerate(query) if c in "أإآا" and (i == 0 or query[i - 1] == " ")]
        if not spots:
            return None
        i = rng.choice(spots)
        options = [c for c in "أإآا" if c != query[i]]
        return query[:i] + rng.choice(options) + query[i + 1 :]
    if kind == "ya":
        spots = [m.end() - 1 for m in words if query[m.end() - 1] in "يى"]
        if not spots:
            return None
        i = rng.choice(spots)
        return query[:i] + ("ى" if query[i] == "ي" else "ي") + query[i + 1 :]
    if kind == "ta_marbuta":
        spots = [m.end() - 1 for m in words if query[m.end() - 1] in "ةه"]
        if not spots:
            return None
        i = rng.choice(spots)
        return query[:i] + ("ه" if query[i] == "ة" else "ة") + query[i + 1 :]
    if kind == "harakat":
        chars = []
        for c in query:
            chars.append(c)
            if "\u0621" <= c <= "\u064a" and rng.random() < 0.5:
                chars.append(rng.choice(HARAKAT))
        return "".join(chars)
    if kind == "tatweel":
        spots = [
            i
            for i in range(len(query) - 1)
            if query[i] in _CONNECTS and "\u0621" <= query[i + 1] <= "\u064a"
        ]
        if not spots:
            return None
        for i in sorted(rng.sample(spots, min(2, len(spots))), reverse=True):
            query = query[: i + 1] + "ـ" * rng.randint(1, 3) + query[i + 1 :]
        return query
    if kind == "digits":
        if not re.search(r"[0-9]", query):
            return None
        return query.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    if kind == "clitic_waw":
        if not words:
            return None
        m = words[0]
        word = m.group()
        return _replace_word(
            query,
            m,
            word[1:]
            if word.startswith("و") and len(word) > 4 and word[1:3] == "ال"
            else "و" + word,
        )
    if kind == "clitic_al":
        with_al = [m for m in words if m.group().startswith("ال") and len(m.group()) > 4]
        without = [
            m
            for m in words
            if not m.group().startswith(("ال", "و", "ب", "ل", "ف", "ك")) and len(m.group()) > 3
        ]
        if not with_al and not without:
            return None
        m = rng.choice(with_al + without)
        word = m.group()
        return _replace_word(query, m, word[2:] if word.startswith("ال") else "ال" + word)
    if kind == "clitic_bi_li":
        with_al = [m for m in words if m.group().startswith("ال") and len(m.group()) > 4]
        if not with_al:
            return None
        m = rng.choice(with_al)
        word = m.group()
        return _replace_word(query, m, rng.choice(["ب" + word, "ل" + word[1:]]))
    raise ValueError(kind)


VARIANT_KINDS = (
    "hamza",
    "ya",
    "ta_marbuta",
    "harakat",
    "tatweel",
    "digits",
    "clitic_waw",
    "clitic_al",
    "clitic_bi_li",
)


def make_variants(task: Task, per_kind: int) -> None:
    for split, queries in task.queries.items():
        rng = random.Random(f"{SEED}-{task.name}-{split}")
        out = []
        for kind in VARIANT_KINDS:
            made = []
            for query, _ in queries:
                variant = perturb(kind, query, rng)
                if variant is not None and variant != query:
                    made.append((kind, query, variant))
            rng.shuffle(made)
            out.extend(made[:per_kind])
        task.variants[split] = out


# --- running a system -------------------------------------------------------------------------


@dataclass
class Scores:
    mrr: float
    recall5: float
    variants: float
    variant_kinds: dict[str, float]
    n: int
    n_variants: int


def mrr_recall(ranked: list[list[int]], relevant: list[int]) -> tuple[float, float]:
    rr = r5 = 0.0
    for docs, rel in zip(ranked, relevant, strict=True):
        if rel in docs[:K]:
            rr += 1 / (docs.index(rel) + 1)
        r5 += rel in docs[:5]
    return rr / len(relevant), r5 / len(relevant)


def agreement(
    variants: list[tuple[str, str, str]], top: Callable[[list[str]], list[int | None]]
) -> tuple[float, dict[str, float]]:
    canon = top([c for _, c, _ in variants])
    varied = top([v for _, _, v in variants])
    same: Counter = Counter()
    total: Counter = Counter()
    for (kind, _, _), a, b in zip(variants, canon, varied, strict=True):
        total[kind] += 1
        same[kind] += a == b
    overall = sum(same.values()) / max(sum(total.values()), 1)
    return overall, {kind: same[kind] / total[kind] for kind in total}


class TantivyRun:
    """One system's indexes for every task; searches with any field weights."""

    def __init__(self, system: System, tasks: list[Task]):
        self.system = system
        self.indexes: dict[str, TantivyIndex] = {}
        self.cache: dict[str, dict] = {}
        for task in tasks:
            sample = system.fields(task.docs[0][1])
            index = TantivyIndex(tuple(sample) or ("words",))
            index.build((doc_id, system.fields(text)) for doc_id, text in task.docs)
            self.indexes[task.name] = index
            self.cache[task.name] = {}

    def search_many(
        self, task: Task, queries: list[str], weights: dict[str, float]
    ) -> list[list[int]]:
        index, cache = self.indexes[task.name], self.cache[task.name]
        out = []
        for query in queries:
            if query not in cache:
                cache[query] = self.system.fields(query)
            out.append(index.search(cache[query], weights, k=K))
        return out


class KhabarRun:
    """khabar through its own search code: documents indexed by khabar's tantivy backend,
    queries parsed, planned (match="any") and searched by the facade's ranking function
    (khabar.search.running.search_ranked: the backend's candidates, then the reranker), or
    without the reranker (`rerank=False`: the backend's order)."""

    def __init__(self, indexes: dict[str, training.CorpusIndex], *, rerank: bool):
        self.indexes = indexes
        self.rerank = rerank
        self.cache: dict[tuple[str, str], list[int]] = {}

    def search_many(self, task: Task, queries: list[str], weights=None) -> list[list[int]]:
        index = self.indexes[task.name]
        for query in queries:
            if (task.name, query) not in self.cache:
                self.cache[task.name, query] = index.search(query, limit=K, rerank=self.rerank)
        return [self.cache[task.name, query] for query in queries]


def khabar_indexes(tasks: list[Task], directory: Path) -> dict[str, training.CorpusIndex]:
    return {
        task.name: training.CorpusIndex([text for _, text in task.docs], directory / str(i))
        for i, task in enumerate(tasks)
    }


def rerank_cost(index: training.CorpusIndex, queries: list[str]) -> dict[str, list[float]]:
    """Milliseconds (wall and CPU) the reranker adds to each query: reading its candidates'
    stored terms and the query terms' collection frequencies from the backend, then the
    features and the model's scores."""
    model = rerank.default_model()
    costs: dict[str, list[float]] = {"fetch": [], "score": [], "fetch_cpu": [], "score_cpu": []}
    for text in queries:
        terms, numbers, _documents, _collection = index.candidates(text)
        if len(numbers) < 2:
            continue
        ids = [number + 1 for number in numbers]
        wall, cpu = time.perf_counter(), time.process_time()
        stored = index.backend.stored_terms(ids)
        collection = index.backend.collection_frequencies(list(dict.fromkeys(terms)))
        wall2, cpu2 = time.perf_counter(), time.process_time()
        documents = [stored[i] for i in ids]
        features = rerank.candidate_features(
            terms, documents, model.statistics, collection, model.vectors
        )
        model.scores(features)
        wall3, cpu3 = time.perf_counter(), time.process_time()
        costs["fetch"].append((wall2 - wall) * 1000)
        costs["fetch_cpu"].append((cpu2 - cpu) * 1000)
        costs["score"].append((wall3 - wall2) * 1000)
        costs["score_cpu"].append((cpu3 - cpu2) * 1000)
    return costs


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    p50, p95 = (float(x) for x in np.percentile(values, [50, 95]))
    return f"{p50:.2f} / {p95:.2f}"


class PostgresRun:
    def __init__(self, pg: Postgres, tasks: list[Task]):
        self.pg = pg
        self.tables = {}
        for number, task in enumerate(tasks):
            table = f"bench_docs_{number}"
            pg.build(table, task.docs)
            self.tables[task.name] = table

        self.cache: dict[tuple[str, str], list[int]] = {}

    def search_many(self, task: Task, queries: list[str], weights=None) -> list[list[int]]:
        todo = list(dict.fromkeys(q for q in queries if (task.name, q) not in self.cache))
        for query, docs in zip(
            todo, self.pg.search_many(self.tables[task.name], todo, k=K), strict=True
        ):
            self.cache[task.name, query] = docs
        return [self.cache[task.name, q] for q in queries]


def subset(task: Task, split: str, n: int) -> Task:
    """The first `n` queries of `split` and the variants made from them."""
    queries = task.queries[split][:n]
    keep = {query for query, _ in queries}
    variants = [v for v in task.variants[split] if v[1] in keep]
    return Task(task.name, task.docs, {split: queries}, {split: variants})


def evaluate(run, task: Task, split: str, weights: dict[str, float] | None = None) -> Scores:
    queries = task.queries[split]
    ranked = run.search_many(task, [q for q, _ in queries], weights)
    mrr, r5 = mrr_recall(ranked, [rel for _, rel in queries])

    def top(qs: list[str]) -> list[int | None]:
        return [docs[0] if docs else None for docs in run.search_many(task, qs, weights)]

    variants, kinds = agreement(task.variants[split], top)
    return Scores(mrr, r5, variants, kinds, len(queries), len(task.variants[split]))


# --- systems ----------------------------------------------------------------------------------


def baseline_systems() -> list[System]:
    return [
        System("raw tokens", raw_fields, {"words": 1.0}, note="word tokens as written"),
        System("Snowball Arabic", snowball_fields, {"words": 1.0}, note="PyStemmer"),
        System(
            "Lucene ArabicAnalyzer",
            lucene_fields_factory(arabic_stopwords()),
            {"words": 1.0},
            note="reimplemented",
        ),
        System("tantivy Arabic stemmer", tantivy_fields, {"words": 1.0}),
        System("char 4-grams", ngram_fields_factory(4), {"grams": 1.0}, note="inside words"),
        System(
            "char 4-grams across words",
            ngram_fields_factory(4, across_words=True),
            {"grams": 1.0},
        ),
    ]


# --- output -----------------------------------------------------------------------------------


def print_table(
    split: str, results: dict[str, dict[str, Scores]], tasks: list[Task], label: str = ""
) -> None:
    a, b = tasks[0].name, tasks[1].name
    print(f"\n{(label or split).upper()}: (a) {tasks[0].queries[split].__len__()} queries, "
          f"(b) {tasks[1].queries[split].__len__()} questions, "
          f"(c) {len(tasks[0].variants[split]) + len(tasks[1].variants[split])} variants")  # fmt: skip
    header = f"{'system':<30} {'(a) MRR':>8} {'(b) MRR':>8} {'(b) R@5':>8} {'avg MRR':>8} {'(c) same':>9}"
    print(header)
    print("-" * len(header))
    baselines = {n: r for n, r in results.items() if not n.startswith("khabar")}
    for name, r in results.items():
        avg = (r[a].mrr + r[b].mrr) / 2
        var = variant_rate(r, tasks)
        print(
            f"{name:<30} {r[a].mrr:>8.4f} {r[b].mrr:>8.4f} {r[b].recall5:>8.4f} {avg:>8.4f} {var:>9.2%}"
        )
    for name, r in results.items():
        if name.startswith("khabar"):
            print(f"  {name}: (c) by kind: {variant_kinds(r, tasks, split)}")
    if not baselines:
        return
    best = {
        "a": max(baselines, key=lambda n: baselines[n][a].mrr),
        "b": max(baselines, key=lambda n: baselines[n][b].mrr),
        "r5": max(baselines, key=lambda n: baselines[n][b].recall5),
        "avg": max(baselines, key=lambda n: baselines[n][a].mrr + baselines[n][b].mrr),
        "c": max(baselines, key=lambda n: variant_rate(baselines[n], tasks)),
    }
    for name, r in results.items():
        if not name.startswith("khabar"):
            continue
        ba, bb = baselines[best["a"]], baselines[best["b"]]
        bavg = baselines[best["avg"]]
        base_avg = (bavg[a].mrr + bavg[b].mrr) / 2
        avg = (r[a].mrr + r[b].mrr) / 2
        removed = (avg - base_avg) / (1 - base_avg)
        print(f"\n{name} vs the best baseline ({label or split}):")
        print(
            f"  (a) MRR@10 {r[a].mrr:.4f} / {ba[a].mrr:.4f} ({best['a']}) = {r[a].mrr / ba[a].mrr:.3f}x"
        )
        print(
            f"  (b) MRR@10 {r[b].mrr:.4f} / {bb[b].mrr:.4f} ({best['b']}) = {r[b].mrr / bb[b].mrr:.3f}x"
        )
        br5 = baselines[best["r5"]][b].recall5
        print(
            f"  (b) R@5    {r[b].recall5:.4f} / {br5:.4f} ({best['r5']}) = {r[b].recall5 / br5:.3f}x"
        )
        bc = variant_rate(baselines[best["c"]], tasks)
        print(
            f"  (c) same top result {variant_rate(r, tasks):.2%} / {bc:.2%} ({best['c']}); goal ≥ {VARIANT_GOAL:.0%}"
        )
        print(f"  avg MRR@10 of (a),(b) {avg:.4f} vs {base_avg:.4f} ({best['avg']}): removes "
              f"{removed:.1%} of its remaining error (goal ≥ {ERROR_GOAL:.0%})")  # fmt: skip


def variant_kinds(r: dict[str, Scores], tasks: list[Task], split: str) -> str:
    kinds: Counter = Counter()
    totals: Counter = Counter()
    for task in tasks:
        for kind, rate in r[task.name].variant_kinds.items():
            n = sum(1 for k, _, _ in task.variants[split] if k == kind)
            kinds[kind] += rate * n
            totals[kind] += n
    return ", ".join(f"{k} {kinds[k] / totals[k]:.1%}" for k in VARIANT_KINDS if totals[k])


def variant_rate(r: dict[str, Scores], tasks: list[Task]) -> float:
    same = sum(r[t.name].variants * r[t.name].n_variants for t in tasks)
    return same / max(sum(r[t.name].n_variants for t in tasks), 1)


# --- tuning on dev ----------------------------------------------------------------------------


def tune(tasks: list[Task], only: list[str] | None = None) -> None:
    """Design options, on the dev split only: analysis variants × field weights."""
    a, b = tasks[0].name, tasks[1].name
    rules = DEFAULT_RULES
    variants = {
        "shipped": Analyzer(),
        "no stemming": Analyzer(stem=False),
        "stopwords kept": Analyzer(drop_stopwords=False),
        "ta marbuta not folded": Analyzer(fold_ta_marbuta=False),
        "no single-letter proclitics": Analyzer(rules=replace(rules, single_prefixes="")),
        "single proclitic, rest >= 3": Analyzer(rules=replace(rules, single_min_rest=3)),
        "single proclitic, rest >= 5": Analyzer(rules=replace(rules, single_min_rest=5)),
        "b k l removed before ya too": Analyzer(rules=replace(rules, kept_before_ya="")),
        "no protected words": Analyzer(
            rules=replace(rules, protected_starts=frozenset(), protected_stems=frozenset())
        ),
        "suffix rest >= 3": Analyzer(rules=replace(rules, suffix_min_rest=3)),
        "suffix rest >= 5": Analyzer(rules=replace(rules, suffix_min_rest=5)),
        "one suffix at most": Analyzer(rules=replace(rules, max_suffixes=1)),
        "no pronoun suffixes": Analyzer(
            rules=replace(rules, suffixes=tuple(s for s in rules.suffixes if s not in PRONOUNS))
        ),
        "ta before pronoun kept": Analyzer(rules=replace(rules, ta_before_pronoun=False)),
        "grams n=2": Analyzer(gram_n=2),
        "grams n=4": Analyzer(gram_n=4),
        "grams n=5": Analyzer(gram_n=5),
        "grams of normalized words": Analyzer(gram_source="norm"),
    }
    weight_grid = [
        {"words": 1.0},
        {"grams": 1.0},
        *({"words": 1.0, "grams": g} for g in (0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0)),
        {"words": 1.0, "grams": 0.3, "norms": 0.3},
        {"words": 1.0, "grams": 0.3, "xgrams": 0.3},
        {"words": 1.0, "grams": 0.3, "pairs": 0.3},
    ]
    print("\nTUNING (dev only): avg MRR@10 of (a),(b) | (a) | (b) | (c)")
    for label, analyzer in variants.items():
        if only and label not in only:
            continue
        names = ("words", "grams", "norms", "pairs", "xgrams")
        system = System(label, khabar_fields_factory(analyzer, names), {})
        t0 = time.time()
        run = TantivyRun(system, tasks)
        grid = weight_grid if label == "shipped" else [dict(khabar_analyze.SEARCH_FIELDS)]
        for weights in grid:
            sa = evaluate(run, tasks[0], "dev", weights)
            sb = evaluate(run, tasks[1], "dev", weights)
            var = variant_rate({a: sa, b: sb}, tasks)
            w = " ".join(f"{k}={v}" for k, v in weights.items())
            print(f"  {label:<30} {w:<32} {(sa.mrr + sb.mrr) / 2:.4f} | {sa.mrr:.4f} | "
                  f"{sb.mrr:.4f} | {var:.2%}  ({time.time() - t0:.0f} s)", flush=True)  # fmt: skip


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ant-queries", type=int, default=2000, help="(a) queries per split")
    parser.add_argument(
        "--variants", type=int, default=150, help="(c) variants per kind, task, split"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--postgres-queries", type=int, default=300, help="test queries per task for PostgreSQL"
    )
    parser.add_argument("--tune", action="store_true", help="also print the design options on dev")
    parser.add_argument("--only-tune", action="store_true")
    parser.add_argument("--tune-only", nargs="*", help="tune only these analysis variants")
    parser.add_argument(
        "--dev-only", action="store_true", help="the dev split only (for making choices)"
    )
    parser.add_argument(
        "--no-baselines", action="store_true", help="khabar only (a quicker look at dev)"
    )
    args = parser.parse_args()

    print_header("khabar search quality benchmark")
    t0 = time.time()
    tasks = [load_ant(args.ant_queries), load_arcd()]
    for task in tasks:
        make_variants(task, args.variants)
    print(f"corpus (a): {ANT}: {len(tasks[0].docs)} articles")
    print(f"corpus (b): {ARCD}: {len(tasks[1].docs)} paragraphs")
    print(
        f"seed {SEED}; BM25 = tantivy {getattr(__import__('tantivy'), '__version__', '')} (k1 1.2, b 0.75)"
    )
    if args.tune or args.only_tune:
        tune(tasks, args.tune_only)
        if args.only_tune:
            return

    systems = [] if args.no_baselines else baseline_systems()
    splits = ("dev",) if args.dev_only else ("dev", "test")
    results: dict[str, dict[str, dict[str, Scores]]] = {split: {} for split in splits}
    runs = {}
    for system in systems:
        t1 = time.time()
        run = runs[system.name] = TantivyRun(system, tasks)
        for split in results:
            results[split][system.name] = {
                t.name: evaluate(run, t, split, system.weights) for t in tasks
            }
        print(f"  ran {system.name} in {time.time() - t1:.0f} s", flush=True)
    model = rerank.default_model()
    print(
        f"reranker: v{model.version}, trained {model.card['trained']}" if model else "no reranker"
    )
    t1 = time.time()
    indexes = khabar_indexes(tasks, Path(tempfile.mkdtemp(prefix="khabar-quality-index-")))
    print(f"  indexed the tasks with khabar's tantivy backend in {time.time() - t1:.0f} s")
    khabar_runs = {
        KHABAR_FIRST_STAGE: KhabarRun(indexes, rerank=False),
        KHABAR: KhabarRun(indexes, rerank=True),
    }
    for name, run in khabar_runs.items():
        t1 = time.time()
        runs[name] = run
        for split in results:
            results[split][name] = {t.name: evaluate(run, t, split) for t in tasks}
        print(f"  ran {name} in {time.time() - t1:.0f} s", flush=True)
    costs = rerank_cost(indexes[tasks[0].name], [q for q, _ in tasks[0].queries["dev"][:500]])
    print(
        f"\nrerank cost per query, (a) dev, {len(costs['fetch'])} queries, top"
        f" {rerank.RERANK_DEPTH}, p50 / p95 ms: stored terms and frequencies"
        f" {percentiles(costs['fetch'])}"
        f" (CPU {percentiles(costs['fetch_cpu'])}), features and scores"
        f" {percentiles(costs['score'])} (CPU {percentiles(costs['score_cpu'])})"
    )
    pg_tasks = [subset(task, "test", args.postgres_queries) for task in tasks]
    pg_results: dict[str, dict[str, Scores]] = {}
    if not args.no_postgres and not args.dev_only:
        pg = Postgres()
        try:
            where = pg.start()
            t1 = time.time()
            run = PostgresRun(pg, pg_tasks)
            pg_results["PostgreSQL 'arabic' (ts_rank_cd)"] = {
                t.name: evaluate(run, t, "test") for t in pg_tasks
            }
            print(f"  ran PostgreSQL ({where}) in {time.time() - t1:.0f} s", flush=True)
        except Exception as error:  # noqa: BLE001 - say why the baseline is missing, go on
            print(f"  PostgreSQL baseline skipped: {error}")
        finally:
            pg.stop()
        for system in systems:
            pg_results[system.name] = {
                t.name: evaluate(runs[system.name], t, "test", system.weights) for t in pg_tasks
            }
        for name in khabar_runs:
            pg_results[name] = {t.name: evaluate(runs[name], t, "test") for t in pg_tasks}
    for split in splits:
        ordered = {n: r for n, r in results[split].items() if not n.startswith("khabar")}
        ordered |= {n: r for n, r in results[split].items() if n.startswith("khabar")}
        print_table(split, ordered, tasks)
    if len(pg_results) > len(systems):
        print(f"\nPostgreSQL and every system on the first {args.postgres_queries} test queries of"
              " each task (ts_rank_cd ranks every document sharing a word with the query):")  # fmt: skip
        ordered = {n: r for n, r in pg_results.items() if not n.startswith("khabar")}
        ordered |= {n: r for n, r in pg_results.items() if n.startswith("khabar")}
        print_table("test", ordered, pg_tasks, label="test subset")
    print(f"\ntotal {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
