import json

from django.core.management.base import BaseCommand, CommandError

FORMATS = ("json", "text")


class Command(BaseCommand):
    help = (
        "Runs the understanding steps of ingest on one saved HTML page or text file (extract, "
        "clean, language, topics, entities, keyphrases) and prints the result; nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="a saved HTML page or text file")
        parser.add_argument(
            "--format", default="json", help="json (default) or text, for reading by eye"
        )

    def handle(self, *args, file, format, **options):
        if format not in FORMATS:
            raise CommandError(f"--format must be json or text, not {format!r}")
        # Imported here so `khabar help` does not load the extraction and tagging stack.
        from khabar.ingest.files import UnreadableFile
        from khabar.tagging.analysis import analyze_file

        try:
            analysis = analyze_file(file)
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        except Exception as error:  # a user sees one line, never a traceback
            raise CommandError(
                f"{file}: analysis failed: {type(error).__name__}: {error}"
            ) from None
        result = analysis.as_dict()
        if format == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(as_text({"title": analysis.title, **result}))


def as_text(result: dict) -> str:
    lines = [f"title: {result['title']}", f"language: {result['language'] or '?'}"]
    topics = ", ".join(f"{t['label']} {t['score']:.2f}" for t in result["topics"])
    lines.append(f"topics: {topics or '-'}")
    lines.append(f"keyphrases: {' · '.join(result['keyphrases']) or '-'}")
    lines.append("entities:")
    lines += [
        f"  {e['type']}  {e['text']}"
        + (f"  → {e['canonical']}" if e["canonical"] != e["text"] else "")
        + f"  [{e['start']}:{e['end']}]"
        for e in result["entities"]
    ]
    return "\n".join(lines)
