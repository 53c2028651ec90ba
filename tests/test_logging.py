"""Errors reach someone: every log record is one JSON line on stderr with its request's id,
method and path; a 500 is logged with its traceback, mailed to ADMINS when they are set and
sent to Sentry when SENTRY_DSN is set, without personal data."""

import io
import json
import logging
import os
import subprocess

import pytest
from django.test import Client
from django.urls import path

from atlas.logs import JsonFormatter
from atlas.urls import urlpatterns as site_urlpatterns
from tests.helpers import MANAGE, PRODUCTION_SECRET_KEY

PROXY = "10.0.0.2"


def fails(request):
    raise RuntimeError("the test view fails")


def writes_a_warning(request):
    from django.http import HttpResponse

    logging.getLogger("atlas.test").warning("something to look at")
    return HttpResponse("written")


# The site's URLs, and two that exist only for these tests.
urlpatterns = [path("test-fails/", fails), path("test-warns/", writes_a_warning), *site_urlpatterns]


@pytest.fixture(autouse=True)
def _trusted_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]


@pytest.fixture
def stderr_lines():
    """The lines the site's stderr handler writes during the test, parsed as JSON."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(handlers) == 1, "the root logger writes JSON lines to stderr"
    handler, written = handlers[0], io.StringIO()
    previous = handler.setStream(written)
    lines: list[dict] = []

    def read() -> list[dict]:
        text = written.getvalue()
        lines[:] = [json.loads(line) for line in text.splitlines()]
        assert text.count("\n") == len(lines)  # one record, one line
        return lines

    yield read
    handler.setStream(previous)


@pytest.mark.urls("tests.test_logging")
def test_a_500_is_logged_with_its_path_request_id_and_traceback(db, stderr_lines):
    response = Client(raise_request_exception=False).get("/test-fails/?page=2")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [error] = [line for line in stderr_lines() if line["logger"] == "django.request"]
    assert error["level"] == "ERROR" and error["status"] == 500
    assert error["method"] == "GET" and error["path"] == "/test-fails/"
    assert error["request_id"] == request_id
    assert "Traceback (most recent call last)" in error["exc"]
    assert "RuntimeError: the test view fails" in error["exc"]


@pytest.mark.urls("tests.test_logging")
def test_any_record_written_while_answering_carries_the_request(db, stderr_lines):
    response = Client().get("/test-warns/")
    [warning] = [line for line in stderr_lines() if line["logger"] == "atlas.test"]
    assert warning == warning | {
        "level": "WARNING",
        "message": "something to look at",
        "request_id": response["X-Request-ID"],
        "method": "GET",
        "path": "/test-warns/",
    }
    assert warning["time"].endswith("+00:00")


def test_a_record_outside_a_request_says_so(stderr_lines):
    logging.getLogger("atlas.test").error("at start-up\nsecond line")
    [line] = [line for line in stderr_lines() if line["logger"] == "atlas.test"]
    assert line["request_id"] == line["method"] == line["path"] == "-"
    assert line["message"] == "at start-up\nsecond line"  # still one line of JSON


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote", "offered", "kept"),
    [
        (PROXY, "proxy-id.0123:abc", True),
        ("198.51.100.7", "forged-by-a-client", False),
        (PROXY, "two words", False),
        (PROXY, "x" * 129, False),
    ],
)
def test_the_request_id_of_a_trusted_proxy_is_kept_and_returned(client, remote, offered, kept):
    response = client.get("/about/", REMOTE_ADDR=remote, HTTP_X_REQUEST_ID=offered)
    assert (response["X-Request-ID"] == offered) is kept
    assert response["X-Request-ID"]


def test_each_request_gets_its_own_id(client, db):
    assert client.get("/about/")["X-Request-ID"] != client.get("/about/")["X-Request-ID"]


# -- production: mail to ADMINS, Sentry ------------------------------------------------------------

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": PRODUCTION_SECRET_KEY,
    "ALLOWED_HOSTS": "testserver",
    "SECURE_SSL_REDIRECT": "0",
    "DATABASE_URL": "sqlite:////tmp/atlas-logging-check.sqlite3",
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ADMINS", "SENTRY_DSN"}
    }
    return subprocess.run(
        [*MANAGE, "shell", "-c", code],
        env=environment | PRODUCTION | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


MAIL_A_500 = """
from django.core import mail
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
setup_test_environment()
with override_settings(ROOT_URLCONF="tests.test_logging"):
    response = Client(raise_request_exception=False).get("/test-fails/")
print(response.status_code, len(mail.outbox))
message = mail.outbox[0]
print(message.to, message.subject)
"""


def test_with_admins_set_a_500_is_mailed_to_them():
    result = run_python(MAIL_A_500, ADMINS="Ada Admin <ada@example.org>, bo@example.org")
    assert result.returncode == 0, result.stderr
    status, subject = result.stdout.strip().splitlines()[-2:]
    assert status == "500 1"
    assert "['ada@example.org', 'bo@example.org']" in subject
    assert "Internal Server Error: /test-fails/" in subject
    # stderr has it too, as one JSON line
    assert any('"logger": "django.request"' in line for line in result.stderr.splitlines())


def test_without_admins_nothing_is_mailed():
    result = run_python(MAIL_A_500.split("message = ")[0])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "500 0"


SENTRY = "import sentry_sdk; c = sentry_sdk.get_client(); print(c.is_active(), c.options['send_default_pii'])"


def test_sentry_is_started_only_with_a_dsn_and_sends_no_personal_data():
    result = run_python(SENTRY, SENTRY_DSN="https://public@sentry.example.invalid/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True False"
    unset = run_python(SENTRY)
    assert unset.returncode == 0, unset.stderr
    assert unset.stdout.strip().splitlines()[-1].startswith("False")
