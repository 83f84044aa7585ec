"""URLs of the public bulletin (/p/, no login): a community's page and its posters (the self-report
poster is 双报到's view, served here with the community's other public pages)."""

from django.urls import path

from baodao.reporting import public_views as reporting_public_views
from baodao.stats import public_views

app_name = "public"
urlpatterns = [
    path("c/<str:code>/", public_views.community, name="community"),
    path("c/<str:code>/items/<id:pk>/", public_views.item, name="item"),
    path("c/<str:code>/poster.pdf", public_views.poster, name="poster"),
    path("c/<str:code>/self-report.pdf", reporting_public_views.self_report_poster, name="self_report_poster"),
]
