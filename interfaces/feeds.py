"""Atom feeds of the newest studies: all of them, and those of one electrolyte family."""

from html import unescape

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags

from .models import ElectrolyteFamily, Study
from .templatetags.atlas import study_title

FEED_LENGTH = 50


class NewestStudies(Feed):
    feed_type = Atom1Feed
    title = "Interphase Atlas: newest studies"
    subtitle = description = "Studies of the Li-metal / solid-electrolyte interface, newest first."

    def link(self) -> str:
        return reverse("interfaces:study-list")

    def studies(self):
        return Study.objects.for_list().order_by("-created_at", "-pk")

    def items(self, obj=None):
        return self.studies()[:FEED_LENGTH]

    def item_title(self, study: Study) -> str:
        reference = study.reference
        # The page's title line as text: its subscripts' tags and entities undone.
        title = unescape(strip_tags(study_title(study)))
        return f"{title} ({reference.first_author_label} {reference.year or 'n.d.'})"

    def item_description(self, study: Study) -> str:
        figures = [
            f"{label} {figure.display_value} {figure.unit}."
            for label, figure in (
                ("Best CCD", study.best_ccd),
                ("Lowest interfacial resistance", study.lowest_resistance),
            )
            if figure
        ]
        return " ".join([study.summary, *figures])

    def item_pubdate(self, study: Study):
        return study.created_at

    def item_updateddate(self, study: Study):
        return study.created_at

    def item_author_name(self, study: Study) -> str | None:
        authors = study.reference.author_list
        return str(authors[0]) if authors else None


class FamilyNewestStudies(NewestStudies):
    def get_object(self, request, slug: str) -> ElectrolyteFamily:
        return get_object_or_404(ElectrolyteFamily, slug=slug)

    def title(self, family: ElectrolyteFamily) -> str:
        return f"Interphase Atlas: newest studies on {family.label}"

    def subtitle(self, family: ElectrolyteFamily) -> str:
        return f"Studies of Li metal against {family.label} solid electrolytes, newest first."

    description = subtitle

    def link(self, family: ElectrolyteFamily) -> str:
        return family.get_absolute_url()

    def items(self, family: ElectrolyteFamily):
        return self.studies().filter(electrolyte__family=family)[:FEED_LENGTH]


app_name = "feeds"
urlpatterns = [
    path("studies.atom", NewestStudies(), name="studies"),
    path("families/<slug:slug>.atom", FamilyNewestStudies(), name="family"),
]
