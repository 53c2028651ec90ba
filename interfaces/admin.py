from django.contrib import admin

from .models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Quantity,
    Study,
    StudyInterlayer,
    unit_of,
)

# Curators pick a quantity knowing the unit its value must be given in.
QUANTITY_CHOICES_WITH_UNITS = [("", "---------")] + [(q.value, f"{q.label} ({unit_of(q)})") for q in Quantity]


class QuantityWithUnitMixin:
    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "quantity":
            kwargs["choices"] = QUANTITY_CHOICES_WITH_UNITS
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(ElectrolyteFamily)
class ElectrolyteFamilyAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "forms_stable_interphase", "stability_locator", "position"]
    list_editable = ["position"]
    search_fields = ["label", "slug", "examples"]
    autocomplete_fields = ["stability_reference"]


@admin.register(Electrolyte)
class ElectrolyteAdmin(admin.ModelAdmin):
    list_display = ["name", "formula", "family", "form", "dopants"]
    list_filter = ["family", "form"]
    search_fields = ["name", "formula", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(InterlayerMaterial)
class InterlayerMaterialAdmin(admin.ModelAdmin):
    list_display = ["name", "formula", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "formula", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class StudyInterlayerInline(admin.TabularInline):
    model = StudyInterlayer
    extra = 0
    autocomplete_fields = ["material"]


class MeasurementInline(QuantityWithUnitMixin, admin.StackedInline):
    """One block per measurement: what, how much, under which conditions, read where."""

    model = Measurement
    extra = 0
    fk_name = "study"
    readonly_fields = ["unit"]
    fields = [
        ("position", "quantity", "unit"),
        ("qualifier", "value", "value_max", "reported"),
        ("temperature_c", "stack_pressure_mpa", "condition"),
        ("role", "control"),
        ("locator", "source_kind"),
        "note",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "control":
            # A control comes from the same study: offer only its measurements.
            study_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = (
                Measurement.objects.filter(study_id=study_id) if study_id else Measurement.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["key", "strategy", "electrolyte", "method", "anode", "reference", "year"]
    list_filter = ["strategy", "electrolyte__family", "method", "reference__year"]
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
    readonly_fields = ["created_at", "updated_at"]

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
class MeasurementAdmin(QuantityWithUnitMixin, admin.ModelAdmin):
    list_display = ["study", "quantity", "display_value", "unit", "condition", "locator"]
    list_filter = ["quantity", "source_kind", "role"]
    search_fields = ["study__key", "condition", "locator"]
    autocomplete_fields = ["study", "control"]
    list_select_related = ["study__reference", "study__electrolyte"]

    def get_queryset(self, request):
        # A study's name lists its interlayers: fetch them for the whole page at once.
        return super().get_queryset(request).prefetch_related("study__layers__material")
