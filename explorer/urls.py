from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from explorer.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/", include("therapies.api.urls")),
    path("data/", include("therapies.open.data_urls")),
    path("", include("therapies.open.urls")),
    path("", include("therapies.urls")),
]

handler500 = "explorer.views.server_error"  # a 503 page for database outages outside views, else 500.html
