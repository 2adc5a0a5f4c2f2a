"""Entity benchmark: the CRF tagger against a gazetteer-only baseline, in the same run.

NewsFANE Gold (../shared/data/newsfane-gold) has no document markers, so it is split by
contiguous blocks of about 40 sentences, each cut moved to a likely document start
(`newsfane.document_blocks`); blocks go to train (80%) and test (20%) by a seeded shuffle.
`--dev` holds out a fifth of the training blocks instead and scores on them: every choice was
made on that split; the test split was scored only after (docs/benchmarks.md lists each run).

Both systems see the test sentences as printed text (clitics attached, as in `newsfane.py`)
and are scored on exact character spans and type, PER, ORG and LOC (goal: overall F1 ≥ 0.80).
Each block (the stand-in for a document) is tagged as one text, its sentences one a line, as
an article is tagged in use; the CRF is also scored one sentence at a time, as before:

- the CRF (`entities.train_tagger`) trained on the training split, its gazetteer the curated
  lists plus the training split's names;
- the baseline: the same gazetteer, longest match, no model.

Speed: `extract_entities` on ANT v2.1 articles (title and text), one process, after warm-up,
in CPU time (the machine is shared; wall clock is printed too).
An English check scores `entities_en` on the hand-annotated sentences in
bench/entities_en_gold.txt (written for khabar, not corpus text).

    .venv/bin/python bench/entities.py [--dev | --folds] [--ablations] [--speed N] [--seed N]
        [--clusters FILE] [--tagger FILE] [--taggers DIR] [--errors N] [--post KEY=VALUE]
        [--rescore]

`--folds` scores 5-fold cross-validation over the blocks of the training split (fold 0 is the
dev split), each fold's CRF kept in `--taggers DIR` when given; the test split is not read.
`--rescore` adds the span rescorer (`span_rescorer.py`): on the folds, each fold is scored with
a rescorer trained on the other folds' candidates; on the dev or test split, with one trained
on the candidates of all five fold CRFs (those of `--taggers DIR` for the test split).
"""

import argparse
import gc
import gzip
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _header import print_header  # noqa: E402

from khabar.tagging import entities, word_clusters  # noqa: E402
from khabar.tagging.newsfane import (  # noqa: E402
    GoldSentence,
    block_folds,
    read_newsfane,
    split_by_blocks,
)
from khabar.tagging.topics import shared_data_dir  # noqa: E402

DATA_DIR = shared_data_dir()
ANT = DATA_DIR / "ant-corpus-multisource-v2.1/ant_v2.1_multisource.jsonl.gz"
ENGLISH_GOLD = Path(__file__).with_name("entities_en_gold.txt")
TYPES = ("PER", "ORG", "LOC")
GOAL = 0.80


def main() -> None:
    args = parse_args()
    print_header(
        "khabar entity benchmark",
        corpus=DATA_DIR / "newsfane-gold/NewsFANE_Gold_2014_170K.txt.gz",
    )
    sentences = read_newsfane(DATA_DIR)
    split = split_by_blocks(sentences, seed=args.seed)
    for setting in args.post:
        key, _, value = setting.partition("=")
        entities.POSTPROCESS[key] = json.loads(value)
    if args.folds:
        cross_validate(split.train, args)
        return
    train, test = split.train, split.test
    documents = [[sentences[i] for i in block] for block in split.test_blocks]
    name = "test"
    if args.dev:
        inner = split_by_blocks(train, seed=args.seed + 1)
        train, test, name = inner.train, inner.test, "dev"
        documents = [[split.train[i] for i in block] for block in inner.test_blocks]
    print_sizes(sentences, split, train, test, name)
    clusters = word_clusters_for(args)
    with tempfile.TemporaryDirectory(prefix="khabar-entities-") as tmp:
        params = {k: v for k, v in (("c1", args.c1), ("c2", args.c2)) if v is not None}
        crf, seconds, size = train_model(
            train, Path(tmp), clusters=clusters, keep=args.tagger, params=params
        )
        baseline = entities.EntityModel(gazetteer=entities.gazetteer_with(train))
        print(f"\nCRF training: {seconds:.1f} s, model {size / 1024:.0f} KiB")
        results = {}
        if args.rescore:
            started = time.perf_counter()
            crf.rescorer = entities.train_rescorer(
                train,
                clusters=clusters,
                taggers=None if args.dev else args.taggers,
                seed=args.seed + 1,
            )
            print(f"rescorer: {time.perf_counter() - started:.0f} s (fold CRFs and candidates)")
            rescorer, crf.rescorer = crf.rescorer, None
            results["CRF without the rescorer (unlikely names dropped)"] = score(crf, documents)
            crf.rescorer = rescorer
        results = {
            "gazetteer only (baseline)": score(baseline, documents),
            **results,
            "CRF": score(crf, documents),
            "CRF, one sentence at a time": score(crf, [[s] for s in test]),
        }
        if args.ablations:
            results.update(ablations(train, documents, crf, Path(tmp)))
        print_scores(results, name, main="CRF")
        if args.errors:
            print_errors(crf, test, args.errors)
        if args.speed:
            bench_speed(crf, count=args.speed)
    bench_english()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", action="store_true", help="score on the dev split of train")
    parser.add_argument(
        "--folds", action="store_true", help="5-fold cross-validation on the training split"
    )
    parser.add_argument("--taggers", type=Path, help="folder keeping the fold CRFs (--folds)")
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="the span rescorer, trained on out-of-fold candidates (span_rescorer.py)",
    )
    parser.add_argument(
        "--post",
        action="append",
        default=[],
        help="KEY=JSON: a POSTPROCESS setting for this run (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=13, help="block shuffle seed (13)")
    parser.add_argument("--speed", type=int, default=3000, help="ANT articles to time (3000)")
    parser.add_argument("--errors", type=int, default=0, help="print N wrong spans")
    parser.add_argument("--clusters", type=Path, help="word clusters file to use (else learned)")
    parser.add_argument("--c1", type=float, help="L1 weight (default: TRAINING_PARAMS)")
    parser.add_argument("--c2", type=float, help="L2 weight (default: TRAINING_PARAMS)")
    parser.add_argument(
        "--tagger", type=Path, help="CRF file: reused if it exists, else trained and kept there"
    )
    parser.add_argument(
        "--ablations", action="store_true", help="also train without clusters, statistics, names"
    )
    return parser.parse_args()


FOLDS = 5


def fold_splits(train: Sequence[GoldSentence], *, seed: int):
    """(training sentences, held-out documents) of each of the `FOLDS` folds: the blocks of
    `train` dealt by the shuffle that makes the dev split, which is fold 0."""
    return block_folds(train, folds=FOLDS, seed=seed + 1)


def cross_validate(train: Sequence[GoldSentence], args: argparse.Namespace) -> None:
    """Each fold's CRF trained on the other four (or reused from `--taggers`) and scored on
    its held-out blocks, tagged as documents; the counts of all folds added up."""
    clusters = word_clusters_for(args)
    params = {k: v for k, v in (("c1", args.c1), ("c2", args.c2)) if v is not None}
    total: dict[str, list[int]] = {}
    rows = {}
    models = []
    with tempfile.TemporaryDirectory(prefix="khabar-entities-") as tmp:
        for k, (fold_train, documents) in enumerate(fold_splits(train, seed=args.seed)):
            keep = args.taggers / f"fold-{k}.crfsuite" if args.taggers else None
            if keep:
                keep.parent.mkdir(parents=True, exist_ok=True)
            crf, seconds, _ = train_model(
                fold_train, Path(tmp), clusters=clusters, keep=keep, params=params
            )
            counts = score(crf, documents)
            rows[f"fold {k}"] = counts
            for t, c in counts.items():
                total.setdefault(t, [0, 0, 0])
                total[t] = [a + b for a, b in zip(total[t], c, strict=True)]
            print(f"fold {k}: F1 {prf(*counts['all'])[2]:.4f} (CRF {seconds:.0f} s)", flush=True)
            if args.rescore:
                likeness = entities.name_likeness_of(fold_train, crf.gazetteer)
                examples = entities.rescorer_examples(crf, documents, likeness)
                models.append((crf, documents, likeness, examples))
    rows["all folds"] = {t: tuple(c) for t, c in total.items()}
    if args.rescore:
        print_scores(rows, "cross-validation, without the rescorer", main="")
        print(f"\nfolds F1 without the rescorer {prf(*total['all'])[2]:.4f}")
        rows, total = rescored_folds(models)
    print_scores(rows, "cross-validation", main="")
    print(f"\nfolds F1 {prf(*total['all'])[2]:.4f}")


def rescored_folds(models) -> tuple[dict, dict]:
    """Each fold scored with a rescorer trained on the candidates of the other folds (each
    found by the CRF that did not see them)."""
    rows, total = {}, {}
    for k, (crf, documents, likeness, _) in enumerate(models):
        others = [examples for j, (*_, examples) in enumerate(models) if j != k]
        crf.rescorer = entities.fit_rescorer(others, likeness)
        counts = score(crf, documents)
        crf.rescorer = None
        rows[f"fold {k}"] = counts
        for t, c in counts.items():
            total.setdefault(t, [0, 0, 0])
            total[t] = [a + b for a, b in zip(total[t], c, strict=True)]
        print(f"fold {k} with the rescorer: F1 {prf(*counts['all'])[2]:.4f}", flush=True)
    rows["all folds"] = {t: tuple(c) for t, c in total.items()}
    return rows, total


def print_sizes(
    sentences: Sequence[GoldSentence], split, train: Sequence, test: Sequence, name: str
) -> None:
    def describe(part: Sequence[GoldSentence]) -> str:
        counts = Counter(e.type for s in part for e in s.entities)
        tokens = sum(len(s.text.split()) for s in part)
        by_type = ", ".join(f"{t} {counts[t]:,}" for t in TYPES)
        return f"{len(part):,} sentences, {tokens:,} words, {sum(counts.values()):,} entities ({by_type})"

    print(f"\nNewsFANE Gold: {describe(sentences)}")
    print(f"  {len(split.train_blocks) + len(split.test_blocks)} blocks of about 40 sentences")
    print(f"  train: {describe(train)}")
    print(f"  {name}: {describe(test)}")


def word_clusters_for(args: argparse.Namespace) -> dict:
    """Clusters learned from the ANT articles (no NewsFANE text), or read from --clusters."""
    if args.clusters:
        clusters = word_clusters.read_clusters(args.clusters)
        columns = len(next(iter(clusters.values()), ())) - len(word_clusters.SIZES)
        statistics = "with" if columns > 0 else "without (an older file)"
        print(
            f"\nword clusters: {len(clusters):,} words from {args.clusters}, "
            f"{statistics} word statistics"
        )
        return clusters
    started, cpu = time.perf_counter(), time.process_time()
    clusters = word_clusters.learn_clusters(word_clusters.ant_texts(DATA_DIR))
    print(
        f"\nword clusters: {len(clusters):,} words from ANT v2.1 + v1.1 in "
        f"{time.perf_counter() - started:.0f} s (CPU {time.process_time() - cpu:.0f} s)"
    )
    return clusters


def train_model(
    train: Sequence[GoldSentence],
    tmp: Path,
    *,
    clusters: dict,
    gazetteer=None,
    keep=None,
    params=None,
):
    """The CRF trained on `train`; with `keep`, the one saved there by an earlier run (with
    the same split, clusters and features: post-processing can then be compared quickly)."""
    started = time.perf_counter()
    path = keep or tmp / f"entities-{len(list(tmp.iterdir()))}.crfsuite"  # a new file each time
    if not (keep and keep.is_file()):
        entities.train_tagger(train, path, clusters=clusters, params=params)
    seconds = time.perf_counter() - started
    model = entities.EntityModel(
        gazetteer=gazetteer or entities.gazetteer_with(train), clusters=clusters
    )
    model.tagger = entities.pycrfsuite.Tagger()
    model.tagger.open(str(path))
    return model, seconds, path.stat().st_size


def ablations(train, test, full, tmp: Path) -> dict:
    """The CRF without one of its parts, trained (if need be) and scored like the full one."""
    results = {}
    without_clusters, _, _ = train_model(train, tmp, clusters={})
    results["CRF without word clusters and word statistics"] = score(without_clusters, test)
    clusters_only = {word: row[: len(word_clusters.SIZES)] for word, row in full.clusters.items()}
    without_statistics, _, _ = train_model(train, tmp, clusters=clusters_only)
    results["CRF without word statistics"] = score(without_statistics, test)
    curated = entities.curated_gazetteer()
    gazetteer_with = entities.gazetteer_with
    entities.gazetteer_with = lambda sentences: entities.curated_gazetteer()
    try:
        without_names, _, _ = train_model(train, tmp, clusters=full.clusters, gazetteer=curated)
    finally:
        entities.gazetteer_with = gazetteer_with
    results["CRF without the training names in its gazetteer"] = score(without_names, test)
    propagate = entities.propagate_labels
    entities.propagate_labels = lambda words, labels: list(labels)
    try:
        results["CRF without propagation"] = score(full, test)
    finally:
        entities.propagate_labels = propagate
    rules = dict(entities.POSTPROCESS)
    entities.POSTPROCESS.update(add_curated=99, person_df=0, surnames=False, multiword_always=False)
    try:
        results["CRF without the name rules of the round before"] = score(full, test)
    finally:
        entities.POSTPROCESS.update(rules)
    entities.POSTPROCESS.update(strip_titles=False, type_vote=False)
    try:
        results["CRF without title stripping and type vote"] = score(full, test)
    finally:
        entities.POSTPROCESS.update(rules)
    entities.POSTPROCESS.update(drop_spans=0)
    try:
        results["CRF without dropping unlikely names"] = score(full, test)
    finally:
        entities.POSTPROCESS.update(rules)
    entities.POSTPROCESS.update(place_first_words=False)
    try:
        results["CRF without joining a place's common first word"] = score(full, test)
    finally:
        entities.POSTPROCESS.update(rules)
    return results


def spans_of(model, document: Sequence[GoldSentence]) -> list[set[tuple[int, int, str]]]:
    """The entities found in each sentence of `document`, tagged as one text, its sentences
    one a line, as an article is (names found in one sentence help in the others)."""
    text = "\n".join(sentence.text for sentence in document)
    found = entities.extract_entities(text, model=model, language="ar")
    spans = []
    start = 0
    for sentence in document:
        end = start + len(sentence.text)
        spans.append(
            {(e.start - start, e.end - start, e.type) for e in found if start <= e.start < end}
        )
        start = end + 1
    return spans


def score(model, documents: Iterable[Sequence[GoldSentence]]) -> dict[str, tuple[int, int, int]]:
    """(true positives, predicted, gold) per type and overall, exact span and type."""
    counts = {t: [0, 0, 0] for t in (*TYPES, "all")}
    for sentence, found in (
        pair
        for document in documents
        for pair in zip(document, spans_of(model, document), strict=True)
    ):
        gold = {(e.start, e.end, e.type) for e in sentence.entities}
        for t in TYPES:
            g = {s for s in gold if s[2] == t}
            f = {s for s in found if s[2] == t}
            counts[t][0] += len(g & f)
            counts[t][1] += len(f)
            counts[t][2] += len(g)
        counts["all"][0] += len(gold & found)
        counts["all"][1] += len(found)
        counts["all"][2] += len(gold)
    return {t: tuple(c) for t, c in counts.items()}


def prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def print_scores(results: dict, name: str, *, main: str) -> None:
    print(f"\nentity-level exact match on the {name} split (precision / recall / F1)")
    print(f"| system | {' | '.join(TYPES)} | overall P | overall R | **overall F1** |")
    print(f"|---|{'---:|' * (len(TYPES) + 3)}")
    for system, counts in results.items():
        cells = [f"{prf(*counts[t])[2]:.3f}" for t in TYPES]
        p, r, f = prf(*counts["all"])
        print(f"| {system} | {' | '.join(cells)} | {p:.3f} | {r:.3f} | **{f:.3f}** |")
    print("\nper type, P / R / F1 (gold count)")
    for system, counts in results.items():
        print(f"  {system}")
        for t in (*TYPES, "all"):
            p, r, f = prf(*counts[t])
            print(f"    {t:4} {p:.3f} / {r:.3f} / {f:.3f}  ({counts[t][2]:,})")
    if main in results:
        f = prf(*results[main]["all"])[2]
        verdict = "met" if f >= GOAL else "NOT met"
        baseline = prf(*results["gazetteer only (baseline)"]["all"])[2]
        tp, predicted, gold = results[main]["all"]
        print(
            f"\noverall F1 {f:.4f} ({tp:,} right of {predicted:,} found, {gold:,} gold): "
            f"goal ≥ {GOAL:.2f} {verdict}; baseline {baseline:.4f}"
        )


def print_errors(model, sentences: Sequence[GoldSentence], limit: int) -> None:
    print(f"\nfirst {limit} differences (gold - found, found - gold)")
    shown = 0
    for sentence in sentences:
        gold = {(e.start, e.end, e.type) for e in sentence.entities}
        (found,) = spans_of(model, [sentence])
        for tag, spans in (("missed", gold - found), ("wrong ", found - gold)):
            for start, end, t in sorted(spans):
                print(
                    f"  {tag} {t} {sentence.text[start:end]!r}  …{sentence.text[max(0, start - 25) : end + 25]}…"
                )
                shown += 1
        if shown >= limit:
            return


def ant_articles(count: int) -> list[str]:
    texts = []
    with gzip.open(ANT, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts.append(f"{record['title']}\n{record['text']}")
            if len(texts) >= count:
                break
    return texts


def bench_speed(model, *, count: int) -> None:
    """Articles a second on one core: `extract_entities` on title + text. First pass: every
    word new to the model's word cache (after 200 articles of warm-up); second pass over the
    same articles: a worker that has been running a while, its words cached. The toolkit's
    tokenizer is timed apart, as the enrich step may share its tokens."""
    texts = ant_articles(count)
    for text in ant_articles(count + 200)[count:]:
        entities.extract_entities(text, model=model, language="ar")
    gc.collect()
    timings = []
    for _ in range(2):
        cpu, started = time.process_time(), time.perf_counter()
        found = sum(len(entities.extract_entities(t, model=model, language="ar")) for t in texts)
        timings.append((time.process_time() - cpu, time.perf_counter() - started))
    tokenize_cpu = time.process_time()
    for text in texts:
        entities.tokenize(text)
    tokenize_cpu = time.process_time() - tokenize_cpu
    chars = sum(map(len, texts)) / len(texts)
    median = sorted(map(len, texts))[len(texts) // 2]
    n = len(texts)
    print(f"\nspeed on {n:,} ANT v2.1 articles (mean {chars:,.0f}, median {median:,} characters)")
    for name, (cpu, wall) in zip(("first pass", "second pass"), timings, strict=True):
        print(
            f"  {name}: {n / cpu:,.0f} articles/s of CPU time, {cpu / n * 1000:.2f} ms an "
            f"article (wall clock {wall / n * 1000:.2f} ms)"
        )
    print(f"  of which the toolkit's tokenize {tokenize_cpu / n * 1000:.2f} ms;")
    print(f"  {found / n:.1f} entities an article")


def bench_english() -> None:
    if not ENGLISH_GOLD.is_file():
        return
    from khabar.tagging import entities_en

    results = entities_en.score_gold(ENGLISH_GOLD.read_text(encoding="utf-8"))
    print(f"\nEnglish: {ENGLISH_GOLD.name}, hand-annotated paragraphs written for khabar")
    print("(rules tuned on the dev half; the test half was scored once, untouched)")
    print_scores({f"English rules, {k} half": v for k, v in results.items()}, "English", main="")


if __name__ == "__main__":
    main()
