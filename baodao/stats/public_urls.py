"""URLs of the public bulletin (/p/, no login): a community's page and its posters."""

from django.urls import path

from baodao.stats import public_views

app_name = "public"
urlpatterns = [
    path("c/<str:code>/", public_views.community, name="community"),
    path("c/<str:code>/items/<id:pk>/", public_views.item, name="item"),
    path("c/<str:code>/poster.pdf", public_views.poster, name="poster"),
    path("c/<str:code>/self-report.pdf", public_views.self_report_poster, name="self_report_poster"),
]
