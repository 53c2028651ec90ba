"""Shared fixtures: the curated dataset, loaded once into the test database, and small factories."""

import itertools
import json
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
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

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TEST_OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} does not exist: install Debian's chromium"
)


@pytest.fixture(scope="session", autouse=True)
def _test_client_reads_streamed_bodies():
    """response.content and response.json() of a streamed export (JSON, CSV, BibTeX and RIS
    stream) read the whole stream, as a browser would."""
    from django.http import StreamingHttpResponse
    from django.test.client import Client

    def content(self) -> bytes:
        if not hasattr(self, "_whole_body"):
            self._whole_body = b"".join(self.streaming_content)
            # Whoever iterates the response afterwards (a live server sending a static file
            # some middleware has looked into) still gets the whole body.
            self.streaming_content = [self._whole_body]
        return self._whole_body

    original_content, original_parse = StreamingHttpResponse.content, Client._parse_json

    def parse(self, response, **extra):
        if getattr(response, "streaming", False) and not hasattr(response, "_json"):
            response._json = json.loads(response.content.decode(response.charset), **extra)
        return original_parse(self, response, **extra)

    StreamingHttpResponse.content, Client._parse_json = property(content), parse
    yield
    StreamingHttpResponse.content, Client._parse_json = original_content, original_parse


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: a rolled-back test must not leave counts behind."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every database test starts from the curated dataset, as a researcher sees it."""
    with django_db_blocker.unblock():
        call_command("load_curated", verbosity=0)


@pytest.fixture
def curated_live(transactional_db):
    """A live-server test flushes the database afterwards, so it loads the data itself."""
    call_command("load_curated", verbosity=0)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium, driven by Playwright, shared by a module's browser tests."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database
    # reads are ordinary synchronous queries, so Django may run them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def curator(client):
    """A staff member of the Curator group, signed in to the test client."""
    user = User.objects.create_user("carla", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Curator"))
    client.force_login(user)
    return user


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


def admin_form_data(page) -> dict:
    """What an admin change page would post back unchanged: its form and its inlines' saved rows."""
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        forms = [f for f in fs.forms if f.instance.pk]
        data |= {f"{fs.prefix}-TOTAL_FORMS": len(forms), f"{fs.prefix}-INITIAL_FORMS": len(forms)}
        for index, f in enumerate(forms):
            for name in f.fields:
                value = f[name].value()
                data[f"{fs.prefix}-{index}-{name}"] = "" if value is None else value
    return data


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


def serious_accessibility_violations(page) -> list[str]:
    """What axe-core (vendored from npm) finds of serious or critical impact on the page."""
    # Loaded from the site's own static files: the pages' Content-Security-Policy refuses inline scripts.
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
