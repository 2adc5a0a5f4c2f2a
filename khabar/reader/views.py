from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from khabar.articles.queries import article_for_reading, latest_articles_page, sources_overview

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
