"""One suite for every search backend: each test runs on tantivy and on PostgreSQL (when the
database is PostgreSQL) and expects the same articles."""

from datetime import UTC, datetime

import pytest

from khabar import search
from khabar.articles.models import Article
from khabar.sources.models import Source

pytestmark = pytest.mark.django_db

COUNCILS = "انتخابات المجالس المحلية"
COUNCILS_TEXT = (
    "جرت اليوم انتخابات المجالس المحلية في المدن والقرى، وقالت اللجنة إن نسبة المشاركة "
    "بلغت ستين في المئة."
)


def ids(text, **options):
    page = search.query(text, **options)
    assert page.error is None, page.error
    return [hit.article_id for hit in page.results]


def on(year, month, day):
    return datetime(year, month, day, 9, tzinfo=UTC)


@pytest.fixture
def councils(backend, make_article):
    article = make_article(COUNCILS, COUNCILS_TEXT, published_at=on(2024, 5, 10))
    search.index_articles([article.pk])
    return article


@pytest.fixture
def corpus(backend, make_article, source):
    other = Source.objects.create(url="https://news.example/rss", name="Daily News")
    articles = {
        "councils": make_article(COUNCILS, COUNCILS_TEXT, published_at=on(2024, 5, 10)),
        "with_waw": make_article(
            "نتائج التصويت", "وأعلنت والمجالس البلدية النتائج.", published_at=on(2024, 5, 20)
        ),
        "with_ba": make_article(
            "لقاء", "التقى الوزير بالمجالس المحلية في الجنوب.", published_at=on(2024, 6, 2)
        ),
        "weather": make_article(
            "أمطار غزيرة", "توقعات بأمطار غزيرة على السواحل.", published_at=on(2024, 4, 1)
        ),
        "english": make_article(
            "Local council elections",
            "Voters elected new local councils across the country.",
            language="en",
            source=other,
            published_at=on(2024, 5, 15),
        ),
        "undated": make_article("المجالس في الأرياف", "تقرير عن المجالس الريفية."),
    }
    search.index_articles([article.pk for article in articles.values()])
    return articles


def test_the_issue_example_finds_the_article(councils):
    assert ids("المجالس المحليه") == [councils.pk]
    assert ids("مجالس محلية") == [councils.pk]


@pytest.mark.parametrize(
    "variant",
    [
        "والمجالس",
        "بالمجالس",
        "للمجالس",
        "المـــجالس",  # tatweel
        "المَجَالِسُ",  # harakat
        "المحليّة",  # shadda
        "إنتخابات",  # hamza on the alef
        "انتخابات المحلية",
    ],
)
def test_spelling_variants_find_the_article(councils, variant):
    assert ids(variant) == [councils.pk]


def test_every_word_must_be_found(corpus):
    assert ids("المجالس أمطار") == []
    assert ids("أمطار السواحل") == [corpus["weather"].pk]


def test_match_any_ranks_articles_with_more_words_first(corpus):
    found = ids("أمطار غزيرة السواحل المجالس", match="any")
    assert found[0] == corpus["weather"].pk
    assert corpus["councils"].pk in found


def test_exact_phrase(corpus):
    assert set(ids('"المجالس المحلية"')) == {corpus["councils"].pk, corpus["with_ba"].pk}
    assert ids('"المحلية المجالس"') == []


def test_exclusions(corpus):
    assert set(ids("المجالس -الجنوب")) == {
        corpus["councils"].pk,
        corpus["with_waw"].pk,
        corpus["undated"].pk,
    }
    assert set(ids('المجالس -"في الجنوب" -الريفية')) == {
        corpus["councils"].pk,
        corpus["with_waw"].pk,
    }


def test_or_and_groups(corpus):
    assert set(ids("أمطار OR elections")) == {corpus["weather"].pk, corpus["english"].pk}
    assert set(ids("(أمطار OR الريفية) تقرير")) == {corpus["undated"].pk}


def test_english_words_are_stemmed(corpus):
    assert ids("election council") == [corpus["english"].pk]


def test_source_filter_by_name_or_host(corpus):
    assert ids("elections source:news.example") == [corpus["english"].pk]
    assert ids('elections source:"Daily News"') == [corpus["english"].pk]
    assert ids("elections source:baladiya.example") == []
    assert set(ids("المجالس -source:baladiya.example")) == set()
    page = search.query("المجالس source:nowhere")
    assert page.error.code == search.UNKNOWN_SOURCE


def test_language_filter(corpus):
    assert ids("lang:en") == [corpus["english"].pk]
    assert corpus["english"].pk not in ids("council OR المجالس lang:ar")


def test_date_filters(corpus):
    assert set(ids("المجالس after:2024-05-15")) == {corpus["with_waw"].pk, corpus["with_ba"].pk}
    assert ids("المجالس before:2024-05-11") == [corpus["councils"].pk]
    assert ids("المجالس after:2024-05-01 before:2024-06", sort="date") == [
        corpus["with_waw"].pk,
        corpus["councils"].pk,
    ]


def test_sort_by_date_newest_first_undated_last(corpus):
    assert ids("المجالس", sort="date") == [
        corpus["with_ba"].pk,
        corpus["with_waw"].pk,
        corpus["councils"].pk,
        corpus["undated"].pk,
    ]


def test_filters_alone_list_the_newest(corpus):
    page = search.query("source:baladiya.example after:2024-05-01")
    assert page.sort == "date"
    assert [hit.article_id for hit in page.results] == [
        corpus["with_ba"].pk,
        corpus["with_waw"].pk,
        corpus["councils"].pk,
    ]


def test_pages_of_results(corpus):
    first = search.query("المجالس", sort="date", limit=2)
    second = search.query("المجالس", sort="date", limit=2, offset=2)
    assert first.total == second.total == 4
    assert (first.has_next, second.has_next, second.has_previous) == (True, False, True)
    together = [hit.article_id for hit in first.results + second.results]
    assert together == ids("المجالس", sort="date")


def test_relevance_puts_the_closest_match_first(backend, make_article):
    once = make_article(
        "تقرير", "ذكرت المجالس في سطر واحد من تقرير طويل عن الزراعة والمياه والطرق."
    )
    title = make_article("المجالس المحلية تجتمع", "المجالس المحلية تناقش الميزانية.")
    search.index_articles([once.pk, title.pk])
    assert ids("المجالس المحلية") == [title.pk]
    assert ids("المجالس")[0] == title.pk


def test_highlights_mark_the_original_spelling(corpus):
    hits = {hit.article_id: hit for hit in search.query("والمجالس المحليه").results}
    hit = hits[corpus["councils"].pk]
    assert "<mark>المجالس</mark> <mark>المحلية</mark>" in hit.title_html
    assert "<mark>المجالس</mark> <mark>المحلية</mark>" in hit.snippet_html


def test_an_updated_article_is_searched_by_its_new_text(corpus):
    article = corpus["weather"]
    article.text = "موجة حر شديدة على السواحل."
    article.save()
    search.index_articles([article.pk])
    assert ids("توقعات") == []
    assert ids("موجة حر") == [article.pk]


def test_a_deleted_article_disappears(corpus):
    deleted_id = corpus["weather"].pk
    corpus["weather"].delete()
    assert ids("أمطار") == []  # at once: hits no longer stored are left out
    search.index_articles([deleted_id])  # what the worker does on index_soon
    assert search.query("أمطار").total == 0


def test_reindex_rebuilds_from_the_database(corpus):
    Article.objects.filter(pk=corpus["weather"].pk).update(text="رياح نشطة")
    assert search.reindex() == len(corpus)
    assert ids("رياح") == [corpus["weather"].pk]
    assert ids("السواحل") == []


def test_a_bad_query_never_raises(corpus):
    for text in ['"', "(((", "-", "OR", ")", "source:", "after:", "-lang:", "ـــ", "\u200f"]:
        page = search.query(text)
        assert page.error is not None or page.results == [] or page.total >= 0


def test_results_load_what_they_show_in_one_query(corpus, django_assert_num_queries):
    page = search.query("المجالس")
    with django_assert_num_queries(0):  # the source, title, text, url and date are loaded
        shown = [
            (str(hit.article.source), hit.article.title, hit.article.url, hit.article.published_at)
            for hit in page.results
        ]
    assert len(shown) == 4


def test_a_word_inside_longer_words_is_looked_for_when_too_few_have_it(backend, make_article):
    york = make_article("زيارة إلى يورك", "وصل الوفد إلى مدينة يورك البريطانية.")
    new_york = make_article("رحلة", "وصل الوفد إلى نيويورك صباح اليوم.")
    search.index_articles([york.pk, new_york.pk])
    assert set(ids("يورك")) == {york.pk, new_york.pk}  # through its grams: fewer than a page
    page = search.query("يورك", limit=1)  # the word alone fills the page: its grams wait
    assert ([hit.article_id for hit in page.results], page.total) == ([york.pk], 1)
    assert ids("نيويورك الوفد") == [new_york.pk]
