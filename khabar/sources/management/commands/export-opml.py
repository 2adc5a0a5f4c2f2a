from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khabar.sources.services import sources_export_opml


class Command(BaseCommand):
    help = "Writes every subscribed feed as OPML, in folders, to FILE or to the screen."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write (default: standard output)")

    def handle(self, *, file: str | None, **options):
        data = sources_export_opml()
        if not file or file == "-":
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        try:
            Path(file).write_bytes(data)
        except OSError as error:
            raise CommandError(f"cannot write {file}: {error.strerror}") from None
        self.stderr.write(f"Wrote {file}.")
