from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from khabar import search

from .canonical import entity_key
from .models import Entity, EntityAlias
from .services import MAX_NAME, entity_alias_save


class EntityAliasForm(forms.ModelForm):
    class Meta:
        model = EntityAlias
        fields = ("name",)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        key = entity_key(name)[:MAX_NAME]
        if not key:
            raise forms.ValidationError(_("Write the name as articles spell it."))
        taken = EntityAlias.objects.filter(key=key).exclude(pk=self.instance.pk).first()
        if taken is not None:
            raise forms.ValidationError(
                _("This name is already an alias of %(entity)s.") % {"entity": taken.entity}
            )
        return name


class EntityAliasInline(admin.TabularInline):
    model = EntityAlias
    form = EntityAliasForm
    extra = 1


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "key", "created_at")
    list_filter = ("type",)
    search_fields = ("name", "key", "aliases__name")
    readonly_fields = ("type", "key", "created_at")
    inlines = (EntityAliasInline,)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False  # entities come from articles; staff give them aliases

    def save_formset(self, request, form, formset, change):
        if formset.model is not EntityAlias:
            return super().save_formset(request, form, formset, change)
        aliases = formset.save(commit=False)
        for alias in formset.deleted_objects:
            alias.delete()
        changed = []
        for alias in aliases:
            changed += entity_alias_save(alias=alias)
        search.index_soon(changed)
