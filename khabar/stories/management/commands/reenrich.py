import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from khabar.stories.enrich import BATCH_SIZE, reenrich
from khabar.stories.services import ClusterBusy, LeaseLost

from ._since import since_value

WAIT = 60.0  # seconds to wait for a worker's clustering to finish


class Command(BaseCommand):
    help = (
        "Runs the enrich step (topics, entities, stories) again over the stored articles, in "
        "published order, with a progress bar: after a new model or new aliases. Their stories "
        "are built again as the articles come, as at ingest. --since DATE does it for the "
        "articles of DATE and later only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            metavar="DATE",
            help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (TIME_ZONE if no offset)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"articles a batch ({BATCH_SIZE})"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, since, batch_size, quiet, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        since = since_value(since)
        started = time.perf_counter()
        bar = tqdm(unit=" articles", file=sys.stderr, disable=quiet or not sys.stderr.isatty())

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            with bar:
                report = reenrich(since=since, batch_size=batch_size, wait=WAIT, progress=progress)
        except ClusterBusy:
            raise CommandError(
                f"another process kept the story clustering busy for {WAIT:.0f} s; try again"
            ) from None
        except LeaseLost:
            raise CommandError(
                "another process took over the story clustering; run the command again"
            ) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{report.enriched} articles enriched, {report.failed} failed in {seconds:.1f} s"
        )
