from django.contrib import admin

from .models import Article
from .services import articles_delete


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

    def delete_model(self, request, obj):
        articles_delete(article_ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        articles_delete(article_ids=list(queryset.values_list("pk", flat=True)))
