from django.core.management.base import BaseCommand, CommandError

from khabar.ingest.fetch import FetchOutcome, fetch_source
from khabar.sources.models import Source
from khabar.sources.services import SourceError, source_add


class Command(BaseCommand):
    help = "Subscribes to a feed, or a site (its feed is discovered), or adds one page."

    def add_arguments(self, parser):
        parser.add_argument("url", help="address of a feed, a site or an article page")
        parser.add_argument("--folder", default="", help="folder to file the source in")
        parser.add_argument("--name", default="", help="name to show instead of the feed's title")
        parser.add_argument(
            "--page",
            action="store_true",
            help="add the address as a single article even if it advertises a feed",
        )
        parser.add_argument(
            "--fetch", action="store_true", help="fetch it now instead of leaving it to the worker"
        )

    def handle(self, *, url: str, folder: str, name: str, page: bool, fetch: bool, **options):
        try:
            source = source_add(url, folder=folder, name=name, as_page=page)
        except SourceError as error:
            raise CommandError(str(error)) from None
        what = "feed" if source.kind == Source.Kind.FEED else "single page"
        self.stdout.write(f"Added {what}: {source.name} ({source.url})")
        if fetch:
            self.report_fetch(source)
        else:
            self.stdout.write("`khabar worker` fetches it at its next run.")

    def report_fetch(self, source: Source) -> None:
        report = fetch_source(source)
        if report.outcome in (FetchOutcome.FAILED, FetchOutcome.DISABLED):
            raise CommandError(f"added, but the first fetch failed: {report.error}")
        self.stdout.write(
            f"Fetched: {report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.failed} failed."
        )
        for note in report.notes:
            self.stdout.write(f"  note: {note}")
