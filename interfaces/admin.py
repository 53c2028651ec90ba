from django.contrib import admin

from .models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Measurement, Study, StudyInterlayer


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


class MeasurementInline(admin.TabularInline):
    model = Measurement
    extra = 0
    fk_name = "study"
    fields = [
        "position",
        "quantity",
        "qualifier",
        "value",
        "value_max",
        "reported",
        "temperature_c",
        "stack_pressure_mpa",
        "condition",
        "role",
        "control",
        "locator",
        "source_kind",
    ]


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["key", "strategy", "electrolyte", "method", "anode", "reference"]
    list_filter = ["strategy", "electrolyte__family", "method", "reference__year"]
    search_fields = ["key", "summary", "electrolyte__name", "interlayers__name", "reference__title"]
    autocomplete_fields = ["reference", "electrolyte"]
    inlines = [StudyInterlayerInline, MeasurementInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reference", "electrolyte")


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = ["study", "quantity", "display_value", "unit", "condition", "locator"]
    list_filter = ["quantity", "source_kind", "role"]
    search_fields = ["study__key", "condition", "locator"]
    autocomplete_fields = ["study", "control"]
    list_select_related = ["study__reference", "study__electrolyte"]
