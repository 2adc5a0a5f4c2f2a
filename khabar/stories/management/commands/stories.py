import json

from django.core.management.base import BaseCommand

from khabar.stories.queries import stories_since

from ._since import since_value


class Command(BaseCommand):
    help = (
        "Lists the stories in the database (articles grouped across outlets), oldest first, "
        "each with its articles. --since DATE keeps the stories with an article published "
        'on or after DATE. --format json prints {"stories": [{"id", "headline", "first_seen", '
        '"articles": [{"url", "title", "source", "published"}]}]}.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--since",
            metavar="DATE",
            help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (TIME_ZONE if no offset)",
        )

    def handle(self, *args, format, since, **options):
        stories = stories_since(since=since_value(since))
        if format == "json":
            self.write_json(stories)
        else:
            self.write_text(stories)

    def write_json(self, stories) -> None:
        out = self.stdout
        out.write('{"stories": [', ending="")
        for number, story in enumerate(stories):
            out.write(
                (", " if number else "") + json.dumps(story_json(story), ensure_ascii=False),
                ending="",
            )
        out.write("]}")

    def write_text(self, stories) -> None:
        count = 0
        for story in stories:
            count += 1
            self.stdout.write(
                f"{story.id}\t{story.first_seen:%Y-%m-%d %H:%M}\t{len(story.articles)} articles, "
                f"{story.source_count} sources\t{story.headline}"
            )
        self.stdout.write(f"{count} stories")


def story_json(story) -> dict:
    return {
        "id": story.id,
        "headline": story.headline,
        "first_seen": story.first_seen.isoformat(),
        "articles": [
            {
                "url": article.url,
                "title": article.title,
                "source": article.source_name,
                "published": article.published_at.isoformat() if article.published_at else None,
            }
            for article in story.articles
        ],
    }
