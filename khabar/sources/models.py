from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Source(models.Model):
    """Where articles come from: a feed, a single page, saved files, or a bulk import."""

    class Kind(models.TextChoices):
        FEED = "feed", _("Feed")
        PAGE = "page", _("Single page")
        FILE = "file", _("Saved files")
        IMPORT = "import", _("Bulk import")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FEED)
    name = models.CharField(_("name"), max_length=300, blank=True)
    # The URL polled for a feed or page source; empty for files and imports.
    url = models.URLField(_("URL"), max_length=2000, null=True, blank=True, unique=True)
    site_url = models.URLField(_("site"), max_length=2000, blank=True)
    folder = models.CharField(_("folder"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.TextField(_("why disabled"), blank=True)

    # Polite fetching: conditional GET validators and the per-source schedule.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True, db_index=True)
    error_count = models.PositiveIntegerField(_("errors in a row"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    # A worker claims a source with a conditional UPDATE before fetching; the claim expires,
    # so a worker killed mid-fetch does not hold the source forever.
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["folder", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=Q(url__isnull=True),
                name="source_unique_name_without_url",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.url or f"source {self.pk}"


class SourceLine(models.Model):
    """A line of text seen in articles of one source, counted to learn its boilerplate."""

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="lines", verbose_name=_("source")
    )
    fingerprint = models.CharField(max_length=64)
    text = models.TextField(_("line"))
    article_count = models.PositiveIntegerField(_("articles seen in"), default=0)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("learned line")
        verbose_name_plural = _("learned lines")
        constraints = [
            models.UniqueConstraint(fields=["source", "fingerprint"], name="sourceline_unique"),
        ]

    def __str__(self) -> str:
        return self.text[:80]
