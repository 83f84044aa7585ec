from django.contrib import admin
from django.urls import include, path

from baodao.api.urls import api
from baodao.home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", home_views.healthz, name="healthz"),
    # Browsers and WeChat still ask for /favicon.ico whatever the page links.
    path("favicon.ico", home_views.favicon, name="favicon"),
    path("accounts/", include("baodao.accounts.urls")),
    path("directory/", include("baodao.directory.urls")),
    path("directory/import/", include("baodao.directory.import_urls")),
    path("notifications/", include("baodao.notifications.urls")),
    path("reporting/", include("baodao.reporting.urls")),
    path("needs/", include("baodao.needs.urls")),
    path("records/", include("baodao.records.urls")),
    path("stats/", include("baodao.stats.urls")),
    path("p/", include("baodao.stats.public_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Error pages in the site's layout (baodao.home.errors); 404, 403 and 500 are Django's views with our templates.
handler400 = "baodao.home.errors.bad_request"
