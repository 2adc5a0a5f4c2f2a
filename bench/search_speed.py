"""Search speed: khabar's facade against bare tantivy and bare SQLite FTS5, same documents, one run.

Documents: `--docs` (default 1,000,000) built at bench time from the ANT multi-source corpus
(bench/_speed_corpus.py: the real articles, then perturbed replicas: sentences dropped,
repeated, reordered and mixed with other articles', spelling variants, varied titles; seed
fixed). They are stored as khabar Articles in a fresh SQLite data dir, which every system
indexes from.

Systems, each indexing title + text of every article:
- khabar, tantivy (the embedded default): `search.reindex()` (database read, analysis by
  khabar.arabic, tantivy writer) and `search.query(text, limit=10)`, which parses, analyzes,
  asks the backend, loads the ten articles and highlights them: end to end.
- khabar, PostgreSQL: the same facade on a throwaway cluster (scripts/with-postgres.sh), in a
  subprocess, at `--pg-docs` documents (the first ones of the same set), since indexing a
  million there takes far longer than this run may; both bare engines are measured again
  beside it at that size, from the same database, for the ratios.
- tantivy alone: the PyPI package with its own Arabic analyzer (simple tokenizer, lowercase,
  Snowball Arabic stemmer), the same writer settings as khabar's rebuilds, top 10 by BM25.
- SQLite FTS5 alone: a contentless table (index only, like the others), unicode61 tokenizer,
  `ORDER BY rank` (BM25), top 10.

Queries: `--queries` (default 300) of each kind, from the corpus's titles and sentences (seed
fixed): 1-3 content words (all must be found), 2-3 words joined by OR, and 2-3-word phrases.
A warm-up set runs first; then each query runs once on every system in turn, so load from
other processes falls on all of them alike. Goals: the embedded default p95 ≤ 20 ms end to end
at 1M documents and indexing ≥ 2,000 docs/s including analysis; PostgreSQL p95 ≤ 100 ms.

    .venv/bin/python bench/search_speed.py [--docs N] [--queries N] [--pg-docs N] [--keep DIR]
    .venv/bin/python bench/search_speed.py --docs 100000            # a quick run
    .venv/bin/python bench/search_speed.py --docs 100000 --profile  # cProfile of indexing

--keep DIR keeps the generated articles in DIR and reuses them in the next run with the same
--docs (the indexes are always rebuilt: they are what is measured). Without it everything goes
to a temporary directory under /tmp, deleted at the end.
"""

import argparse
import contextlib
import cProfile
import itertools
import json
import os
import pstats
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from _speed_corpus import KINDS, Query, generate_documents, load_bases, sample_queries

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _header as header  # noqa: E402

CORPUS_PATH = "shared/data/ant-corpus-multisource-v2.1/ant_v2.1_multisource.jsonl.gz"
# ../shared/data beside the repository, or beside the folder of git worktrees it is one of.
DEFAULT_CORPUS = next(
    (base / CORPUS_PATH for base in ROOT.parents if (base / CORPUS_PATH).is_file()),
    ROOT.parent / CORPUS_PATH,
)
SEED = 2026
LIMIT = 10
WARMUP_QUERIES = 30  # of each kind, not timed
EMBEDDED_P95_GOAL_MS = 20.0
EMBEDDED_INDEX_GOAL = 2000  # docs/s, analysis included
POSTGRES_P95_GOAL_MS = 100.0
INSERT_BATCH = 5000
READ_BATCH = 2000
BREAKDOWN_DOCS = 10_000
PG_PORT = "54377"
# The throwaway cluster is set up as a database server dedicated to khabar with this
# machine's memory would be: a cache large enough to hold the search index (8.2 GB at 1M
# articles; docs/benchmarks.md), room to build the GIN index. With a cache of 2 GB the pages a
# query needs were read back from disk: words p95 127.8 ms at 1M, 32.4 ms with them in memory.
PG_CACHE_SHARE = 0.4
PG_SETTINGS = (
    f"-c shared_buffers={int(PG_CACHE_SHARE * os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')) >> 20}MB"
    " -c maintenance_work_mem=512MB -c work_mem=16MB"
)
QUERIES_FILE = "queries.json"
FACADE_TANTIVY = "khabar, tantivy"
FACADE_POSTGRES = "khabar, PostgreSQL"
BARE_TANTIVY = "tantivy alone"
BARE_FTS5 = "SQLite FTS5 alone"


def main() -> None:
    args = parse_args()
    if args.part == "postgres":
        run_postgres_part(args)
        return
    started = time.perf_counter()
    print_header(args)
    if not args.corpus.is_file():
        sys.exit(f"corpus not found: {args.corpus} (see ../shared/data/README.md)")
    with data_directory(args.keep) as data:
        results = run_sqlite_part(args, data=data)
        if results:
            print_table(f"{args.docs:,} documents, SQLite data dir", results)
        pg_docs = min(args.pg_docs, args.docs)
        if pg_docs > 0:
            pg_results = run_postgres_subprocess(args, data=data, docs=pg_docs)
            if pg_results:
                print_table(f"{pg_docs:,} documents, PostgreSQL 15 database", pg_results)
        print_goals(results, pg_results if pg_docs > 0 else [], docs=args.docs)
    print(f"\nwhole run {time.perf_counter() - started:.0f} s, {load()}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000, help="documents, default 1M")
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind")
    parser.add_argument(
        "--pg-docs",
        type=int,
        default=50_000,
        help="documents for the PostgreSQL part (0: skip it), default 50,000",
    )
    parser.add_argument(
        "--postgres-only",
        action="store_true",
        help="only the PostgreSQL part (the articles are still generated, or kept)",
    )
    parser.add_argument("--keep", type=Path, help="keep the generated articles in DIR, reuse")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="ANT JSON Lines")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile khabar's indexing and its queries"
    )
    # Internal: the PostgreSQL part, run by the main process under scripts/with-postgres.sh.
    parser.add_argument("--part", choices=("postgres",), help=argparse.SUPPRESS)
    parser.add_argument("--source-db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


# --- Machine, load, sizes ------------------------------------------------------------------


def print_header(args: argparse.Namespace) -> None:
    versions = f"SQLite {sqlite3.sqlite_version}, tantivy {package_version('tantivy')}"
    header.print_header(
        "khabar search speed benchmark",
        engines=versions,
        corpus=args.corpus,
        documents=f"{args.docs:,} (seed {SEED}); queries {args.queries} of each kind after"
        f" {WARMUP_QUERIES} of each kind for warm-up; top {LIMIT}",
    )


def load() -> str:
    return "load " + header.load_average()


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def size_text(size: int) -> str:
    return f"{size / 1e9:.2f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


@contextlib.contextmanager
def data_directory(keep: Path | None) -> Iterator[Path]:
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="khabar-search-speed-", dir="/tmp") as tmp:
        yield Path(tmp)


@dataclass
class Clock:
    """Wall clock and CPU time of a stretch of work, with the load average at its end."""

    seconds: float = 0.0
    cpu: float = 0.0  # this process, its threads (tantivy's writers) and finished children
    server_cpu: float = 0.0  # the PostgreSQL backend serving this process, when there is one
    load: str = ""

    @classmethod
    @contextlib.contextmanager
    def timing(cls, server_pid: int | None = None) -> Iterator["Clock"]:
        clock = cls()
        started, cpu_started = time.perf_counter(), time.process_time() + children_cpu()
        server_started = process_cpu(server_pid)
        yield clock
        clock.seconds = time.perf_counter() - started
        clock.cpu = time.process_time() + children_cpu() - cpu_started
        clock.server_cpu = process_cpu(server_pid) - server_started
        clock.load = load()

    def text(self) -> str:
        server = f" + PostgreSQL {self.server_cpu:.1f} s" if self.server_cpu else ""
        return f"{self.seconds:.1f} s (CPU {self.cpu:.1f} s{server}; {self.load})"


def children_cpu() -> float:
    """CPU seconds of this process's finished child processes (a Pool's workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu(pid: int | None) -> float:
    """CPU seconds of a PostgreSQL backend process so far, to the nanosecond (schedstat), for
    the CPU time of one query; 0 when there is none."""
    if not pid:
        return 0.0
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of another process, from /proc; 0 when unknown."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- Results ---------------------------------------------------------------------------------


@dataclass
class Result:
    system: str
    docs: int = 0
    index_seconds: float = 0.0
    index_cpu: float = 0.0
    index_server_cpu: float = 0.0
    index_load: str = ""
    size: int = 0
    size_note: str = ""
    latencies: dict[str, list[float]] = field(default_factory=dict)  # ms, by kind
    cpu_latencies: dict[str, list[float]] = field(default_factory=dict)  # ms of CPU, this process
    hits: dict[str, list[int]] = field(default_factory=dict)  # results returned, by kind
    query_cpu: float = 0.0
    query_server_cpu: float = 0.0
    note: str = ""

    @property
    def rate(self) -> float:
        return self.docs / self.index_seconds if self.index_seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        """Documents per CPU second (this process and its PostgreSQL backend)."""
        cpu = self.index_cpu + self.index_server_cpu
        return self.docs / cpu if cpu else 0.0

    def percentile(self, kind: str, share: float, *, cpu: bool = False) -> float:
        values = sorted((self.cpu_latencies if cpu else self.latencies).get(kind) or [0.0])
        return values[min(len(values) - 1, int(share * len(values)))]

    def p95(self) -> float:
        """The worst p95 over the query kinds."""
        return max(self.percentile(kind, 0.95) for kind in self.latencies) if self.latencies else 0


def print_table(title: str, results: list["Result"]) -> None:
    print(f"\n{title}: wall clock (docs/s, index s, latency)")
    kinds = "".join(f" | {kind + ' p50/p95 ms':>19}" for kind in KINDS)
    print(f"  {'system':<40} | {'docs/s':>6} | {'index s':>7} | {'size':>7}{kinds}")
    for result in results:
        cells = "".join(
            f" | {result.percentile(kind, 0.5):8.2f} /{result.percentile(kind, 0.95):8.2f}"
            for kind in KINDS
        )
        indexed = (
            f"{result.rate:6.0f} | {result.index_seconds:7.0f}"
            if result.rate
            else f"{'':6} | {'':7}"
        )
        size = size_text(result.size) if result.size else ""
        print(f"  {result.system:<40} | {indexed} | {size:>7}{cells}")
    print("  CPU time (docs per CPU second; CPU ms a query in this process and, for PostgreSQL, in")
    print("  its server process: a busy machine inflates it less than wall clock)")
    for result in results:
        cells = "".join(
            f" | {result.percentile(kind, 0.5, cpu=True):8.2f} /"
            f"{result.percentile(kind, 0.95, cpu=True):8.2f}"
            for kind in KINDS
        )
        rate = f"{result.cpu_rate:6.0f}" if result.cpu_rate else f"{'':6}"
        print(f"  {result.system:<40} | {rate} | {'':7} | {'':7}{cells}")
    bare = [r for r in results if r.system in (BARE_TANTIVY, BARE_FTS5)]
    print("  ratios (wall clock; above 1× is slower or larger for the p95s and sizes):")
    for result in results:
        if result.system in (BARE_TANTIVY, BARE_FTS5) or not result.latencies:
            continue
        for baseline in bare:
            print(f"    {result.system} / {baseline.system}: {ratios(result, baseline)}")
    print("  results returned (mean count of the top 10; queries with none):")
    for result in results:
        counts = "; ".join(
            f"{kind} {sum(hits) / len(hits):.1f}, {sum(1 for h in hits if not h)} empty"
            for kind, hits in result.hits.items()
            if hits
        )
        print(f"    {result.system:<40} {counts}")
    print("  CPU and load:")
    for result in results:
        line = f"    {result.system:<40} "
        if result.index_seconds:
            server = (
                f" + PostgreSQL {result.index_server_cpu:.0f} s" if result.index_server_cpu else ""
            )
            line += f"indexing CPU {result.index_cpu:.0f} s{server} ({result.index_load}); "
        server = f" + PostgreSQL {result.query_server_cpu:.1f} s" if result.query_server_cpu else ""
        line += f"queries CPU {result.query_cpu:.1f} s{server}"
        print(line + (f"; {result.note}" if result.note else ""))


def ratios(result: Result, baseline: Result) -> str:
    parts = []
    if result.rate and baseline.rate:
        parts.append(
            f"indexing {result.rate / baseline.rate:.2f}× (CPU {result.cpu_rate / baseline.cpu_rate:.2f}×)"
        )
    if result.size and baseline.size:
        parts.append(f"size {result.size / baseline.size:.2f}×")
    for kind in KINDS:
        mine, theirs = result.percentile(kind, 0.95), baseline.percentile(kind, 0.95)
        if theirs:
            parts.append(f"{kind} p95 {mine / theirs:.1f}×")
    return ", ".join(parts)


def print_goals(results: list[Result], pg_results: list[Result], *, docs: int) -> None:
    print("\ngoals")
    embedded = next((r for r in results if r.system == FACADE_TANTIVY), None)
    if embedded:
        at = "" if docs >= 1_000_000 else f" (measured at {docs:,} documents, not 1M)"
        p95 = embedded.p95()
        print(
            f"  embedded p95 ≤ {EMBEDDED_P95_GOAL_MS:.0f} ms end to end: worst kind {p95:.1f} ms,",
            end="",
        )
        print(f" {verdict(p95 <= EMBEDDED_P95_GOAL_MS)}{at}")
        print(
            f"  embedded indexing ≥ {EMBEDDED_INDEX_GOAL:,} docs/s: {embedded.rate:,.0f},", end=""
        )
        print(f" {verdict(embedded.rate >= EMBEDDED_INDEX_GOAL)}{at}")
    postgres = next((r for r in pg_results if r.system == FACADE_POSTGRES), None)
    if postgres:
        p95 = postgres.p95()
        print(f"  PostgreSQL p95 ≤ {POSTGRES_P95_GOAL_MS:.0f} ms: worst kind {p95:.1f} ms,", end="")
        print(f" {verdict(p95 <= POSTGRES_P95_GOAL_MS)} (at {postgres.docs:,} documents)")


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


# --- Django and the articles -----------------------------------------------------------------


def setup_django(*, data_dir: Path, search_backend: str) -> None:
    os.environ["KHABAR_DATA_DIR"] = str(data_dir)
    os.environ["KHABAR_SEARCH_BACKEND"] = search_backend
    os.environ["DJANGO_SETTINGS_MODULE"] = "khabar.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def article_rows(documents, sources: dict[str, int], now: str) -> Iterator[tuple]:
    for doc in documents:
        yield (
            sources[doc.source],
            f"https://{doc.source.lower()}.example/{doc.id}",
            doc.title,
            doc.text,
            doc.published.strftime("%Y-%m-%d %H:%M:%S"),
            now,
            now,
        )


ARTICLE_INSERT = """
    INSERT INTO articles_article (
        source_id, url, title, text, published_at, created_at, updated_at,
        guid, canonical_url, previous_titles, summary, html, author, language, image_url, category
    ) VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '[]', '', '', '', 'ar', '', '')
"""


ARTICLES_MARKER = "articles.json"


def articles_marker(args: argparse.Namespace) -> dict:
    return {"docs": args.docs, "seed": SEED, "corpus": str(args.corpus)}


def kept_articles_match(args: argparse.Namespace, *, data: Path) -> bool:
    marker = data / ARTICLES_MARKER
    return marker.exists() and json.loads(marker.read_text()) == articles_marker(args)


def store_articles(args: argparse.Namespace, *, data: Path, bases: list) -> None:
    """The generated documents as khabar Articles in data/khabar.sqlite3 (reused when kept)."""
    from django.conf import settings

    from khabar.articles.models import Article
    from khabar.sources.models import Source

    marker = data / ARTICLES_MARKER
    wanted = articles_marker(args)
    if kept_articles_match(args, data=data):
        print(f"\narticles: {Article.objects.count():,} kept in {data} from an earlier run")
        return
    print("\narticles")
    sources = {}
    for name in sorted({base.source for base in bases}):
        source = Source.objects.create(url=f"https://{name.lower()}.example/rss", name=name)
        sources[name] = source.pk
    database = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    database.execute("PRAGMA synchronous=OFF")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    rows = article_rows(generate_documents(bases, count=args.docs, seed=SEED), sources, now)
    with Clock.timing() as clock:
        while batch := list(itertools.islice(rows, INSERT_BATCH)):
            with database:
                database.executemany(ARTICLE_INSERT, batch)
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    size = Path(settings.DATABASES["default"]["NAME"]).stat().st_size
    print(
        f"  {args.docs:,} articles generated and stored in {clock.text()}; database {size_text(size)}"
    )
    marker.write_text(json.dumps(wanted))


def indexed_texts(after: int = 0, limit: int | None = None) -> Iterator[tuple[int, str]]:
    """(id, title + newline + text) of every article in id order, as khabar indexes it."""
    from django.db import connection

    remaining = limit
    while remaining is None or remaining > 0:
        size = READ_BATCH if remaining is None else min(READ_BATCH, remaining)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, title, text FROM articles_article WHERE id > %s ORDER BY id LIMIT %s",
                [after, size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        for pk, title, text in rows:
            yield pk, f"{title}\n{text}"
        after = rows[-1][0]
        if remaining is not None:
            remaining -= len(rows)


def article_count() -> int:
    from khabar.articles.models import Article

    return Article.objects.count()


# --- The systems -----------------------------------------------------------------------------


class System:
    """One search system: builds its index from the stored articles, answers one query."""

    name = ""

    def build(self, progress: Callable[[int], None]) -> None:
        raise NotImplementedError

    def size(self) -> int:
        raise NotImplementedError

    def search(self, query: Query) -> int:
        """Run `query`, top LIMIT; how many results came back."""
        raise NotImplementedError

    def server_pid(self) -> int | None:
        return None

    def warm(self) -> str:
        """Bring the index into memory as a server that has been answering queries has it;
        what was done, or ""."""
        return ""


class KhabarFacade(System):
    """khabar.search end to end: reindex() to build, query(text, limit=10) to search."""

    def __init__(self, name: str, backend, *, size: Callable[[], int], default: bool = False):
        self.name, self.backend, self.size = name, backend, size
        # The install's default backend is queried as the application does: no backend given.
        self.query_backend = None if default else backend

    def build(self, progress) -> None:
        from khabar.search import indexing

        indexing.reindex(backend=self.backend, progress=lambda done, total: progress(done))

    def search(self, query: Query) -> int:
        from khabar import search

        page = search.query(query.khabar(), limit=LIMIT, backend=self.query_backend)
        if page.error:
            raise RuntimeError(f"{self.name}: {query.khabar()!r}: {page.error}")
        return len(page.results)

    def server_pid(self) -> int | None:
        return postgres_backend_pid() if self.backend.name == "postgres" else None

    def warm(self) -> str:
        return prewarm_postgres() if self.backend.name == "postgres" else ""


class KhabarBackendOnly(System):
    """The same query without the facade's database and highlighting work: parse, analyze and
    plan the query, then ask the backend as the facade does (words first, then grams when
    they find fewer than the limit): article ids and scores."""

    def __init__(self, facade: KhabarFacade):
        self.name = f"{facade.name}: backend.search only"
        self.backend = facade.backend

    def search(self, query: Query) -> int:
        from khabar.search.analysis import plan_query
        from khabar.search.backend import SearchRequest
        from khabar.search.query import parse_query
        from khabar.search.running import search_words_first

        plan = plan_query(parse_query(query.khabar()))
        request = SearchRequest(plan=plan, limit=LIMIT)
        pairs, _total = search_words_first(self.backend, request)
        return len(pairs)

    def server_pid(self) -> int | None:
        return postgres_backend_pid() if self.backend.name == "postgres" else None


class BareTantivy(System):
    """The PyPI tantivy package on its own, with its own Arabic analyzer."""

    name = BARE_TANTIVY

    def __init__(self, directory: Path, *, limit: int | None = None):
        import tantivy

        self.directory, self.limit = directory, limit
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", indexed=True, fast=True)
        builder.add_text_field("body", tokenizer_name="arabic", index_option="position")
        self.index = tantivy.Index(builder.build(), path=str(directory))
        self.index.register_tokenizer(
            "arabic",
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("arabic"))
            .build(),
        )
        self.searcher = None

    def build(self, progress) -> None:
        import tantivy

        from khabar.search._tantivy import REBUILD_HEAP, REBUILD_THREADS

        # khabar's backend rebuilds with this heap and these indexing threads: the same here,
        # so the comparison shows khabar's own work, not a writer setting.
        writer = self.index.writer(heap_size=REBUILD_HEAP, num_threads=REBUILD_THREADS)
        for done, (pk, text) in enumerate(indexed_texts(limit=self.limit), start=1):
            writer.add_document(tantivy.Document(id=pk, body=text))
            if done % 100_000 == 0:
                progress(done)
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def size(self) -> int:
        return directory_size(self.directory)

    def search(self, query: Query) -> int:
        parsed = self.index.parse_query(query.tantivy(), ["body"])
        hits = self.searcher.search(parsed, LIMIT).hits
        ids = self.searcher.fast_field_values("id", [address for _s, address in hits])
        return len(ids)


class BareFts5(System):
    """SQLite FTS5 on its own: contentless (the index only), unicode61, ranked by bm25."""

    name = BARE_FTS5

    def __init__(self, path: Path, *, limit: int | None = None):
        self.path, self.limit = path, limit
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.database = sqlite3.connect(path)
        self.database.execute("PRAGMA journal_mode=WAL")
        self.database.execute("PRAGMA synchronous=NORMAL")
        self.database.execute(
            "CREATE VIRTUAL TABLE documents USING fts5(body, content='', tokenize='unicode61')"
        )

    def build(self, progress) -> None:
        done = 0
        batch: list[tuple[int, str]] = []
        for row in indexed_texts(limit=self.limit):
            batch.append(row)
            if len(batch) == INSERT_BATCH:
                self.insert(batch)
                done += len(batch)
                batch = []
                if done % 100_000 == 0:
                    progress(done)
        self.insert(batch)
        self.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def insert(self, batch: list[tuple[int, str]]) -> None:
        with self.database:
            self.database.executemany("INSERT INTO documents(rowid, body) VALUES (?, ?)", batch)

    def size(self) -> int:
        return self.path.stat().st_size

    def search(self, query: Query) -> int:
        rows = self.database.execute(
            "SELECT rowid FROM documents WHERE documents MATCH ? ORDER BY rank LIMIT ?",
            (query.fts5(), LIMIT),
        ).fetchall()
        return len(rows)


def postgres_backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


# --- Measuring -------------------------------------------------------------------------------


def build_index(system: System, result: Result, *, docs: int) -> None:
    print(f"  indexing: {system.name} ...", flush=True)
    last = [time.perf_counter()]
    started = last[0]

    def progress(done: int) -> None:
        now = time.perf_counter()
        if done and (done % 100_000 == 0 or done == docs) and now - last[0] > 1:
            print(
                f"    {done:,} in {now - started:.0f} s ({done / (now - started):,.0f}/s, {load()})"
            )
            last[0] = now

    with Clock.timing(server_pid=system.server_pid()) as clock:
        system.build(progress)
    result.docs = docs
    result.index_seconds, result.index_cpu = clock.seconds, clock.cpu
    result.index_server_cpu, result.index_load = clock.server_cpu, clock.load
    result.size = system.size()
    print(
        f"    {docs:,} documents in {clock.text()}: {result.rate:,.0f} docs/s,"
        f" {size_text(result.size)}",
        flush=True,
    )


def time_queries(
    systems: list[System], results: list[Result], *, queries: dict, warmup: dict
) -> None:
    """Warm every system up, then run each query on every system in turn (rotating who goes
    first), timing each call: wall clock and this process's CPU time."""
    for kind in KINDS:
        for query in warmup[kind]:
            for system in systems:
                system.search(query)
    for result in results:
        result.latencies = {kind: [] for kind in KINDS}
        result.cpu_latencies = {kind: [] for kind in KINDS}
        result.hits = {kind: [] for kind in KINDS}
    servers = [system.server_pid() for system in systems]
    server_started = {pid: process_cpu(pid) for pid in servers if pid}
    for kind in KINDS:
        for number, query in enumerate(queries[kind]):
            order = list(range(len(systems)))
            order = order[number % len(order) :] + order[: number % len(order)]
            for index in order:
                server_before = server_cpu(servers[index])
                cpu_started = time.process_time()
                started = time.perf_counter()
                hits = systems[index].search(query)
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                cpu += server_cpu(servers[index]) - server_before
                results[index].latencies[kind].append(1000 * elapsed)
                results[index].cpu_latencies[kind].append(1000 * cpu)
                results[index].hits[kind].append(hits)
    for result in results:
        result.query_cpu = sum(sum(values) for values in result.cpu_latencies.values()) / 1000
    for pid, started in server_started.items():
        shared = [r for r, p in zip(results, servers, strict=True) if p == pid]
        shared[0].query_server_cpu = process_cpu(pid) - started
        if len(shared) > 1:
            shared[0].note = "PostgreSQL CPU for queries includes the backend.search only row"
    print(f"  queries timed ({load()})")


def query_sets(args: argparse.Namespace, *, bases: list) -> tuple[dict, dict]:
    from khabar.arabic.stopwords import is_stopword

    queries = sample_queries(bases, per_kind=args.queries, seed=SEED, is_stopword=is_stopword)
    warmup = sample_queries(bases, per_kind=WARMUP_QUERIES, seed=SEED + 1, is_stopword=is_stopword)
    return queries, warmup


def save_queries(path: Path, queries: dict, warmup: dict) -> None:
    """Both query sets as JSON, for the PostgreSQL part to run exactly the same queries."""
    data = {
        name: {kind: [list(query.words) for query in chosen[kind]] for kind in KINDS}
        for name, chosen in (("queries", queries), ("warmup", warmup))
    }
    path.write_text(json.dumps(data, ensure_ascii=False))


def read_queries(path: Path) -> tuple[dict, dict]:
    data = json.loads(path.read_text())
    return tuple(
        {kind: [Query(kind, tuple(words)) for words in data[name][kind]] for kind in KINDS}
        for name in ("queries", "warmup")
    )


def run_systems(systems: list[System], *, docs: int, queries: dict, warmup: dict) -> list[Result]:
    results = []
    for system in systems:
        result = Result(system.name)
        if not isinstance(system, KhabarBackendOnly):
            build_index(system, result, docs=docs)
        results.append(result)
    for system in systems:
        with Clock.timing() as clock:
            done = system.warm()
        if done:
            print(f"  {system.name}: {done} in {clock.text()}", flush=True)
    time_queries(systems, results, queries=queries, warmup=warmup)
    for system, result in zip(systems, results, strict=True):
        if isinstance(system, KhabarBackendOnly):
            result.note = "no index of its own: the facade's index"
    return results


# --- The SQLite part: the embedded default at --docs ---------------------------------------


def run_sqlite_part(args: argparse.Namespace, *, data: Path) -> list[Result]:
    os.environ.pop("DATABASE_URL", None)
    if not kept_articles_match(args, data=data / "khabar"):
        shutil.rmtree(data / "khabar", ignore_errors=True)  # other articles, or none complete
    setup_django(data_dir=data / "khabar", search_backend="tantivy")
    with Clock.timing() as clock:
        bases = load_bases(args.corpus)
    print(
        f"\ncorpus: {len(bases):,} distinct articles with a title and a text, read in {clock.text()}"
    )
    store_articles(args, data=data / "khabar", bases=bases)
    docs = article_count()
    queries, warmup = query_sets(args, bases=bases)
    save_queries(data / QUERIES_FILE, queries, warmup)
    if args.postgres_only:
        return []
    from django.conf import settings

    from khabar.search.backend import get_backend

    backend = get_backend()
    search_dir = Path(settings.KHABAR_SEARCH_DIR)
    facade = KhabarFacade(
        FACADE_TANTIVY, backend, size=lambda: current_index_size(search_dir), default=True
    )
    systems = [
        facade,
        KhabarBackendOnly(facade),
        BareTantivy(data / "bare-tantivy"),
        BareFts5(data / "bare-fts5.sqlite3"),
    ]
    print(f"\nindexes and queries, {docs:,} documents (SQLite data dir {data})")
    results = run_systems(systems, docs=docs, queries=queries, warmup=warmup)
    indexing_breakdown(data=data, profile=args.profile)
    if args.profile:
        query_profile(facade, queries=queries)
    return results


def current_index_size(search_dir: Path) -> int:
    current = (search_dir / "CURRENT").read_text().strip()
    return directory_size(search_dir / current)


def indexing_breakdown(*, data: Path, profile: bool) -> None:
    """Where khabar's indexing time goes, on the first BREAKDOWN_DOCS articles: the database
    read, the analysis (the one-pass `index_texts` against the two-pass `terms` + `gram_terms`
    it replaced, which must give the same terms), the analysis in other processes as a bulk
    reindex runs it, and the tantivy writer alone (rebuild settings)."""
    from khabar.arabic import analyze
    from khabar.search import indexing
    from khabar.search._tantivy import TantivyBackend
    from khabar.search.analysis import MAX_INDEXED_CHARS, analysis_fingerprint
    from khabar.search.backend import IndexState

    ids = [pk for pk, _text in indexed_texts(limit=BREAKDOWN_DOCS)]
    print(f"\n  where khabar's indexing time goes (first {len(ids):,} articles, one pass each):")
    with Clock.timing() as read:
        records = [r for chunk in indexing.chunks(ids) for r in indexing.article_records(chunk)]
    with Clock.timing() as analysis:
        documents = [indexing.document_of(r, indexing.analyzed(r)) for r in records]
    texts = [f"{r.title}\n{r.body}"[:MAX_INDEXED_CHARS] for r in records]
    with Clock.timing() as two_pass:
        reference = [(analyze.terms(text), analyze.gram_terms(text)) for text in texts]
    same = sum(
        (d.words_text, d.grams_text) == (" ".join(words), " ".join(grams))
        for d, (words, grams) in zip(documents, reference, strict=True)
    )
    processes = max(1, indexing.analysis_processes(indexing.BULK_MIN))
    with Clock.timing() as beside:
        for _chunk in indexing.analyzed_chunks(ids, processes=processes):
            pass
    scratch = TantivyBackend(data / "scratch-index")
    state = IndexState(fingerprint=analysis_fingerprint(), watermark=None)
    with Clock.timing() as write, scratch.rebuilding(state) as writer:
        for chunk in indexing.chunks(documents):
            writer.upsert(chunk)
    shutil.rmtree(data / "scratch-index", ignore_errors=True)
    words = sum(len(d.words) for d in documents) / len(documents)
    grams = sum(len(d.grams) for d in documents) / len(documents)
    whole = read.seconds + analysis.seconds + write.seconds
    for label, clock in (
        ("database read (article_records, 500 a query)", read),
        ("analysis in this process (index_texts, one pass)", analysis),
        ("tantivy writer (ready documents, rebuild settings)", write),
    ):
        print(
            f"    {label:<58} {len(ids) / clock.seconds:6,.0f} docs/s,"
            f" {len(ids) / clock.cpu:6,.0f} per CPU s {100 * clock.seconds / whole:5.1f}%"
            f"  {clock.text()}"
        )
    for label, clock in (
        ("the two-pass analysis it replaced (terms + gram_terms)", two_pass),
        (f"read + analysis in {processes} other process(es) (analyzed_chunks)", beside),
    ):
        print(
            f"    {label:<58} {len(ids) / clock.seconds:6,.0f} docs/s,"
            f" {len(ids) / clock.cpu:6,.0f} per CPU s         {clock.text()}"
        )
    print(f"    one pass = two passes on {same:,} of {len(documents):,} documents")
    print(f"    terms a document: {words:.0f} words, {grams:.0f} grams")
    if profile:
        print("\n  cProfile of search.index_articles on the same articles (a scratch index):")
        profiler = cProfile.Profile()
        profiler.enable()
        indexing.index_articles(ids, backend=TantivyBackend(data / "scratch-index"))
        profiler.disable()
        shutil.rmtree(data / "scratch-index", ignore_errors=True)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)


# Where a facade query's time goes: (label, module path suffix, function name).
QUERY_STAGES = (
    ("parse (parse_query)", "search/query.py", "parse_query"),
    ("analysis and plan (plan_query)", "search/analysis.py", "plan_query"),
    ("backend.search (words first, then grams)", "search/running.py", "search_words_first"),
    ("reranker, whole (rerank)", "search/rerank.py", "rerank"),
    ("  reranker: stored terms read (backend.stored_terms)", "_tantivy.py", "stored_terms"),
    (
        "  reranker: collection frequencies (backend.collection_frequencies)",
        "_tantivy.py",
        "collection_frequencies",
    ),
    ("  reranker: features (candidate_features)", "search/rerank.py", "candidate_features"),
    ("hits loaded (QuerySet.in_bulk)", "db/models/query.py", "in_bulk"),
    ("highlighting (running.hit)", "search/running.py", "hit"),
)


def query_profile(facade: "KhabarFacade", *, queries: dict) -> None:
    """cProfile of the facade's queries, once more each: the mean time a query spends in each
    stage (profiled, so slower than timed above, but in proportion), then the functions."""
    count = sum(len(chosen) for chosen in queries.values())
    profiler = cProfile.Profile()
    with Clock.timing() as clock:
        profiler.enable()
        for kind in KINDS:
            for query in queries[kind]:
                facade.search(query)
        profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"\n  where a facade query's time goes ({count} queries under cProfile, {clock.text()}):")
    print(f"    {'whole query (search.query)':<56} {1000 * clock.seconds / count:7.2f} ms")
    for label, module, function in QUERY_STAGES:
        cumulative = sum(
            row[3]
            for (path, _line, name), row in stats.stats.items()
            if name == function and path.endswith(module)
        )
        print(f"    {label:<56} {1000 * cumulative / count:7.2f} ms")
    print("\n  cProfile of the facade's queries (cumulative):")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(40)
    print("  (tottime):")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)


# --- The PostgreSQL part ---------------------------------------------------------------------


def run_postgres_subprocess(args: argparse.Namespace, *, data: Path, docs: int) -> list[Result]:
    """Run this script's PostgreSQL part on a throwaway cluster; its results, or [] on failure."""
    results_file = data / "postgres-results.json"
    results_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--part",
        "postgres",
        "--docs",
        str(docs),
        "--queries",
        str(args.queries),
        "--queries-file",
        str(data / QUERIES_FILE),
        "--source-db",
        str(data / "khabar" / "khabar.sqlite3"),
        "--data",
        str(data / "postgres"),
        "--results",
        str(results_file),
    ]
    env = {
        **os.environ,
        "KHABAR_PG_PORT": os.environ.get("KHABAR_PG_PORT", PG_PORT),
        "KHABAR_PG_SETTINGS": os.environ.get("KHABAR_PG_SETTINGS", PG_SETTINGS),
    }
    if not env.get("DATABASE_URL"):
        command = [str(ROOT / "scripts/with-postgres.sh"), *command]
    print(
        f"\nPostgreSQL part, {docs:,} documents (a subprocess on a throwaway cluster)", flush=True
    )
    finished = subprocess.run(command, env=env)
    if finished.returncode != 0 or not results_file.exists():
        print(f"  PostgreSQL part failed (exit status {finished.returncode})")
        return []
    return [Result(**row) for row in json.loads(results_file.read_text())]


def run_postgres_part(args: argparse.Namespace) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("the PostgreSQL part needs DATABASE_URL (run it under scripts/with-postgres.sh)")
    shutil.rmtree(args.data, ignore_errors=True)
    args.data.mkdir(parents=True)
    setup_django(data_dir=args.data / "khabar", search_backend="postgres")
    copy_articles(args.source_db, limit=args.docs)
    docs = article_count()
    queries, warmup = read_queries(args.queries_file)
    from khabar.search.backend import get_backend

    postgres = KhabarFacade(FACADE_POSTGRES, get_backend(), size=postgres_index_size, default=True)
    systems = [
        postgres,
        KhabarBackendOnly(postgres),
        BareTantivy(args.data / "bare-tantivy"),
        BareFts5(args.data / "bare-fts5.sqlite3"),
    ]
    results = run_systems(systems, docs=docs, queries=queries, warmup=warmup)
    results[0].size_note = postgres_size_note()
    results[0].note = "; ".join(filter(None, [f"index {results[0].size_note}", results[0].note]))
    args.results.write_text(json.dumps([asdict(result) for result in results]))


def copy_articles(source_db: Path, *, limit: int) -> None:
    """The first `limit` articles of the SQLite part, and their sources, into PostgreSQL."""
    from django.db import connection

    from khabar.sources.models import Source

    source = sqlite3.connect(f"file:{source_db}?mode=ro", uri=True)
    source_ids = {}
    for pk, name, url in source.execute("SELECT id, name, url FROM sources_source"):
        source_ids[pk] = Source.objects.create(name=name, url=url).pk
    columns = "source_id, url, title, text, published_at, created_at, updated_at"
    rows = source.execute(f"SELECT {columns} FROM articles_article ORDER BY id LIMIT ?", (limit,))
    copy_sql = (
        f"COPY articles_article ({columns}, guid, canonical_url, previous_titles,"
        " summary, html, author, language, image_url, category) FROM STDIN"
    )
    fixed = ("", "", "[]", "", "", "", "ar", "", "")
    with Clock.timing() as clock, connection.cursor() as cursor:
        with cursor.cursor.copy(copy_sql) as copy:
            for source_id, url, title, text, *moments in rows:
                moments = [f"{moment}+00" for moment in moments]  # stored as UTC by Django
                copy.write_row((source_ids[source_id], url, title, text, *moments, *fixed))
        cursor.execute("ANALYZE articles_article")
    source.close()
    print(f"  {limit:,} articles copied into PostgreSQL in {clock.text()}", flush=True)


def postgres_index_size() -> int:
    """The PostgreSQL backend's tables with their TOAST and indexes (documents, vocabulary)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE search_document")
        cursor.execute("VACUUM ANALYZE search_term")
        cursor.execute(
            "SELECT pg_total_relation_size('search_document') + pg_total_relation_size('search_term')"
        )
        return int(cursor.fetchone()[0])


def prewarm_postgres() -> str:
    """Read the search tables, the articles table, their TOAST and their indexes into
    PostgreSQL's cache (pg_prewarm), as a server that has been answering queries holds them.
    Without it this machine's memory management leaves most of a freshly built index on disk."""
    from django.db import connection

    tables = ["search_document", "search_term", "articles_article"]
    with connection.cursor() as cursor:
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except Exception as error:  # not installed, or not allowed: measured cold
            return f"not prewarmed ({error})"
        cursor.execute(
            """
            SELECT coalesce(sum(pg_prewarm(c.oid)), 0) FROM pg_class c
            WHERE c.oid = ANY(%s::regclass[])
               OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE oid = ANY(%s::regclass[]))
               OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%s::regclass[]))
            """,
            [tables] * 3,
        )
        pages = int(cursor.fetchone()[0])
        cursor.execute("SHOW shared_buffers")
        cache = cursor.fetchone()[0]
    return f"prewarmed {pages * 8192 / 2**30:.2f} GB into shared_buffers {cache}"


def postgres_size_note() -> str:
    from django.db import connection

    parts = []
    with connection.cursor() as cursor:
        for table in ("search_document", "search_term"):
            cursor.execute(
                "SELECT pg_relation_size(%s), pg_total_relation_size(%s) - pg_relation_size(%s)"
                " - pg_indexes_size(%s), pg_indexes_size(%s)",
                [table] * 5,
            )
            heap, toast, indexes = cursor.fetchone()
            parts.append(
                f"{table} {size_text(heap)} + TOAST {size_text(toast)} + indexes {size_text(indexes)}"
            )
    return "; ".join(parts)


if __name__ == "__main__":
    main()
