"""Shared fixtures: the curated dataset, loaded once into the test database, a signed-in curator,
and pages of a headless Chromium. Plain helpers and factories are in tests/helpers.py."""

import json
import os

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

# Factories and other plain helpers live in tests/helpers.py; these names are imported from
# here by older test modules, so conftest passes them on.
from tests.helpers import CHROMIUM
from tests.helpers import TEST_OUTPUT as TEST_OUTPUT
from tests.helpers import admin_form_data as admin_form_data
from tests.helpers import make_reference as make_reference
from tests.helpers import make_study as make_study
from tests.helpers import needs_chromium as needs_chromium
from tests.helpers import serious_accessibility_violations as serious_accessibility_violations

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


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


@pytest.fixture(scope="session", autouse=True)
def _exports_in_a_temporary_folder(tmp_path_factory):
    """Exports are written as files: in the tests, to a folder of their own."""
    from django.conf import settings

    settings.EXPORTS_DIR = tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="session", autouse=True)
def _no_pages_drawn_after_a_save():
    """A curator's save draws the most read pages again once it is answered (atlas/warming.py):
    off in the tests, which count what a save leaves to its first reader, but for the tests of
    that drawing (tests/test_warming.py), which turn it on."""
    from django.conf import settings

    settings.WARM_AFTER_SAVE, settings.WARM_STUDY_PAGES = [], 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: a rolled-back test must not leave counts behind."""
    from django.core.cache import cache

    cache.clear()


# The rows load_curated writes (every table of the atlas's two apps, their history included),
# read once after the session's load: a live-server test puts them back in a few milliseconds.
CURATED_ROWS: list[tuple[str, list[str], list[tuple]]] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every database test starts from the curated dataset, as a researcher sees it."""
    with django_db_blocker.unblock():
        call_command("load_curated", verbosity=0)
        CURATED_ROWS[:] = curated_rows()


def _curated_models() -> list:
    from django.apps import apps

    return [
        model
        for label in ("references", "interfaces")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def curated_rows() -> list[tuple[str, list[str], list[tuple]]]:
    """(table, columns, rows) of every table load_curated writes, rows in key order."""
    from django.db import connection

    quote = connection.ops.quote_name
    tables = []
    with connection.cursor() as cursor:
        for model in _curated_models():
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(model._meta.pk.column)}")
            tables.append((table, [column[0] for column in cursor.description], cursor.fetchall()))
    return tables


@pytest.fixture
def curated_live(transactional_db):
    """A live-server test flushes the database afterwards, so it puts the curated data back: the
    rows the session's load_curated wrote, inserted as they were (the database's own triggers
    fill the search index) in place of whatever those tables hold (the first such test finds
    the session's rows still there), then the tables' key sequences moved past them. A test
    (test_load_curated.py) keeps them equal to what a fresh load writes."""
    from django.core.cache import cache
    from django.core.management.color import no_style
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, _, _ in reversed(CURATED_ROWS):
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table, columns, rows in CURATED_ROWS:
            if rows:
                names = ", ".join(quote(column) for column in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
        for statement in connection.ops.sequence_reset_sql(no_style(), _curated_models()):
            cursor.execute(statement)
    cache.clear()


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


@pytest.fixture
def new_page(browser, transactional_db):
    """Opens pages in the module's Chromium: new_page(width=1366, height=900, **context_options),
    each in its own browser context, closed after the test. A page's `refused` lists what the
    Content-Security-Policy refused, as the browser's console reports it.

    The pages close before the test's database is emptied (the database fixture is set up first,
    so it is torn down last), and only once the requests they started have been answered: a
    live server still reading a table while it is flushed fails the next test."""
    from playwright.sync_api import Error as PlaywrightError

    contexts = []

    def open_page(width: int = 1366, height: int = 900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.refused = []
        page.on(
            "console",
            lambda message: page.refused.append(message.text) if "Content Security" in message.text else None,
        )
        return page

    yield open_page
    for context in contexts:
        for opened in context.pages:
            try:
                opened.wait_for_load_state("networkidle", timeout=10_000)
            except PlaywrightError:
                pass  # a page that never settles is closed all the same
        context.close()


@pytest.fixture
def page(new_page):
    """A laptop's page, 1366 × 900, that accepts downloads."""
    return new_page(accept_downloads=True)


@pytest.fixture
def phone_page(new_page):
    """A phone's page, 390 × 844, with a touch screen and the mobile viewport rules."""
    return new_page(390, 844, is_mobile=True, has_touch=True)
