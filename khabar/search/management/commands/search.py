import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from khabar import search
from khabar.search.highlight import plain_text
from khabar.search.messages import problem_message

MAX_LIMIT = search.MAX_LIMIT


def limit_value(value: str) -> int:
    import argparse

    try:
        limit = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"give a number of results from 1 to {MAX_LIMIT}")
    return limit


class Command(BaseCommand):
    help = (
        "Searches the stored articles and prints the results in rank order. QUERY takes "
        'words, "phrases", -exclusions, OR, source:, lang:, after:, before:, topic: and entity:. '
        'With --queries FILE it runs one {"id": ..., "query": ...} a line and prints one JSON object a line. '
        "The snippet is plain text around the matches."
    )

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", metavar="QUERY", help="what to search for")
        parser.add_argument(
            "--queries",
            metavar="FILE",
            help='JSON Lines of {"id", "query"}, "-" for stdin; prints JSON Lines',
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--limit", type=limit_value, default=10, help="results a query (default 10)"
        )
        parser.add_argument("--sort", choices=search.SORTS, default="relevance")
        parser.add_argument(
            "--match",
            choices=search.MATCHES,
            default="all",
            help="all: every word must be found (default); any: more words rank higher",
        )

    def handle(self, *args, query, queries, format, limit, sort, match, **options):
        if (query is None) == (queries is None):
            raise CommandError("give a QUERY or --queries FILE (one of them)")
        options = {"limit": limit, "sort": sort, "match": match}
        with translation.override("en"):
            if queries is not None:
                self.run_file(queries, **options)
                return
            page = search.query(query, **options)
            self.tell_problems(page)
            if page.error:
                raise CommandError(problem_message(page.error))
            if format == "json":
                self.stdout.write(json.dumps(page_json(page), ensure_ascii=False))
            else:
                self.write_text(page)

    def run_file(self, path: str, **options) -> None:
        for number, line in numbered_lines(path):
            if not line.strip():
                continue
            try:
                request = json.loads(line)
                if not isinstance(request, dict) or not isinstance(request.get("query"), str):
                    raise ValueError('not an object with a "query" string')
            except ValueError as error:
                reason = "invalid JSON" if isinstance(error, json.JSONDecodeError) else error
                self.stderr.write(f"line {number}: {reason}; skipped")
                continue
            page = search.query(request["query"], **options)
            answer = {"id": request.get("id"), **page_json(page)}
            if page.error:
                answer["error"] = problem_message(page.error)
                self.stderr.write(f"line {number}: {answer['error']}")
            self.stdout.write(json.dumps(answer, ensure_ascii=False))

    def tell_problems(self, page: search.SearchPage) -> None:
        for notice in page.notices:
            self.stderr.write(f"note: {problem_message(notice)}")

    def write_text(self, page: search.SearchPage) -> None:
        total = f"{page.total}+" if page.total_capped else page.total
        self.stdout.write(f"{total} results for {page.query}")
        for rank, hit in enumerate(page.results, start=1):
            article = hit.article
            date = f"{article.published_at:%Y-%m-%d}" if article.published_at else "no date"
            self.stdout.write(f"\n{rank}. {article.title}")
            self.stdout.write(f"   {article.source} · {date} · {article.url or '-'}")
            self.stdout.write(f"   {plain_text(hit.snippet_html)}")


def page_json(page: search.SearchPage) -> dict:
    return {
        "query": page.query,
        "results": [
            {
                "id": hit.article_id,
                "url": hit.article.url,
                "title": hit.article.title,
                "score": round(hit.score, 6),
                "snippet": plain_text(hit.snippet_html),
            }
            for hit in page.results
        ],
    }


def numbered_lines(path: str):
    if path == "-":
        yield from enumerate(sys.stdin, start=1)
        return
    try:
        with open(path, encoding="utf-8") as file:
            yield from enumerate(file, start=1)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: a directory, not a file of queries") from None
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: not UTF-8 ({error.reason})") from None
