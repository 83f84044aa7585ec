"""URLs of the master-data pages: places, units, members, residents, categories, rules, audit log,
the accounts beneath an admin.

One URL per action: the appointments on a place page and the work teams on a unit page each post
to their own URL."""

from django.urls import path

from baodao.directory import account_views, views

app_name = "directory"
urlpatterns = [
    path("places/", views.place_list, name="place_list"),
    path("places/<id:pk>/", views.place_detail, name="place_detail"),
    path("places/<id:pk>/children/", views.place_children, name="place_children"),
    path("places/<id:pk>/members/suggest/", views.place_member_suggest, name="place_member_suggest"),
    path("places/<id:pk>/first-secretary/appoint/", views.place_fs_appoint, name="place_fs_appoint"),
    path("places/<id:pk>/first-secretary/end/", views.place_fs_end, name="place_fs_end"),
    path("places/<id:pk>/heads/appoint/", views.place_head_appoint, name="place_head_appoint"),
    path("places/<id:pk>/heads/end/", views.place_head_end, name="place_head_end"),
    path("places/<id:pk>/leaders/add/", views.place_leader_add, name="place_leader_add"),
    path("places/<id:pk>/leaders/end/", views.place_leader_end, name="place_leader_end"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<id:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<id:pk>/teams/create/", views.unit_team_create, name="unit_team_create"),
    path("units/<id:pk>/teams/add/", views.unit_team_add, name="unit_team_add"),
    path("units/<id:pk>/teams/end/", views.unit_team_end, name="unit_team_end"),
    path("members/", views.member_list, name="member_list"),
    path("members/<id:pk>/", views.member_detail, name="member_detail"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/<id:pk>/", views.resident_detail, name="resident_detail"),
    path("rules/", views.rule_list, name="rule_list"),
    path("categories/", views.category_list, name="category_list"),
    path("audit/", views.audit, name="audit"),
    path("accounts/", account_views.account_list, name="account_list"),
    path("accounts/<id:pk>/password-reset/", account_views.account_password_reset, name="account_password_reset"),
]
