"""Topic classifier benchmark: khabar's model and two baselines, same run, same splits.

(a) Held-out split of the same outlets: 20% of the ANT v1.1 and v2.1 articles (one per URL,
    sections merged) by a fixed hash of their text, so copies of one text fall on one side;
    every system trains on the other 80%. Goal: macro-F1 ≥ 0.90 on each corpus.
(b) Cross-outlet: train on four ANT v2.1 outlets, test on the fifth, each in turn (v2.1 only).
    Goal: macro-F1 ≥ 0.85 on the labels shared by training and test outlets (mean of the folds).

What is measured: the labels ANT itself determines under the mapping of docs/topics.md
(`khabar.tagging.taxonomy.ant_labels`), on the test articles where the section says yes or no,
and only labels with both positives and negatives there. Lexicon labels are trained in every
system alike; their agreement with the lexicon on held-out articles is printed apart, as it
measures only how well the model imitates the lexicon.

Systems, all trained on the same articles and label masks:
- khabar: `topics.fit_topic_model` (toolkit stems, hashed, per label the mean of a logistic
  regression and an NBSVM, thresholds chosen on out-of-fold scores of the training articles);
- baseline TF-IDF + LR: scikit-learn's TfidfVectorizer with its default tokenization (no Arabic
  analysis) over title and text, one LogisticRegression (liblinear, C=1) per label, cut at 0.5;
- baseline majority: every article gets the label most often positive in training.

    .venv/bin/python bench/topics.py [--only a|b] [--speed N]
"""

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _header import print_header  # noqa: E402

from khabar.tagging import taxonomy, topics  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEST_FRACTION = 0.2
GOAL_HELD_OUT = 0.90
GOAL_CROSS = 0.85
OUTLETS = ("Alarabia", "BBC", "CNN", "France24", "SkyNews")


def main() -> None:
    args = parse_args()
    data_dir = topics.shared_data_dir()
    print_header("khabar topics benchmark", **{"data dir": data_dir})
    started = time.perf_counter()
    try:
        articles, used = topics.labelled_articles(data_dir)
    except topics.TopicModelError as error:
        sys.exit(str(error))
    print(f"  files     {', '.join(str(path) for path in used)}")
    print(
        f"  articles  {len(articles):,} (one per URL) in {time.perf_counter() - started:.0f} s; "
        f"catch-all sections: {topics.catch_all_sections(articles)}"
    )
    print_label_counts(articles)
    if args.only in (None, "a"):
        model, test = held_out(articles)
        speed(model, test[: args.speed])
        model_size(model)
    if args.only in (None, "b"):
        cross_outlet([a for a in articles if a.corpus == "v2.1"])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("a", "b"), help="run one part")
    parser.add_argument(
        "--speed", type=int, default=3000, help="test articles timed for speed, default 3000"
    )
    return parser.parse_args()


def print_label_counts(articles: list[topics.LabelledArticle]) -> None:
    print("\nlabels: positives / negatives from ANT sections, and from the seed lexicon")
    for label in taxonomy.LABELS:
        gold_pos = sum(label in a.positives and label in a.gold for a in articles)
        gold_neg = sum(label in a.negatives and label in a.gold for a in articles)
        weak_pos = sum(label in a.positives and label not in a.gold for a in articles)
        weak_neg = sum(label in a.negatives and label not in a.gold for a in articles)
        print(
            f"  {label:<12} ANT {gold_pos:>6,} / {gold_neg:>6,}   "
            f"lexicon {weak_pos:>6,} / {weak_neg:>6,}"
        )


# --- systems ----------------------------------------------------------------------------------


def khabar_system(train: list[topics.LabelledArticle]):
    model = topics.fit_topic_model(train)

    def predict(test):
        scores = model.scores(topics.feature_matrix(a.terms for a in test))
        return {label: scores[:, i] >= 0.5 for i, label in enumerate(model.labels)}

    return model, predict


def tfidf_system(train: list[topics.LabelledArticle]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer()
    features = vectorizer.fit_transform(raw_text(a) for a in train)
    models = {}
    for label in taxonomy.LABELS:
        known, y = topics.label_targets(train, label)
        if y[known].any() and not y[known].all():
            models[label] = LogisticRegression(solver="liblinear").fit(features[known], y[known])

    def predict(test):
        test_features = vectorizer.transform(raw_text(a) for a in test)
        return {label: model.predict(test_features).astype(bool) for label, model in models.items()}

    return predict


def raw_text(article: topics.LabelledArticle) -> str:
    return f"{article.title}\n{article.text}"


def majority_system(train: list[topics.LabelledArticle]):
    counts = Counter(label for a in train for label in a.positives & a.gold)
    top = counts.most_common(1)[0][0]

    def predict(test):
        return {label: np.full(len(test), label == top) for label in taxonomy.LABELS}

    return top, predict


# --- measures ---------------------------------------------------------------------------------


def f1_by_label(
    test: list[topics.LabelledArticle], predicted: dict[str, np.ndarray], *, gold: bool = True
) -> dict[str, tuple[float, int, int]]:
    """label → (F1, positives, articles) over the test articles where the label is known.

    `gold`: known from ANT sections (the measure); otherwise known from the lexicon only.
    Labels with no positives or no negatives there are not measured.
    """
    result = {}
    for label in taxonomy.LABELS:
        rows = [
            i
            for i, a in enumerate(test)
            if (label in a.gold) == gold and (label in a.positives or label in a.negatives)
        ]
        y = np.array([label in test[i].positives for i in rows], dtype=bool)
        if not rows or y.all() or not y.any():
            continue
        p = predicted.get(label, np.zeros(len(test), dtype=bool))[rows]
        result[label] = (2 * np.count_nonzero(p & y) / (p.sum() + y.sum()), int(y.sum()), len(rows))
    return result


def macro(f1s: dict[str, tuple[float, int, int]], labels=None) -> float:
    values = [f1s[label][0] if label in f1s else 0.0 for label in (labels or f1s)]
    return float(np.mean(values)) if values else 0.0


def bootstrap_interval(
    test: list[topics.LabelledArticle],
    predicted: dict[str, np.ndarray],
    labels: list[str],
    *,
    rounds: int = 1000,
) -> tuple[float, float]:
    """2.5th and 97.5th percentiles of macro-F1 over test sets resampled with replacement."""
    rng = np.random.default_rng(0)
    cells = []
    for label in labels:
        known = np.array([label in a.gold for a in test])
        y = np.array([label in a.positives for a in test])
        p = predicted[label]
        cells.append(((known & y & p), (known & ~y & p), (known & y & ~p)))
    values = []
    for _ in range(rounds):
        sample = rng.integers(0, len(test), len(test))
        f1s = []
        for tp, fp, fn in cells:
            t = np.count_nonzero(tp[sample])
            f1s.append(
                2 * t / max(1, 2 * t + np.count_nonzero(fp[sample]) + np.count_nonzero(fn[sample]))
            )
        values.append(np.mean(f1s))
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def print_table(title: str, rows: dict[str, dict[str, tuple[float, int, int]]], measured) -> None:
    """One line per label and a macro line; `rows` maps a system to its F1s."""
    systems = list(rows)
    print(f"\n  {title}")
    print(
        "    "
        + f"{'label':<12}{'positives':>10}{'articles':>10}"
        + "".join(f"{s:>14}" for s in systems)
    )
    for label in measured:
        _, positives, count = rows[systems[0]][label]
        cells = "".join(f"{rows[s].get(label, (0.0,))[0]:>14.3f}" for s in systems)
        print(f"    {label:<12}{positives:>10,}{count:>10,}{cells}")
    cells = "".join(f"{macro(rows[s], measured):>14.3f}" for s in systems)
    print(f"    {'macro-F1':<32}{cells}")


def timed(what: str, function, *args):
    started, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    print(
        f"    {what}: {time.perf_counter() - started:.0f} s (CPU {time.process_time() - cpu:.0f} s)",
        flush=True,
    )
    return result


# --- (a) held-out split -----------------------------------------------------------------------


def held_out(articles: list[topics.LabelledArticle]):
    test_side = [topics.is_test(a.group, fraction=TEST_FRACTION) for a in articles]
    train = [a for a, t in zip(articles, test_side, strict=True) if not t]
    test = [a for a, t in zip(articles, test_side, strict=True) if t]
    print(f"\n(a) held-out split of the same outlets ({TEST_FRACTION:.0%} by text, fixed hash)")
    for corpus in ("v1.1", "v2.1"):
        n_train = sum(a.corpus == corpus for a in train)
        n_test = sum(a.corpus == corpus for a in test)
        print(f"    ANT {corpus}: train {n_train:,}, test {n_test:,}")
    model, khabar_predict = timed("khabar: fit", khabar_system, train)
    tfidf_predict = timed("TF-IDF + LR: fit", tfidf_system, train)
    top, majority_predict = majority_system(train)
    predictions = {
        "khabar": khabar_predict(test),
        "TF-IDF+LR": tfidf_predict(test),
        "majority": majority_predict(test),
    }
    print(f"    majority baseline: every article gets {top!r}")
    for corpus in ("v1.1", "v2.1"):
        part = [i for i, a in enumerate(test) if a.corpus == corpus]
        subset = [test[i] for i in part]
        rows = {
            name: f1_by_label(subset, {k: v[part] for k, v in predicted.items()})
            for name, predicted in predictions.items()
        }
        measured = list(rows["khabar"])
        print_table(f"ANT {corpus}, {len(subset):,} test articles", rows, measured)
        low, high = bootstrap_interval(
            subset, {k: v[part] for k, v in predictions["khabar"].items()}, measured
        )
        print(
            f"    khabar macro-F1 95% bootstrap interval (test articles resampled): {low:.3f}-{high:.3f}"
        )
        met = macro(rows["khabar"]) >= GOAL_HELD_OUT
        print(f"    goal macro-F1 ≥ {GOAL_HELD_OUT}: {'met' if met else 'NOT met'}")
    weak = f1_by_label(test, predictions["khabar"], gold=False)
    print("\n  agreement with the seed lexicon on held-out articles (imitation, not quality):")
    for label, (f1, positives, count) in weak.items():
        print(f"    {label:<12} F1 {f1:.3f}  ({positives:,} lexicon positives of {count:,})")
    return model, test


def speed(model: topics.TopicModel, test: list[topics.LabelledArticle]) -> None:
    """Articles per second on one core, from raw title and text to ranked labels."""
    pairs = [(a.title, a.text) for a in test]
    model.predict_many(pairs[:200])  # warm the analyzer's and the hash's caches a little
    print(f"\n  prediction speed, one core, {len(pairs):,} held-out articles (title + text):")
    for what, run in (
        ("one by one (predict)", lambda: [model.predict(t, x) for t, x in pairs]),
        ("batches of 100 (predict_many)", lambda: batches(model, pairs)),
    ):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"    {what:<30} {len(pairs) / cpu:>7,.0f} articles/s CPU "
            f"({1000 * cpu / len(pairs):.2f} ms each; wall {len(pairs) / wall:,.0f}/s)"
        )
    started = time.process_time()
    docs = [topics.article_terms(t, x) for t, x in pairs]
    analysis = time.process_time() - started
    print(f"    of which the Arabic analysis: {1000 * analysis / len(pairs):.2f} ms an article")
    del docs


def batches(model: topics.TopicModel, pairs: list[tuple[str, str]]) -> None:
    for start in range(0, len(pairs), 100):
        model.predict_many(pairs[start : start + 100])


def model_size(model: topics.TopicModel) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = topics.save_topic_model(model, Path(tmp))
        size = path.stat().st_size
    print(
        f"\n  model file: {size / 1024:,.0f} KiB ({model.weights.nnz:,} weights, "
        f"{len(model.labels)} labels)"
    )


# --- (b) cross-outlet -------------------------------------------------------------------------


def cross_outlet(articles: list[topics.LabelledArticle]) -> None:
    print("\n(b) cross-outlet: train on four ANT v2.1 outlets, test on the fifth")
    folds = {}
    for outlet in OUTLETS:
        train = [a for a in articles if a.outlet != outlet]
        test = [a for a in articles if a.outlet == outlet]
        print(f"\n  test {outlet}: train {len(train):,}, test {len(test):,}", flush=True)
        _, khabar_predict = timed("khabar: fit", khabar_system, train)
        tfidf_predict = timed("TF-IDF + LR: fit", tfidf_system, train)
        top, majority_predict = majority_system(train)
        rows = {
            "khabar": f1_by_label(test, khabar_predict(test)),
            "TF-IDF+LR": f1_by_label(test, tfidf_predict(test)),
            "majority": f1_by_label(test, majority_predict(test)),
        }
        print(f"    majority baseline: every article gets {top!r}")
        trained = {label for a in train for label in a.positives & a.gold}
        measured = [label for label in rows["khabar"] if label in trained]
        print_table(f"{outlet}: shared labels", rows, measured)
        folds[outlet] = {name: macro(f1s, measured) for name, f1s in rows.items()}
    print("\n  macro-F1 by test outlet")
    names = list(next(iter(folds.values())))
    print("    " + f"{'outlet':<12}" + "".join(f"{n:>16}" for n in names))
    for outlet, values in folds.items():
        print("    " + f"{outlet:<12}" + "".join(f"{values[n]:>16.3f}" for n in names))
    means = [np.mean([values[n] for values in folds.values()]) for n in names]
    print("    " + f"{'mean':<12}" + "".join(f"{m:>16.3f}" for m in means))
    print(
        f"    goal mean macro-F1 ≥ {GOAL_CROSS}: {'met' if means[0] >= GOAL_CROSS else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
