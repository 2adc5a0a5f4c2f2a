from django.db import models
from django.utils.translation import gettext_lazy as _


class Article(models.Model):
    """One news article, stored once however many times it is fetched.

    Uniqueness lives in the database: the same canonical URL, the same GUID within a source,
    or the same normalized text can only be stored once. Long values are compared through
    their SHA-256 hashes so the unique indexes stay small on every backend.
    """

    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.CASCADE,
        related_name="articles",
        verbose_name=_("source"),
    )
    guid = models.TextField(blank=True)
    guid_hash = models.CharField(max_length=64, null=True, blank=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    canonical_url = models.URLField(_("canonical URL"), max_length=2000, blank=True)
    canonical_url_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    text_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    title = models.TextField(_("title"))
    previous_titles = models.JSONField(_("previous titles"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    image_url = models.URLField(_("image"), max_length=2000, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)

    created_at = models.DateTimeField(_("stored"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "guid_hash"], name="article_unique_guid"),
        ]
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="article_latest"),
            models.Index(fields=["source", "-published_at"], name="article_source_latest"),
        ]

    def __str__(self) -> str:
        return self.title
