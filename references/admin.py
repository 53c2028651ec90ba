"""The bibliography's admin: references with their authors and studies, and the BibTeX import."""

from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from interfaces.admin import AtlasHistoryAdmin, LabelledInlineFormSet
from interfaces.models import Study

from .bibtex import ImportReport, import_bibtex, plan_import
from .crossref import CrossrefError, fetch_work, search_works
from .forms import BibtexImportForm
from .gaps import FILLABLE, Stale, comparison, fill, missing, with_gaps
from .models import Author, Authorship, Reference, authorships_in_order

GAPS_PER_PAGE = 100


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    formset = LabelledInlineFormSet
    extra = 0
    autocomplete_fields = ["author"]
    ordering = ["position"]


class StudyInline(admin.TabularInline):
    """The paper's studies, each a link to its own page; added through "Add a study from this paper"."""

    model = Study
    extra = 0
    fields = ["key", "strategy", "electrolyte", "method"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = "studies of this paper"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("electrolyte")


@admin.register(Reference)
class ReferenceAdmin(AtlasHistoryAdmin):
    list_display = ["citekey", "short_title", "first_author", "journal", "year", "doi"]
    list_filter = ["entry_type", "year", "journal"]
    search_fields = ["citekey", "source_key", "title", "doi", "journal", "authors__family"]
    readonly_fields = ["curated_status", "created_at", "updated_at"]
    inlines = [AuthorshipInline, StudyInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["citekey", "entry_type", "title"]}),
        ("As imported", {"fields": ["source_key", "source_type"], "classes": ["collapse"]}),
        ("Publication", {"fields": ["journal", "publisher", "year", "month", "volume", "number", "pages"]}),
        ("Links", {"fields": ["doi", "url"]}),
        ("Notes", {"fields": ["abstract", "curation_note", "curated_status", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_authors().distinct()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.save(update_fields=["identity"])  # the first author may have changed

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_bibtex_view)
        gaps_view = self.admin_site.admin_view(self.gaps_view)
        crossref_view = self.admin_site.admin_view(self.crossref_view)
        return [
            path("import-bibtex/", import_view, name="references_reference_import_bibtex"),
            path("gaps/", gaps_view, name="references_reference_gaps"),
            path("<int:pk>/crossref/", crossref_view, name="references_reference_crossref"),
            *super().get_urls(),
        ]

    def gaps_view(self, request):
        """Every reference missing a DOI, authors, journal, year, volume or pages."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        page = Paginator(with_gaps(), GAPS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Metadata gaps",
            "page": page,
            "rows": [(reference, missing(reference)) for reference in page],
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/references/reference/gaps.html", context)

    def crossref_view(self, request, pk: int):
        """Look a reference up on Crossref: by its DOI (or a candidate's), its record compared field
        by field; without one, the works matching its title. A POST takes the ticked fields."""
        reference = get_object_or_404(Reference.objects.with_authors(), pk=pk)
        if not self.has_change_permission(request, reference):
            raise PermissionDenied
        doi = request.POST.get("doi") or request.GET.get("doi") or reference.doi
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": reference,
            "title": f"Look up {reference.citekey} on Crossref",
            "doi": doi,
        }
        try:
            if not doi:
                first = reference.author_list[0].family if reference.author_list else ""
                context["candidates"] = search_works(reference.title, author=first, year=reference.year)
                return TemplateResponse(request, "admin/references/reference/crossref.html", context)
            work = fetch_work(doi)
        except CrossrefError as exc:
            context["error"] = str(exc)
            return TemplateResponse(request, "admin/references/reference/crossref.html", context)
        if request.method == "POST":
            names = request.POST.getlist("take")
            seen = {name: request.POST.get(f"seen_{name}", "") for name in FILLABLE}
            try:
                filled = fill(reference, work, names, seen)
            except (Stale, ValidationError) as exc:
                messages_of = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                for message in messages_of:
                    self.message_user(request, message, messages.ERROR)
                reference = Reference.objects.with_authors().get(pk=pk)
            else:
                if not filled:
                    self.message_user(
                        request, "Nothing was ticked, so nothing was changed.", messages.WARNING
                    )
                else:
                    self.log_change(
                        request, reference, f"Filled from Crossref ({work.doi}): {', '.join(filled)}."
                    )
                    self.message_user(
                        request,
                        f"Filled from Crossref: {', '.join(filled)}. The curation note says so.",
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:references_reference_change", args=[pk]))
        context.update(work=work, rows=comparison(reference, work), original=reference)
        return TemplateResponse(request, "admin/references/reference/crossref.html", context)

    def import_bibtex_view(self, request):
        """Paste or upload BibTeX; a POST previews, a POST with confirm=yes saves the new entries."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        # "Fill from DOI" on the reference form arrives as ?doi=…: previewed like a POST.
        data = request.POST or ({"doi": request.GET["doi"]} if request.GET.get("doi") else None)
        form = BibtexImportForm(data, request.FILES or None)
        report = None
        if form.is_bound and form.is_valid():
            text = form.cleaned_data["text"]
            if form.confirmed:
                try:
                    # The preview's boxes say which new entries to import; a script's bare
                    # confirm=yes imports them all.
                    only = set(request.POST.getlist("include")) if request.POST.get("choose") else None
                    with transaction.atomic():  # the references and their history entries, or nothing
                        report = import_bibtex(text, skip_failed=True, only=only)
                        self._log_import(request, report)
                except IntegrityError:
                    # Someone saved one of these papers between the preview and now.
                    self.message_user(
                        request, "The bibliography changed meanwhile; check the new preview.", messages.ERROR
                    )
                    report = plan_import(text)
                else:
                    if report.saved:
                        return self._after_import(request, report)
                    self.message_user(request, "Nothing was saved: no new reference in it.", messages.WARNING)
            else:
                report = plan_import(text)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import BibTeX",
            "form": form,
            "report": report,
            "text": form.cleaned_data.get("text", "") if form.is_bound and form.is_valid() else "",
        }
        return TemplateResponse(request, "admin/references/reference/import_bibtex.html", context)

    def _log_import(self, request, report: ImportReport) -> None:
        """The entries log_addition() would write, one per reference, in a few queries: a file
        of thousands would otherwise spend most of its import writing its log."""
        authorships = Prefetch("authorships", queryset=authorships_in_order())
        prefetch_related_objects(report.saved, authorships)  # str(reference) names the first author
        content_type = get_content_type_for_model(Reference)
        LogEntry.objects.bulk_create(
            [
                LogEntry(
                    user_id=request.user.pk,
                    content_type_id=content_type.pk,
                    object_id=str(reference.pk),
                    object_repr=str(reference)[:200],
                    action_flag=ADDITION,
                    change_message=f"Imported from BibTeX (entry {entry.key}, line {entry.line}).",
                )
                for entry, reference in zip(report.created, report.saved, strict=True)
            ],
            batch_size=500,
        )

    def _after_import(self, request, report: ImportReport):
        skipped = len(report.duplicates) + len(report.failed) + len(report.left_out)
        self.message_user(
            request,
            f"Imported {len(report.saved)} new reference(s)"
            + (
                f"; skipped {skipped} (duplicates, failures or entries left out in the preview)."
                if skipped
                else "."
            ),
            messages.SUCCESS,
        )
        # The new references by the time they were created: a URL listing every id breaks
        # past a few thousand (the server refuses so long a request line).
        query = urlencode(
            {
                "created_at__gte": min(r.created_at for r in report.saved).isoformat(),
                "created_at__lte": max(r.created_at for r in report.saved).isoformat(),
            }
        )
        return redirect(f"{reverse('admin:references_reference_changelist')}?{query}")

    @admin.display(description="title")
    def short_title(self, obj):
        return obj.title if len(obj.title) <= 80 else obj.title[:77] + "…"

    @admin.display(description="first author")
    def first_author(self, obj):
        return obj.first_author_label


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["family", "given"]
    search_fields = ["family", "given"]
