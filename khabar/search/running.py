"""Running a parsed query: filters resolved against the database, the backend asked, hits
loaded and highlighted. Called by the facade (khabar.search.query)."""

from dataclasses import replace
from datetime import datetime, time
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from khabar.arabic import normalize
from khabar.articles.models import Article
from khabar.sources.models import Source
from khabar.tagging.labels import topic_label
from khabar.tagging.queries import ENTITY_TAG, TOPIC_TAG, entity_keys_for

from . import NO_TERMS, UNKNOWN_SOURCE, Hit, SearchPage
from .analysis import Plan, plan_query
from .backend import COUNT_LIMIT, SearchRequest
from .highlight import snippet_html, title_html
from .query import UNKNOWN_TOPIC, ParsedQuery, Problem
from .rerank import RERANK_DEPTH, news_frequencies, rerank

# What a result shows (the search page, `khabar search`): loading only these keeps the stored
# HTML and the rest of each row out of every search. Any other field still loads on access.
HIT_FIELDS = (
    "id",
    "title",
    "text",
    "summary",
    "language",
    "url",
    "published_at",
    "source__id",
    "source__name",
    "source__url",
)


def run_search(page: SearchPage, parsed: ParsedQuery, *, backend, match: str) -> None:
    """Fill `page` with the results of `parsed`, or with the problem that stops it."""
    filters = parsed.filters
    source_ids = None
    if filters.sources:
        source_ids = []
        for name in filters.sources:
            found = source_ids_named(name)
            if not found:
                page.problems.append(Problem(UNKNOWN_SOURCE, name, fatal=True))
                return
            source_ids += found
    excluded = [pk for name in filters.exclude_sources for pk in source_ids_named(name)]
    tags, exclude_tags = tag_filters(filters, page=page)
    if page.error:
        return
    plan = plan_query(parsed, match=match, word_frequencies=news_frequencies())
    if plan.matches_everything and not filters:
        page.problems.append(Problem(NO_TERMS, fatal=True))
        return
    if plan.matches_everything:
        page.sort = "date"  # nothing to rank by: newest first
    request = SearchRequest(
        plan=plan,
        sort=page.sort,
        limit=page.limit,
        offset=page.offset,
        source_ids=source_ids,
        exclude_source_ids=tuple(excluded),
        languages=tuple(filters.languages),
        exclude_languages=tuple(filters.exclude_languages),
        after=start_of_day(filters.after),
        before=start_of_day(filters.before),
        tags=tags,
        exclude_tags=exclude_tags,
    )
    pairs, total = search_ranked(backend, request)
    articles = (
        Article.objects.select_related("source")
        .only(*HIT_FIELDS)
        .in_bulk([pk for pk, _score in pairs])
    )
    # An article deleted since it was indexed is left out at once; repair removes it later.
    page.results = [hit(articles[pk], score, plan) for pk, score in pairs if pk in articles]
    total = max(len(page.results) + page.offset, total - (len(pairs) - len(page.results)))
    page.total, page.total_capped = min(total, COUNT_LIMIT), total > COUNT_LIMIT


def search_words_first(
    backend, request: SearchRequest, *, enough: int | None = None
) -> tuple[list[tuple[int, float]], int]:
    """The backend's answer to `request`, asking first with every word found by its terms
    alone; only when that finds fewer articles than a page holds (or than `enough`) is each
    word also looked for through its grams (inside longer words: slower, as the grams are
    common).

    The choice depends on the total and the page size, not on the page asked for, so every
    page of a search comes from the same plan. At a million articles the grams are most of a
    query's time; on the search benchmarks' tasks, finding words by their terms first ranks
    as well (docs/benchmarks.md, "Search speed").
    """
    if not request.plan.has_strict_grams:
        return backend.search(request)
    pairs, total = backend.search(replace(request, plan=request.plan.words_only()))
    if total >= (request.limit if enough is None else enough):
        return pairs, total
    return backend.search(request)


def tag_filters(filters, *, page: SearchPage) -> tuple[tuple[tuple[str, ...], ...], tuple]:
    """The index tags that topic: and entity: ask for (each group: one of them must be
    there) and those that -topic: and -entity: leave out. An unknown topic is a fatal problem
    on `page`; an entity is looked for under every key it may go by."""
    groups, excluded = [], []
    for values, target in ((filters.topics, groups), (filters.exclude_topics, excluded)):
        for value in values:
            label = topic_label(value)
            if label is None:
                page.problems.append(Problem(UNKNOWN_TOPIC, value, fatal=True))
                return (), ()
            target.append((TOPIC_TAG + label,))
    for value in filters.entities:
        groups.append(tuple(ENTITY_TAG + key for key in entity_keys_for(value)))
    for value in filters.exclude_entities:
        excluded += [(ENTITY_TAG + key,) for key in entity_keys_for(value)]
    return tuple(groups), tuple(tag for group in excluded for tag in group)


def search_ranked(backend, request: SearchRequest) -> tuple[list[tuple[int, float]], int]:
    """`search_words_first`, with the backend's first RERANK_DEPTH articles by relevance put in
    the reranker's order (khabar.search.rerank); pages past them keep the backend's order."""
    if request.sort != "relevance" or request.offset >= RERANK_DEPTH:
        return search_words_first(backend, request)
    end = request.offset + request.limit
    wide = replace(request, offset=0, limit=max(end, RERANK_DEPTH))
    pairs, total = search_words_first(backend, wide, enough=request.limit)
    return rerank(request.plan, pairs, backend)[request.offset : end], total


def start_of_day(day) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def hit(article: Article, score: float, plan: Plan) -> Hit:
    body = article.text or " ".join(strip_tags(article.summary or "").split())
    language = article.language
    return Hit(
        article_id=article.pk,
        score=score,
        title_html=mark_safe(
            title_html(article.title, highlight=plan.highlight, language=language)
        ),
        snippet_html=mark_safe(snippet_html(body, highlight=plan.highlight, language=language)),
        article=article,
    )


def source_ids_named(value: str) -> list[int]:
    """Sources whose name is `value` (spelling folded), or whose web host is `value`; else
    those whose name contains it."""
    wanted = normalize(" ".join(value.split()))
    host = host_of(value) if "." in value and " " not in value.strip() else ""
    sources = list(Source.objects.only("id", "name", "url", "site_url"))
    exact = [
        source.pk
        for source in sources
        if normalize(source.name.strip()) == wanted or (host and serves_host(source, host))
    ]
    if exact:
        return exact
    return [source.pk for source in sources if wanted and wanted in normalize(source.name)]


def host_of(value: str) -> str:
    value = value.strip().lower()
    try:
        host = urlsplit(value if "://" in value else f"//{value}").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def serves_host(source: Source, host: str) -> bool:
    for url in (source.url, source.site_url):
        source_host = host_of(url or "")
        if source_host and (source_host == host or source_host.endswith(f".{host}")):
            return True
    return False
