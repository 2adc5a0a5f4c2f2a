"""topic: and entity: filters, on every search backend: the enrich step's tags in the index."""

from datetime import UTC, datetime

import pytest

from khabar import search
from khabar.search.query import UNKNOWN_TOPIC
from khabar.tagging.models import ArticleTopic, Entity, EntityAlias, EntityMention

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 2, 9, tzinfo=UTC)


def ids(text, **options):
    page = search.query(text, **options)
    assert page.error is None, page.error
    return sorted(hit.article_id for hit in page.results)


def tag(article, *, topics=(), entities=()):
    for label in topics:
        ArticleTopic.objects.create(article=article, label=label, score=0.9)
    for type, name, key in entities:
        entity, _ = Entity.objects.get_or_create(type=type, key=key, defaults={"name": name})
        EntityMention.objects.create(article=article, entity=entity, published_at=WHEN)


@pytest.fixture
def tagged(backend, make_article):
    damascus = ("LOC", "دمشق", "دمشق")
    sdf = ("ORG", "قوات سوريا الديمقراطية", "قوات سوريا الديمقراطيه")
    usa = ("LOC", "الولايات المتحدة", "الولايات المتحده")
    articles = {
        "match": make_article("مباراة في دمشق", "فاز الفريق في دمشق.", published_at=WHEN),
        "talks": make_article("محادثات في دمشق", "بدأت المحادثات اليوم.", published_at=WHEN),
        "sdf": make_article("بيان عسكري", "أصدرت قسد بياناً اليوم.", published_at=WHEN),
        "trade": make_article("تجارة", "اتفاق تجاري مع واشنطن.", published_at=WHEN),
    }
    tag(articles["match"], topics=["sport", "middle-east"], entities=[damascus])
    tag(articles["talks"], topics=["politics", "middle-east"], entities=[damascus, usa])
    tag(articles["sdf"], topics=["politics"], entities=[sdf])
    tag(articles["trade"], topics=["economy"], entities=[usa])
    search.index_articles([article.pk for article in articles.values()])
    return {name: article.pk for name, article in articles.items()}


def test_topic_by_label_or_by_its_name(tagged):
    assert ids("topic:sport") == [tagged["match"]]
    assert ids("موضوع:رياضة") == [tagged["match"]]
    assert ids("topic:الرياضة") == [tagged["match"]]
    assert ids("topic:politics") == sorted([tagged["talks"], tagged["sdf"]])
    assert ids("topic:middle-east topic:politics") == [tagged["talks"]]


def test_a_topic_with_words_and_left_out(tagged):
    assert ids("دمشق topic:politics") == [tagged["talks"]]
    assert ids("topic:middle-east -topic:sport") == [tagged["talks"]]
    assert ids("دمشق -موضوع:سياسة") == [tagged["match"]]


def test_an_unknown_topic_says_so(tagged):
    page = search.query("topic:cooking")
    assert page.error is not None and page.error.code == UNKNOWN_TOPIC
    assert page.error.detail == "cooking"


def test_entity_in_any_spelling(tagged):
    assert ids("entity:دمشق") == sorted([tagged["match"], tagged["talks"]])
    assert ids("entity:بدمشق") == sorted([tagged["match"], tagged["talks"]])  # a clitic
    assert ids("كيان:قسد") == [tagged["sdf"]]  # a curated alias
    assert ids('entity:"الولايات المتحدة"') == sorted([tagged["talks"], tagged["trade"]])
    assert ids("entity:أمريكا") == sorted([tagged["talks"], tagged["trade"]])
    assert ids("entity:دمشق -entity:أمريكا") == [tagged["match"]]
    assert ids("entity:بيروت") == []


def test_entity_by_a_staff_alias(tagged):
    assert ids("entity:الشام") == []
    damascus = Entity.objects.get(key="دمشق")
    EntityAlias.objects.create(entity=damascus, name="الشام", key="الشام")
    assert ids("entity:الشام") == sorted([tagged["match"], tagged["talks"]])


def test_new_tags_reach_the_index_when_the_article_is_indexed_again(tagged):
    trade = tagged["trade"]
    assert ids("topic:world") == []
    ArticleTopic.objects.create(article_id=trade, label="world", score=0.7)
    search.index_articles([trade])
    assert ids("topic:world") == [trade]


def test_filters_work_on_a_rebuilt_index(tagged):
    search.reindex()
    assert ids("topic:sport entity:دمشق") == [tagged["match"]]


def test_the_search_page_filters_by_topic_and_entity(client, tagged):
    html = client.get("/search/", {"q": "موضوع:رياضة"}).content.decode()
    assert "مباراة في دمشق" in html and "محادثات في دمشق" not in html
    html = client.get("/search/", {"q": "كيان:دمشق"}).content.decode()
    assert "مباراة في دمشق" in html and "محادثات في دمشق" in html and "تجارة" not in html
