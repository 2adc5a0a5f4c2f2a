from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Ingests a saved HTML page or scraped text file and says what was stored. "
        "It is extracted, cleaned and stored like a fetched article; the output says whether "
        "the article was created, updated or unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="a saved HTML page or a text file")
        parser.add_argument(
            "--source",
            metavar="NAME",
            help='the source to file it under (an existing source\'s name, or a new one; default "saved files")',
        )
        parser.add_argument("--url", metavar="URL", help="the address the page was saved from")

    def handle(self, *args, path, source, url, **options):
        # Imported here so `khabar help` does not load the extraction stack.
        from khabar.ingest.files import UnreadableFile
        from khabar.ingest.pipeline import NothingToStore, ingest_file

        if url and urlsplit(url).scheme not in ("http", "https"):
            raise CommandError(f"--url must be an http:// or https:// address, not {url!r}")
        try:
            result = ingest_file(path, source_name=source, url=url)
        except (UnreadableFile, NothingToStore) as error:
            raise CommandError(str(error)) from None
        article = result.article
        dropped = len(result.item.dropped)
        self.stdout.write(
            f"{result.outcome}: {article.title} "
            f'(article {article.pk} in "{result.source}"; {dropped} lines dropped)'
        )
