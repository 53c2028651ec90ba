"""The bibliography: references (papers), authors and their order on each paper."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .doi import DOI_PATTERN, InvalidDOI, doi_url, normalize_doi
from .tex import validate_no_tex_commands

# The citation key of the review the atlas starts from (J.-H. Kim, Corrosion Science and
# Technology, 2023): its pages and the releases' citations name it.
FOUNDING_REVIEW = "kim2023interfacial"
# A citation key as URLs, filters and the API accept it.
CITEKEY_PATTERN = r"[-a-zA-Z0-9_]{1,100}"
# How a paper whose authors the atlas does not hold yet is listed: never as if it had none.
ANONYMOUS = "Authors not yet recorded"

# Every text a citation export writes is checked for TeX commands that run code.
TEX_SAFE = [validate_no_tex_commands]


def validate_web_address(value: str) -> None:
    """Only http(s): a javascript: or data: address would run in a reader's browser."""
    URLValidator(schemes=["http", "https"])(value)


def fold(text: str) -> str:
    """ASCII, lower-case, punctuation-free form of a text, for matching duplicates."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


def first_author_label(families: list[str]) -> str:
    """How a list names a paper by its authors' surnames: "Kim", "Kim & Lee", "Kim et al."."""
    if not families:
        return ANONYMOUS
    if len(families) == 2:
        return f"{families[0]} & {families[1]}"
    return families[0] + (" et al." if len(families) > 2 else "")


def identity_of(title: str, year: int | None, first_author: str) -> str:
    """What names a paper without a DOI: folded title, year and first author's surname."""
    return f"{fold(title)}|{year or ''}|{fold(first_author)}"[:400]


class EntryType(models.TextChoices):
    ARTICLE = "article", "Journal article"
    BOOK = "book", "Book"
    INBOOK = "inbook", "Part of a book"
    INCOLLECTION = "incollection", "Chapter in a collection"
    INPROCEEDINGS = "inproceedings", "Conference paper"
    PHDTHESIS = "phdthesis", "PhD thesis"
    MASTERSTHESIS = "mastersthesis", "Master's thesis"
    TECHREPORT = "techreport", "Technical report"
    ONLINE = "online", "Online resource"
    MISC = "misc", "Other"


class PersonName:
    """How a person's name is shown: "Given Family", and "Family, Given" in a bibliography."""

    family: str
    given: str

    def __str__(self) -> str:
        return f"{self.given} {self.family}".strip()

    @property
    def inverted(self) -> str:
        return f"{self.family}, {self.given}" if self.given else self.family


class Author(PersonName, models.Model):
    family = models.CharField("surname", max_length=200, validators=TEX_SAFE)
    given = models.CharField("given names", max_length=200, blank=True, validators=TEX_SAFE)

    class Meta:
        ordering = ["family", "given"]
        constraints = [
            models.UniqueConstraint(fields=["family", "given"], name="author_unique_name"),
        ]

    def cache_studies(self) -> set[int]:
        """The studies of this author's papers: what is drawn of them names the author (their
        papers are marked changed with the author, below) and a search finds them by the name."""
        return _studies_of(Reference.objects.filter(authorships__author=self))


def authorships_in_order() -> models.QuerySet:
    """A paper's authorships with their authors as a prefetch reads them: in their order within
    their paper, by its id. Their model's own ordering names the paper, which orders by the
    papers' ordering through a join to them (and costs as much again to compile)."""
    return Authorship.objects.select_related("author").order_by("reference_id", "position")


class ReferenceQuerySet(models.QuerySet):
    def with_authors(self):
        return self.prefetch_related(models.Prefetch("authorships", queryset=authorships_in_order()))


class Reference(models.Model):
    citekey = models.SlugField(
        "citation key",
        max_length=100,
        unique=True,
        help_text="Stable key: first author's surname, year, first significant title word.",
    )
    entry_type = models.CharField(max_length=20, choices=EntryType.choices, default=EntryType.ARTICLE)
    title = models.TextField(validators=TEX_SAFE)
    authors = models.ManyToManyField(Author, through="Authorship", related_name="references")
    journal = models.CharField(
        max_length=300, blank=True, validators=TEX_SAFE, help_text="Journal, or book/proceedings title."
    )
    publisher = models.CharField(max_length=300, blank=True, validators=TEX_SAFE)
    # Signed: a source may be older than year 1000 or date from before the common era (-44).
    year = models.SmallIntegerField(null=True, blank=True)
    month = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=50, blank=True, validators=TEX_SAFE)
    number = models.CharField(max_length=50, blank=True, validators=TEX_SAFE)
    pages = models.CharField(
        max_length=50, blank=True, validators=TEX_SAFE, help_text="First–last page or article number."
    )
    doi = models.CharField(
        "DOI",
        max_length=255,
        blank=True,
        help_text="Normalised: lower case, without https://doi.org/ or doi: (added on save).",
    )
    url = models.URLField("URL", max_length=500, blank=True, validators=[validate_web_address])
    abstract = models.TextField(blank=True, validators=TEX_SAFE)
    curation_note = models.TextField(
        blank=True,
        validators=TEX_SAFE,
        help_text="Corrections of the source and other remarks of the curator.",
    )
    source_key = models.CharField(
        "citation key in the source",
        max_length=200,
        blank=True,
        help_text="The key the imported file gave this entry, as it was (searchable).",
    )
    source_type = models.CharField(
        "entry type in the source",
        max_length=30,
        blank=True,
        help_text="The imported entry's own type where the atlas keeps a nearer one (@collection, "
        "@book_section, …); the atlas's curated export writes it back.",
    )
    identity = models.CharField(
        max_length=400,
        blank=True,
        editable=False,
        help_text="For a paper without a DOI: folded title, year and first author, unique, so two "
        "imports of the same paper at the same moment cannot both save it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every save through the admin (its authors included) and every write of
    # load_curated: a form read at an older version is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "version"])

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "citekey"]
        # The year filters and sorts of the lists; newest first with missing years last has a
        # PostgreSQL index of its own (migration 0008): SQLite cannot index NULLS LAST.
        indexes = [models.Index(fields=["year"], name="reference_year")]
        constraints = [
            models.UniqueConstraint(Lower("doi"), condition=~Q(doi=""), name="reference_unique_doi"),
            models.CheckConstraint(
                condition=Q(doi="") | Q(doi__regex=DOI_PATTERN),
                name="reference_doi_normalised",
                violation_error_message="The DOI must be normalised: lower case, 10.<digits>/ and no "
                "character a DOI does not use.",
            ),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__startswith="https://") | Q(url__startswith="http://"),
                name="reference_url_http",
                violation_error_message="Only http(s) addresses may be stored.",
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                name="reference_month_range",
            ),
            models.UniqueConstraint(
                fields=["identity"],
                condition=Q(doi="") & ~Q(identity=""),
                name="reference_unique_identity_without_doi",
                violation_error_message="A reference with this title, year and first author is already "
                "in the atlas.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_author_label} ({self.year or 'n.d.'}) {self.title[:60]}"

    def save(self, *args, **kwargs):
        self.prepare_to_save()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "identity"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("references:detail", args=[self.citekey])

    def cache_studies(self) -> set[int]:
        """The studies listed under this paper: a write of it changes their counts (a search, a
        filter by year) and what is drawn of them, which is keyed by the paper's time of saving
        as well (atlas/caching.py)."""
        return set(self.studies.values_list("pk", flat=True))

    def clean(self):
        super().clean()
        if self.doi:
            try:
                self.doi = normalize_doi(self.doi)
            except InvalidDOI as exc:
                raise ValidationError({"doi": str(exc)}) from exc

    def prepare_to_save(self) -> None:
        """The DOI normalised, a page range written with an en dash (as an import writes it, so
        the curated round trip keeps it), and the identity computed: what save() and a bulk
        create both do."""
        self.pages = re.sub(r"\s*-+\s*|\s*–\s*", "–", self.pages.strip())
        if self.doi:
            try:
                self.doi = normalize_doi(self.doi)
            except InvalidDOI:
                pass  # left as typed: the check constraint rejects it
        self.identity = "" if self.doi else identity_of(self.title, self.year, self._first_author())

    @property
    def doi_url(self) -> str:
        return doi_url(self.doi)

    @property
    def author_list(self) -> list[Author]:
        """Authors in order; uses the prefetch of ReferenceQuerySet.with_authors()."""
        return [a.author for a in sorted(self.authorships.all(), key=lambda a: a.position)]

    @property
    def first_author_label(self) -> str:
        return first_author_label([author.family for author in self.author_list])

    @property
    def match_key(self) -> tuple[str, int | None, str]:
        """Identity of a reference without a DOI: folded title, year, first author's surname."""
        authors = self.author_list
        return (fold(self.title), self.year, fold(authors[0].family) if authors else "")

    def _first_author(self) -> str:
        """The first author's surname: given by the importer before the authorships exist, else stored."""
        if getattr(self, "first_author_hint", None) is not None:
            return self.first_author_hint
        if not self.pk:
            return ""
        first = self.authorships.order_by("position").select_related("author").first()
        return first.author.family if first else ""


class Authorship(models.Model):
    reference = models.ForeignKey(Reference, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField(help_text="1 for the first author.")

    class Meta:
        ordering = ["reference", "position"]
        constraints = [
            models.UniqueConstraint(fields=["reference", "position"], name="authorship_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="authorship_position_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.author}"

    def cache_studies(self) -> set[int]:
        """The studies of its paper, and of the paper it was moved from: what is drawn of them
        shows its author (atlas/caching.py)."""
        papers = {self.reference_id, getattr(self, "_previous_reference_id", None)} - {None}
        return _studies_of(Reference.objects.filter(pk__in=papers))


def _studies_of(papers: models.QuerySet) -> set[int]:
    return set(papers.filter(studies__isnull=False).values_list("studies", flat=True))


# -- a paper shows its authors: a write of them changes the paper ------------------------
# What is drawn of a paper and of its studies is keyed by the paper's time of saving
# (atlas/caching.py); a change of its authors made without saving it marks it saved now.
def _papers_changed(papers) -> None:
    Reference.objects.filter(pk__in=papers).update(updated_at=timezone.now())


@receiver(pre_save, sender=Authorship)
def _remember_previous_paper(sender, instance: Authorship, **kwargs) -> None:
    instance._previous_reference_id = (
        Authorship.objects.filter(pk=instance.pk).values_list("reference_id", flat=True).first()
        if instance.pk
        else None
    )


@receiver(post_save, sender=Authorship)
@receiver(post_delete, sender=Authorship)
def _authorship_written(sender, instance: Authorship, raw=False, **kwargs) -> None:
    if not raw:
        _papers_changed({instance.reference_id, getattr(instance, "_previous_reference_id", None)} - {None})


@receiver(post_save, sender=Author)
def _author_renamed(sender, instance: Author, created=False, raw=False, **kwargs) -> None:
    if not (created or raw):
        _papers_changed(Reference.objects.filter(authorships__author=instance).values("pk"))


@receiver(m2m_changed, sender=Authorship)
def _authors_linked(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Authors linked to a paper, or papers to an author, without saving an authorship (add(),
    set()); a link removed deletes its authorship, whose signal marks the paper."""
    if action == "post_add":
        _papers_changed(pk_set if reverse else {instance.pk})
