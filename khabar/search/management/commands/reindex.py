import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from khabar.search.backend import IndexBusy, backend_name
from khabar.search.indexing import reindex


class Command(BaseCommand):
    help = (
        "Rebuilds the search index from every stored article, with a progress bar. Searches "
        "keep answering from the old index until the new one is complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, quiet, **options):
        started = time.perf_counter()
        bar = tqdm(unit=" articles", file=sys.stderr, disable=quiet or not sys.stderr.isatty())

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            with bar:
                count = reindex(progress=progress)
        except IndexBusy as error:
            raise CommandError(f"the search index is busy: {error}") from None
        seconds = time.perf_counter() - started
        self.stdout.write(f"{count} articles indexed ({backend_name()}) in {seconds:.1f} s")
