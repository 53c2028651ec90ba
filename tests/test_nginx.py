"""docs/nginx.conf, run by a real nginx in front of a live atlas: what it keeps, for how long, and
what it never keeps."""

import os
import shutil
import subprocess
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.signals import request_started
from django.test import Client

from tests.helpers import make_study
from tests.test_serving import free_port

NGINX = next(
    (path for path in (shutil.which("nginx"), "/usr/sbin/nginx") if path and os.access(path, os.X_OK)), None
)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (Debian: apt-get install nginx)"
)
MAX_AGE = STALE = 1


class Proxy:
    """nginx in the foreground, with the sample configuration pointed at the live server."""

    def __init__(self, folder: Path, backend: str):
        self.folder, self.port = folder, free_port()
        text = (settings.BASE_DIR / "docs" / "nginx.conf").read_text()
        for sample, here in {
            "/var/cache/nginx/atlas": str(folder / "cache"),
            "server 127.0.0.1:8000;": f"server {backend};",
            "listen 80;": f"listen 127.0.0.1:{self.port};",
            "/srv/atlas/exports/": f"{settings.EXPORTS_DIR}/",
        }.items():
            assert text.count(sample) == 1, f"docs/nginx.conf no longer holds {sample!r}"
            text = text.replace(sample, here)
        (folder / "atlas.conf").write_text(text)
        temporary = " ".join(
            f"{kind}_temp_path {folder / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")  # its workers read the test's own folders
            + "worker_processes 1;\nevents { worker_connections 256; }\n"
            + f"http {{ access_log {folder / 'access.log'}; {temporary} include {folder / 'atlas.conf'}; }}\n"
        )
        self.process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
            + ["-g", f"daemon off; pid {folder / 'nginx.pid'};"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/robots.txt", timeout=2).read()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"nginx did not start: {self.errors()}")

    def errors(self) -> str:
        log = self.folder / "error.log"
        return log.read_text() if log.exists() else self.process.stderr.read().decode()

    def get(self, path: str, cookie: str = "") -> tuple[str, dict, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Cookie": cookie} if cookie else {}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers.get("X-Cache-Status", ""), response.headers, response.read().decode()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def study(transactional_db):
    return make_study(interlayers=("Al2O3",), measurements=[{"value": 1.2}])


@pytest.fixture
def proxy(live_server, study, tmp_path, settings):
    settings.PUBLIC_MAX_AGE, settings.PUBLIC_STALE_SECONDS = MAX_AGE, STALE
    settings.ETAGS_FROM_DATA_VERSION = True  # one process, one data version
    proxy = Proxy(tmp_path, live_server.url.removeprefix("http://"))
    yield proxy
    proxy.stop()


@pytest.fixture
def reached_django():
    """The paths of the requests that reached Django, in order."""
    paths: list[str] = []

    def record(sender, environ, **kwargs):
        paths.append(environ["PATH_INFO"])

    request_started.connect(record)
    yield paths
    request_started.disconnect(record)


def test_a_repeat_is_served_by_the_proxy_without_reaching_django(proxy, reached_django):
    status, headers, first = proxy.get("/studies/")
    assert (
        status == "MISS" and headers["Cache-Control"].startswith("public") and reached_django == ["/studies/"]
    )
    status, headers, again = proxy.get("/studies/")
    assert status == "HIT" and again == first and reached_django == ["/studies/"]
    assert headers["X-Request-ID"]  # the proxy's own for this request


def test_an_expired_copy_is_renewed_by_a_304_from_django(proxy, reached_django):
    proxy.get("/references/")
    time.sleep(MAX_AGE + 1.1)
    status, _, _ = proxy.get("/references/")
    assert status == "REVALIDATED" and reached_django == ["/references/", "/references/"]


def test_a_curators_save_is_seen_through_the_proxy_within_the_bound(proxy, study):
    url = study.get_absolute_url()
    proxy.get(url)
    study.summary = "A value a curator corrected just now."
    study.save()
    status, _, page = proxy.get(url)
    assert status == "HIT" and "corrected just now" not in page  # the kept copy, before it expires
    saved = time.monotonic()
    while "corrected just now" not in proxy.get(url)[2]:
        assert time.monotonic() - saved < MAX_AGE + 1, "the save was not seen within the bound"
        time.sleep(0.1)


def test_a_signed_in_curator_is_never_served_from_the_cache(proxy, study, reached_django):
    browser = Client()
    browser.force_login(User.objects.create_user("carla", password="pw", is_staff=True))
    session = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    url = study.get_absolute_url()
    assert [proxy.get(url)[0] for _ in range(2)] == ["MISS", "HIT"]
    study.summary = "Saved by carla."
    study.save()
    for _ in range(2):
        status, headers, page = proxy.get(url, cookie=session)
        assert status == "BYPASS" and "private" in headers["Cache-Control"] and "Saved by carla." in page
    assert reached_django == [url, url, url]
    status, _, page = proxy.get(url)  # what the curator was sent was not kept for others
    assert status == "HIT" and "Saved by carla." not in page


def test_a_form_holding_a_csrf_token_and_the_admin_are_never_kept(proxy, study, reached_django):
    form = f"/studies/{study.pk}/report/"
    assert [proxy.get(form)[0] for _ in range(2)] == ["MISS", "MISS"]
    assert proxy.get(form, cookie="csrftoken=abc")[0] == "BYPASS"
    _, headers, _ = proxy.get("/admin/login/")
    assert "X-Cache-Status" not in headers and "private" in headers["Cache-Control"]
    assert reached_django == [form, form, form, "/admin/login/"]


def test_the_load_script_says_how_the_proxy_answered(proxy, study):
    out = StringIO()
    call_command(
        "loadtest", f"http://127.0.0.1:{proxy.port}", "--seconds", "2", "--clients", "2",
        "--study", str(study.pk), "--kinds", "list,study,api", stdout=out,
    )  # fmt: skip
    assert (
        "proxy cache (X-Cache-Status): HIT" in out.getvalue() and "every answer a success" in out.getvalue()
    )


def test_an_export_is_sent_by_nginx_from_the_folder_django_wrote_it_to(proxy, settings, reached_django):
    settings.EXPORTS_ACCEL_REDIRECT = "/protected-exports/"
    bodies = []
    for _ in range(2):
        _, headers, body = proxy.get("/studies/?format=csv")
        assert "attachment" in headers["Content-Disposition"] and "X-Accel-Redirect" not in headers
        bodies.append(body)
    assert bodies[0] == bodies[1] and bodies[0].count("\n") > 1
    # Not a second copy in the proxy's cache: Django names the file it wrote, nginx sends it.
    assert reached_django == ["/studies/", "/studies/"]
