from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Khabar administration")
admin.site.site_title = _("Khabar administration")
admin.site.index_title = _("Sources, articles and accounts")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("khabar.reader.urls")),
]
