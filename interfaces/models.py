"""The domain: electrolyte families, electrolytes, interlayer materials, studies and their figures
(measurements), readers' reports, and the bookkeeping of the curated files.

What a study stores for sorting and searching (its headline figures, its search texts) follows
every write of what it is read from, through the signal receivers at the end of this module."""

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, OuterRef, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.urls import reverse
from simple_history.models import HistoricalRecords

from atlas.caching import parts_up_to, read_once
from atlas.routers import primary_reads
from references.models import Author, Authorship, Reference, authorships_in_order

from . import search
from .fields import conditions_of
from .headline import headline, headline_value_sql
from .vocabularies import (  # noqa: F401  (re-exported: the vocabularies are imported from here too)
    CELL_SHORT,
    LOWER_IS_BETTER,
    STRATEGY_SECTIONS,
    UNITS,
    CellType,
    ElectrolyteForm,
    FiguresSource,
    InterlayerKind,
    Method,
    Qualifier,
    Quantity,
    Role,
    Source,
    SourceKind,
    Strategy,
    qualifier_contradiction,
    unit_html_of,
    unit_of,
)


class ElectrolyteFamily(models.Model):
    slug = models.SlugField(unique=True)
    label = models.CharField(max_length=100)
    examples = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    forms_stable_interphase = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether contact with Li forms a stable passivating interphase "
        "(review §2.2); empty when the source does not say.",
    )
    stability_note = models.TextField(blank=True)
    stability_reference = models.ForeignKey(
        Reference, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stability_locator = models.CharField(max_length=100, blank=True)
    # Bumped by every save through the admin and every write of load_curated (compare-and-set):
    # a form read at an older version is refused instead of overwriting what was saved since.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["position", "label"]
        verbose_name_plural = "electrolyte families"

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return f"{reverse('interfaces:study-list')}?family={self.slug}"


class Electrolyte(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, help_text="Short name, e.g. LLZTO.")
    formula = models.CharField(max_length=200, blank=True, help_text="Plain text, e.g. Li7La3Zr2O12.")
    aliases = models.CharField(max_length=300, blank=True, help_text="Other names, separated by semicolons.")
    family = models.ForeignKey(ElectrolyteFamily, on_delete=models.PROTECT, related_name="electrolytes")
    form = models.CharField(max_length=20, choices=ElectrolyteForm.choices, blank=True)
    dopants = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    # Bumped by every save through the admin and every write of load_curated (compare-and-set):
    # a form read at an older version is refused instead of overwriting what was saved since.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["family__position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("interfaces:electrolyte-detail", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.split(";") if a.strip()]


class InterlayerMaterial(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    formula = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=InterlayerKind.choices)
    aliases = models.CharField(max_length=300, blank=True, help_text="Other names, separated by semicolons.")
    description = models.TextField(blank=True)
    # Bumped by every save through the admin and every write of load_curated (compare-and-set):
    # a form read at an older version is refused instead of overwriting what was saved since.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("interfaces:interlayer-detail", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.split(";") if a.strip()]


# Stored for search only: no page or export reads them.
SEARCH_FIELDS = ("search_text", "search_names", "search_vector")  # electrolyte_name, paper_year: read, small
# What a study's cached drawings (a list's row, the API's document) are keyed by: record_key,
# read with its paper (Study.objects.keyed()).
ROW_KEY_FIELDS = ("id", "version", "updated_at", "reference__version", "reference__updated_at")


def compared_figures(quantity: str) -> models.QuerySet:
    """The outer study's figures of a quantity that speak for its strategy: controls left out."""
    return Measurement.objects.filter(study=OuterRef("pk"), quantity=quantity).exclude(role=Role.CONTROL)


# A study's layers and figures as a prefetch reads them: in their order within their study, by
# its id (references.models.authorships_in_order: a paper's authors).
def layers_in_order() -> models.QuerySet:
    return StudyInterlayer.objects.select_related("material").order_by("study_id", "position")


def figures_in_order() -> models.QuerySet:
    return Measurement.objects.select_related("control").order_by("study_id", "position")


class StudyQuerySet(models.QuerySet):
    def with_sort_keys(self):
        """The stored headline figures the list sorts on, named as its sorts name them."""
        return self.annotate(sort_ccd=F("best_ccd_value"), sort_resistance=F("lowest_resistance_value"))

    def refresh_figures(self) -> int:
        """Recompute the stored headline CCD and interfacial resistance (headline.py), in one query."""
        return self.update(
            best_ccd_value=headline_value_sql(compared_figures(Quantity.CCD), Quantity.CCD),
            lowest_resistance_value=headline_value_sql(
                compared_figures(Quantity.INTERFACIAL_RESISTANCE), Quantity.INTERFACIAL_RESISTANCE
            ),
        )

    def search(self, text: str):
        """Studies whose stored search text holds the text; on PostgreSQL also its words, ranked."""
        return search.matching(self, text)

    def refresh_search(self) -> int:
        """Rewrite the stored search texts (and the electrolyte's name, the paper's year) from the
        records they are read from."""
        return search.refresh(self)

    def keyed(self):
        """What keys a study's cached drawings (record_key) and no more, its paper's in one join."""
        return self.select_related("reference").only(*ROW_KEY_FIELDS)

    def for_list(self):
        """Everything a list row or an export shows, in a fixed number of queries."""
        return (
            self.select_related("reference", "electrolyte__family")
            .defer(*SEARCH_FIELDS)
            .prefetch_related(
                models.Prefetch("layers", queryset=layers_in_order()),
                models.Prefetch("reference__authorships", queryset=authorships_in_order()),
                models.Prefetch("measurements", queryset=figures_in_order()),
            )
        )


class Study(models.Model):
    key = models.SlugField(
        max_length=120,
        unique=True,
        help_text="Stable curated identifier, e.g. deng2020tuning-llzto.",
    )
    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="studies")
    strategy = models.CharField(max_length=30, choices=Strategy.choices)
    electrolyte = models.ForeignKey(Electrolyte, on_delete=models.PROTECT, related_name="studies")
    interlayers = models.ManyToManyField(
        InterlayerMaterial, through="StudyInterlayer", related_name="studies", blank=True
    )
    method = models.CharField(
        max_length=30, choices=Method.choices, blank=True, help_text="Empty when the source does not say."
    )
    method_detail = models.CharField(max_length=200, blank=True)
    anode = models.CharField(max_length=100, default="Li", help_text="Li, Li-In, Li-Al, 3D host, …")
    cell_type = models.CharField(max_length=20, choices=CellType.choices, blank=True)
    cell = models.CharField(
        max_length=200,
        blank=True,
        help_text="The cell as built, e.g. Li | LLZTO | Li or Li | Li6PS5Cl | NCA.",
    )
    summary = models.TextField(help_text="One to three sentences in English.")
    mechanism = models.TextField(blank=True, help_text="The mechanism the paper gives.")
    review_locator = models.CharField(
        max_length=100, blank=True, help_text="Where the review discusses it, e.g. review §2.3.1, Fig. 1."
    )
    curation_note = models.TextField(blank=True)
    # Stored so that the list sorts and filters on an index, not on a subquery per row. Every
    # write of a figure refreshes them (signals at the end of this module); never typed.
    best_ccd_value = models.FloatField("best treated CCD (mA/cm²)", null=True, editable=False, db_index=True)
    lowest_resistance_value = models.FloatField(
        "lowest treated interfacial resistance (Ω·cm²)", null=True, editable=False, db_index=True
    )
    figures_source = models.CharField(
        "figures curated from",
        max_length=10,
        choices=FiguresSource.choices,
        blank=True,
        help_text="The deepest source read for this study's figures; empty while nobody has looked. "
        "A study without figures then reads as 'not stated by the source', not 'not yet curated'.",
    )
    # What a search reads, stored so that it reads one indexed table (interfaces/search.py).
    search_text = models.TextField(editable=False, default="")
    search_names = models.TextField(editable=False, default="")
    # On PostgreSQL a trigger fills it from search_names, summary and mechanism; on SQLite it
    # stays empty (search there reads search_text alone).
    search_vector = SearchVectorField(null=True, editable=False)
    # The electrolyte's name, which the list sorts on, stored beside its study so that a sort by
    # electrolyte reads an index; written with the search texts (search.refresh).
    electrolyte_name = models.CharField(max_length=100, editable=False, default="")
    # The paper's year, which the charts count by, stored beside its study so that their counts
    # read one index and no join; written with the search texts (search.refresh).
    paper_year = models.SmallIntegerField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every save through the admin, every write of load_curated (compare-and-set) and
    # every write of one of its figures or interlayers (signals at the end of this module): a
    # form read at an older version is refused instead of overwriting what was saved since.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(
        excluded_fields=[
            "version",
            "updated_at",
            "best_ccd_value",
            "lowest_resistance_value",
            "search_text",
            "search_names",
            "search_vector",
            "electrolyte_name",
            "paper_year",
        ]
    )

    objects = StudyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "studies"
        # One per filter and sort the list offers (the stored figures and the foreign keys have
        # theirs): a page reads its 25 rows from an index, whatever the size of the atlas. The
        # figures' highest-first orders (missing figures last) have PostgreSQL indexes of their
        # own, made in migration 0009: SQLite cannot index NULLS LAST. So has the charts' covering
        # index (migration 0018): SQLite cannot keep other columns in an index.
        indexes = [
            models.Index(F("created_at").desc(), F("id").desc(), name="study_recent"),
            models.Index(fields=["strategy"], name="study_strategy"),
            models.Index(fields=["method"], name="study_method"),
            models.Index(fields=["electrolyte", "-id"], name="study_electrolyte_recent"),
            models.Index(fields=["electrolyte_name", "-id"], name="study_electrolyte_name"),
            models.Index(fields=["-electrolyte_name", "-id"], name="study_electrolyte_name_desc"),
        ]

    def __str__(self) -> str:
        layers = " + ".join(layer.material.name for layer in self.layers.all())
        return f"{layers or self.get_strategy_display()} on {self.electrolyte} ({self.reference.citekey})"

    def get_absolute_url(self) -> str:
        return reverse("interfaces:study-detail", args=[self.pk])

    # Written by every save (the form's version, the time) or from the figures (refresh_figures).
    FIGURES_AND_BOOKKEEPING = frozenset(
        {"version", "updated_at", "best_ccd_value", "lowest_resistance_value"}
    )
    # What describes a study without classifying it: no filter, count or order of a list reads
    # them, a search does (and the study's own row and page).
    DESCRIPTION = frozenset(
        {
            "key",
            "method_detail",
            "anode",
            "cell_type",
            "cell",
            "summary",
            "mechanism",
            "review_locator",
            "curation_note",
            "figures_source",
        }
    )

    def cache_reach(self, saved: bool = True) -> str | None:
        """How far this save of the study reaches in the cache (atlas/caching.py), from what it
        changed in its row (read from the database just before, _remember_stored_study):
        "figures" when nothing but its figures and bookkeeping, "description" when nothing but
        those and its description, "classification" when not its paper, else None (all). A new
        study, a deleted one (saved false) and a change of its paper reach everything."""
        before = getattr(self, "_stored_before", None)
        if before is None or not saved:
            return None
        changed = {name for name, value in before.items() if getattr(self, name) != value}
        if not changed:
            return "figures"
        if changed <= self.DESCRIPTION:
            return "description"
        return None if "reference_id" in changed else "classification"

    def cache_studies(self) -> set[int]:
        """The studies this write touches, whose parts of the cached counts it changes."""
        return {self.pk}

    @property
    def ordered_layers(self) -> list["StudyInterlayer"]:
        return sorted(self.layers.all(), key=lambda layer: layer.position)

    @property
    def best_ccd(self) -> "Measurement | None":
        """The headline CCD (interfaces/headline.py); uses the prefetched measurements."""
        return headline(self.measurements.all(), Quantity.CCD)

    @property
    def lowest_resistance(self) -> "Measurement | None":
        """The headline interfacial resistance; uses the prefetched measurements."""
        return headline(self.measurements.all(), Quantity.INTERFACIAL_RESISTANCE)

    @property
    def figures_status(self) -> str:
        """What an empty figure means here: the source states none, or nobody has looked yet."""
        if not self.figures_source:
            return "Not yet curated"
        return f"Not stated in {dict(FIGURE_SOURCE_PHRASES)[self.figures_source]}"


def paper_key(reference) -> str:
    """The key of what is drawn of a paper: any save of it changes it (the time of saving)."""
    return f"{reference.pk}.{reference.version}.{reference.updated_at.isoformat()}"


def record_key(study: Study) -> str:
    """The key of a study's cached drawings: a write of the study, of one of its figures or of
    its interlayers changes it (the version, the time of saving), and a write of its paper."""
    return f"{study.pk}.{study.version}.{study.updated_at.isoformat()}|{paper_key(study.reference)}"


def study_parts() -> int:
    """How many parts of consecutive ids the studies fill (atlas/caching.py, cached_by_part):
    read from the primary, as what is cached is computed (a lagging replica would leave its
    newest studies out of the counts), once a request."""

    def last() -> int | None:
        with primary_reads():
            return Study.objects.aggregate(last=models.Max("pk"))["last"]

    return parts_up_to(read_once("last-study", last))


def read_whole(studies: list[Study]) -> list[Study]:
    """The studies with everything a list row or an export shows (Study.objects.for_list): those
    read by their keys alone (ROW_KEY_FIELDS), to be drawn, are read again in one go."""
    light = [study.pk for study in studies if "layers" not in getattr(study, "_prefetched_objects_cache", {})]
    whole = Study.objects.for_list().in_bulk(light) if light else {}
    return [whole.get(study.pk, study) for study in studies]


FIGURE_SOURCE_PHRASES = [
    (FiguresSource.REVIEW, "the review"),
    (FiguresSource.ABSTRACT, "the abstract"),
    (FiguresSource.FULL_TEXT, "the paper"),
]


class StudyInterlayer(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="layers")
    material = models.ForeignKey(InterlayerMaterial, on_delete=models.PROTECT, related_name="layers")
    position = models.PositiveSmallIntegerField(default=1, help_text="1 = next to the Li anode.")
    note = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["study", "position"]
        constraints = [
            models.UniqueConstraint(fields=["study", "position"], name="layer_unique_position"),
            models.UniqueConstraint(fields=["study", "material"], name="layer_unique_material"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.material}"

    def cache_reach(self, saved: bool = True) -> str:
        """A layer classifies its study, and links it to no paper (atlas/caching.py)."""
        return "classification"

    def cache_studies(self) -> set[int]:
        """The study it belongs to, and the one it was moved from (atlas/caching.py)."""
        return {self.study_id, getattr(self, "_previous_study_id", None)} - {None}


class Measurement(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="measurements")
    position = models.PositiveSmallIntegerField(default=1)
    quantity = models.CharField(max_length=30, choices=Quantity.choices)
    qualifier = models.CharField(max_length=1, choices=Qualifier.choices, blank=True)
    value = models.FloatField(help_text="In the quantity's canonical unit.")
    value_max = models.FloatField(null=True, blank=True, help_text="Upper end of a range.")
    reported = models.CharField(
        max_length=100, blank=True, help_text="The value and unit exactly as the source prints them."
    )

    temperature_c = models.FloatField("temperature (°C)", null=True, blank=True)
    stack_pressure_mpa = models.FloatField("stack pressure (MPa)", null=True, blank=True)
    current_density_ma_cm2 = models.FloatField(
        "test current density (mA/cm²)",
        null=True,
        blank=True,
        help_text="The current density of the cycling or CCD test, when the source gives it.",
    )
    areal_capacity_mah_cm2 = models.FloatField(
        "test areal capacity (mAh/cm²)",
        null=True,
        blank=True,
        help_text="The areal capacity per half-cycle of the test, when the source gives it.",
    )
    cell_type = models.CharField("test cell", max_length=20, choices=CellType.choices, blank=True)
    condition = models.CharField(max_length=200, blank=True, help_text='"bare", "coated", "x = 30", …')
    role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    control = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="treated",
        help_text="The untreated measurement of the same paper this one is compared with.",
    )
    locator = models.CharField(
        max_length=200, help_text='Where the figure was read: "review §2.3.1", "Fig. 4f", …'
    )
    source = models.CharField(
        max_length=10,
        choices=Source.choices,
        default=Source.REVIEW,
        help_text="Where the figure was read: the review, or the paper's abstract or full text.",
    )
    source_url = models.URLField(
        "source address",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="For a figure read in the paper: the address of the page where it was read.",
    )
    source_kind = models.CharField(
        "read in", max_length=10, choices=SourceKind.choices, default=SourceKind.TEXT
    )
    note = models.TextField(blank=True)
    # The second reading: who entered (or last changed) the figure, and who checked it against
    # its source afterwards. A checker is never the figure's own curator, and any later change
    # of what the figure says clears the check: the database does both (the constraints below
    # and the trigger of interfaces/second_reading.py), whatever route the change comes by.
    entered_by = models.CharField(
        max_length=150, blank=True, editable=False, help_text="The curator who entered or last changed it."
    )
    entered_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_by = models.CharField(
        max_length=150,
        blank=True,
        editable=False,
        help_text="The second curator who checked it against its source.",
    )
    checked_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    history = HistoricalRecords()

    class Meta:
        # Curators and readers call a measurement a figure.
        verbose_name = "figure"
        ordering = ["study", "position"]
        # The charts count the studies with a resistance given without its area: a few figures.
        indexes = [
            models.Index(
                fields=["study"], condition=Q(quantity=Quantity.RESISTANCE), name="measurement_unnormalised"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_by="", checked_at__isnull=True)
                | (~Q(checked_by="") & Q(checked_at__isnull=False)),
                name="measurement_check_has_curator_and_date",
            ),
            models.CheckConstraint(
                condition=Q(checked_by="") | Q(entered_by="") | ~Q(checked_by=F("entered_by")),
                name="measurement_checked_by_a_second_curator",
                violation_error_message="A figure is checked by a curator other than the one who entered it.",
            ),
            models.UniqueConstraint(fields=["study", "position"], name="measurement_unique_position"),
            models.CheckConstraint(condition=Q(value__gte=0), name="measurement_value_non_negative"),
            models.CheckConstraint(
                condition=Q(value_max__isnull=True) | Q(value_max__gte=models.F("value")),
                name="measurement_range_ordered",
                violation_error_message="The upper end of a range must not be below its lower end.",
            ),
            models.CheckConstraint(
                condition=Q(stack_pressure_mpa__isnull=True) | Q(stack_pressure_mpa__gte=0),
                name="measurement_pressure_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(temperature_c__isnull=True) | Q(temperature_c__gte=-273.15),
                name="measurement_temperature_physical",
            ),
            models.CheckConstraint(condition=~Q(locator=""), name="measurement_has_locator"),
            models.CheckConstraint(
                condition=Q(current_density_ma_cm2__isnull=True) | Q(current_density_ma_cm2__gte=0),
                name="measurement_current_density_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(areal_capacity_mah_cm2__isnull=True) | Q(areal_capacity_mah_cm2__gte=0),
                name="measurement_areal_capacity_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(source=Source.REVIEW)
                | Q(source_url__startswith="https://")
                | Q(source_url__startswith="http://"),
                name="measurement_primary_source_has_address",
                violation_error_message="A figure read in the paper needs the address where it was read.",
            ),
            models.CheckConstraint(
                condition=Q(control__isnull=True) | Q(role=Role.TREATED),
                name="measurement_control_only_for_treated",
                violation_error_message="Only a treated figure is compared with a control.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_quantity_display()}: {self.display_value} {self.unit}"

    def cache_reach(self, saved: bool = True) -> str:
        """A figure's write or delete changes figures alone: the cache keeps what reads none
        (atlas/caching.py)."""
        return "figures"

    def cache_studies(self) -> set[int]:
        """The study it belongs to, and the one it was moved from."""
        return {self.study_id, getattr(self, "_previous_study_id", None)} - {None}

    @property
    def unit(self) -> str:
        return unit_of(self.quantity)

    @property
    def unit_html(self) -> str:
        return unit_html_of(self.quantity)

    @property
    def improvement(self) -> float | None:
        """How many times the treated figure beats its control (resistance down, CCD up)."""
        control = self.control
        if control is None or not self.value or not control.value:
            return None
        if self.quantity in LOWER_IS_BETTER:
            return control.value / self.value
        return (self.value_max or self.value) / (control.value_max or control.value)

    @property
    def conditions(self) -> list[str]:
        """The test conditions that decide whether two figures compare, as short texts."""
        return conditions_of(lambda name: getattr(self, name))

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None

    @property
    def reading(self) -> str:
        """The figure's second reading, as readers see it."""
        return READING_CHECKED if self.is_checked else READING_UNCHECKED

    @property
    def display_value(self) -> str:
        text = f"{self.value:g}"
        if self.value_max is not None:
            text += f"–{self.value_max:g}"
        return f"{self.qualifier}{text}" if self.qualifier else text

    def clean(self):
        super().clean()
        errors = {}
        if self.value is not None and self.value < 0:
            errors["value"] = "A physical value cannot be negative."
        if self.value_max is not None and self.value is not None and self.value_max < self.value:
            errors["value_max"] = "The upper end of the range is below its lower end."
        if not (self.locator or "").strip():
            errors["locator"] = "Say where the value was read (section, figure or table)."
        if self.source != Source.REVIEW and not self.source_url:
            errors["source_url"] = "Give the address of the page where the figure was read."
        if contradiction := qualifier_contradiction(self.qualifier, self.reported):
            errors["qualifier"] = contradiction
        if self.control_id and self.role != Role.TREATED:
            errors["role"] = "A figure compared with a control is the treated one."
        if self.control_id:
            control = self.control
            if control.study_id != self.study_id:
                errors["control"] = "The control must come from the same study."
            elif control.quantity != self.quantity:
                errors["control"] = "The control must measure the same quantity."
            elif control.pk == self.pk:
                errors["control"] = "A measurement cannot be its own control."
        if errors:
            raise ValidationError(errors)


# How a figure's second reading is named on the pages, in the API's docs and on /about/.
READING_CHECKED = "checked by a second curator"
READING_UNCHECKED = "entered, not yet checked"
# Who entered and checked a figure, as opposed to what it says.
READING_FIELDS = ("entered_by", "entered_at", "checked_by", "checked_at")


def content_columns() -> list[str]:
    """The columns whose change un-checks a figure: what it says, not its id, study, place in the
    list, reading, or the curator's note on it."""
    skipped = {"id", "study_id", "position", "note", *READING_FIELDS}
    return [f.column for f in Measurement._meta.concrete_fields if f.column not in skipped]


class CuratedRecord(models.Model):
    """What the curated files said of a record when they were last loaded.

    It is the common ancestor of a three-way merge: a field that still holds this value
    was changed by nobody and follows the files; one that differs was edited by a curator
    and is kept."""

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=300, help_text="The record's name in the files: slug, key or citekey.")
    values = models.JSONField()
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="curated_record_unique_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class ReportStatus(models.TextChoices):
    NEW = "new", "New: to be checked"
    ACCEPTED = "accepted", "Accepted: the study was corrected"
    REJECTED = "rejected", "Rejected"


class Report(models.Model):
    """A reader's report of a problem with a study; moderated by a curator, never shown publicly."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="reports")
    problem = models.TextField("what is wrong", max_length=2000)
    correction = models.CharField("the correct value", max_length=500, blank=True)
    evidence = models.CharField(
        "its source", max_length=500, blank=True, help_text="DOI, page, figure or table where it is stated."
    )
    email = models.EmailField(
        "e-mail", blank=True, help_text="Only to ask the reader a question; never shown."
    )
    client = models.CharField(
        max_length=64, editable=False, help_text="A keyed hash of the sender's address."
    )
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.NEW)
    moderator_note = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "created_at"], name="report_client_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReportStatus.NEW) | Q(moderated_at__isnull=False),
                name="report_moderated_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"Report on {self.study.key}: {self.problem[:60]}"


# -- how far a study's save reaches in the cache -----------------------------------------
# Derived from other fields, which they follow: not compared.
DERIVED = frozenset({*Study.FIGURES_AND_BOOKKEEPING, *SEARCH_FIELDS, "electrolyte_name", "paper_year"})


@receiver(pre_save, sender=Study)
def _remember_stored_study(sender, instance: Study, raw=False, update_fields=None, **kwargs) -> None:
    """The row as the database holds it before this save, of the fields the save writes: what
    Study.cache_reach compares with (read here, so a save made elsewhere since the study was
    read is seen)."""
    instance._stored_before = None
    if raw or instance.pk is None:
        return
    written = {f.attname for f in Study._meta.concrete_fields} - instance.get_deferred_fields() - DERIVED
    if update_fields is not None:
        written &= {Study._meta.get_field(name).attname for name in update_fields}
    instance._stored_before = Study.objects.filter(pk=instance.pk).values(*sorted(written)).first()


# -- the stored figures follow every write of a figure -------------------------------
@receiver(pre_save, sender=Measurement)
def _remember_previous_study(sender, instance: "Measurement | StudyInterlayer", **kwargs) -> None:
    """The study a figure or a layer belonged to before this save: it changes too."""
    instance._previous_study_id = (
        sender.objects.filter(pk=instance.pk).values_list("study_id", flat=True).first()
        if instance.pk
        else None
    )


pre_save.connect(_remember_previous_study, sender=StudyInterlayer, dispatch_uid="layer-previous-study")


@receiver(post_save, sender=Measurement)
@receiver(post_delete, sender=Measurement)
def _refresh_study_figures(sender, instance: Measurement, **kwargs) -> None:
    ids = {instance.study_id, getattr(instance, "_previous_study_id", None)} - {None}
    Study.objects.filter(pk__in=ids).refresh_figures()
    _bump_versions(ids)


# -- a study's version follows every write of its figures and interlayers ---------------
def _bump_versions(study_ids) -> None:
    """A study form read before a figure or interlayer changed is stale, wherever the change came from."""
    Study.objects.filter(pk__in=study_ids).update(version=F("version") + 1)


@receiver(post_save, sender=StudyInterlayer)
@receiver(post_delete, sender=StudyInterlayer)
def _bump_version_of_layers_study(sender, instance: StudyInterlayer, raw=False, **kwargs) -> None:
    if not raw:
        _bump_versions([instance.study_id])


# -- the stored search texts follow every write of what they are read from -------------
def _studies_linked_to(instance) -> models.QuerySet:
    if isinstance(instance, Study):
        return Study.objects.filter(pk=instance.pk)
    if isinstance(instance, StudyInterlayer):
        return Study.objects.filter(pk=instance.study_id)
    if isinstance(instance, InterlayerMaterial):
        return Study.objects.filter(layers__material=instance)
    if isinstance(instance, Electrolyte):
        return Study.objects.filter(electrolyte=instance)
    if isinstance(instance, ElectrolyteFamily):
        return Study.objects.filter(electrolyte__family=instance)
    if isinstance(instance, Reference):
        return Study.objects.filter(reference=instance)
    if isinstance(instance, Authorship):
        return Study.objects.filter(reference_id=instance.reference_id)
    return Study.objects.filter(reference__authorships__author=instance)  # an Author


SEARCHED = (
    Study,
    StudyInterlayer,
    InterlayerMaterial,
    Electrolyte,
    ElectrolyteFamily,
    Reference,
    Authorship,
    Author,
)


def _refresh_search(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loaddata: the rows come as they were stored
        return
    _studies_linked_to(instance).refresh_search()


def _refresh_search_of_pairs(sender, instance, action, pk_set, **kwargs) -> None:
    """Links added or removed without saving a through row (add(), remove(), set(), clear())."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Study):
        Study.objects.filter(pk=instance.pk).refresh_search()
    elif isinstance(instance, Reference):
        Study.objects.filter(reference=instance).refresh_search()
    elif sender is Study.interlayers.through:  # a material linked to studies pk_set
        Study.objects.filter(pk__in=pk_set or []).refresh_search()
    else:  # an author linked to references pk_set
        Study.objects.filter(reference__in=pk_set or []).refresh_search()


for _model in SEARCHED:
    post_save.connect(_refresh_search, sender=_model, dispatch_uid=f"search-{_model.__name__}")
for _model in (StudyInterlayer, Authorship):  # a deleted link leaves its study's text behind
    post_delete.connect(_refresh_search, sender=_model, dispatch_uid=f"search-del-{_model.__name__}")
m2m_changed.connect(_refresh_search_of_pairs, sender=Study.interlayers.through, dispatch_uid="search-layers")
m2m_changed.connect(_refresh_search_of_pairs, sender=Reference.authors.through, dispatch_uid="search-authors")


class CurationLoad(models.Model):
    """A completed run of load_curated: when, from which folder, what it created and updated, and
    the conflicts where it kept a curator's edit (a failed run saves nothing, this record neither)."""

    loaded_at = models.DateTimeField("loaded", auto_now_add=True, db_index=True)
    directory = models.CharField("folder", max_length=500)
    took_files = models.BooleanField(
        "took the files' version", default=False, help_text="Run with --take-files."
    )
    # {kind: {outcome: number}}, e.g. {"studies": {"created": 1, "updated": 2, "unchanged": 40}}.
    counts = models.JSONField(default=dict)
    # [{file, entry, field, database, files, during_load}]: the curator's value kept, the files' not taken.
    conflicts = models.JSONField(default=list)
    # The same shape: the curators' edits --take-files overwrote with the files' value.
    overwritten = models.JSONField(default=list)

    class Meta:
        ordering = ["-loaded_at", "-pk"]
        get_latest_by = ["loaded_at", "pk"]
        verbose_name = "load of the curated files"
        verbose_name_plural = "loads of the curated files"

    def __str__(self) -> str:
        return f"load_curated of {self.loaded_at:%Y-%m-%d %H:%M}"
