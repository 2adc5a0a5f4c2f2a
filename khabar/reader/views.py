from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from khabar import search
from khabar.articles.queries import article_for_reading, latest_articles_page, sources_overview
from khabar.search.messages import problem_message

from .status import describe_source


def home(request):
    page = latest_articles_page(page_number=request.GET.get("page"))
    return render(request, "reader/home.html", {"page": page})


def article_detail(request, article_id: int):
    article = article_for_reading(article_id)
    if article is None:
        raise Http404("no such article")
    return render(request, "reader/article.html", {"article": article})


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
