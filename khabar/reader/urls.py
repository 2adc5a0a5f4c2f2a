from django.urls import path

from . import views

app_name = "reader"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<int:article_id>/", views.article_detail, name="article"),
    path("stories/<int:story_id>/", views.story_detail, name="story"),
    path("entities/<int:entity_id>/", views.entity_detail, name="entity"),
    path("sources/", views.source_list, name="sources"),
    path("search/", views.search_results, name="search"),
]
