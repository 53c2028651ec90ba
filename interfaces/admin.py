"""The curation admin: studies with their interlayers and figures, materials, families, reports."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from simple_history.admin import SimpleHistoryAdmin

from references.crossref import CrossrefError, fetch_work

from . import abstract_forms, second_reading
from .curation import edited_since_loaded
from .curation.records import STUDY_FIELDS
from .fields import BY_NAME, CONDITION_FIELDS, FIGURE_FIELDS, NUMBER
from .history import related_changes, restore_related, version_end
from .models import (
    READING_FIELDS,
    CurationLoad,
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Quantity,
    Report,
    ReportStatus,
    Role,
    Study,
    StudyInterlayer,
    unit_of,
)
from .second_reading import entered
from .stale_edits import READ_VALUES, READ_VERSION, StaleEdit, claim, current_version, merge, snapshot
from .vocabularies import QUALIFIER_RULE

# Curators pick a quantity knowing the unit its value must be given in.
QUANTITY_CHOICES_WITH_UNITS = [("", "---------")] + [(q.value, f"{q.label} ({unit_of(q)})") for q in Quantity]
UNITS_JSON = json.dumps({q.value: unit_of(q) for q in Quantity}, ensure_ascii=False)


class QuantitySelect(forms.Select):
    """The quantity picker carries every unit, so the page shows the unit as the choice changes."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({**(attrs or {}), "data-units": UNITS_JSON}, choices)


class QuantityWithUnitMixin:
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "quantity":
            kwargs["choices"] = QUANTITY_CHOICES_WITH_UNITS
            kwargs["widget"] = QuantitySelect
        elif db_field.name == "qualifier":
            kwargs["help_text"] = QUALIFIER_RULE
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class CuratedStatusMixin:
    """Says on a record's admin page whether a curator changed it since the curated files were loaded."""

    @admin.display(description="curated files")
    def curated_status(self, obj):
        if obj is None or obj.pk is None:
            return "New: export_curated writes it to the curated files."
        edited = edited_since_loaded(obj)
        if edited is None:
            return "Not in the curated files yet: export_curated writes it to fixtures/."
        if not edited:
            return "As loaded from the curated files (fixtures/)."
        return format_html(
            "<strong>Edited here since it was loaded from the curated files</strong>: {}. "
            "load_curated keeps this version; export_curated writes it to the files.",
            ", ".join(edited),
        )


class VersionedForm(forms.ModelForm):
    """A curated record's form carries the version it was read at and the values it showed."""

    read_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    read_values = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Read from the table: a version of the history being reverted to holds no version.
            self.fields[READ_VERSION].initial = current_version(self.instance)


class StaleEditAdmin:
    """A save from a form read before someone else saved the record (or one of its inline rows) is
    refused, nothing saved, and the form comes back at the new version with what changed meanwhile."""

    form = VersionedForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if READ_VERSION in flatten_fieldsets(fieldsets):
            return fieldsets
        name, options = fieldsets[0]
        return [
            (name, {**options, "fields": [*options["fields"], (READ_VERSION, READ_VALUES)]}),
            *fieldsets[1:],
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if change and not form.is_bound:  # what this page shows is what its save will be compared with
            formsets = [inline.formset for inline in context["inline_admin_formsets"]]
            form.initial[READ_VALUES] = snapshot(form, formsets)
            form._bound_fields_cache.pop(READ_VALUES, None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if change:  # one UPDATE … WHERE version = <read>: raises StaleEdit, and the save is rolled back
            claim(obj, form.cleaned_data.get(READ_VERSION) if hasattr(form, "cleaned_data") else None)
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id and "_saveasnew" not in request.POST:
            obj = self.get_object(request, unquote(object_id))
            read = request.POST.get(READ_VERSION, "")
            # Checked before the form is: a row deleted meanwhile would otherwise read as an error.
            if obj is not None and read.isdigit() and int(read) != current_version(obj):
                return self.stale_edit_view(request, obj, form_url)
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except StaleEdit:  # saved by someone else between the check and the claim
                return self.stale_edit_view(request, self.get_object(request, unquote(object_id)), form_url)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def stale_edit_view(self, request, obj, form_url=""):
        """The refusal: what changed since the curator's form was read, and their form merged onto it."""
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, "")
        form_class = self.get_form(request, obj, change=True)
        now = form_class(instance=obj)
        formsets_now = [
            formset_class(
                instance=obj, prefix=formset_class.get_default_prefix(), queryset=inline.get_queryset(request)
            )
            for formset_class, inline in self.get_formsets_with_inlines(request, obj)
        ]
        data, changes = merge(request.POST, now, formsets_now, current_version(obj))
        request.POST = data  # the inline formsets are bound to request.POST
        form = form_class(data, request.FILES, instance=obj)
        formsets, inline_instances = self._create_formsets(request, obj, change=True)
        fieldsets = self.get_fieldsets(request, obj)
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        media = self.media + admin_form.media
        inline_formsets = self.get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            media += inline_formset.media
        last = obj.history.order_by("-history_date").select_related("history_user").first()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change {self.opts.verbose_name}",
            "subtitle": str(obj),
            "adminform": admin_form,
            "object_id": str(obj.pk),
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": media,
            "inline_admin_formsets": inline_formsets,
            "errors": helpers.AdminErrorList(form, formsets),
            "preserved_filters": self.get_preserved_filters(request),
            "stale_changes": changes,
            "stale_last_saved": last,
        }
        response = self.render_change_form(request, context, change=True, obj=obj, form_url=form_url)
        response.status_code = 409
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except StaleEdit:
            self.message_user(
                request,
                "Not reverted: someone saved this record after you opened the version, so nothing "
                "changed. Check its history and revert again.",
                messages.ERROR,
            )
            response = redirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[object_id])
            )
            response.refused = True
            return response


class AtlasHistoryAdmin(CuratedStatusMixin, StaleEditAdmin, SimpleHistoryAdmin):
    """Every change is in the record's history (who, when, old and new values), and can be reverted;
    a save from a stale form is refused (StaleEditAdmin)."""

    class Media:
        css = {"all": ["admin/atlas-admin.css"]}
        # After autocomplete.js, so that its search boxes exist when atlas-admin.js names them.
        js = ["admin/js/autocomplete.js", "admin/atlas-admin.js"]


@admin.register(ElectrolyteFamily)
class ElectrolyteFamilyAdmin(AtlasHistoryAdmin):
    list_display = ["label", "slug", "forms_stable_interphase", "stability_locator", "position"]
    list_editable = ["position"]
    search_fields = ["label", "slug", "examples"]
    autocomplete_fields = ["stability_reference"]
    readonly_fields = ["curated_status"]


@admin.register(Electrolyte)
class ElectrolyteAdmin(AtlasHistoryAdmin):
    list_display = ["name", "formula", "family", "form", "dopants"]
    list_filter = ["family", "form"]
    search_fields = ["name", "formula", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["curated_status"]


@admin.register(InterlayerMaterial)
class InterlayerMaterialAdmin(AtlasHistoryAdmin):
    list_display = ["name", "formula", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "formula", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["curated_status"]


class LabelledInlineFormSet(BaseInlineFormSet):
    """Inline rows have column headers, not labels: each field of a row names itself for screen
    readers, the delete box the formset adds included."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if field.widget.is_hidden:
                continue
            # The admin wraps a foreign key's widget; a wrapper's copy shares its attrs with the
            # widget of the class's field, not with its own copy, so the widget itself is named.
            getattr(field.widget, "widget", field.widget).attrs.setdefault("aria-label", str(field.label))


class StudyInterlayerInline(admin.TabularInline):
    model = StudyInterlayer
    formset = LabelledInlineFormSet
    extra = 0
    autocomplete_fields = ["material"]


# The columns of a study's figure rows: its number, then what a curator enters of a figure
# (the fields of the curated files) with its unit shown, then its second reading; "number",
# "unit" and "reading" are not edited.
MEASUREMENT_FORM_FIELDS = [
    "number",
    *(
        "control_position" if field.name == "control" else (field.column or field.name)
        for field in FIGURE_FIELDS
        if (field.file is not None and field.name not in READING_FIELDS) or field.name == "unit"
    ),
    "reading",
]


class MeasurementInlineForm(forms.ModelForm):
    source_url = forms.URLField(
        label="source address",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 18}),
        help_text=Measurement._meta.get_field("source_url").help_text,
    )
    control_position = forms.IntegerField(
        label="compared with #",
        required=False,
        min_value=1,
        help_text="The # of the untreated figure this one is compared with.",
        widget=forms.NumberInput(attrs={"class": "atlas-number"}),
    )

    class Meta:
        model = Measurement
        fields = [
            name
            for name in MEASUREMENT_FORM_FIELDS
            if name not in {"number", "unit", "control_position", "reading"}
        ]
        widgets = {
            "reported": forms.TextInput(attrs={"size": 12}),
            "condition": forms.TextInput(attrs={"size": 18}),
            "locator": forms.TextInput(attrs={"size": 12}),
            "note": forms.TextInput(attrs={"size": 18}),
            **{
                field.column: forms.NumberInput(attrs={"class": "atlas-number", "step": "any"})
                for field in FIGURE_FIELDS
                if field.kind == NUMBER
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The row's columns are narrow: a qualifier reads as its sign first, a role as its first
        # word, and the role's column header says what the roles mean.
        qualifier, role = self.fields["qualifier"], self.fields["role"]
        qualifier.choices = [
            (sign, f"{sign} {label}" if sign else label) for sign, label in qualifier.choices
        ]
        role.choices = [(value, label.split(" (")[0]) for value, label in role.choices]
        role.help_text = BY_NAME["role"].description
        self.original_control = self.instance.control if self.instance.pk else None
        if self.original_control is not None:
            self.fields["control_position"].initial = self.original_control.position

    def clean(self):
        cleaned = super().clean()
        # The model checks the control it holds; a changed pairing is checked and linked by
        # the formset, which knows every row's number (new rows included).
        original = self.original_control
        if not (original and cleaned.get("control_position") == original.position):
            self.instance.control = None
        return cleaned


class MeasurementFormSet(LabelledInlineFormSet):
    """Numbers new rows after the existing ones and pairs treated figures with controls in one save.

    "Compared with #" names a saved figure by its number, and a new row by the number the page
    shows it under: its place among the new rows, blank ones included, after the highest saved
    number. The new rows that are saved are then numbered on from that highest number, in order."""

    def live_forms(self) -> list:
        return [
            form
            for form in self.forms
            if form not in self.deleted_forms and (form.instance.pk or form.has_changed())
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        forms_ = self.live_forms()
        taken = [form.instance.position for form in forms_ if form.instance.pk]
        if self.instance.pk:
            taken += list(self.instance.measurements.values_list("position", flat=True))
        highest = max(taken, default=0)
        new_rows = [form for form in self.forms if not form.instance.pk]
        by_number = {form.instance.position: form for form in forms_ if form.instance.pk}
        by_number |= {highest + n: form for n, form in enumerate(new_rows, start=1) if form in forms_}
        number = highest
        for form in forms_:
            if not form.instance.pk:
                number += 1
                form.instance.position = number
        for form in forms_:
            form.control_form = None
            wanted = form.cleaned_data.get("control_position")
            if not wanted:
                continue
            target = by_number.get(wanted)
            if target is None:
                form.add_error("control_position", f"No figure #{wanted} in this study.")
            elif target is form:
                form.add_error("control_position", "A figure cannot be its own control.")
            elif target.cleaned_data.get("quantity") != form.cleaned_data.get("quantity"):
                form.add_error("control_position", f"#{wanted} measures another quantity.")
            elif form.cleaned_data.get("role") == Role.CONTROL:
                form.add_error("role", "A figure compared with a control is the treated one.")
            elif target.cleaned_data.get("role") == Role.TREATED:
                form.add_error("control_position", f"#{wanted} is a treated figure, not a control.")
            else:
                form.control_form = target
                # Pairing says which is which: blank roles are filled in.
                form.instance.role = Role.TREATED
                target.instance.role = Role.CONTROL
                form.instance.control = target.instance if target.instance.pk else None

    def save(self, commit=True):
        saved = super().save(commit=commit)
        # A control entered in this same save exists only now: link its treated figures.
        for form in self.live_forms():
            target = getattr(form, "control_form", None)
            if target is not None and form.instance.control_id != target.instance.pk:
                form.instance.control = target.instance
                form.instance.save(update_fields=["control"])
        return saved


class MeasurementInline(QuantityWithUnitMixin, admin.TabularInline):
    """One compact row per figure: its line says what and how much, and what it is compared with;
    where it was read, under which conditions, and its note fold beneath the line."""

    model = Measurement
    form = MeasurementInlineForm
    formset = MeasurementFormSet
    template = "admin/interfaces/study/measurement_inline.html"
    extra = 1
    fk_name = "study"
    readonly_fields = ["number", "unit", "reading"]
    classes = ["atlas-measurements"]
    # The row's line; the other fields fold beneath it in these groups, each in the declared order.
    line = "number quantity qualifier value value_max unit role control_position reading".split()
    folds = {
        "Source": ["reported", "locator", "source", "source_url", "source_kind"],
        "Test conditions": [*(field.column for field in CONDITION_FIELDS), "condition"],
    }

    def get_fieldsets(self, request, obj=None):
        placed = {*self.line, *(name for names in self.folds.values() for name in names)}
        # The note folds last, unnamed, with any field not placed above.
        groups = [(None, self.line), *self.folds.items(), (None, set(MEASUREMENT_FORM_FIELDS) - placed)]
        return [
            (name, {"fields": [f for f in MEASUREMENT_FORM_FIELDS if f in names]}) for name, names in groups
        ]

    @admin.display(description="#")
    def number(self, obj):
        return obj.position if obj and obj.pk else "new"

    @admin.display(description="second reading")
    def reading(self, obj):
        return reading_of(obj)


def reading_of(figure: Measurement | None) -> str:
    """A figure's second reading as a curator reads it: who entered it, who checked it, when."""
    if figure is None or not figure.pk:
        return "—"
    if figure.is_checked:
        return f"checked by {figure.checked_by}, {timezone.localtime(figure.checked_at):%Y-%m-%d}"
    return f"entered by {figure.entered_by}, not yet checked" if figure.entered_by else "not yet checked"


class ReadingFilter(admin.SimpleListFilter):
    title = "second reading"
    parameter_name = "reading"

    def lookups(self, request, model_admin):
        return [("unchecked", "awaiting a second reading"), ("checked", "checked by a second curator")]

    def queryset(self, request, queryset):
        if self.value() == "unchecked":
            return queryset.filter(checked_at__isnull=True)
        if self.value() == "checked":
            return queryset.filter(checked_at__isnull=False)
        return queryset


def entered_figures(request, formset) -> None:
    """The figure rows a save creates or changes are the signed-in curator's entries (unchecked)."""
    if formset.model is not Measurement:
        return
    for form in formset.forms:
        if form.has_changed() and form not in formset.deleted_forms:
            entered(form.instance, request.user.get_username())


class StudyAdminForm(VersionedForm):
    class Meta:
        model = Study
        # What the curated files hold of a study, and its key; its interlayers have an inline.
        fields = ["key", *(name for name in STUDY_FIELDS if name != "interlayers")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        self.fields["key"].help_text = (
            "Stable identifier. Leave empty to have it made from the reference and the electrolyte, "
            "e.g. deng2020tuning-llzto."
        )

    def clean(self):
        cleaned = super().clean()
        reference, electrolyte = cleaned.get("reference"), cleaned.get("electrolyte")
        if not cleaned.get("key") and reference and electrolyte:
            base = f"{reference.citekey}-{electrolyte.slug}"[:110]
            key, n = base, 2
            while Study.objects.filter(key=key).exclude(pk=self.instance.pk).exists():
                key, n = f"{base}-{n}", n + 1
            cleaned["key"] = key
            self.instance.key = key
        elif not cleaned.get("key"):
            self.add_error("key", "Choose the reference and the electrolyte, or type a key.")
        return cleaned


@admin.register(Study)
class StudyAdmin(AtlasHistoryAdmin):
    form = StudyAdminForm
    list_display = [
        "key",
        "strategy",
        "electrolyte",
        "method",
        "anode",
        "figures_source",
        "reference",
        "year",
    ]
    list_filter = ["strategy", "electrolyte__family", "method", "figures_source", "reference__year"]
    search_fields = [
        "key",
        "summary",
        "electrolyte__name",
        "electrolyte__formula",
        "interlayers__name",
        "interlayers__formula",
        "reference__title",
        "reference__citekey",
        "reference__doi",
    ]
    autocomplete_fields = ["reference", "electrolyte"]
    inlines = [StudyInterlayerInline, MeasurementInline]
    object_history_template = "admin/interfaces/study/object_history.html"
    change_form_template = "admin/interfaces/study/change_form.html"
    readonly_fields = ["curated_status", "created_at", "updated_at"]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/check-figures/",
                self.admin_site.admin_view(self.check_figures_view),
                name="interfaces_study_check_figures",
            ),
            path(
                "<path:object_id>/read-abstract/",
                self.admin_site.admin_view(self.read_abstract_view),
                name="interfaces_study_read_abstract",
            ),
            *super().get_urls(),
        ]

    def save_formset(self, request, form, formset, change):
        entered_figures(request, formset)
        super().save_formset(request, form, formset, change)

    def check_figures_view(self, request, object_id):
        """POST: the signed-in curator has read the study's figures against their sources."""
        study = self.get_object(request, unquote(object_id))
        if study is None or not self.has_change_permission(request, study):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        outcome = second_reading.mark_checked(study.measurements.all(), request.user.get_username())
        if outcome.checked:
            self.log_change(request, study, f"Checked {outcome.checked} figure(s) against their sources.")
        self.message_user(request, outcome.message, messages.SUCCESS if outcome.checked else messages.WARNING)
        return redirect("admin:interfaces_study_change", study.pk)

    def read_abstract_view(self, request, object_id):
        """Figures proposed from the paper's abstract (pasted, or fetched from Crossref by its DOI),
        saved only as the curator ticks and edits them."""
        study = self.get_object(request, unquote(object_id))
        if study is None or not self.has_change_permission(request, study):
            raise PermissionDenied
        reference = study.reference
        doi_address = f"https://doi.org/{reference.doi}" if reference.doi else ""
        initial = {"abstract": reference.abstract, "source_url": reference.url or doi_address}
        form, proposals, step = abstract_forms.AbstractForm(initial=initial), None, "abstract"
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "fetch" and reference.doi:
                try:
                    work = fetch_work(reference.doi)
                except CrossrefError as exc:
                    self.message_user(request, f"{exc} Paste the abstract instead.", messages.WARNING)
                else:
                    if work.abstract:
                        initial = {"abstract": work.abstract, "source_url": doi_address}
                        self.message_user(request, "The abstract Crossref holds for the DOI, to read below.")
                    else:
                        self.message_user(request, "Crossref holds no abstract for this DOI: paste it.")
                form = abstract_forms.AbstractForm(initial=initial)
            else:
                form = abstract_forms.AbstractForm(request.POST)
                if form.is_valid() and action == "propose":
                    rows = abstract_forms.read(form.cleaned_data["abstract"])
                    proposals, step = (
                        abstract_forms.ProposalFormSet(initial=rows, prefix="figure"),
                        "proposals",
                    )
                    if not rows:
                        self.message_user(request, "No figure with a unit the atlas knows was found.")
                elif form.is_valid() and action == "save":
                    proposals = abstract_forms.ProposalFormSet(request.POST, prefix="figure")
                    step = "proposals"
                    if proposals.is_valid():
                        try:
                            saved = abstract_forms.save_figures(
                                study,
                                [row for row in proposals.cleaned_data],
                                form.cleaned_data["abstract"],
                                form.cleaned_data["source_url"],
                                request.user.get_username(),
                            )
                        except ValidationError as exc:
                            self.message_user(request, "Not saved: " + " ".join(exc.messages), messages.ERROR)
                        else:
                            self.log_change(
                                request, study, f"Added {saved} figure(s) read from the abstract."
                            )
                            self.message_user(
                                request,
                                f"{saved} figure(s) from the abstract saved as your entries, awaiting a "
                                "second reading.",
                                messages.SUCCESS,
                            )
                            return redirect("admin:interfaces_study_change", study.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": study,
            "title": "Read figures from the abstract",
            "form": form,
            "proposals": proposals,
            "step": step,
            "has_doi": bool(reference.doi),
            "condition_fields": abstract_forms.CONDITION_FIELDS,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/interfaces/study/read_abstract.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            figures = list(obj.measurements.values_list("checked_at", "entered_by"))
            username = request.user.get_username()
            context["figures_to_check"] = sum(
                1 for checked_at, entered_by in figures if checked_at is None and entered_by != username
            )
            context["figures_unchecked"] = sum(1 for checked_at, _ in figures if checked_at is None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """The study's history, with its figures' and interlayers' changes beside it."""
        study = self.get_object(request, unquote(object_id))
        extra = {"related_changes": related_changes(study)} if study is not None else {}
        return super().history_view(request, object_id, extra_context={**(extra_context or {}), **extra})

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Reverting a study restores its figures and interlayers as they were at that version's date,
        in the same transaction."""
        with transaction.atomic():
            response = super().history_form_view(request, object_id, version_id, extra_context)
            if (
                request.method == "POST"
                and response.status_code == 302
                and not getattr(response, "refused", False)
            ):
                version = get_object_or_404(Study.history, history_id=version_id, id=unquote(object_id))
                when = timezone.localtime(version.history_date)
                reason = f"Reverted with its study to its version of {when:%Y-%m-%d %H:%M}"
                restore_related(version.instance, version_end(version), reason)
        return response

    def get_queryset(self, request):
        # __str__ names the interlayers, so autocomplete and history pages prefetch them.
        return (
            super()
            .get_queryset(request)
            .select_related("reference", "electrolyte")
            .prefetch_related("layers__material", "reference__authorships__author")
        )

    @admin.display(description="year", ordering="reference__year")
    def year(self, obj):
        return obj.reference.year


@admin.register(Measurement)
class MeasurementAdmin(QuantityWithUnitMixin, AtlasHistoryAdmin):
    """Every figure; filtered on "awaiting a second reading", the queue a second curator works
    through, study by study, checking each against its source."""

    list_display = [
        "study",
        "position",
        "quantity",
        "display_value",
        "unit",
        "condition",
        "source_link",
        "locator",
        "second_reading",
    ]
    list_filter = [ReadingFilter, "quantity", "source", "source_kind", "role"]
    search_fields = ["study__key", "condition", "locator", "entered_by", "checked_by"]
    autocomplete_fields = ["study", "control"]
    list_select_related = ["study__reference", "study__electrolyte"]
    readonly_fields = ["curated_status", "second_reading"]
    ordering = ["study", "position"]
    actions = ["mark_checked"]

    def get_queryset(self, request):
        # A study's name lists its interlayers: fetch them for the whole page at once.
        return super().get_queryset(request).prefetch_related("study__layers__material")

    def save_model(self, request, obj, form, change):
        if not change or form.has_changed():
            entered(obj, request.user.get_username())
        super().save_model(request, obj, form, change)

    @admin.display(description="read in")
    def source_link(self, obj):
        if not obj.source_url:
            return obj.get_source_display()
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
            obj.source_url,
            obj.get_source_display(),
        )

    @admin.display(description="second reading", ordering="checked_at")
    def second_reading(self, obj):
        return reading_of(obj)

    @admin.action(description="Mark checked: I read them against their sources", permissions=["change"])
    def mark_checked(self, request, queryset):
        outcome = second_reading.mark_checked(queryset, request.user.get_username())
        self.message_user(request, outcome.message, messages.SUCCESS if outcome.checked else messages.WARNING)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Readers' reports, to be checked against the paper; accepting one means correcting the study."""

    list_display = ["created_at", "study", "short_problem", "status", "moderated_by"]
    list_filter = ["status", "created_at"]
    search_fields = ["problem", "correction", "evidence", "study__key"]
    list_select_related = ["study__reference", "study__electrolyte", "moderated_by"]
    fields = [
        "study_link",
        "problem",
        "correction",
        "evidence",
        "email",
        "status",
        "moderator_note",
        "moderated_by",
        "moderated_at",
        "created_at",
    ]
    readonly_fields = [
        "study_link",
        "problem",
        "correction",
        "evidence",
        "email",
        "moderated_by",
        "moderated_at",
        "created_at",
    ]
    actions = ["accept", "reject"]

    def has_add_permission(self, request):
        return False  # reports come from readers

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("study__layers__material")

    @admin.display(description="study")
    def study_link(self, obj):
        url = reverse("admin:interfaces_study_change", args=[obj.study_id])
        return format_html('<a href="{}">{}</a> (edit it to correct the study)', url, obj.study)

    @admin.display(description="what is wrong")
    def short_problem(self, obj):
        return obj.problem if len(obj.problem) <= 80 else obj.problem[:77] + "…"

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            self._moderate(request, obj, obj.status)
        super().save_model(request, obj, form, change)

    def _moderate(self, request, report, status) -> None:
        report.status = status
        report.moderated_by = request.user if status != ReportStatus.NEW else None
        report.moderated_at = timezone.now() if status != ReportStatus.NEW else None

    def _moderate_all(self, request, queryset, status, verb) -> None:
        for report in queryset:
            self._moderate(request, report, status)
            report.save(update_fields=["status", "moderated_by", "moderated_at"])
        self.message_user(request, f"{verb} {queryset.count()} report(s).", messages.SUCCESS)

    @admin.action(description="Accept: the study was corrected", permissions=["change"])
    def accept(self, request, queryset):
        self._moderate_all(request, queryset, ReportStatus.ACCEPTED, "Accepted")

    @admin.action(description="Reject", permissions=["change"])
    def reject(self, request, queryset):
        self._moderate_all(request, queryset, ReportStatus.REJECTED, "Rejected")


# A conflict's entry ("study deng2020tuning-llzto", "measurement deng2020tuning-llzto/2") names a
# record; its list, searched for the record's key, is where a curator settles the conflict.
CONFLICT_LISTS = {
    "reference": "admin:references_reference_changelist",
    "family": "admin:interfaces_electrolytefamily_changelist",
    "electrolyte": "admin:interfaces_electrolyte_changelist",
    "interlayer": "admin:interfaces_interlayermaterial_changelist",
    "study": "admin:interfaces_study_changelist",
    "measurement": "admin:interfaces_measurement_changelist",
}


def shown(value) -> str:
    """A value of the curated files as the conflicts table shows it."""
    if value is None:
        return "—"
    if value == "":
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    return str(value)


def conflicts_table(conflicts: list[dict], kept: str, taken: str):
    if not conflicts:
        return "None."
    rows = []
    for conflict in conflicts:
        kind, _, key = conflict["entry"].partition(" ")
        record = conflict["entry"]
        if kind in CONFLICT_LISTS:
            url = reverse(CONFLICT_LISTS[kind]) + "?" + urlencode({"q": key.partition("/")[0]})
            record = format_html('<a href="{}">{}</a>', url, conflict["entry"])
        database = shown(conflict["database"])
        if conflict.get("during_load"):
            database += " (saved while load_curated ran)"
        rows.append((conflict["file"], record, conflict["field"], database, shown(conflict["files"])))
    return format_html(
        '<div class="atlas-conflicts"><table><thead><tr><th scope="col">file</th><th scope="col">entry</th>'
        '<th scope="col">field</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
        "<tbody>{}</tbody></table></div>",
        kept,
        taken,
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
    )


@admin.register(CurationLoad)
class CurationLoadAdmin(admin.ModelAdmin):
    """Each completed load_curated, read-only: what it created and updated, and the conflicts where it
    kept a curator's edit against the files (export_curated brings the files up to date)."""

    list_display = ["loaded_at", "directory", "changes", "conflict_count", "took_files"]
    list_filter = ["took_files"]
    fields = ["loaded_at", "directory", "took_files", "changes", "conflict_table", "overwritten_table"]
    readonly_fields = fields

    class Media:
        css = {"all": ["admin/atlas-admin.css"]}

    def has_add_permission(self, request):
        return False  # written by load_curated only

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="created and updated")
    def changes(self, obj):
        done = []
        for kind, outcomes in obj.counts.items():
            numbers = [f"{outcomes[name]} {name}" for name in ("created", "updated") if outcomes.get(name)]
            if numbers:
                done.append(f"{kind}: {', '.join(numbers)}")
        return "; ".join(done) or "nothing: the database already held the files"

    @admin.display(description="conflicts")
    def conflict_count(self, obj):
        return len(obj.conflicts)

    @admin.display(description="conflicts: the curator's edit kept")
    def conflict_table(self, obj):
        return conflicts_table(obj.conflicts, "in the database (kept)", "in the files")

    @admin.display(description="overwritten with the files' version (--take-files)")
    def overwritten_table(self, obj):
        return conflicts_table(obj.overwritten, "in the database (overwritten)", "in the files (taken)")
