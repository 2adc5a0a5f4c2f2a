import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from khabar.ingest.jsonl import (
    DEFAULT_BATCH_SIZE,
    ImportFileError,
    ImportRun,
    import_lines,
    open_jsonl,
)

INTERRUPTED_EXIT_STATUS = 130
ENRICH_WAIT = 600.0  # seconds to wait for another process's story clustering


class Command(BaseCommand):
    help = (
        "Bulk-loads articles from JSON Lines, one object a line (FILE.jsonl, FILE.jsonl.gz, "
        "or - for stdin). Each line needs url and title; text, published (or time/date), "
        "source, author, abstract and category are optional. Rejected lines are reported "
        "with their number; a date that cannot be read is a warning and the article is "
        "stored without it. Running it again stores only what is missing. The articles "
        "stored or updated are then enriched (topics, entities, stories) before it exits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", metavar="FILE", help='JSON Lines file, gzipped or not; "-" reads stdin'
        )
        parser.add_argument(
            "--source",
            metavar="NAME",
            help="source for lines without a source field (default: the file's name)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"articles a transaction (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--no-enrich",
            dest="enrich",
            action="store_false",
            help="leave enrichment (topics, entities, stories) to the worker",
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, file, source, batch_size, enrich, quiet, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        run = ImportRun(enrich_after=enrich)
        try:
            with open_jsonl(file) as jsonl:
                self.stderr.write(f"importing {jsonl.name}", style_func=str)
                bar = progress_bar(total=jsonl.size, disable=quiet or not sys.stderr.isatty())
                with bar:
                    import_lines(
                        jsonl.lines,
                        run=run,
                        default_source=source or default_source_name(file),
                        batch_size=batch_size,
                        report=lambda number, message: self.report_line(bar, number, message),
                        on_batch=lambda stats: advance(bar, position=jsonl.position(), stats=stats),
                    )
        except ImportFileError as error:
            if run.stats.read:
                self.stdout.write(run.stats.summary())
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            self.stdout.write(run.stats.summary())
            self.stderr.write(
                "interrupted: the articles counted as stored are kept; run the same command "
                "again to import the rest"
            )
            sys.exit(INTERRUPTED_EXIT_STATUS)
        self.stdout.write(run.stats.summary())
        if enrich and run.to_enrich:
            self.enrich(run.to_enrich, quiet=quiet)

    def enrich(self, article_ids: list[int], *, quiet: bool) -> None:
        from khabar.stories.enrich import enrich_articles
        from khabar.stories.services import ClusterBusy

        started = time.perf_counter()
        bar = tqdm(
            desc="enriching",
            unit=" articles",
            file=sys.stderr,
            disable=quiet or not sys.stderr.isatty(),
            dynamic_ncols=True,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            with bar:
                report = enrich_articles(article_ids, wait=ENRICH_WAIT, progress=progress)
        except ClusterBusy:
            raise CommandError(
                "the articles are stored, but another process kept the story clustering busy "
                f"for {ENRICH_WAIT:.0f} s; the worker will enrich them (or run khabar reenrich)"
            ) from None
        except KeyboardInterrupt:
            self.stderr.write(
                "interrupted: the articles are stored; the worker enriches the rest within "
                "the hour, or run khabar reenrich"
            )
            sys.exit(INTERRUPTED_EXIT_STATUS)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{report.enriched} enriched, {report.failed} failed (the worker retries them) "
            f"in {seconds:.1f} s"
        )

    def report_line(self, bar: tqdm, number: int, message: str) -> None:
        text = f"line {number}: {message}"
        if bar.disable:
            warning = message.startswith("warning")
            self.stderr.write(text, style_func=self.style.WARNING if warning else None)
        else:
            bar.write(text, file=sys.stderr)


def progress_bar(*, total: int | None, disable: bool) -> tqdm:
    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=disable,
        dynamic_ncols=True,
    )


def advance(bar: tqdm, *, position: int, stats) -> None:
    bar.update(position - bar.n)
    bar.set_postfix_str(f"{stats.read} read, {stats.stored} stored", refresh=False)


def default_source_name(path: str) -> str:
    """ "ant" for ant.jsonl.gz; "import" for stdin."""
    if path == "-":
        return "import"
    name = Path(path).name
    for suffix in (".gz", ".jsonl", ".ndjson", ".json"):
        name = name.removesuffix(suffix)
    return name or "import"
