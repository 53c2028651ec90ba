"""An export arrives whole or visibly broken: written once per data version and query as a
file, then sent with its length, an ETag and its SHA-256; a failure while writing leaves no
file and sends no partial answer."""

import base64
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interfaces.exports import as_csv
from tests.helpers import csv_rows, make_study

pytestmark = pytest.mark.django_db
EXPORTS = [
    "/studies/?format=csv",
    "/studies/?format=json&family=garnet",
    "/studies/?format=bib",
    "/references/?format=ris",
    "/references/?format=csl&year_min=2019",
    "/references/han2017negating.bib",
]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("url", EXPORTS)
def test_every_export_says_its_length_and_checksum(client, url):
    response = client.get(url)
    body = _body(response)
    assert response.status_code == 200 and body
    assert int(response["Content-Length"]) == len(body)
    sha = hashlib.sha256(body).digest()
    assert response["Content-Digest"] == f"sha-256=:{base64.b64encode(sha).decode()}:"
    assert response["ETag"] == f'"{sha.hex()}"'
    assert "filename=" in response["Content-Disposition"] and ".sha256" not in response["Content-Disposition"]


def test_the_file_is_written_once_per_data_version_and_sent_again_from_disk(client):
    url = "/studies/?format=csv&family=garnet"
    first = _body(client.get(url))
    with CaptureQueriesContext(connection) as again:
        second = client.get(url)
    assert _body(second) == first
    with CaptureQueriesContext(connection) as fresh:
        client.get("/studies/?format=csv&family=nasicon")
    assert len(again) < len(fresh)  # no export query the second time
    # A reader who holds this version is told so.
    assert client.get(url, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304


def test_an_edit_gives_the_next_download_the_new_data(client):
    url = "/studies/?format=csv"
    before = csv_rows(client.get(url))
    study = make_study(interlayers=["ZrO2"], measurements=[{"value": 4.2}])
    after = csv_rows(client.get(url))
    assert len(after) == len(before) + 1
    assert str(study.pk) in {row["study_id"] for row in after}


def test_a_failure_while_writing_leaves_no_file_and_no_partial_answer(client, monkeypatch):
    real = as_csv._csv_pieces

    def failing(*args, **kwargs):
        yield from real(*args, **kwargs)
        raise RuntimeError("the worker was killed")

    monkeypatch.setattr(as_csv, "_csv_pieces", failing)
    client.raise_request_exception = False
    assert client.get("/studies/?format=csv").status_code == 500
    assert not [p for p in Path(settings.EXPORTS_DIR).rglob("*") if p.is_file() and p.name.endswith(".part")]
    monkeypatch.setattr(as_csv, "_csv_pieces", real)
    response = client.get("/studies/?format=csv")
    assert response.status_code == 200 and int(response["Content-Length"]) == len(_body(response))


def test_without_a_cache_the_export_is_still_whole(client, monkeypatch):
    from atlas import downloads

    monkeypatch.setattr(downloads, "data_version", lambda: None)
    response = client.get("/studies/?format=json")
    body = _body(response)
    assert int(response["Content-Length"]) == len(body) and body.endswith(b"]}")
    assert not list((Path(settings.EXPORTS_DIR) / "unversioned").iterdir())  # nothing kept


def test_behind_nginx_the_proxy_sends_the_file(client, settings):
    settings.EXPORTS_ACCEL_REDIRECT = "/protected-exports/"
    response = client.get("/studies/?format=csv")
    location = response["X-Accel-Redirect"]
    assert location.startswith("/protected-exports/") and response.content == b""
    written = Path(settings.EXPORTS_DIR) / location.removeprefix("/protected-exports/")
    assert hashlib.sha256(written.read_bytes()).hexdigest() == response["ETag"].strip('"')
    assert response["Content-Disposition"].startswith("attachment; filename=")


def test_files_of_old_data_versions_are_removed(client, settings, tmp_path):
    import os
    import time

    settings.EXPORTS_DIR = tmp_path
    client.get("/studies/?format=csv")
    (old,) = list(tmp_path.iterdir())
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    make_study()  # a new data version
    client.get("/studies/?format=csv")
    assert old not in list(tmp_path.iterdir()) and len(list(tmp_path.iterdir())) == 1
