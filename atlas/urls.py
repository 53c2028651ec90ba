from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from .health import health

# An address under /api/ that names nothing is answered in the API's own JSON shape.
handler404 = "api.views.not_found"


@require_safe
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers and crawlers ask for /favicon.ico whatever the page says: the site's icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("api/", include("api.urls")),
    path("feeds/", include("interfaces.feeds")),
    path("favicon.ico", favicon, name="favicon"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    # The sitemap's index and its sections.
    path("", include("interfaces.sitemaps")),
    path("", include("references.urls")),
    path("", include("interfaces.urls")),
]
