"""Shared fixtures: the curated dataset, loaded once into the test database, and small factories."""

import itertools

import pytest
from django.core.management import call_command

from interfaces.models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Quantity,
    Strategy,
    Study,
    StudyInterlayer,
)
from references.models import Author, Authorship, Reference

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every database test starts from the curated dataset, as a researcher sees it."""
    with django_db_blocker.unblock():
        call_command("load_curated", verbosity=0)


@pytest.fixture
def curated_live(transactional_db):
    """A live-server test flushes the database afterwards, so it loads the data itself."""
    call_command("load_curated", verbosity=0)


def make_reference(*, title=None, doi="", year=2020, authors=(("Doe", "Jane"),), **fields) -> Reference:
    n = next(_counter)
    reference = Reference.objects.create(
        citekey=fields.pop("citekey", f"test{n}ref"),
        title=title or f"Test paper {n}",
        doi=doi,
        year=year,
        journal=fields.pop("journal", "Journal of Tests"),
        **fields,
    )
    for position, (family, given) in enumerate(authors, start=1):
        author, _ = Author.objects.get_or_create(family=family, given=given)
        Authorship.objects.create(reference=reference, author=author, position=position)
    return reference


def make_study(*, reference=None, electrolyte=None, interlayers=(), measurements=(), **fields) -> Study:
    n = next(_counter)
    if electrolyte is None:
        family, _ = ElectrolyteFamily.objects.get_or_create(slug="garnet", defaults={"label": "Garnet oxide"})
        electrolyte = Electrolyte.objects.create(slug=f"test-se-{n}", name=f"SE{n}", family=family)
    study = Study.objects.create(
        key=fields.pop("key", f"test-study-{n}"),
        reference=reference or make_reference(),
        electrolyte=electrolyte,
        strategy=fields.pop("strategy", Strategy.ARTIFICIAL_INTERLAYER),
        summary=fields.pop("summary", "A test study."),
        **fields,
    )
    for position, material in enumerate(interlayers, start=1):
        if isinstance(material, str):
            material, _ = InterlayerMaterial.objects.get_or_create(
                slug=material.lower(), defaults={"name": material, "kind": "oxide"}
            )
        StudyInterlayer.objects.create(study=study, material=material, position=position)
    for position, spec in enumerate(measurements, start=1):
        spec = dict(spec)
        Measurement.objects.create(
            study=study,
            position=position,
            quantity=spec.pop("quantity", Quantity.CCD),
            locator=spec.pop("locator", "test"),
            **spec,
        )
    return study
