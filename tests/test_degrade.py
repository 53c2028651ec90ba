"""A helper service failing never takes a page down: Redis refusing or hanging, a replica
refusing, failing mid-request or lagging. Each fault is made for real, in a separate Django
process (manage.py shell) pointed at it, as a deployment would meet it."""

import re
import socket
import threading
from pathlib import Path

import pytest

from tests.test_serving import environment, free_port, run

PAGES = ["/", "/studies/", "/studies/?family=garnet", "/references/", "/electrolytes/", "/api/studies/"]

PROBE = """
import time
from django.test import Client
client = Client(HTTP_HOST="localhost")
for path in {pages!r}:
    started = time.monotonic()
    status = client.get(path).status_code
    print("page", path, status, round(time.monotonic() - started, 3))
"""


def _pages(out: str) -> list[tuple[str, int, float]]:
    return [
        (path, int(status), float(took)) for path, status, took in re.findall(r"page (\S+) (\d+) (\S+)", out)
    ]


@pytest.fixture(scope="module")
def curated(tmp_path_factory) -> dict:
    """A migrated, loaded SQLite primary, shared by this module's processes (none writes to it)."""
    tmp_path = tmp_path_factory.mktemp("degrade")
    env = environment(tmp_path, DEBUG="1")
    run(env, "migrate", "-v0")
    run(env, "load_curated", "-v0")
    return env


class HungServer:
    """A TCP server that accepts connections and never answers: a hung Redis."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_with_redis_refusing_connections_every_page_answers(curated):
    env = curated | {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    out = run(env, "shell", "-c", PROBE.format(pages=PAGES)).stdout
    assert [(path, status) for path, status, _ in _pages(out)] == [(path, 200) for path in PAGES]


def test_with_redis_hung_pages_answer_without_waiting_for_it(curated):
    hung = HungServer()
    try:
        env = curated | {"REDIS_URL": f"redis://127.0.0.1:{hung.port}/0"}
        out = run(env, "shell", "-c", PROBE.format(pages=PAGES * 2)).stdout
    finally:
        hung.close()
    pages = _pages(out)
    assert {status for _, status, _ in pages} == {200}
    # One short timeout, then the cache is left alone: the whole walk takes seconds, where each
    # page used to wait for the worker's 30 s timeout.
    assert sum(took for _, _, took in pages) < 20, pages
    assert hung.held, "the pages did try the cache"


def test_a_save_while_redis_is_away_is_kept_and_no_old_count_is_served_after(curated, tmp_path):
    """The data version owed while the cache was away is replaced once it answers."""
    script = """
from unittest import mock
from django.core.cache import cache
from django.test import Client
from atlas import caching
from interfaces.models import Electrolyte
client = Client(HTTP_HOST="localhost")
before = client.get("/electrolytes/").content.decode().count('class="electrolyte-row"')
version = caching.data_version()
with mock.patch.object(cache, "set", side_effect=ConnectionError("cache away")):
    caching._new_version()
caching._breaker.open_until = 0  # the retry interval has passed
print("owed", caching._breaker.version_owed)
print("changed", caching.data_version() != version)
"""
    out = run(curated | {"DEBUG": "1"}, "shell", "-c", script).stdout
    assert "owed True" in out and "changed True" in out


def test_with_a_replica_refusing_connections_public_pages_come_from_the_primary(curated):
    for replica in (
        f"postgres://postgres@127.0.0.1:{free_port()}/atlas",
        "sqlite:////nonexistent/dir/replica.db",
    ):
        env = curated | {"DATABASE_REPLICA_URLS": replica}
        out = run(env, "shell", "-c", PROBE.format(pages=PAGES)).stdout
        assert [(path, status) for path, status, _ in _pages(out)] == [(path, 200) for path in PAGES], replica


def test_a_replica_failing_mid_request_is_left_out_and_the_page_answered_from_the_primary(curated, tmp_path):
    empty = tmp_path / "empty.sqlite3"  # answers, but holds no table: every read errs
    empty.touch()
    env = curated | {"DATABASE_REPLICA_URLS": f"sqlite:///{empty}"}
    out = run(env, "shell", "-c", PROBE.format(pages=PAGES)).stdout
    assert [(path, status) for path, status, _ in _pages(out)] == [(path, 200) for path in PAGES]


def _stale_copy(env: dict, tmp_path: Path) -> Path:
    """A replica behind the primary: a copy of its database before the last studies were added."""
    import sqlite3

    primary = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    copy = tmp_path / "stale.sqlite3"
    with sqlite3.connect(primary) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as target:
        target.execute("PRAGMA foreign_keys = OFF")
        for table in ("interfaces_measurement", "interfaces_studyinterlayer", "interfaces_study"):
            target.execute(
                f"DELETE FROM {table} WHERE {'study_id' if table != 'interfaces_study' else 'id'} > 20"
            )
    return copy


COUNTS = """
from django.test import Client
from interfaces.models import Study
client = Client(HTTP_HOST="localhost")
page = client.get("/").content.decode()
print("primary", Study.objects.count())
print("home", page)
"""


def test_counts_are_computed_from_the_primary_so_a_lagging_replica_leaves_none_wrong(curated, tmp_path):
    env = curated | {"DATABASE_REPLICA_URLS": f"sqlite:///{_stale_copy(curated, tmp_path)}"}
    out = run(env, "shell", "-c", COUNTS).stdout
    studies = int(re.search(r"primary (\d+)", out).group(1))
    assert studies > 20
    assert re.search(rf"\b{studies}\b\s*(<[^>]+>\s*)*studies", out), (
        "the home page counts the primary's studies"
    )


def test_a_replica_lagging_past_the_bound_is_skipped(curated, tmp_path):
    script = """
from unittest import mock
from django.test import Client
from django.db import connections
from django.test.utils import CaptureQueriesContext
from atlas import routers
client = Client(HTTP_HOST="localhost")
with mock.patch.object(routers, "replica_lag_bytes", return_value=10**9):
    client.get("/studies/")  # the facets' counts are computed and cached from the primary
    with CaptureQueriesContext(connections["replica1"]) as replica:
        assert client.get("/studies/").status_code == 200
print("replica queries", len(replica))
print("left out", not routers.health.usable("replica1"))
"""
    env = curated | {"DATABASE_REPLICA_URLS": curated["DATABASE_URL"]}
    out = run(env, "shell", "-c", script).stdout
    assert "replica queries 0" in out and "left out True" in out


def test_a_browser_that_just_wrote_reads_its_write_from_the_primary(curated, tmp_path):
    """A reader's report is written to the primary; their next pages read the primary too, even
    with a replica that has not caught up (here: one still without the newest studies)."""
    script = """
from django.test import Client
from interfaces.models import Study
client = Client(HTTP_HOST="localhost")
newest = Study.objects.order_by("pk").last()
print("before", client.get(newest.get_absolute_url()).status_code)
report = {"problem": "The unit looks wrong.", "correction": "", "evidence": "", "email": "", "website": ""}
response = client.post(f"/studies/{newest.pk}/report/", report)
print("status", response.status_code, "cookie", "atlas_wrote" in response.cookies)
print("after", client.get(newest.get_absolute_url()).status_code)
"""
    env = curated | {"DATABASE_REPLICA_URLS": f"sqlite:///{_stale_copy(curated, tmp_path)}"}
    out = run(env, "shell", "-c", script).stdout
    assert "before 404" in out  # the replica has not caught up yet
    assert "status 200 cookie True" in out, out[-800:]
    assert "after 200" in out  # the writer reads the primary
