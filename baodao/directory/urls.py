"""URLs of the master-data pages: places, units, members, residents, categories, rules, audit log."""

from django.urls import path

from baodao.directory import views

app_name = "directory"
urlpatterns = [
    path("places/", views.place_list, name="place_list"),
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("rules/", views.rule_list, name="rule_list"),
    path("categories/", views.category_list, name="category_list"),
    path("audit/", views.audit, name="audit"),
]
