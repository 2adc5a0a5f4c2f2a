from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleTopic(models.Model):
    """A topic the classifier gave an article (khabar.tagging.topics), with its score."""

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="topics",
        verbose_name=_("article"),
    )
    label = models.CharField(_("topic"), max_length=32)  # a khabar.tagging.taxonomy label
    score = models.FloatField(_("score"))

    class Meta:
        verbose_name = _("article topic")
        verbose_name_plural = _("article topics")
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["article", "label"], name="article_topic_unique"),
        ]
        indexes = [models.Index(fields=["label", "article"], name="topic_articles")]

    def __str__(self) -> str:
        return f"{self.label} ({self.score:.2f})"


class Entity(models.Model):
    """A person, organisation or place; one row however many spellings name it.

    Identity is (type, key), the key being `canonical.entity_key` of the canonical name, so
    الأسد and الاسد are one entity. `name` is the canonical name as first written.
    """

    class Type(models.TextChoices):
        PERSON = "PER", _("person")
        ORGANISATION = "ORG", _("organisation")
        PLACE = "LOC", _("place")

    type = models.CharField(_("type"), max_length=3, choices=Type.choices)
    key = models.CharField(_("key"), max_length=200)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True)

    class Meta:
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        constraints = [
            models.UniqueConstraint(fields=["type", "key"], name="entity_unique_key"),
        ]
        indexes = [models.Index(fields=["key"], name="entity_key")]

    def __str__(self) -> str:
        return self.name


class EntityAlias(models.Model):
    """Another name for an entity, edited by staff: the tagger maps `name` to `entity.name`.

    `key` is `canonical.entity_key(name)`; one spelling can be an alias of one entity only.
    """

    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("entity")
    )
    name = models.CharField(_("alias"), max_length=200)
    key = models.CharField(max_length=200, editable=False)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [models.UniqueConstraint(fields=["key"], name="entity_alias_unique_key")]

    def __str__(self) -> str:
        return self.name


class EntityMention(models.Model):
    """An entity named in an article, `count` times; `published_at` is the article's time,
    copied here so an entity's latest articles come from one index."""

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="entity_mentions",
        verbose_name=_("article"),
    )
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="mentions", verbose_name=_("entity")
    )
    count = models.PositiveIntegerField(_("mentions"), default=1)
    published_at = models.DateTimeField(_("published"))

    class Meta:
        verbose_name = _("entity mention")
        verbose_name_plural = _("entity mentions")
        constraints = [
            models.UniqueConstraint(fields=["article", "entity"], name="entity_mention_unique"),
        ]
        indexes = [
            models.Index(fields=["entity", "-published_at"], name="entity_latest_mentions"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} in article {self.article_id}"
