"""The sitemap: every public page once, in sections; /sitemap.xml is their index, and a section
longer than a sitemap may hold is paged (`limit`)."""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, reverse

from references.models import Reference

from .models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Study

# The protocol allows 50,000 addresses a file; fewer keep each file quick to write.
PAGE_SIZE = 10_000


class PagesSitemap(Sitemap):
    """The pages that are not one record's."""

    def items(self) -> list[str]:
        return [
            "interfaces:overview",
            "interfaces:study-list",
            "interfaces:study-charts",
            "interfaces:electrolyte-list",
            "interfaces:interlayer-list",
            "interfaces:matrix",
            "references:list",
            "interfaces:data",
            "interfaces:about",
        ]

    def location(self, name: str) -> str:
        return reverse(name)


class RecordSitemap(Sitemap):
    limit = PAGE_SIZE
    # Read in a fixed order, each page of the sitemap one slice of it.
    fields = ("pk",)

    def items(self):
        return self.model.objects.order_by("pk").only(*self.fields)


class StudySitemap(RecordSitemap):
    model = Study
    fields = ("pk", "updated_at")

    def lastmod(self, study: Study):
        return study.updated_at


class ReferenceSitemap(RecordSitemap):
    model = Reference
    fields = ("pk", "citekey", "updated_at")

    def lastmod(self, reference: Reference):
        return reference.updated_at


class ElectrolyteSitemap(RecordSitemap):
    model = Electrolyte
    fields = ("pk", "slug")


class InterlayerSitemap(RecordSitemap):
    model = InterlayerMaterial
    fields = ("pk", "slug")


class FamilySitemap(RecordSitemap):
    """Each electrolyte family's page: the study list filtered to it."""

    model = ElectrolyteFamily
    fields = ("pk", "slug")


SITEMAPS = {
    "pages": PagesSitemap,
    "studies": StudySitemap,
    "references": ReferenceSitemap,
    "electrolytes": ElectrolyteSitemap,
    "interlayers": InterlayerSitemap,
    "families": FamilySitemap,
}

urlpatterns = [
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
]
