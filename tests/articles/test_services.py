import pytest

from khabar import search
from khabar.articles.models import Article
from khabar.articles.services import articles_delete
from khabar.sources.models import Source

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_deleted_article_leaves_the_database_and_the_search_index():
    source = Source.objects.create(url="https://example.org/rss", name="مثال")
    article = Article.objects.create(
        source=source, title="المجالس المحلية تنتخب رؤساءها", text="انتخبت المجالس المحلية رؤساءها."
    )
    search.index_articles([article.pk])
    assert [hit.article_id for hit in search.query("المجالس المحليه").results] == [article.pk]

    assert articles_delete(article_ids=[article.pk]) == 1

    assert not Article.objects.exists()
    assert search.query("المجالس المحليه").results == []
