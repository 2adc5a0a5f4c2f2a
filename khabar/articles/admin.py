from django.contrib import admin

from .models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "language", "published_at")
    list_filter = ("source", "language")
    search_fields = ("title",)
    list_select_related = ("source",)
    readonly_fields = (
        "guid",
        "guid_hash",
        "canonical_url_hash",
        "text_hash",
        "previous_titles",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False
