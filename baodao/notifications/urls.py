"""URLs of the inbox."""

from django.urls import path

from baodao.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<id:pk>/open/", views.open_notification, name="open"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
]
