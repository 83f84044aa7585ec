from django.urls import path

app_name = "import"
urlpatterns: list = []
