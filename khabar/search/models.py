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
