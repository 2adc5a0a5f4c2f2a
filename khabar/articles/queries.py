"""Read queries for the reader pages: what to show, in what order, with no per-row queries."""

from django.db.models import Count, QuerySet

from khabar.sources.models import Source

from .models import Article

ARTICLES_PER_PAGE = 20

# The list needs the lead, never the stored HTML or the previous titles.
LIST_FIELDS = (
    "title",
    "summary",
    "text",
    "url",
    "published_at",
    "created_at",
    "language",
    "source__name",
    "source__url",
    "source__site_url",
    "source__kind",
)


def article_for_reading(article_id: int) -> Article | None:
    """The article with its source, or None when there is no such article."""
    return Article.objects.select_related("source").filter(pk=article_id).first()


def sources_overview() -> QuerySet[Source]:
    """Every source with its article count, in folder and name order."""
    return Source.objects.annotate(article_count=Count("articles")).order_by("folder", "name", "id")
