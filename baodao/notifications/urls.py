"""URLs of the inbox."""

from django.urls import path

from baodao.notifications import views, webhook_views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<id:pk>/open/", views.open_notification, name="open"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("webhooks/", webhook_views.webhooks, name="webhooks"),
    path("webhooks/<id:pk>/test/", webhook_views.webhook_test, name="webhook_test"),
]
