from django.db import models


class SearchState(models.Model):
    """What a database-held search index was built with, and up to when it was checked.

    The PostgreSQL backend keeps its state here, in the same database as its index; tantivy
    keeps the same facts in a file beside its index, so deleting the index resets them.
    """

    backend = models.CharField(max_length=20, unique=True)
    fingerprint = models.CharField(max_length=64)
    # Articles updated before this moment were compared with the index by repair_index.
    watermark = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.backend} index"


class TsVectorField(models.Field):
    """PostgreSQL's tsvector; any other database just keeps the (unused) column."""

    def db_type(self, connection) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchDocument(models.Model):
    """The PostgreSQL backend's index: one row per article, written by khabar.search._postgres.

    `terms` holds the article's words with their positions and lexemes without positions for
    its source, language, day of publication and tags, and for its adjacent words (see
    khabar.search._postgres). Deleting an article deletes its row in the same transaction
    (CASCADE). The GIN index on `terms` is created by this app's migrations on PostgreSQL only.
    """

    article = models.OneToOneField(
        "articles.Article", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    updated_at = models.DateTimeField()
    source_id = models.BigIntegerField()
    lang = models.CharField(max_length=12, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    terms = TsVectorField(default="")
    # What the reranker reads of the article (khabar.search.rerank.StoredTerms).
    rerank_terms = models.TextField(default="")
    term_count = models.IntegerField(default=0)

    class Meta:
        db_table = "search_document"

    def __str__(self) -> str:
        return f"search document of article {self.article_id}"


class SearchTerm(models.Model):
    """The PostgreSQL backend's vocabulary: every term indexed in `SearchDocument.terms`, with
    its grams (positions in order) under a GIN index, to find the terms that contain a stem."""

    term = models.TextField(primary_key=True)
    grams = TsVectorField(default="")

    class Meta:
        db_table = "search_term"

    def __str__(self) -> str:
        return self.term
