"""The reranker: stored terms, features, the model file, and its place in the facade."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from khabar import search
from khabar.search import rerank
from khabar.search.analysis import index_text, plan_query
from khabar.search.backend import get_backend
from khabar.search.query import parse_query
from khabar.search.rerank import (
    FEATURES,
    CollectionFrequencies,
    StemVectors,
    StoredTerms,
    TermStatistics,
)

STATISTICS = TermStatistics(
    documents=1000,
    average_terms=50.0,
    average_grams=120.0,
    words={"مجالس": 40, "محلي": 60, "انتخاب": 30, "يوم": 500},
    grams={"مجا": 45, "جال": 50, "الس": 90, "محل": 80},
)
COLLECTION = CollectionFrequencies(documents=100, counts={"مجالس": 5, "محلي": 20})
# نفط and بترول close, يوم far from both; unit rows.
VECTORS = StemVectors(
    {"نفط": 0, "بترول": 1, "يوم": 2},
    np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32),
)


def terms(text: str) -> list[str]:
    return index_text(title="", body=text, language="ar").words


def terms_of(text: str) -> StoredTerms:
    return rerank.stored_terms(index_text(title="", body=text, language="ar").words_text)


def feature(row: np.ndarray, name: str) -> float:
    return float(row[FEATURES.index(name)])


def test_stored_terms_keep_the_first_terms_and_count_them_all():
    words = " ".join(f"t{i}" for i in range(rerank.STORED_TERMS + 10))
    stored = rerank.stored_terms(words)
    assert stored.length == rerank.STORED_TERMS + 10
    assert stored.terms.split() == words.split()[: rerank.STORED_TERMS]
    assert rerank.stored_terms("") == StoredTerms("", 0)
    assert rerank.stored_terms("مجلس محلي") == StoredTerms("مجلس محلي", 2)


@given(st.lists(st.sampled_from(["مجلس", "محلي", "يوم", "مجلسي", "س"]), max_size=30))
def test_positions_are_the_word_positions(words):
    joined = f" {' '.join(words)} "
    for term in set(words) | {"مجلس"}:
        expected = [i for i, word in enumerate(words) if word == term]
        assert rerank._positions(joined, term) == expected


def test_query_terms_follow_the_query_and_leave_out_exclusions():
    plan = plan_query(parse_query('المجالس -رياضة "الانتخابات المحلية" OR يوم'))
    assert rerank.query_terms(plan) == terms("المجالس الانتخابات المحلية يوم")


def test_an_early_adjacent_match_has_the_stronger_features():
    query = terms("المجالس المحلية")
    early = terms_of("المجالس المحلية تجتمع اليوم " + "خبر " * 40)
    late = terms_of("خبر " * 40 + "المحلية في المجالس")
    missing = terms_of("المجالس محليا " + "خبر " * 40)  # محليا: not the term محلي, its grams
    rows = rerank.candidate_features(query, [early, late, missing], STATISTICS, COLLECTION)
    assert feature(rows[0], "coverage") == feature(rows[1], "coverage") == 1.0
    assert feature(rows[0], "lead_short") == 1.0 and feature(rows[1], "lead_short") == 0.0
    assert feature(rows[0], "adjacent") == 1.0 and feature(rows[1], "adjacent") == 0.0
    assert feature(rows[1], "near") == 1.0
    assert feature(rows[0], "first_position") < feature(rows[1], "first_position")
    # A term missing as a word still counts for the share of its grams found.
    assert feature(rows[2], "coverage_idf") < feature(rows[2], "soft_coverage")
    # The collection's idf: مجالس (in 5 of 100 articles) weighs more than محلي (in 20).
    assert feature(rows[2], "bm25_collection") > 0
    assert feature(rows[2], "bm25_collection") > feature(rows[2], "bm25_words") * 0.5


def test_the_collection_idf_falls_with_the_frequency():
    assert (
        COLLECTION.idf("مجالس")
        > COLLECTION.idf("محلي")
        > CollectionFrequencies(100, {"x": 100}).idf("x")
    )
    assert COLLECTION.idf("unseen") == CollectionFrequencies(100, {"unseen": 0}).idf("unseen")
    assert CollectionFrequencies(0, {"x": 3}).idf("x") == 0.0  # an index counted while it changed


def test_a_missing_term_counts_for_its_closest_stored_term():
    query = ["نفط", "مجالس"]
    exact = StoredTerms("نفط مجالس", 2)
    related = StoredTerms("بترول مجالس", 2)
    unrelated = StoredTerms("يوم مجالس", 2)
    rows = rerank.candidate_features(query, [exact, related, unrelated], STATISTICS, COLLECTION)
    assert feature(rows[2], "soft_match") == feature(rows[2], "coverage_idf")  # no vectors given
    rows = rerank.candidate_features(
        query, [exact, related, unrelated], STATISTICS, COLLECTION, VECTORS
    )
    soft = [feature(row, "soft_match") for row in rows]
    assert soft[0] == pytest.approx(1.0)
    assert soft[0] > soft[1] > soft[2] == pytest.approx(feature(rows[2], "coverage_idf"))
    idf = STATISTICS.word_idf("نفط"), STATISTICS.word_idf("مجالس")
    assert soft[1] == pytest.approx((0.8 * idf[0] + idf[1]) / sum(idf))


def test_no_terms_give_zero_features():
    rows = rerank.candidate_features([], [terms_of("المجالس")], STATISTICS, COLLECTION)
    assert rows.shape == (1, len(FEATURES)) and not rows.any()


def test_a_saved_model_loads_the_same(tmp_path):
    weights = np.arange(len(FEATURES), dtype=float)
    model = rerank.RerankModel(3, weights, STATISTICS, {"a": 1}, VECTORS)
    path = rerank.save_model(model, tmp_path)
    assert path.name == "rerank-v3.json"
    loaded = rerank.load_model(path)
    assert loaded.version == 3 and loaded.card["a"] == 1
    assert np.array_equal(loaded.weights, model.weights)
    assert loaded.statistics == STATISTICS
    assert loaded.vectors.index == VECTORS.index
    assert np.allclose(loaded.vectors.matrix, VECTORS.matrix, atol=1e-3)
    assert rerank.model_paths([tmp_path]) == [path]


def test_the_shipped_model_loads():
    paths = rerank.model_paths([rerank.PACKAGED_MODEL_DIR])
    assert paths, "a trained reranker ships in khabar/search/data"
    model = rerank.load_model(paths[0])
    assert len(model.weights) == len(FEATURES)
    assert model.statistics.words and model.statistics.grams
    assert len(model.vectors.index) == len(model.vectors.matrix) > 1000


@pytest.mark.django_db
def test_the_facade_ranks_the_lead_match_first(backend, make_article):
    """Two articles of the same length with the same words once each: the one whose lead
    says them together comes first, on every backend."""
    filler = "وأضاف المتحدث أن الاجتماع ناقش قضايا عديدة. "
    lead = make_article("", "انتخابات المجالس المحلية تنطلق غدا. " + filler * 6)
    late = make_article(
        "", "تنطلق غدا. " + filler * 3 + "المحلية " + filler * 3 + "المجالس والانتخابات"
    )
    search.index_articles([late.pk, lead.pk])
    for match in ("any", "all"):
        page = search.query("انتخابات المجالس المحلية", match=match)
        assert [hit.article_id for hit in page.results] == [lead.pk, late.pk]


@pytest.mark.django_db
def test_the_backends_count_the_collection_frequencies(backend, make_article):
    """The reranker's collection idf comes from the backend: both count alike."""
    texts = ("المجالس المحلية تجتمع", "المجالس البلدية", "أمطار غزيرة على المدن")
    articles = [make_article("", text) for text in texts]
    search.index_articles([article.pk for article in articles])
    query = terms("المجالس المحلية أمطار فيضانات")
    found = get_backend().collection_frequencies(query)
    assert found.documents == 3
    assert [found.counts[term] for term in query] == [2, 1, 1, 0]


@pytest.mark.django_db
def test_without_a_model_the_backend_order_stays(backend, make_article, monkeypatch):
    first = make_article("", "المجالس المحلية")
    second = make_article("", "المجالس المحلية والمجالس البلدية والمجالس الجهوية")
    search.index_articles([first.pk, second.pk])
    plan = plan_query(parse_query("المجالس"))
    pairs = [(second.pk, 2.0), (first.pk, 1.0)]
    monkeypatch.setattr(rerank, "default_model", lambda: None)
    assert rerank.rerank(plan, pairs, backend=None) == pairs


NEWS = [
    "أعلنت وزارة الصحة عن حملة تلقيح جديدة في المدارس الابتدائية بداية من الأسبوع القادم.",
    "قالت وزارة التربية إن المدارس ستفتح أبوابها في موعدها رغم الإضراب.",
    "حملة تلقيح ضد الحصبة في الولايات الجنوبية تشمل الأطفال دون الخامسة.",
    "الإضراب في قطاع الصحة يتواصل لليوم الثالث وسط مفاوضات مع الوزارة.",
    "افتتاح مدرسة ابتدائية جديدة في الحي بحضور وزير التربية.",
    "ارتفاع أسعار الخضر في الأسواق مع بداية فصل الصيف.",
]


@pytest.mark.django_db
def test_the_benchmark_ranks_through_the_facade(settings, make_article, tmp_path):
    """bench/search_quality.py measures khabar with rerank_training.CorpusIndex: its order
    must be the facade's (search.query, match="any") on the same documents."""
    from khabar.search.rerank_training import CorpusIndex, plain_query

    settings.KHABAR_SEARCH_BACKEND = "tantivy"
    articles = [make_article("", text) for text in NEWS]
    search.index_articles([article.pk for article in articles])
    bench = CorpusIndex(NEWS, tmp_path / "bench")
    for text in ("حملة تلقيح في المدارس", "وزارة الصحة: الإضراب يتواصل!", "مدرسة جديدة"):
        page = search.query(plain_query(text), match="any", limit=10)
        facade = [NEWS.index(hit.article.text) for hit in page.results]
        assert facade == bench.search(text, limit=10)
        assert facade  # something was found


NEWS_COUNTS = {"مصر": 1855, "ومصر": 355, "وجود": 2449, "جود": 17, "انتخاب": 900}


def planned_terms(text: str) -> list[tuple[tuple[str, ...], ...]]:
    plan = plan_query(parse_query(text), word_frequencies=NEWS_COUNTS)
    return [node.alternatives for node in plan.root.nodes]


def test_a_kept_conjunction_is_split_off_when_news_uses_the_rest_far_more():
    # ومصر: the stemmer keeps و before three letters; news writes مصر five times as often.
    assert planned_terms("ومصر") == [(("مصر",), ("ومصر",))]
    # وجود is a word of its own: جود is rare.
    assert planned_terms("وجود") == [(("وجود",),)]
    # The conjunction and a stopword: left out like the stopword.
    assert planned_terms("وبعد انتخابات") == planned_terms("انتخابات")
    # Without frequencies nothing is split.
    assert plan_query(parse_query("ومصر")).root.nodes[0].alternatives == (("ومصر",),)
    # The reranker reads the split term.
    plan = plan_query(parse_query("ومصر"), word_frequencies=NEWS_COUNTS)
    assert rerank.query_terms(plan) == ["مصر"]


def test_ali_among_other_words_is_the_preposition_written_with_ya():
    # Readers who write final ى as ي type على as علي: among two or more other words it is
    # left out like على, so both spellings plan alike.
    assert planned_terms("القبض علي ارهابي في الجزائر") == planned_terms(
        "القبض على ارهابي في الجزائر"
    )
    # Alone or beside one other word it may be the name, and is searched.
    assert planned_terms("علي العريض") == [(("علي",),), (("عريض",),)]
    assert planned_terms("علي") == [(("علي",),)]
    # A phrase keeps every word it quotes.
    assert planned_terms('"بئر علي بن خليفة"')[0][0][1] == "علي"
