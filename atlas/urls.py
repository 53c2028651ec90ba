from django.contrib import admin
from django.urls import include, path

from .health import health

# An address under /api/ that names nothing is answered in the API's own JSON shape.
handler404 = "api.views.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("api/", include("api.urls")),
    path("", include("references.urls")),
    path("", include("interfaces.urls")),
]
