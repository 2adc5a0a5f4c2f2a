from django.db import models
from django.utils.translation import gettext_lazy as _


class Story(models.Model):
    """One news event told by one or more outlets, as the clusterer grouped its articles.

    The id is the clusterer's story id (`ClusterState.next_story_id` hands them out), so the
    clusterer restored from the database speaks of the same stories. The counts and times are
    those of every article of the story, written after each enrich batch. A story that turned
    out to be another one keeps its row, empty, with `merged_into` pointing at the survivor.
    """

    id = models.BigIntegerField(primary_key=True)
    headline = models.TextField(_("headline"))
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    article_count = models.PositiveIntegerField(_("articles"), default=0)
    source_count = models.PositiveIntegerField(_("sources"), default=0)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [
            models.Index(fields=["-last_seen", "-id"], name="story_latest"),
            models.Index(fields=["first_seen"], name="story_first_seen"),
        ]

    def __str__(self) -> str:
        return self.headline


class StoryArticle(models.Model):
    """An article's place in a story. `published_at` is the time the clusterer read it at
    (its published time, or when it was stored if that is earlier or unknown)."""

    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="story_membership",
        verbose_name=_("article"),
    )
    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("story")
    )
    published_at = models.DateTimeField(_("published"))
    reason = models.CharField(_("reason"), max_length=12)  # clustering.Assignment.reason
    score = models.FloatField(_("score"), default=0.0)

    class Meta:
        verbose_name = _("story article")
        verbose_name_plural = _("story articles")
        indexes = [
            models.Index(fields=["story", "published_at"], name="story_articles_in_order"),
            models.Index(fields=["published_at"], name="story_article_time"),
        ]

    def __str__(self) -> str:
        return f"article {self.article_id} in story {self.story_id}"


class Enrichment(models.Model):
    """Where an article stands in the enrich step (topics, entities, story).

    No row: never enriched (the worker's repair finds it). PENDING: a process has taken it
    on until `retry_at`. FAILED: a part failed (`error` says which and why); it is tried
    again from `retry_at`, later after each failure. DONE: enriched from the article as it was
    at `enriched_from` (its `updated_at`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="enrichment",
        verbose_name=_("article"),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    enriched_from = models.DateTimeField(null=True, blank=True)
    enriched_at = models.DateTimeField(_("enriched"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrichment")
        verbose_name_plural = _("enrichments")
        indexes = [models.Index(fields=["status", "retry_at"], name="enrichment_due")]

    def __str__(self) -> str:
        return f"article {self.article_id}: {self.status}"


class ClusterState(models.Model):
    """The one row that keeps the clusterers of several processes in step.

    Only the holder of the lease (`lease_owner` until `leased_until`, taken with a conditional
    UPDATE) clusters and writes stories. Each write bumps `version`: a process whose in-memory
    clusterer was built at another version rebuilds it from the database. `clock` is the latest
    time clustered; `next_story_id` the id the next new story gets.
    """

    version = models.BigIntegerField(default=0)
    clock = models.DateTimeField(null=True, blank=True)
    next_story_id = models.BigIntegerField(default=1)
    lease_owner = models.CharField(max_length=100, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clustering state")
        verbose_name_plural = _("clustering state")

    def __str__(self) -> str:
        return f"clustering state v{self.version}"
