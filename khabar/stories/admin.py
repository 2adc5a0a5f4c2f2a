from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Enrichment, Story


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ("headline", "source_count", "article_count", "first_seen", "last_seen")
    list_filter = (("merged_into", admin.EmptyFieldListFilter),)
    search_fields = ("headline",)
    readonly_fields = (
        "id",
        "first_seen",
        "last_seen",
        "article_count",
        "source_count",
        "merged_into",
        "updated_at",
    )
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False  # stories are made by the enrich step


@admin.register(Enrichment)
class EnrichmentAdmin(admin.ModelAdmin):
    list_display = ("article", "status", "attempts", "enriched_at", "retry_at", "short_error")
    list_filter = ("status",)
    list_select_related = ("article",)
    readonly_fields = (
        "article",
        "status",
        "enriched_from",
        "enriched_at",
        "error",
        "attempts",
        "retry_at",
    )
    actions = ("retry_now",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("error"))
    def short_error(self, enrichment: Enrichment) -> str:
        return enrichment.error[:120]

    @admin.action(description=_("Enrich the selected articles again at the next repair"))
    def retry_now(self, request, queryset):
        count = queryset.update(status=Enrichment.Status.PENDING, retry_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)d article will be enriched again.",
                "%(count)d articles will be enriched again.",
                count,
            )
            % {"count": count},
        )
