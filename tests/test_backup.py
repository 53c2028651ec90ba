"""The README's backup and restore: pg_dump of the whole database, pg_restore into a fresh one,
and the same atlas comes back (every table, row for row); and the curated files alone rebuild
the data in an empty database."""

import subprocess

import psycopg2
import pytest
from django.db import connection

from tests.helpers import require_binary

pytestmark = pytest.mark.django_db


def _tables_and_rows(dsn: dict) -> dict[str, str]:
    """Every table of the public schema with an md5 of its rows in key order."""
    with psycopg2.connect(**dsn) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [name for (name,) in cursor.fetchall()]
        digests = {}
        for table in tables:
            rows = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            cursor.execute(f'SELECT count(*), {rows} FROM "{table}" t')
            digests[table] = "{} {}".format(*cursor.fetchone())
        return digests


def test_a_dump_restores_into_a_fresh_database_as_it_was(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore back up PostgreSQL")
    pg_dump, pg_restore = require_binary("pg_dump"), require_binary("pg_restore")
    settings = connection.settings_dict
    dsn = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
    }
    source = settings["NAME"]
    restored = f"{source}_restored"
    connection.ensure_connection()
    dump = tmp_path / "atlas.dump"
    common = ["-h", dsn["host"], "-p", str(dsn["port"]), "-U", dsn["user"]]
    subprocess.run([pg_dump, *common, "-Fc", "-f", str(dump), source], check=True, timeout=300)
    admin = psycopg2.connect(**dsn, dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
            cursor.execute(f'CREATE DATABASE "{restored}"')
        subprocess.run(
            [pg_restore, *common, "--no-owner", "-d", restored, str(dump)], check=True, timeout=300
        )
        before = _tables_and_rows(dsn | {"dbname": source})
        after = _tables_and_rows(dsn | {"dbname": restored})
        assert after == before
        assert int(after["interfaces_measurement"].split()[0]) > 100
        assert int(after["references_reference"].split()[0]) > 90
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.close()
