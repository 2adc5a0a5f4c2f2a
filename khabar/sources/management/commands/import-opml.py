from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khabar.sources.services import SourceError, sources_import_opml


class Command(BaseCommand):
    help = "Subscribes to every feed in an OPML file, keeping its folders."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the OPML file, e.g. exported from another reader")

    def handle(self, *, file: str, **options):
        data = read_file(Path(file))
        try:
            result = sources_import_opml(data)
        except SourceError as error:
            raise CommandError(f"{file}: {error}") from None
        self.stdout.write(
            f"Imported {len(result.added)} feed(s); {result.already} already subscribed; "
            f"{len(result.skipped)} skipped."
        )
        for reason in result.skipped:
            self.stdout.write(f"  skipped {reason}")


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a folder, not an OPML file") from None
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
