"""The list's counts are kept part by part of the studies (atlas/caching.py, cached_by_part): a
write that touches some studies alone has only their parts counted again, a write of a record
studies share has every part that reads it counted again, and whatever was written, the counts a
reader sees are those of a count from scratch."""

from collections import Counter

import pytest
from django.test.utils import override_settings

from atlas import caching
from interfaces import filters
from interfaces.models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Study,
    StudyInterlayer,
)
from interfaces.vocabularies import Quantity, Strategy
from tests.helpers import make_study

pytestmark = pytest.mark.django_db

# What a reader filters by: nothing, a classification, a search, a figure.
QUERIES = [
    "",
    "family=garnet",
    "strategy=artificial-interlayer&method=ald",
    "interlayer_kind=oxide",
    "q=Li3PO4",
    "ccd_min=0.5",
    "year_min=2019",
]
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
SIZE = 10  # the curated studies then fill several parts


@pytest.fixture(autouse=True)
def counted_parts(monkeypatch) -> list[list[int]]:
    """Small parts, and the parts each count reads from the database, in order."""
    monkeypatch.setattr(caching, "PART_SIZE", SIZE)
    asked = []
    real = filters._part_counts

    def counting(studies, parts, every):
        asked.append(list(parts))
        return real(studies, parts, every)

    monkeypatch.setattr(filters, "_part_counts", counting)
    return asked


def shown(client, query: str) -> dict:
    """The counts of the list's filter panel, as a reader gets them."""
    response = client.get(f"/studies/?{query}")
    assert response.status_code == 200
    assert response.context is not None, "a page drawn for this request"
    return {
        facet.param: {value.value: value.count for value in facet.values}
        for facet in response.context["facets"]
    }


def from_scratch(client, query: str) -> dict:
    with override_settings(CACHES=NO_CACHE):
        return shown(client, query)


def all_parts() -> list[int]:
    return list(range(max(Study.objects.values_list("pk", flat=True)) // SIZE + 1))


def test_a_study_reclassified_has_its_part_alone_counted_again(client, counted_parts):
    assert len(all_parts()) >= 3
    before = shown(client, "")
    assert counted_parts == [all_parts()]
    study = Study.objects.filter(strategy=Strategy.ARTIFICIAL_INTERLAYER).order_by("pk").last()
    study.strategy = Strategy.ANODE_DESIGN
    study.save()

    counted_parts.clear()
    after = shown(client, "")
    assert counted_parts == [[study.pk // SIZE]]
    assert after["strategy"]["anode-design"] == before["strategy"]["anode-design"] + 1
    assert after["strategy"]["artificial-interlayer"] == before["strategy"]["artificial-interlayer"] - 1
    assert after == from_scratch(client, "")


def test_a_layer_added_or_removed_counts_its_studys_part_again(client, counted_parts):
    shown(client, "interlayer_kind=metal")
    study = Study.objects.exclude(layers__material__kind="metal").order_by("pk").first()
    metal = InterlayerMaterial.objects.filter(kind="metal").first()
    layer = StudyInterlayer.objects.create(study=study, material=metal, position=9)

    counted_parts.clear()
    assert shown(client, "interlayer_kind=metal") == from_scratch(client, "interlayer_kind=metal")
    assert counted_parts[0] == [study.pk // SIZE]

    layer.delete()
    counted_parts.clear()
    assert shown(client, "interlayer_kind=metal") == from_scratch(client, "interlayer_kind=metal")
    assert counted_parts[0] == [study.pk // SIZE]


def test_a_figure_moved_between_studies_counts_both_parts_again(client, counted_parts):
    first, last = Study.objects.order_by("pk")[0], Study.objects.order_by("-pk")[0]
    assert first.pk // SIZE != last.pk // SIZE
    figure = Measurement.objects.create(
        study=first, position=99, quantity=Quantity.CCD, value=40, locator="t"
    )
    shown(client, "ccd_min=30")
    figure.study = last
    figure.save()

    counted_parts.clear()
    assert shown(client, "ccd_min=30") == from_scratch(client, "ccd_min=30")
    assert counted_parts[0] == sorted({first.pk // SIZE, last.pk // SIZE})


def test_a_write_of_shared_records_counts_again_every_part_that_reads_them(client, counted_parts):
    """An electrolyte renamed: only what a search finds (it reads the names) is counted again; a
    filter by family is kept by the ids of the family's electrolytes. One moved to another family:
    the facets count by the electrolyte's id and group the ids into families once the parts are
    added up, so only what a filter by family (its electrolytes' ids changed) or a search finds is
    counted again; a material's kind: what the interlayer kinds' counts read, so every part of
    every list."""
    queries = ("", "strategy=artificial-interlayer", "family=garnet", "q=Li3PO4", "year_min=2019")
    electrolyte = Electrolyte.objects.filter(family__slug="garnet", studies__isnull=False).first()
    material = InterlayerMaterial.objects.filter(layers__isnull=False).first()

    def renamed():
        electrolyte.aliases += "; LLZO-renamed"
        electrolyte.save()

    def moved():
        electrolyte.family = ElectrolyteFamily.objects.exclude(slug="garnet").first()
        electrolyte.save()

    def kind():
        material.kind = "metal" if material.kind != "metal" else "oxide"
        material.save()

    for write, recounted in (
        (renamed, {"q=Li3PO4"}),
        (moved, {"family=garnet", "q=Li3PO4"}),
        (kind, set(queries)),
    ):
        for query in queries:
            shown(client, query)
        write()
        for query in queries:
            counted_parts.clear()
            kept = shown(client, query)
            assert counted_parts == ([all_parts()] if query in recounted else []), (write.__name__, query)
            assert kept == from_scratch(client, query), (write.__name__, query)


def test_a_new_paper_material_or_electrolyte_recounts_nothing(client, counted_parts):
    """Nothing refers to a record just made: a curator adding a paper, an author, a material or
    an electrolyte (before the study that uses them) leaves every count's parts in the cache,
    and the lists show the new option at once."""
    from references.bibtex.importer import import_bibtex
    from references.models import Author
    from tests.helpers import make_reference

    queries = ("", "family=garnet", "q=Li3PO4", "year_min=2019")
    for query in queries:
        shown(client, query)
    make_reference(authors=())  # its authors are authorships: what a paper's studies show
    Author.objects.create(family="Newcomer", given="A.")
    # Papers imported from BibTeX, with their authors (written in bulk): none has a study yet.
    import_bibtex("@article{fresh, title = {Fresh}, author = {Newcomer, A. and Other, B.}, year = 2024}")
    InterlayerMaterial.objects.create(slug="new-coat", name="NewCoat", kind="oxide")
    Electrolyte.objects.create(
        slug="new-se", name="NewSE", family=ElectrolyteFamily.objects.get(slug="garnet")
    )
    for query in queries:
        counted_parts.clear()
        kept = shown(client, query)
        assert counted_parts == [], query  # every part from the cache, added up again
        assert kept == from_scratch(client, query)
    assert kept["interlayer"]["new-coat"] == 0 and kept["electrolyte"]["new-se"] == 0
    assert "Fresh" in client.get("/references/", {"sort": "-year"}).content.decode()
    # A change of a record studies refer to still reaches every part that reads it.
    material = InterlayerMaterial.objects.filter(layers__isnull=False).first()
    material.kind = "metal" if material.kind != "metal" else "oxide"
    material.save()
    counted_parts.clear()
    kept = shown(client, "")
    assert counted_parts == [all_parts()]
    assert kept == from_scratch(client, "")


def test_a_papers_edit_recounts_only_the_parts_of_its_studies(client, counted_parts):
    """A paper's title or year changes what a search or a filter by year finds of its own
    studies: their parts alone are counted again, whatever the filter."""
    for query in ("", "family=garnet", "q=Li3PO4", "year_min=2019"):
        shown(client, query)
    reference = Study.objects.filter(reference__year__gte=2019).order_by("pk").first().reference
    reference.year = 2011  # out of the filter by year
    reference.save()
    papers_parts = sorted({pk // SIZE for pk in reference.studies.values_list("pk", flat=True)})
    assert papers_parts != all_parts()

    for query in ("", "family=garnet", "q=Li3PO4", "year_min=2019"):
        counted_parts.clear()
        kept = shown(client, query)
        assert counted_parts[0] == papers_parts, query
        assert kept == from_scratch(client, query)
    # An author's name is what the studies of their papers show: those studies' parts alone.
    author = reference.authorships.first().author
    authors_parts = sorted(
        {pk // SIZE for pk in Study.objects.filter(reference__authors=author).values_list("pk", flat=True)}
    )
    assert authors_parts != all_parts()
    author.family += " Renamed"
    author.save()
    counted_parts.clear()
    assert shown(client, "q=Li3PO4") == from_scratch(client, "q=Li3PO4")
    assert counted_parts[0] == authors_parts
    # A search by the new name finds the author's studies at once.
    name_query = f'q="{author.family}"'
    found = client.get(f"/studies/?{name_query}").context["page_obj"].paginator.count
    assert found == Study.objects.filter(reference__authors=author).count() > 0
    assert shown(client, name_query) == from_scratch(client, name_query)

    # The author's papers unlinked from their side (no authorship saved by hand): those too.
    author.references.clear()
    assert shown(client, name_query) == from_scratch(client, name_query)
    assert client.get(f"/studies/?{name_query}").context["page_obj"].paginator.count == 0


def test_whatever_is_written_the_counts_are_those_of_a_count_from_scratch(client):
    """Every kind of write, one after another, each followed by every kind of filter read from
    what the cache kept and from scratch."""
    first = Study.objects.order_by("pk").first()
    garnet = Study.objects.filter(electrolyte__family__slug="garnet").order_by("-pk").first()
    oxide = InterlayerMaterial.objects.filter(kind="oxide").first()

    def reclassify():
        garnet.strategy, garnet.method = Strategy.OTHER, "ald"
        garnet.save()

    def reword():
        first.summary = "A Li3PO4 layer, reworded."
        first.save()

    def figure():
        Measurement.objects.create(study=first, position=98, quantity=Quantity.CCD, value=0.7, locator="t")

    def layer():
        StudyInterlayer.objects.filter(study=garnet).delete()
        StudyInterlayer.objects.create(study=garnet, material=oxide, position=1)

    def new_study():
        make_study(interlayers=["Li3PO4"], measurements=[{"value": 0.9}], method="ald")

    def delete_study():
        Study.objects.filter(key__startswith="test-study-").delete()

    def material_kind():
        oxide.kind = "metal"
        oxide.save()

    def paper():
        reference = first.reference
        reference.year, reference.title = 2012, "Li3PO4 in the title now"
        reference.save()

    for write in (reclassify, reword, figure, layer, new_study, delete_study, material_kind, paper):
        for query in QUERIES:
            shown(client, query)  # kept before the write
        write()
        for query in QUERIES:
            assert shown(client, query) == from_scratch(client, query), (write.__name__, query)


def test_a_familys_strips_follow_a_figure_with_its_part_alone_read_again(client, monkeypatch):
    from interfaces import views

    asked = []
    real = views.family_figures
    monkeypatch.setattr(
        views,
        "family_figures",
        lambda family, parts, every: asked.append(list(parts)) or real(family, parts, every),
    )
    garnet = Study.objects.filter(electrolyte__family__slug="garnet").order_by("pk")
    shown_study, changed = garnet.first(), garnet.last()
    assert shown_study.pk // SIZE != changed.pk // SIZE

    def strips(query_cache=True) -> list:
        if not query_cache:
            with override_settings(CACHES=NO_CACHE):
                return strips()
        response = client.get(f"/studies/{shown_study.pk}/")
        return [row[-1] for row in response.context["in_family"]]

    before = strips()
    assert asked == [all_parts(), all_parts()]  # the figures' digests, then the figures drawn
    Measurement.objects.create(study=changed, position=97, quantity=Quantity.CCD, value=250.0, locator="t")

    asked.clear()
    after = strips()
    assert asked == [[changed.pk // SIZE], [changed.pk // SIZE]]
    assert after == strips(query_cache=False)
    assert after[0]["high"] == 250.0 and after[0]["high"] != before[0]["high"]

    # A save that leaves the family's figures as they were: its part's digest is read again, and
    # the strips are those already drawn.
    asked.clear()
    changed.refresh_from_db()
    changed.summary += " Reworded."
    changed.save()
    assert strips() == after
    assert asked == [[changed.pk // SIZE]]

    # An electrolyte renamed leaves which studies are the family's: no part is read again. One
    # moved into the family brings its studies' figures: every part.
    electrolyte = shown_study.electrolyte
    electrolyte.aliases += "; renamed"
    electrolyte.save()
    asked.clear()
    assert strips() == after and asked == []
    other = (
        Electrolyte.objects.exclude(family=electrolyte.family).filter(studies__best_ccd_value__gt=0).first()
    )
    other.family = electrolyte.family
    other.save()
    asked.clear()
    moved = strips()
    assert asked == [all_parts(), all_parts()]
    assert moved == strips(query_cache=False) and moved[0]["n"] > after[0]["n"]


def test_strips_kept_under_a_digest_they_were_not_drawn_from_are_drawn_again(client):
    """Strips are drawn from the figures as read when drawn; should a save come between the
    digest's reading and the drawing, what was drawn is kept under a digest it does not match,
    and is never shown for it."""
    import hashlib

    from django.core.cache import cache

    from interfaces import views

    study = Study.objects.filter(electrolyte__family__slug="garnet").order_by("pk").first()
    family = study.electrolyte.family_id
    digest = views._family_strips_digest(family)
    key = hashlib.sha1(f"{family}:{digest}".encode()).hexdigest()
    cache.set(f"atlas:family-strips:content:{key}", ("drawn from other figures", ({"n": 0}, {"n": 0})))
    with override_settings(CACHES=NO_CACHE):
        expected = views._family_strips(family, digest)
    assert expected[0]["n"] > 0
    assert views._family_strips(family, digest) == expected
    assert (
        "No garnet study in the atlas reports one" not in client.get(f"/studies/{study.pk}/").content.decode()
    )


def test_a_ranked_searchs_first_pages_are_those_of_ranking_every_match(client, monkeypatch):
    """Each part keeps its own first matches, and a page is ranked among those alone: the
    ids must be those of ranking every match, and a save ranks its study's part alone again."""
    from django.db import connection
    from django.http import QueryDict

    from atlas.caching import RECORDS
    from interfaces.filters import StudyFilter, first_ranked

    if connection.vendor != "postgresql":
        pytest.skip("a search is ranked on PostgreSQL")
    for n in range(30):  # more matches than a page in every part, of every rank
        make_study(summary="A Li3PO4 layer. " + "Li3PO4 coated again. " * (n % 4), interlayers=["Li3PO4"])
    ranked = []
    real = filters._firsts
    monkeypatch.setattr(
        filters,
        "_firsts",
        lambda qs, order, parts, every, top: ranked.append(list(parts)) or real(qs, order, parts, every, top),
    )
    for query in ("Li3PO4", "LLZO", "garnet interlayer", "zzzz-nothing"):
        first = first_ranked(RECORDS, query, "")
        found = StudyFilter(QueryDict(f"q={query}"), queryset=Study.objects.all()).qs
        for bottom, top in ((0, 5), (5, 10), (10, 15), (0, 25), (20, 40)):
            expected = list(found.values_list("pk", flat=True)[bottom:top])
            assert first(found, bottom, top) == expected, (query, top)
    assert first_ranked(RECORDS, "Li3PO4", "-ccd") is None  # a sort of its own reads an index

    page = lambda: [s.pk for s in client.get("/studies/?q=Li3PO4").context["page_obj"]]  # noqa: E731
    page()
    study = Study.objects.filter(key__startswith="test-study-").order_by("pk").first()
    study.summary = "Li3PO4 Li3PO4 Li3PO4 Li3PO4 Li3PO4, now the best match."
    study.save()
    ranked.clear()
    shown = page()
    assert ranked == [[study.pk // SIZE]]
    found = StudyFilter(QueryDict("q=Li3PO4"), queryset=Study.objects.all()).qs
    assert shown == list(found.values_list("pk", flat=True)[:25]) and shown[0] == study.pk


def test_the_overviews_counts_follow_a_reclassified_study_with_its_part_alone_counted_again(
    client, counted_parts
):
    def counts(cache=True) -> tuple:
        if not cache:
            with override_settings(CACHES=NO_CACHE):
                return counts()
        context = client.get("/").context
        families = {family.slug: family.study_count for family in context["families"]}
        return context["counts"]["studies"], families, [(s.value, n) for s, _, n in context["strategies"]]

    before = counts()
    study = Study.objects.filter(strategy=Strategy.ARTIFICIAL_INTERLAYER).order_by("pk").first()
    study.strategy = Strategy.OTHER
    study.save()
    counted_parts.clear()
    after = counts()
    assert counted_parts == [[study.pk // SIZE]]
    assert after == counts(cache=False) and after != before
    assert after[0] == before[0] == Study.objects.count()


CHARTS = ["", "family=garnet", "q=Li3PO4", "strategy=artificial-interlayer"]


@pytest.mark.parametrize("marks_max", [2000, 3])  # every mark drawn; then binned, and the largest cuts
def test_the_charts_after_any_write_are_those_counted_from_scratch(client, monkeypatch, marks_max):
    """The charts' data are added up from what each part of the studies adds to them: after a
    write to one study only its part is counted again, and whatever was written, the charts are
    those counted from scratch."""
    from interfaces import charts, views

    monkeypatch.setattr(charts, "MARKS_MAX", marks_max)
    asked = []
    real = views.chart_parts
    monkeypatch.setattr(
        views,
        "chart_parts",
        lambda studies, parts, every: asked.append(list(parts)) or real(studies, parts, every),
    )

    def charted(query: str, cache=True) -> dict:
        if not cache:
            with override_settings(CACHES=NO_CACHE):
                return charted(query)
        response = client.get(f"/studies/charts/?{query}&format=json")
        assert response.status_code == 200
        return response.json()

    first, last = Study.objects.order_by("pk")[0], Study.objects.order_by("-pk")[0]

    def figure():  # a new highest CCD and a pair with the largest cut, in the last study
        control = Measurement.objects.create(
            study=last,
            position=90,
            quantity=Quantity.INTERFACIAL_RESISTANCE,
            value=5000.0,
            role="control",
            locator="t",
        )
        Measurement.objects.create(
            study=last,
            position=91,
            quantity=Quantity.INTERFACIAL_RESISTANCE,
            value=0.5,
            role="treated",
            control=control,
            locator="t",
        )
        Measurement.objects.create(study=last, position=92, quantity=Quantity.CCD, value=999.0, locator="t")

    def zero():  # a resistance of zero beside one above zero, in the first study
        Measurement.objects.create(
            study=first, position=93, quantity=Quantity.INTERFACIAL_RESISTANCE, value=0.0, locator="t"
        )

    def reclassify():
        last.refresh_from_db()
        last.strategy = Strategy.ANODE_DESIGN if last.strategy != Strategy.ANODE_DESIGN else Strategy.OTHER
        last.save()

    def paper():  # a paper's year: the parts of its studies
        reference = first.reference
        reference.year = 2001
        reference.save()

    def renamed():  # an electrolyte renamed: what a search finds, by its names
        electrolyte = Electrolyte.objects.filter(family__slug="garnet", studies__isnull=False).first()
        electrolyte.aliases += "; renamed"
        electrolyte.save()

    def family():  # an electrolyte moved to another family: what a filter by family finds
        electrolyte = Electrolyte.objects.filter(family__slug="garnet", studies__isnull=False).first()
        electrolyte.family = ElectrolyteFamily.objects.exclude(slug="garnet").first()
        electrolyte.save()

    def material_kind():  # what the charts count reads no material, what a search finds does
        material = InterlayerMaterial.objects.filter(layers__isnull=False).first()
        material.kind = "metal" if material.kind != "metal" else "oxide"
        material.save()

    papers_parts = sorted({pk // SIZE for pk in first.reference.studies.values_list("pk", flat=True)})
    every_part = list(range(Study.objects.order_by("-pk")[0].pk // SIZE + 1))
    # The parts each chart's first request after the write counts, by the write and the query.
    for write, parts in (
        (figure, dict.fromkeys(CHARTS, [[last.pk // SIZE]])),
        (zero, dict.fromkeys(CHARTS, [[first.pk // SIZE]])),
        (reclassify, dict.fromkeys(CHARTS, [[last.pk // SIZE]])),
        (paper, dict.fromkeys(CHARTS, [papers_parts])),
        (renamed, {"": [], "family=garnet": [], "q=Li3PO4": [every_part], CHARTS[3]: []}),
        (family, {"": [], "family=garnet": [every_part], "q=Li3PO4": [every_part], CHARTS[3]: []}),
        (material_kind, {"": [], "family=garnet": [], "q=Li3PO4": [every_part], CHARTS[3]: []}),
    ):
        for query in CHARTS:
            charted(query)  # kept before the write
        write()
        for query in CHARTS:
            asked.clear()
            kept = charted(query)
            assert asked == parts[query], (write.__name__, query)
            assert kept == charted(query, cache=False), (write.__name__, query)
    shown = charted("")
    assert shown["totals"]["ccd"] == Study.objects.filter(best_ccd_value__gt=0).count()
    if marks_max == 3:
        assert shown["pairs"][0]["id"] == last.pk and shown["binned"]["ccd"]
        # Each family's bars count its studies as they are now (the electrolyte moved included).
        by_family = Counter()
        for bar in shown["ccd_bins"]:
            by_family[bar["family"]] += bar["count"]
        with_ccd = Study.objects.filter(best_ccd_value__gt=0)
        assert by_family == Counter(with_ccd.values_list("electrolyte__family__label", flat=True))
    else:
        assert max(mark["value"] for mark in shown["ccd"]) == 999.0


def test_combined_parts_combine_again_only_the_block_of_a_written_part(monkeypatch):
    """cached_combined keeps each block of parts combined: after a write to one study, its part
    is computed again, its block combined again from its parts, and the blocks combined."""
    monkeypatch.setattr(caching, "BLOCK_SIZE", 2)
    computed, combined = [], []

    def compute(parts, every):
        computed.append(list(parts))
        return {part: Study.objects.filter(caching.in_parts([part])).count() for part in parts}

    def combine(values):
        combined.append(len(values))
        return sum(values)

    def total():
        parts = all_parts()
        return caching.cached_combined(
            "test-total", "", compute, combine, parts=len(parts), reads=caching.CLASSES
        )

    blocks = (len(all_parts()) + 1) // 2
    assert blocks >= 2
    assert total() == Study.objects.count()
    assert computed == [all_parts()] and combined == [2] * (len(all_parts()) // 2) + [1] * (
        len(all_parts()) % 2
    ) + [blocks]

    study = Study.objects.order_by("pk").first()
    computed.clear(), combined.clear()
    assert total() == Study.objects.count()  # kept: the blocks alone combined
    assert computed == [] and combined == [blocks]

    study.strategy = Strategy.ANODE_DESIGN if study.strategy != Strategy.ANODE_DESIGN else Strategy.OTHER
    study.save()
    before = all_parts()
    new = make_study(electrolyte=study.electrolyte)  # in the last part, or in a new one
    computed.clear(), combined.clear()
    assert total() == Study.objects.count()
    # The written parts, and those the new study's id added (ids may leave some parts empty).
    written = sorted({study.pk // SIZE, new.pk // SIZE, *(set(all_parts()) - set(before))})
    assert computed == [written]
    assert sum(combined[:-1]) <= 2 * len(written) and combined[-1] == (len(all_parts()) + 1) // 2
