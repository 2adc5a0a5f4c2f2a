import json

from django.core.management.base import BaseCommand, CommandError

from khabar.ingest.records import ExtractedArticle

FORMATS = ("json", "text")


class Command(BaseCommand):
    help = (
        "Shows what extraction and cleaning make of a saved page, a text file or a URL. "
        "Prints title, text, author, date, language and each dropped line with its reason; "
        "nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", metavar="FILE|URL", help="a saved HTML/text file or a URL")
        parser.add_argument(
            "--format", default="json", help="json (default) or text, for reading by eye"
        )
        parser.add_argument(
            "--url", default="", help="for a FILE: the address it was saved from (resolves links)"
        )

    def handle(self, *args, target, format, url, **options):
        if format not in FORMATS:
            raise CommandError(f"--format must be json or text, not {format!r}")
        item = self.extracted(target, url=url)
        self.stdout.write(as_json(item) if format == "json" else as_text(item))

    def extracted(self, target: str, *, url: str) -> ExtractedArticle:
        # Imported here so `khabar help` does not load the extraction stack.
        from khabar.ingest.files import UnreadableFile
        from khabar.ingest.pipeline import NothingToStore, preview_file, preview_url
        from khabar.lib.http import FetchError

        try:
            if target.startswith(("http://", "https://")):
                return preview_url(target)
            return preview_file(target, url=url)
        except (UnreadableFile, NothingToStore, FetchError) as error:
            raise CommandError(str(error)) from None


def as_dict(item: ExtractedArticle) -> dict:
    return {
        "title": item.title,
        "text": item.text,
        "author": item.author,
        "published": item.published_at.isoformat() if item.published_at else None,
        "language": item.language,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "image": item.image_url,
        "dropped": item.dropped,
    }


def as_json(item: ExtractedArticle) -> str:
    return json.dumps(as_dict(item), ensure_ascii=False, indent=2)


def as_text(item: ExtractedArticle) -> str:
    fields = as_dict(item)
    lines = [
        f"{name}: {fields[name]}"
        for name in ("title", "author", "published", "language", "url", "canonical_url", "image")
        if fields[name]
    ]
    lines += ["", item.text or "(no text)", "", f"dropped: {len(item.dropped)}"]
    lines += [f"  [{entry['reason']}] {entry['line']}".rstrip() for entry in item.dropped]
    return "\n".join(lines)
