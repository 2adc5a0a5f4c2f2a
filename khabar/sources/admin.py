from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Source, SourceLine


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "folder",
        "enabled",
        "last_fetched_at",
        "next_check_at",
        "error_count",
        "short_last_error",
    )
    list_filter = ("kind", "enabled", "folder", "language")
    search_fields = ("name", "url", "site_url")
    readonly_fields = (
        "created_at",
        "etag",
        "last_modified",
        "last_fetched_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "claimed_by",
        "claimed_until",
    )
    actions = ("check_now",)

    @admin.display(description=_("last error"))
    def short_last_error(self, source: Source) -> str:
        return source.last_error[:120]

    @admin.action(description=_("Check the selected sources at the next scheduler run"))
    def check_now(self, request, queryset):
        # The worker's scheduler fetches sources that are due; making them due is all it takes.
        count = queryset.update(next_check_at=timezone.now(), enabled=True, disabled_reason="")
        message = ngettext(
            "%(count)d source will be checked soon.",
            "%(count)d sources will be checked soon.",
            count,
        )
        self.message_user(request, message % {"count": count})


@admin.register(SourceLine)
class SourceLineAdmin(admin.ModelAdmin):
    list_display = ("text", "source", "article_count", "last_seen_at")
    list_filter = ("source",)
    search_fields = ("text",)
    list_select_related = ("source",)
    readonly_fields = ("fingerprint", "first_seen_at", "last_seen_at")
