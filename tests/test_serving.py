"""Production serving: gunicorn with WhiteNoise's hashed, compressed static files, and reads
sent to a replica (here a second connection to the same database) while writes stay primary."""

import base64
import hashlib
import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers import MANAGE, PRODUCTION_SECRET_KEY


def environment(tmp_path: Path, **extra: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    return (
        base
        | {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
            "STATIC_ROOT": str(tmp_path / "static"),
            "SECRET_KEY": PRODUCTION_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        | extra
    )


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([*MANAGE, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_reads_go_to_the_replica_and_writes_and_the_admin_to_the_primary(tmp_path):
    env = environment(tmp_path, DEBUG="1")
    run(env, "migrate", "-v0")
    run(env, "load_curated", "-v0")
    env["DATABASE_REPLICA_URLS"] = env["DATABASE_URL"]
    script = """
from django.db import connections, router
from django.test import Client
from django.test.utils import CaptureQueriesContext
from interfaces.models import Study
client = Client(HTTP_HOST="localhost")
def counts(path, method="get"):
    with CaptureQueriesContext(connections["default"]) as primary:
        with CaptureQueriesContext(connections["replica1"]) as replica:
            assert getattr(client, method)(path).status_code < 500
    return len(primary), len(replica)
counts("/studies/")  # the facets' counts are computed once, from the primary, and cached
print("list", *counts("/studies/"))
from django.contrib.auth.models import User
client.force_login(User.objects.create_superuser("admin", password="pw"))
print("admin", *counts("/admin/interfaces/study/"))
client.logout()
print("post", *counts("/studies/1/report/", "post"))
print("command", router.db_for_read(Study), router.db_for_write(Study))
"""
    out = run(env, "shell", "-c", script).stdout
    primary, replica = map(int, re.search(r"list (\d+) (\d+)", out).groups())
    assert replica > 0 and primary == 0  # a public page reads from the replica only
    primary, replica = map(int, re.search(r"admin (\d+) (\d+)", out).groups())
    assert replica == 0 and primary > 0  # a curator reads back what was just saved
    primary, replica = map(int, re.search(r"post (\d+) (\d+)", out).groups())
    assert replica == 0 and primary > 0  # a form that writes reads the primary too
    assert "command default default" in out  # commands (load_curated …) stay on the primary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn_serving(env: dict, stderr=subprocess.DEVNULL):
    """The atlas built (migrated, the curated data loaded, static files collected) and served by
    gunicorn with gunicorn.conf.py and 2 workers on a free port, until the block ends."""
    run(env, "migrate", "-v0")
    run(env, "load_curated", "-v0")
    run(env, "collectstatic", "--noinput", "-v0")
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "atlas.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_serves_pages_and_compressed_hashed_static_files(tmp_path):
    env = environment(tmp_path, DEBUG="0", SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    with gunicorn_serving(env, stderr=subprocess.PIPE) as (port, server):
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/studies/", timeout=5)
        assert page.status == 200
        html = page.read().decode()
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        css = re.search(r'href="(/static/atlas\.[0-9a-f]{12}\.css)"', html).group(1)  # hashed name
        request = urllib.request.Request(f"http://127.0.0.1:{port}{css}", headers={"Accept-Encoding": "gzip"})
        static = urllib.request.urlopen(request, timeout=5)
        assert static.headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in static.headers["Cache-Control"]  # hashed names cache forever
        # An export arrives whole, its length and checksum said, from a threaded worker.
        export = urllib.request.urlopen(f"http://127.0.0.1:{port}/studies/?format=csv", timeout=30)
        body = export.read()
        assert int(export.headers["Content-Length"]) == len(body) > 10_000
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert export.headers["Content-Digest"] == f"sha-256=:{digest}:"
    assert "Using worker: gthread" in server.stderr.read().decode()  # gunicorn.conf.py was read


def claimed_redis_database():
    """A Redis database of this machine's no other test run is using (the suites on SQLite and
    on PostgreSQL run side by side), emptied and claimed for a few minutes."""
    import redis

    for number in range(10, 16):
        url = f"redis://127.0.0.1:6379/{number}"
        store = redis.Redis.from_url(url, socket_connect_timeout=1)
        try:
            if store.set("test-run-claim", os.getpid(), nx=True, ex=300):
                store.flushdb()
                store.set("test-run-claim", os.getpid(), ex=300)
                return url, store
        except redis.exceptions.ConnectionError:
            pytest.skip("no Redis at 127.0.0.1:6379")
    pytest.skip("every Redis database for tests is claimed")


def test_answers_kept_by_the_workers_give_way_at_once_to_a_save_made_in_another_process(tmp_path):
    """Two gunicorn workers keep public answers whole in a shared Redis; a curator's save in a
    third process (a command, the admin of another server) is what the next reader of either
    worker gets."""
    url, store = claimed_redis_database()
    env = environment(tmp_path, DEBUG="0", SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", REDIS_URL=url)
    try:
        with gunicorn_serving(env) as (port, _):
            with sqlite3.connect(tmp_path / "serve.sqlite3") as db:
                (study,) = db.execute("SELECT id FROM interfaces_study ORDER BY id LIMIT 1").fetchone()
            page = f"http://127.0.0.1:{port}/studies/{study}/"

            def read() -> str:
                # A new connection each time, so both workers answer in turn.
                return urllib.request.urlopen(page, timeout=10).read().decode()

            first = read()
            assert all(read() == first for _ in range(6))
            assert store.keys("*atlas:answer:*"), "the answer was not kept"
            saved = "Reworded by a curator in another process."
            save = f"from interfaces.models import Study; s = Study.objects.get(pk={study}); "
            run(env, "shell", "-c", save + f"s.summary = {saved!r}; s.save()")
            assert all(saved in read() for _ in range(6))
    finally:
        store.flushdb()


def test_a_curators_save_draws_the_most_read_pages_again_before_any_reader_asks(tmp_path):
    """gunicorn with Redis: a curator adds a material through the admin; once answered, the worker
    asks for the most read addresses itself, so their answers are kept under the new data version
    before any reader comes."""
    url, store = claimed_redis_database()
    env = environment(tmp_path, DEBUG="0", SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", REDIS_URL=url)
    env["WARM_AFTER_SAVE"] = "/,/studies/,/references/"
    try:
        with gunicorn_serving(env) as (port, _):
            run(env, "shell", "-c", "from django.contrib.auth.models import User; "
                "User.objects.create_superuser('root', password='a-long-pass-phrase-1')")  # fmt: skip
            site = f"http://127.0.0.1:{port}"
            jar = http.cookiejar.CookieJar()
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

            def post(path: str, fields: dict) -> int:
                form = browser.open(site + path, timeout=10).read().decode()
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
                data = urllib.parse.urlencode(fields | {"csrfmiddlewaretoken": token}).encode()
                request = urllib.request.Request(site + path, data=data, headers={"Referer": site + path})
                return browser.open(request, timeout=30).status

            post("/admin/login/?next=/admin/", {"username": "root", "password": "a-long-pass-phrase-1"})
            for path in ("/", "/studies/", "/references/"):  # kept under the data version before the save
                urllib.request.urlopen(site + path, timeout=10).read()
            kept_before = set(store.keys("*atlas:answer:*"))
            new_material = {"slug": "zirconite-x", "name": "Zirconite X", "kind": "oxide", "_save": "Save"}
            assert (
                post("/admin/interfaces/interlayermaterial/add/", new_material) == 200
            )  # the list, after 302
            for _ in range(100):  # the worker draws them once the curator is answered
                drawn = set(store.keys("*atlas:answer:*")) - kept_before
                if len(drawn) >= 3:
                    break
                time.sleep(0.1)
            assert len(drawn) >= 3, "the most read pages were not drawn again after the save"
            assert "Zirconite X" in urllib.request.urlopen(site + "/interlayers/", timeout=10).read().decode()
    finally:
        store.flushdb()
