from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from khabar import search
from khabar.articles.queries import article_for_reading, sources_overview
from khabar.search.messages import problem_message
from khabar.stories import queries as stories
from khabar.tagging import queries as tagging

from .status import describe_source


def home(request):
    """One card per story, the most recently active first; on the first page also the
    articles that are not in a story yet."""
    page = stories.latest_stories_page(page_number=request.GET.get("page"))
    awaiting = stories.articles_awaiting_stories() if page.number == 1 else []
    return render(request, "reader/home.html", {"page": page, "awaiting": awaiting})


def article_detail(request, article_id: int):
    article = article_for_reading(article_id)
    if article is None:
        raise Http404("no such article")
    context = {
        "article": article,
        "topics": tagging.article_topics(article),
        "entities": tagging.article_entities(article),
        "story": stories.story_of_article(article),
    }
    return render(request, "reader/article.html", context)


def story_detail(request, story_id: int):
    story, merged_into = stories.story_for_reading(story_id)
    if merged_into is not None:
        return redirect("reader:story", story_id=merged_into, permanent=True)
    if story is None:
        raise Http404("no such story")
    context = {"card": stories.story_card(story), "entities": stories.story_entities(story)}
    return render(request, "reader/story.html", context)


def entity_detail(request, entity_id: int):
    entity = tagging.entity_for_reading(entity_id)
    if entity is None:
        raise Http404("no such entity")
    context = {
        "entity": entity,
        "page": tagging.entity_articles_page(entity, page_number=request.GET.get("page")),
        "stories": tagging.entity_stories(entity),
    }
    return render(request, "reader/entity.html", context)


def source_list(request):
    now = timezone.now()
    statuses = [describe_source(source, now=now) for source in sources_overview()]
    return render(request, "reader/sources.html", {"statuses": statuses})


SEARCH_RESULTS_PER_PAGE = 20


def search_results(request):
    """The search page: the form, and the results of ?q= (sorted by ?sort=, page ?page=)."""
    text = request.GET.get("q", "").strip()
    sort = request.GET.get("sort") if request.GET.get("sort") in search.SORTS else "relevance"
    page_number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    offset = (max(page_number, 1) - 1) * SEARCH_RESULTS_PER_PAGE
    page = None
    if text:
        page = search.query(text, limit=SEARCH_RESULTS_PER_PAGE, offset=offset, sort=sort)
    context = {
        "query": text,
        "sort": page.sort if page else sort,
        "page": page,
        "problems": [problem_message(problem) for problem in page.problems] if page else [],
    }
    return render(request, "reader/search.html", context)
