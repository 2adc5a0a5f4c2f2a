"""Entity aliases edited by staff: used by the enrich step, and linking what was stored before."""

import pytest

from khabar.stories.enrich import enrich_articles
from khabar.tagging.canonical import entity_key
from khabar.tagging.models import Entity, EntityAlias, EntityMention
from khabar.tagging.services import entity_alias_save
from tests.stories.reports import STORM_A, outlet, story_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_clusterer")]


def test_the_enrich_step_uses_staff_aliases():
    capital = Entity.objects.create(type="LOC", name="العاصمة عمّان", key=entity_key("العاصمة عمّان"))
    EntityAlias.objects.create(entity=capital, name="عمّان", key=entity_key("عمّان"))
    storm = story_article(outlet("sahil"), STORM_A)
    enrich_articles([storm.pk])
    assert EntityMention.objects.filter(article=storm, entity=capital).exists()
    assert not Entity.objects.filter(key="عمان").exists()


def test_saving_an_alias_moves_what_was_stored_under_it():
    storm = story_article(outlet("sahil"), STORM_A)
    other = story_article(outlet("wadi"), STORM_A, hours=1, slug="copy")
    enrich_articles([storm.pk, other.pk])
    amman = Entity.objects.get(type="LOC", key="عمان")
    capital = Entity.objects.create(type="LOC", name="العاصمة عمّان", key=entity_key("العاصمة عمّان"))
    EntityMention.objects.create(
        article=storm, entity=capital, count=2, published_at=storm.published_at
    )
    before = EntityMention.objects.get(article=storm, entity=amman).count
    changed = entity_alias_save(alias=EntityAlias(entity=capital, name="عمّان"))
    assert sorted(changed) == sorted([storm.pk, other.pk])
    assert not Entity.objects.filter(pk=amman.pk).exists()
    assert EntityMention.objects.get(article=storm, entity=capital).count == 2 + before
    assert EntityMention.objects.filter(article=other, entity=capital).exists()
    assert EntityAlias.objects.get().key == "عمان"


def test_the_admin_lists_an_entity_with_its_aliases(admin_client):
    capital = Entity.objects.create(type="LOC", name="عمّان", key="عمان")
    EntityAlias.objects.create(entity=capital, name="فيلادلفيا", key="فيلادلفيا")
    page = admin_client.get(f"/admin/tagging/entity/{capital.pk}/change/").content.decode()
    assert "فيلادلفيا" in page
    found = admin_client.get("/admin/tagging/entity/", {"q": "فيلادلفيا"}).content.decode()
    assert "عمّان" in found


def test_staff_add_an_alias_in_the_admin(admin_client):
    sdf = Entity.objects.create(
        type="ORG", name="قوات سوريا الديمقراطية", key=entity_key("قوات سوريا الديمقراطية")
    )
    short = Entity.objects.create(type="ORG", name="قسد", key="قسد")
    article = story_article(outlet("sahil"), STORM_A)
    EntityMention.objects.create(article=article, entity=short, published_at=article.published_at)
    form = {
        "name": sdf.name,
        "aliases-TOTAL_FORMS": "1",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
        "aliases-0-name": "  قسد ",
        "aliases-0-entity": str(sdf.pk),
        "_save": "Save",
    }
    response = admin_client.post(f"/admin/tagging/entity/{sdf.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert EntityAlias.objects.get().name == "قسد"
    assert EntityMention.objects.get(article=article).entity == sdf
    # The same spelling cannot be the alias of a second entity.
    other = Entity.objects.create(type="ORG", name="الجيش", key="الجيش")
    form.update({"name": other.name, "aliases-0-entity": str(other.pk)})
    response = admin_client.post(f"/admin/tagging/entity/{other.pk}/change/", form)
    assert response.status_code == 200
    assert "alias" in response.content.decode() or "اسماً آخر" in response.content.decode()
