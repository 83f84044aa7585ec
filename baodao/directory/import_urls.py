"""URLs of the roster import pages: templates, uploads and job progress."""

from django.urls import path

from baodao.directory import import_views as views

app_name = "import"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/<str:kind>/", views.template, name="template"),
    path("upload/<str:kind>/", views.upload, name="upload"),
    path("jobs/<id:pk>/", views.job, name="job"),
    path("jobs/<id:pk>/errors.xlsx", views.job_errors, name="job_errors"),
]
