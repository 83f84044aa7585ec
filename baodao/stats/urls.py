"""URLs of the figures pages (staff): /stats/coverage/ and its laggard lists."""

from django.urls import path

from baodao.stats import views

app_name = "stats"
urlpatterns = [
    path("coverage/", views.coverage_view, name="coverage"),
    path("coverage/<str:kind>/", views.laggards, name="laggards"),
    path("needs/", views.needs_view, name="needs"),
    path("records/", views.records_view, name="records"),
    path("behind/", views.behind_view, name="behind"),
    path("ranking/", views.ranking_view, name="ranking"),
]
