"""A production configuration fails closed and passes Django's deployment checks."""

import os
import subprocess

import pytest

from tests.helpers import MANAGE, PRODUCTION_SECRET_KEY

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": PRODUCTION_SECRET_KEY,
    "ALLOWED_HOSTS": "atlas.example.org",
    "DATABASE_URL": "sqlite:////tmp/atlas-deploy-check.sqlite3",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}} | env
    return subprocess.run([*MANAGE, *args], env=environment, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_debug_or_a_key_the_site_refuses_to_start():
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_behind_a_proxy_the_forwarded_scheme_is_trusted_when_asked():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT)",
        **PRODUCTION,
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        SECURE_SSL_REDIRECT="0",
    )
    assert result.returncode == 0, result.stderr
    assert "('HTTP_X_FORWARDED_PROTO', 'https') False" in result.stdout


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy


@pytest.mark.django_db
def test_postgresql_runs_the_atlass_short_queries_without_compiling_them():
    """PostgreSQL's JIT would compile a query it estimates costly (a count over every study)
    for longer than the query takes to run: every connection turns it off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        # The charts' counts hash every study in memory, not on disk.
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "64MB"
