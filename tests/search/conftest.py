import pytest
from django.db import connection

from khabar.articles.models import Article
from khabar.sources.models import Source

BACKENDS = ["tantivy", "postgres"]


@pytest.fixture(autouse=True)
def search_dir(settings, tmp_path):
    """A fresh tantivy index directory for every test."""
    settings.KHABAR_SEARCH_DIR = tmp_path / "search"
    return settings.KHABAR_SEARCH_DIR


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    """Each search test runs once per backend; PostgreSQL's only on a PostgreSQL database."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend needs a PostgreSQL database")
    settings.KHABAR_SEARCH_BACKEND = request.param
    return request.param


@pytest.fixture
def source(db):
    return Source.objects.create(
        url="https://www.baladiya.example/feed.xml", name="صحيفة البلدية", site_url=""
    )


@pytest.fixture
def make_article(source):
    counter = iter(range(1, 10_000))

    def make(title, text="", **fields):
        number = next(counter)
        fields.setdefault("url", f"https://www.baladiya.example/{number}")
        fields.setdefault("language", "ar")
        return Article.objects.create(
            source=fields.pop("source", source), title=title, text=text, **fields
        )

    return make
