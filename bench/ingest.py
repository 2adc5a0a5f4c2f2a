"""Ingest benchmark: each figure printed next to a baseline measured in the same run.

(a) `khabar import-jsonl` of the ANT multi-source corpus, run as the real CLI into a fresh data
    dir (SQLite, or PostgreSQL when DATABASE_URL is set), then once more to check that a rerun
    stores nothing; baseline: a bare sqlite3 executemany of the same rows (and JSON parsing
    alone). Goal: at least 500 articles/s end to end.
(b) extract → clean → sanitize → store (`extract_from_html` on each page, then
    `pipeline.process_articles` on each chunk of 20 pages, as a feed fetch stores its items) on
    saved news pages generated from corpus articles, against trafilatura alone on the same pages:
    `trafilatura.bare_extraction` with its metadata (title, author, date: what the pipeline
    also finds) and the same content options as khabar's call. Goal: the pipeline at least
    0.8 × trafilatura's throughput. The pages go to a temporary directory, deleted afterwards.

    .venv/bin/python bench/ingest.py [--limit N] [--pages N] [--only a|b] [--profile]
    scripts/with-postgres.sh .venv/bin/python bench/ingest.py --only a
"""

import argparse
import cProfile
import gzip
import itertools
import json
import os
import pstats
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from _header import print_header
from pages import BOILERPLATE_MARKERS, news_page

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = (
    ROOT.parent / "shared/data/ant-corpus-multisource-v2.1/ant_v2.1_multisource.jsonl.gz"
)
IMPORT_GOAL = 500  # articles/s
PIPELINE_GOAL = 0.8  # × trafilatura alone
WARMUP_PAGES = 10
CHUNK_PAGES = 20  # the two sides alternate by chunks so load from other processes hits both
SUMMARY = re.compile(
    r"(?P<read>\d+) read, (?P<stored>\d+) stored, (?P<updated>\d+) updated, "
    r"(?P<duplicates>\d+) duplicates, (?P<rejected>\d+) rejected, (?P<warnings>\d+) warnings "
    r"in (?P<inside>[\d.]+) s"
)


def main() -> None:
    args = parse_args()
    print_header("khabar ingest benchmark", corpus=args.corpus)
    if not args.corpus.is_file():
        sys.exit(f"corpus not found: {args.corpus} (see ../shared/data/README.md)")
    with tempfile.TemporaryDirectory(prefix="khabar-bench-") as tmp:
        tmp = Path(tmp)
        corpus = limited_corpus(args.corpus, limit=args.limit, tmp=tmp)
        if args.only in (None, "a"):
            bench_import(corpus, tmp=tmp)
        if args.only in (None, "b"):
            bench_pipeline(corpus, pages=args.pages, tmp=tmp, profile=args.profile)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="JSON Lines (.gz)")
    parser.add_argument("--limit", type=int, help="use only the first N lines of the corpus")
    parser.add_argument("--pages", type=int, default=300, help="pages for part (b), default 300")
    parser.add_argument("--only", choices=("a", "b"), help="run one part")
    parser.add_argument("--profile", action="store_true", help="cProfile the pipeline in (b)")
    return parser.parse_args()


def limited_corpus(corpus: Path, *, limit: int | None, tmp: Path) -> Path:
    """`corpus` itself, or a gzipped copy of its first `limit` lines in `tmp`."""
    if not limit:
        return corpus
    limited = tmp / f"first-{limit}.jsonl.gz"
    with gzip.open(corpus, "rb") as source, gzip.open(limited, "wb") as target:
        target.writelines(itertools.islice(source, limit))
    return limited


def corpus_lines(corpus: Path) -> Iterator[bytes]:
    with gzip.open(corpus, "rb") if corpus.suffix == ".gz" else open(corpus, "rb") as lines:
        yield from lines


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


# --- (a) bulk import -----------------------------------------------------------------------


@dataclass
class ImportResult:
    seconds: float  # the whole subprocess: start-up, migrations, import
    cpu: float  # its CPU time, steadier than wall clock on a shared machine
    inside: float  # what the command itself reports, from the first line read to the last stored
    counts: dict[str, int]


def bench_import(corpus: Path, *, tmp: Path) -> None:
    env = {**os.environ, "KHABAR_DATA_DIR": str(tmp / "import-data")}
    database = "PostgreSQL (DATABASE_URL)" if env.get("DATABASE_URL") else "SQLite, fresh data dir"
    print(f"\n(a) khabar import-jsonl, end to end as a subprocess ({database})")
    print(f"    input {corpus}")
    first = run_import(corpus, env=env)
    again = run_import(corpus, env=env)
    parse_seconds, lines = json_parse_baseline(corpus)
    insert_seconds, inserted = executemany_baseline(corpus, database=tmp / "baseline.sqlite3")
    report_import("import-jsonl", first)
    report_import("rerun, same file", again)
    print(f"    {'articles in the database':<34} {stored_rows(env=env):>7}")
    print(
        f"    {'baseline: sqlite3 executemany':<34} {inserted:>7} rows   {insert_seconds:6.1f} s"
        f" {rate(inserted, insert_seconds):>8.0f} rows/s  (gunzip + json.loads + one INSERT)"
    )
    print(
        f"    {'baseline: gunzip + json.loads':<34} {lines:>7} lines  {parse_seconds:6.1f} s"
        f" {rate(lines, parse_seconds):>8.0f} lines/s"
    )
    import_rate = rate(first.counts["read"], first.seconds)
    print(
        f"    ratio import / executemany: {import_rate / rate(inserted, insert_seconds):.3f}×;"
        f" ratio import / json parsing: {import_rate / rate(lines, parse_seconds):.3f}×"
    )
    print(f"    goal ≥ {IMPORT_GOAL} articles/s end to end: {verdict(import_rate >= IMPORT_GOAL)}")
    idempotent = again.counts["stored"] == 0 and again.counts["updated"] == 0
    print(f"    rerun stores and updates nothing: {verdict(idempotent)}")


def run_import(corpus: Path, *, env: dict) -> ImportResult:
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(
        # The import alone, as measured before the enrich step existed: bench/enrich.py
        # measures the enrichment that import-jsonl runs afterwards without --no-enrich.
        [*khabar_command(), "import-jsonl", str(corpus), "--quiet", "--no-enrich"],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    cpu = children_cpu_seconds() - cpu_before
    summary = SUMMARY.search(done.stdout)
    if done.returncode != 0 or summary is None:
        sys.exit(f"import-jsonl failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    counts = {k: int(v) for k, v in summary.groupdict().items() if k != "inside"}
    return ImportResult(seconds=seconds, cpu=cpu, inside=float(summary["inside"]), counts=counts)


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def khabar_command() -> list[str]:
    script = Path(sys.executable).parent / "khabar"
    return [str(script)] if script.exists() else [sys.executable, "-m", "khabar.cli"]


def report_import(label: str, result: ImportResult) -> None:
    counts = result.counts
    print(
        f"    {label:<34} {counts['read']:>7} lines  {result.seconds:6.1f} s"
        f" {rate(counts['read'], result.seconds):>8.0f} articles/s"
        f" (CPU {result.cpu:.1f} s; {rate(counts['read'], result.inside):.0f}/s in the command's"
        f" own {result.inside:.1f} s)"
        f"\n{'':<45}({counts['stored']} stored,"
        f" {counts['updated']} updated, {counts['duplicates']} duplicates,"
        f" {counts['rejected']} rejected, {counts['warnings']} warnings)"
    )


def stored_rows(*, env: dict) -> int:
    """Counted through khabar itself, so it works for SQLite and PostgreSQL alike."""
    code = "from khabar.articles.models import Article; print(Article.objects.count())"
    done = subprocess.run(
        [*khabar_command(), "shell", "-c", code], env=env, capture_output=True, text=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def json_parse_baseline(corpus: Path) -> tuple[float, int]:
    started = time.perf_counter()
    count = sum(1 for line in corpus_lines(corpus) if json.loads(line))
    return time.perf_counter() - started, count


def executemany_baseline(corpus: Path, *, database: Path) -> tuple[float, int]:
    """The least any importer must do: read, parse and insert the rows in one transaction."""
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE article (id INTEGER PRIMARY KEY, url TEXT, title TEXT, text TEXT,"
        " published TEXT, source TEXT, author TEXT, summary TEXT, category TEXT)"
    )
    rows = (
        (r["url"], r["title"], r.get("text"), r.get("time"), r.get("source"), r.get("author"))
        + (r.get("abstract"), r.get("category"))
        for r in map(json.loads, corpus_lines(corpus))
    )
    with connection:
        connection.executemany("INSERT INTO article VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    count = connection.execute("SELECT count(*) FROM article").fetchone()[0]
    connection.close()
    return time.perf_counter() - started, count


# --- (b) extraction pipeline ---------------------------------------------------------------


@dataclass
class Page:
    url: str
    html: str
    article: dict


@dataclass
class Quality:
    """How close an extraction came to the article the page was made from."""

    pages: int = 0
    titles_right: int = 0
    paragraphs: int = 0
    paragraphs_kept: int = 0
    pages_with_chrome: int = 0
    nothing_stored: int = 0

    def add(self, article: dict, *, title: str, text: str) -> None:
        self.pages += 1
        self.titles_right += squeeze(title) == squeeze(article["title"])
        flat = squeeze(text)
        originals = [squeeze(p) for p in article["text"].splitlines() if p.strip()]
        self.paragraphs += len(originals)
        self.paragraphs_kept += sum(p in flat for p in originals)
        self.pages_with_chrome += any(
            marker in text and marker not in article["text"] for marker in BOILERPLATE_MARKERS
        )

    def line(self) -> str:
        return (
            f"title right {percent(self.titles_right, self.pages)},"
            f" paragraphs kept {percent(self.paragraphs_kept, self.paragraphs)},"
            f" pages with page chrome in the text {self.pages_with_chrome}"
        )


def squeeze(text: str) -> str:
    return " ".join((text or "").split())


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def bench_pipeline(corpus: Path, *, pages: int, tmp: Path, profile: bool) -> None:
    print("\n(b) extract → clean → sanitize → store, against trafilatura alone (SQLite)")
    saved = save_pages(corpus, count=pages + WARMUP_PAGES, directory=tmp / "pages")
    size = sum(len(page.html.encode()) for page in saved) / len(saved) / 1024
    print(f"    {len(saved)} pages from {corpus.name} in {tmp / 'pages'}, {size:.0f} KiB each")
    setup_django(data_dir=tmp / "pipeline-data")
    from khabar.ingest import extract

    try:
        extract.extract_from_html("<html><body><p>x</p></body></html>", url="https://a.example/")
    except NotImplementedError:
        print("    skipped: khabar.ingest.extract.extract_from_html is not implemented yet")
        return
    warmup, measured = saved[:WARMUP_PAGES], saved[WARMUP_PAGES:]
    sources = outlet_sources(saved)
    baseline = trafilatura_alone
    baseline(warmup[0].html, url=warmup[0].url)
    pipeline_batch(warmup, sources=sources)
    profiler = cProfile.Profile() if profile else None
    alone, pipeline = Side("trafilatura alone"), Side("khabar pipeline")
    for start in range(0, len(measured), CHUNK_PAGES):
        chunk = measured[start : start + CHUNK_PAGES]
        alone.run(chunk, lambda pages: [baseline(page.html, url=page.url) for page in pages])
        pipeline.run(chunk, lambda pages: pipeline_batch(pages, sources=sources), profiler=profiler)
    # The step timers add a little to every call they wrap, so they time a second pass over
    # the same pages into an emptied database, apart from the comparison above.
    empty_store()
    steps = StepTimes.install()
    timed = Side("khabar pipeline, step timers on")
    for start in range(0, len(measured), CHUNK_PAGES):
        timed.run(
            measured[start : start + CHUNK_PAGES], lambda p: pipeline_batch(p, sources=sources)
        )
    steps.uninstall()
    report_pipeline(alone, pipeline, steps=steps, timed=timed)
    if profiler is not None:
        print("\n    cProfile of the pipeline side (it slows that side: ignore the ratio above):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(35)


def save_pages(corpus: Path, *, count: int, directory: Path) -> list[Page]:
    """`count` pages spread evenly over the corpus, written to `directory` and read back."""
    articles = [json.loads(line) for line in corpus_lines(corpus)]
    articles = [a for a in articles if a.get("text", "").strip() and a.get("title")]
    step = max(1, len(articles) // count)
    directory.mkdir(parents=True)
    saved = []
    for number, index in enumerate(range(0, step * count, step)):
        if index >= len(articles):
            break
        article = articles[index]
        related = [articles[(index + k) % len(articles)] for k in range(1, 11)]
        path = directory / f"{number:05d}.html"
        path.write_text(news_page(article, related=related, seed=number), encoding="utf-8")
        saved.append(
            Page(url=article["url"], html=path.read_text(encoding="utf-8"), article=article)
        )
    return saved


def setup_django(*, data_dir: Path) -> None:
    os.environ["KHABAR_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)  # (b) always stores into its own fresh SQLite
    os.environ["DJANGO_SETTINGS_MODULE"] = "khabar.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def outlet_sources(saved: list[Page]) -> dict:
    from khabar.sources.models import Source

    return {
        name: Source.objects.create(
            kind=Source.Kind.FEED, url=f"https://{name}.example/rss", name=name
        )
        for name in sorted({page.article.get("source", "") or "site" for page in saved})
    }


def trafilatura_alone(html: str, *, url: str):
    """trafilatura on its own: the article and its metadata, with khabar's content options."""
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        output_format="html",
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=True,
        include_links=True,
        include_formatting=True,
    )


def pipeline_batch(pages: list[Page], *, sources: dict) -> list:
    """Extract every page, then store them by outlet as feed fetches do: [(item, stored)]."""
    from khabar.ingest.extract import extract_from_html
    from khabar.ingest.pipeline import process_articles

    items = [extract_from_html(page.html, url=page.url) for page in pages]
    stored = {}
    by_source: dict[str, list[int]] = {}
    for index, page in enumerate(pages):
        by_source.setdefault(page.article.get("source", "") or "site", []).append(index)
    for name, indexes in by_source.items():
        results = process_articles(sources[name], items=[items[i] for i in indexes])
        stored.update({i: r.error is None for i, r in zip(indexes, results, strict=True)})
    return [(items[i], stored[i]) for i in range(len(pages))]


@dataclass
class Side:
    name: str
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    pages: int = 0
    quality: Quality = field(default_factory=Quality)

    def run(self, chunk: list[Page], work, *, profiler: cProfile.Profile | None = None) -> None:
        if profiler is not None:
            profiler.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        results = work(chunk)
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.process_time() - cpu_started
        if profiler is not None:
            profiler.disable()
        self.pages += len(chunk)
        for page, result in zip(chunk, results, strict=True):
            self.judge(page, result)

    def judge(self, page: Page, result) -> None:
        if isinstance(result, tuple):  # the pipeline's (item, stored)
            item, stored = result
            self.quality.nothing_stored += not stored
            self.quality.add(page.article, title=item.title, text=item.text)
        else:  # trafilatura's Document, or None
            title = getattr(result, "title", "") or ""
            text = getattr(result, "raw_text", "") or getattr(result, "text", "") or ""
            self.quality.add(page.article, title=title, text=text)

    @property
    def rate(self) -> float:
        return rate(self.pages, self.seconds)

    @property
    def cpu_rate(self) -> float:
        return rate(self.pages, self.cpu_seconds)


def empty_store() -> None:
    from khabar.articles.models import Article
    from khabar.sources.models import SourceLine

    Article.objects.all().delete()
    SourceLine.objects.all().delete()


def report_pipeline(alone: Side, pipeline: Side, *, steps: "StepTimes", timed: Side) -> None:
    for side, what in (
        (alone, "bare_extraction with metadata, same content options"),
        (pipeline, "extract_from_html + process_articles by chunk"),
    ):
        print(
            f"    {side.name:<20} {side.pages:>5} pages {side.seconds:6.1f} s"
            f" {side.rate:7.1f} pages/s  {1000 * side.seconds / max(side.pages, 1):6.1f} ms/page"
            f"  (CPU {side.cpu_seconds:.1f} s, {side.cpu_rate:.1f} pages/s)  {what}"
        )
    ratio = pipeline.rate / alone.rate if alone.rate else 0.0
    cpu_ratio = pipeline.cpu_rate / alone.cpu_rate if alone.cpu_rate else 0.0
    print(
        f"    ratio pipeline / trafilatura alone: {ratio:.2f}× wall clock, {cpu_ratio:.2f}× CPU time"
    )
    print(f"    goal ≥ {PIPELINE_GOAL}× (wall clock): {verdict(ratio >= PIPELINE_GOAL)}")
    print(f"    quality, trafilatura alone: {alone.quality.line()}")
    print(f"    quality, khabar pipeline:   {pipeline.quality.line()}", end="")
    print(f", nothing stored {pipeline.quality.nothing_stored}")
    print(
        "    where the pipeline's time goes (second pass with step timers,"
        f" {1000 * timed.seconds / max(timed.pages, 1):.1f} ms/page;"
        " ms/page and % of that pass; indented = inside):"
    )
    for label, seconds in steps.rows():
        per_page = 1000 * seconds / max(timed.pages, 1)
        print(f"      {label:<44} {per_page:7.2f} ms {percent_of(seconds, timed.seconds):>6}")


def percent_of(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


class StepTimes:
    """Wall time inside the pipeline's steps, by wrapping module attributes for this run only.

    Nothing in khabar is edited: the wrappers are installed on the module objects after import
    and removed afterwards. A step that a module no longer has is skipped.
    """

    STEPS = (
        # (label, module, attribute); the label's indentation shows nesting
        ("extract_from_html", "khabar.ingest.extract", "extract_from_html"),
        ("  parse_page (lxml, a second parse)", "khabar.ingest.extract", "parse_page"),
        ("  run_trafilatura (content only)", "khabar.ingest.extract", "run_trafilatura"),
        (
            "  fill_missing_metadata (trafilatura's)",
            "khabar.ingest.extract",
            "fill_missing_metadata",
        ),
        ("  main_content_html", "khabar.ingest.extract", "main_content_html"),
        (
            "  readable_paragraphs_html (fallback)",
            "khabar.ingest.extract",
            "readable_paragraphs_html",
        ),
        ("  fill_metadata", "khabar.ingest.extract", "fill_metadata"),
        ("  fill_body", "khabar.ingest.extract", "fill_body"),
        ("  detect_language (py3langid)", "khabar.ingest.extract", "detect_language"),
        ("process_articles", "khabar.ingest.pipeline", "process_articles"),
        ("  text_of_html", "khabar.ingest.pipeline", "text_of_html"),
        ("  learned_lines (SourceLine, once a batch)", "khabar.ingest.pipeline", "learned_lines"),
        ("  clean_article", "khabar.ingest.pipeline", "clean_article"),
        ("    line_key (Arabic normalizer)", "khabar.ingest.clean", "line_key"),
        ("    boilerplate_kind", "khabar.ingest.clean", "boilerplate_kind"),
        ("    learned_for_source (SourceLine)", "khabar.ingest.clean", "learned_for_source"),
        ("    drop_lines_from_html ", "khabar.ingest.clean", "drop_lines_from_html"),
        ("  detect_language (if still none)", "khabar.ingest.pipeline", "detect_language"),
        ("  sanitize_html", "khabar.ingest.pipeline", "sanitize_html"),
        (
            "  find_existing_articles (once a batch)",
            "khabar.ingest.pipeline",
            "find_existing_articles",
        ),
        ("  store_article", "khabar.ingest.pipeline", "store_article"),
        ("    fingerprints (text: Arabic normalizer)", "khabar.ingest.store", "fingerprints"),
        (
            "  count_articles_lines (SourceLine, once a batch)",
            "khabar.ingest.pipeline",
            "count_articles_lines",
        ),
    )

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.originals: list[tuple[object, str, object]] = []

    @classmethod
    def install(cls) -> "StepTimes":
        timer = cls()
        for label, module_name, attribute in cls.STEPS:
            module = sys.modules.get(module_name)
            if module is not None and hasattr(module, attribute):
                original = getattr(module, attribute)
                timer.originals.append((module, attribute, original))
                setattr(module, attribute, timer.wrap(label, original))
        return timer

    def wrap(self, label: str, function):
        self.seconds.setdefault(label, 0.0)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        return timed

    def uninstall(self) -> None:
        for module, attribute, original in reversed(self.originals):
            setattr(module, attribute, original)

    def rows(self) -> list[tuple[str, float]]:
        return [(label, self.seconds[label]) for label, _, _ in self.STEPS if label in self.seconds]


if __name__ == "__main__":
    main()
