"""The admin's first page: the day's work as counts, each linking to the list of those rows, and
the admin site that shows them, named for the atlas.

Each count is one query, made when the page is read (never cached: a curator who has just
cleared a list expects its count to say so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse

from references.gaps import with_gaps
from references.models import Reference

from .models import CurationLoad, FiguresSource, Measurement, Report, ReportStatus, Study


@dataclass(frozen=True)
class Task:
    """A count of work waiting, what it counts, and the list that shows exactly those rows (None
    where the signed-in curator may not view it)."""

    name: str
    count: int
    what: str
    url: str | None
    when: datetime | None = None


@dataclass(frozen=True)
class Tool:
    label: str
    url: str


def tasks(site: admin.AdminSite, request: HttpRequest) -> list[Task]:
    """The day's work, in the order a curator takes it up."""

    def listed(model: type[Model], url: str) -> str | None:
        return url if site.get_model_admin(model).has_view_permission(request) else None

    def changelist(model: type[Model], query: str) -> str | None:
        meta = model._meta
        return listed(model, reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist") + query)

    uncurated = Study.objects.filter(figures_source=FiguresSource.NOT_CURATED).count()
    unchecked = Measurement.objects.filter(checked_at__isnull=True).count()
    gaps = with_gaps().count()
    reports = Report.objects.filter(status=ReportStatus.NEW).count()
    work = [
        Task(
            "uncurated",
            uncurated,
            "study not yet curated" if uncurated == 1 else "studies not yet curated",
            changelist(Study, "?figures_source__exact="),
        ),
        Task(
            "unchecked",
            unchecked,
            "figure awaiting a second reading" if unchecked == 1 else "figures awaiting a second reading",
            changelist(Measurement, "?reading=unchecked"),
        ),
        Task(
            "gaps",
            gaps,
            "reference with metadata gaps" if gaps == 1 else "references with metadata gaps",
            listed(Reference, reverse("admin:references_reference_gaps")),
        ),
        Task(
            "reports",
            reports,
            "reader's report to moderate" if reports == 1 else "readers' reports to moderate",
            changelist(Report, f"?status__exact={ReportStatus.NEW}"),
        ),
    ]
    load = CurationLoad.objects.only("loaded_at", "conflicts").first()
    if load is not None:
        conflicts = len(load.conflicts)
        work.append(
            Task(
                "conflicts",
                conflicts,
                ("conflict" if conflicts == 1 else "conflicts") + " in the last load of the curated files",
                listed(CurationLoad, reverse("admin:interfaces_curationload_change", args=[load.pk])),
                load.loaded_at,
            )
        )
    return work


def tools(site: admin.AdminSite, request: HttpRequest) -> list[Tool]:
    """The pages beside the lists a curator starts from: the import and the metadata gaps."""
    references = site.get_model_admin(Reference)
    found = []
    if references.has_add_permission(request):
        found.append(Tool("Import BibTeX", reverse("admin:references_reference_import_bibtex")))
    if references.has_view_permission(request):
        found.append(Tool("Metadata gaps", reverse("admin:references_reference_gaps")))
    return found


class AtlasAdminSite(admin.AdminSite):
    """The curation admin; its first page shows the day's work above the lists."""

    site_header = "Interphase Atlas curation"
    site_title = "Interphase Atlas curation"
    index_title = "Curate the atlas"
    site_url = "/"

    def get_app_list(self, request, app_label=None):
        """The atlas's sections first, then Django's own (users and groups, sign-in lockouts)."""
        apps = super().get_app_list(request, app_label)
        return sorted(apps, key=lambda app: app["app_label"] not in {"references", "interfaces"})

    def index(self, request, extra_context=None):
        work = {"tasks": tasks(self, request), "tools": tools(self, request)}
        return super().index(request, {**work, **(extra_context or {})})
