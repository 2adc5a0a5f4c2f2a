"""Keyphrase benchmark: does `extract_keyphrases` find what an article is about?

There are no hand-made keyphrases for Arabic news here, so an article's own headline stands in
for them: the phrases are taken from the body alone (the headline removed), and a phrase counts
as right when one of its words (by light stem) is a content word of the headline. Headlines
name the actors, places and the event, which is what a keyphrase should, so a method that
scores better here finds more of what a reader would call the article's subject.

Data: the distinct ANT v2.1 and v1.1 articles (../shared/data or $KHABAR_SHARED_DATA), split by
a hash of the text: 2.5% dev (every setting was chosen there), 2.5% test (scored once at the
end), the rest only counted for the document frequencies the method uses. Articles with a
headline of at least three content words and a body of at least 400 characters are scored.

Figures: precision of the first 5 phrases (P@5), the share of headline content stems that the
first 10 phrases hold (R@10), and their harmonic mean. Baselines in the same run: the 5 (10)
most frequent content words (TF), TF-IDF over single words, and the first content words of
the body (lead). khabar is scored alone and with the names the entity tagger finds (which
`khabar analyze` gives it).

    .venv/bin/python bench/keyphrases.py [--test] [--tune]
"""

import argparse
import hashlib
import itertools
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from khabar.arabic.analyze import DEFAULT as ANALYZER  # noqa: E402
from khabar.tagging import keyphrases  # noqa: E402
from khabar.tagging.topics import shared_data_dir  # noqa: E402
from khabar.tagging.word_clusters import ant_texts  # noqa: E402

MIN_TITLE_WORDS = 3
MIN_BODY_CHARS = 400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--test", action="store_true", help="score the test part (once)")
    parser.add_argument("--tune", action="store_true", help="grid of settings on dev")
    args = parser.parse_args()
    started, cpu = time.perf_counter(), time.process_time()
    print("khabar keyphrase benchmark")
    print(f"  date      {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"  command   {' '.join([Path(sys.executable).name, *sys.argv])}")
    counted, parts = [], {"dev": [], "test": []}
    for text in ant_texts(shared_data_dir()):
        part = split_of(text)
        if part == "count":
            counted.append(text)
        else:
            title, _, body = text.partition("\n")
            if len(content_stems(title)) >= MIN_TITLE_WORDS and len(body) >= MIN_BODY_CHARS:
                parts[part].append((title, body))
    frequencies = keyphrases.count_document_frequencies(counted)
    name = "test" if args.test else "dev"
    articles = parts[name]
    print(
        f"  data      {len(counted):,} articles counted for document frequencies; "
        f"scored on {name}: {len(articles):,} articles (dev {len(parts['dev']):,}, "
        f"test {len(parts['test']):,})"
    )
    if args.tune:
        tune(articles, frequencies)
        return
    systems = {
        "lead (first content words)": lambda body, limit: lead(body, limit),
        "TF (most frequent words)": lambda body, limit: top_words(body, limit, None),
        "TF-IDF (single words)": lambda body, limit: top_words(body, limit, frequencies),
        "khabar extract_keyphrases": lambda body, limit: keyphrases.extract_keyphrases(
            body, limit=limit, frequencies=frequencies
        ),
        "khabar, with the entity tagger's names (as `khabar analyze`)": (
            lambda body, limit: keyphrases.extract_keyphrases(
                body, limit=limit, frequencies=frequencies, names=names_in(body)
            )
        ),
    }
    print(f"\n| system ({name}) | P@5 | R@10 | F1 |\n|---|---:|---:|---:|")
    for system, extract in systems.items():
        p, r = score(articles, extract)
        print(f"| {system} | {p:.3f} | {r:.3f} | {harmonic(p, r):.3f} |")
    timed = [body for _, body in articles[:500]]
    tick = time.process_time()
    for body in timed:
        keyphrases.extract_keyphrases(body, frequencies=frequencies)
    ms = (time.process_time() - tick) / len(timed) * 1000
    print(f"\nspeed: {ms:.2f} ms of CPU an article (body only, {len(timed)} articles)")
    print(
        f"whole run {time.perf_counter() - started:.0f} s wall, "
        f"{time.process_time() - cpu:.0f} s CPU"
    )


def names_in(text: str) -> list[str]:
    from khabar.tagging.entities import extract_entities

    return [entity.text for entity in extract_entities(text)]


def split_of(text: str) -> str:
    bucket = int(hashlib.md5(text.encode("utf-8")).hexdigest()[:8], 16) % 1000
    return "dev" if bucket < 25 else "test" if bucket < 50 else "count"


def content_stems(text: str) -> set[str]:
    return {
        word.stem
        for _, word, _ in ANALYZER.words(text)
        if not word.stop and len(word.norm) >= 3 and not word.norm.isdigit()
    }


def score(articles, extract) -> tuple[float, float]:
    right = shown = covered = wanted = 0
    for title, body in articles:
        gold = content_stems(title)
        top = extract(body, 10)
        hits = [bool(content_stems(phrase) & gold) for phrase in top[:5]]
        right += sum(hits)
        shown += len(hits)
        held = set().union(*(content_stems(phrase) for phrase in top)) if top else set()
        covered += len(gold & held)
        wanted += len(gold)
    return right / max(shown, 1), covered / max(wanted, 1)


def harmonic(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def lead(body: str, limit: int) -> list[str]:
    seen: dict[str, str] = {}
    for match, word, _ in ANALYZER.words(body):
        if not word.stop and len(word.norm) >= 3 and not word.norm.isdigit():
            seen.setdefault(word.stem, match.group())
            if len(seen) >= limit:
                break
    return list(seen.values())


def top_words(body: str, limit: int, frequencies) -> list[str]:
    counts: Counter = Counter()
    form: dict[str, str] = {}
    for match, word, _ in ANALYZER.words(body):
        if not word.stop and len(word.norm) >= 3 and not word.norm.isdigit():
            counts[word.stem] += 1
            form.setdefault(word.stem, match.group())
    weight = frequencies.idf if frequencies else (lambda stem: 1.0)
    ranked = sorted(counts, key=lambda s: (-counts[s] * weight(s), s))
    return [form[s] for s in ranked[:limit]]


# The first grid was lead_chars (0, 200, 400, 800) × lead_weight (1.5, 2, 3) × phrase_repeats
# (2, 3) × phrase_bonus (0.5, 1, 2); its best (200, 3, 2, 0.5) lay at the grid's edge, so this
# second grid looks beyond it.
TUNING_GRID = {
    "lead_chars": (100, 200),
    "lead_weight": (3.0, 4.0),
    "phrase_repeats": (2,),
    "phrase_bonus": (0.25, 0.5),
}


def tune(articles, frequencies) -> None:
    results = []
    for values in itertools.product(*TUNING_GRID.values()):
        settings = replace(
            keyphrases.DEFAULT_SETTINGS, **dict(zip(TUNING_GRID, values, strict=True))
        )
        p, r = score(
            articles,
            lambda body, limit, s=settings: keyphrases.extract_keyphrases(
                body, limit=limit, frequencies=frequencies, settings=s
            ),
        )
        results.append((harmonic(p, r), p, r, values))
        print(f"  {values}: P@5 {p:.3f} R@10 {r:.3f} F1 {harmonic(p, r):.3f}", flush=True)
    print("best five on dev:")
    for f, p, r, values in sorted(results, reverse=True)[:5]:
        print(
            f"  {dict(zip(TUNING_GRID, values, strict=True))}: P@5 {p:.3f} R@10 {r:.3f} F1 {f:.3f}"
        )


if __name__ == "__main__":
    main()
