"""Story cards on the home page, the story, entity and article pages, after the enrich step."""

import pytest
from django.urls import reverse

from khabar.stories.enrich import enrich_articles, forget_clusterer
from khabar.stories.models import Story, StoryArticle
from khabar.tagging.labels import TOPIC_NAMES
from khabar.tagging.models import ArticleTopic, Entity, EntityAlias
from khabar.tagging.taxonomy import LABELS
from tests.stories.reports import BANK, MATCH, STORM_A, STORM_B, STORM_C, outlet, story_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def news():
    forget_clusterer()
    sahil, wadi, nahar = outlet("صحيفة الساحل"), outlet("بوابة الوادي"), outlet("النهار")
    articles = {
        "storm_a": story_article(sahil, STORM_A, hours=0),
        "match": story_article(sahil, MATCH, hours=0.5),
        "storm_b": story_article(wadi, STORM_B, hours=1),
        "bank": story_article(nahar, BANK, hours=2),
        "storm_c": story_article(nahar, STORM_C, hours=20),
    }
    enrich_articles([article.pk for article in articles.values()])
    yield articles
    forget_clusterer()


def english(client):
    client.cookies["django_language"] = "en"
    return client


def storm_story(news) -> Story:
    return StoryArticle.objects.get(article=news["storm_a"]).story


def test_home_shows_one_card_per_story_with_its_sources(client, news):
    html = client.get("/").content.decode()
    assert html.count('class="card story-card"') == 3
    assert "3 مصادر" in html
    assert "وصل للتو" not in html  # every article is in a story
    assert f'href="{reverse("reader:story", args=[storm_story(news).pk])}"' in html
    english_html = english(client).get("/").content.decode()
    assert "3 sources" in english_html


def test_home_lists_the_outlets_of_a_story(client, news):
    html = client.get("/").content.decode()
    card = html[html.index(storm_story(news).headline) :]
    card = card[: card.index("</article>")]
    for name in ("صحيفة الساحل", "بوابة الوادي", "النهار"):
        assert name in card


def test_story_page_lists_every_outlet_with_a_timeline_and_entities(client, news):
    story = storm_story(news)
    html = client.get(reverse("reader:story", args=[story.pk])).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<h1 dir="auto">{story.headline}</h1>' in html
    assert "3 مصادر" in html
    for key in ("storm_a", "storm_b", "storm_c"):
        article = news[key]
        assert f'href="{reverse("reader:article", args=[article.pk])}"' in html
    assert MATCH[0] not in html
    timeline = html[html.index('class="timeline-list"') :]
    assert timeline.index(STORM_A[0]) < timeline.index(STORM_B[0]) < timeline.index(STORM_C[0])
    assert timeline.count('class="timeline-day"') == 2  # the third report came the next day
    amman = Entity.objects.get(key="عمان", type="LOC")
    assert f'href="{reverse("reader:entity", args=[amman.pk])}"' in html


def test_a_merged_story_redirects_to_the_one_it_joined(client, news):
    story = storm_story(news)
    Story.objects.create(
        id=999, headline="قديمة", first_seen=story.first_seen, last_seen=story.last_seen,
        merged_into=story,
    )  # fmt: skip
    response = client.get(reverse("reader:story", args=[999]))
    assert response.status_code == 301
    assert response["Location"] == reverse("reader:story", args=[story.pk])
    assert client.get(reverse("reader:story", args=[123456])).status_code == 404


def test_entity_page_lists_its_articles_and_stories(client, news):
    amman = Entity.objects.get(key="عمان", type="LOC")
    EntityAlias.objects.create(entity=amman, name="عمّان الكبرى", key="عمان الكبري")
    html = client.get(reverse("reader:entity", args=[amman.pk])).content.decode()
    assert f'<h1 class="page-title" dir="auto">{amman.name}</h1>' in html
    assert "مكان" in html and "عمّان الكبرى" in html
    for key in ("storm_a", "storm_b", "storm_c"):
        assert news[key].title in html
    assert BANK[0] not in html
    assert f'href="{reverse("reader:story", args=[storm_story(news).pk])}"' in html
    assert client.get(reverse("reader:entity", args=[987654])).status_code == 404


def test_article_page_shows_translated_topics_entities_and_its_story(client, news):
    match = news["match"]
    assert ArticleTopic.objects.filter(article=match, label="sport").exists()
    html = client.get(reverse("reader:article", args=[match.pk])).content.decode()
    assert '<li class="topic">رياضة</li>' in html
    assert "الوداد" in html and 'href="/entities/' in html
    storm = news["storm_b"]
    html = client.get(reverse("reader:article", args=[storm.pk])).content.decode()
    assert "هذه القصة من 3 مصادر" in html
    english_html = english(client).get(reverse("reader:article", args=[match.pk])).content
    assert '<li class="topic">Sport</li>' in english_html.decode()


def test_every_topic_label_has_a_name_in_both_languages():
    from django.utils import translation

    assert set(TOPIC_NAMES) == set(LABELS)
    with translation.override("ar"):
        arabic = {str(name) for name in TOPIC_NAMES.values()}
    with translation.override("en"):
        english_names = {str(name) for name in TOPIC_NAMES.values()}
    assert not arabic & english_names  # every one is translated


def test_articles_not_in_a_story_yet_are_on_the_home_page(client, news):
    waiting = story_article(outlet("جديد"), ("خبر وصل للتو", "نص قصير"), hours=30)
    html = client.get("/").content.decode()
    assert "وصل للتو" in html and waiting.title in html


def test_admin_pages_for_stories_entities_and_enrichment(admin_client, news):
    for path in ("stories/story", "stories/enrichment", "tagging/entity"):
        assert admin_client.get(f"/admin/{path}/").status_code == 200
    amman = Entity.objects.get(key="عمان", type="LOC")
    assert admin_client.get(f"/admin/tagging/entity/{amman.pk}/change/").status_code == 200
