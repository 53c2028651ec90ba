"""What every download shares: its file name, its delivery as a whole file, and the JSON
answers of an export.

An export is written once per data version and query as a file (atomically: a reader never
sees half of one), then sent with its Content-Length, an ETag and its SHA-256
(Content-Digest), so a download cut short is visibly incomplete to any client. With
EXPORTS_ACCEL_REDIRECT set, the reverse proxy sends the file itself (X-Accel-Redirect) and
no application worker waits on a slow reader.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils import timezone
from django.utils.text import slugify

from .caching import data_version

# Files of an older data version are removed this long after a newer one is first written
# (a download already under way keeps its open file).
STALE_AFTER_SECONDS = 600

# Parameters that do not choose rows, and so do not name the file.
NOT_IN_FILE_NAME = {"format", "page", "sort", "selection", "bom", "page_size"}
# Parameters that choose rows one by one: the file holds "a selection".
SELECTING = {"id", "citekey"}


def export_filename(stem: str, params, slugs: frozenset[str] = frozenset()) -> str:
    """The download's name: what it holds, by its filter, and the day it was taken, e.g.
    interphase-atlas-studies-garnet-2026-11-25 (a selection of rows reads "selection").
    slugs: the parameters whose values are slugs, which name themselves."""
    parts = []
    for key in sorted(params):
        if key in NOT_IN_FILE_NAME:
            continue
        if key in SELECTING:
            parts.append("selection")
            continue
        for value in params.getlist(key):
            # Slugs name themselves (garnet); a number or a search says what it is (ccd-min-0-5).
            named = value if key in slugs else f"{key} {value}".replace(".", "-").replace("_", "-")
            part = slugify(named)
            if value.strip() and part:
                parts.append(part)
    name = "-".join(dict.fromkeys(parts))[:60].strip("-")
    return "-".join(part for part in (stem, name, timezone.localdate().isoformat()) if part)


def results_response(results: list[dict], filename: str) -> JsonResponse:
    """The {"count", "results"} document of docs/contract.md, shown inline but saved under a sensible name."""
    response = JsonResponse(
        {"count": len(results), "results": results}, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'inline; filename="{filename}.json"'
    return response


def error_response(errors: dict[str, list[str]]) -> JsonResponse:
    """400 for an export asked with bad parameters: which parameter, and why."""
    return JsonResponse({"error": "invalid parameters", "errors": errors}, status=400)


def _folder_for(version: str) -> Path:
    root = Path(settings.EXPORTS_DIR)
    folder = root / version
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for other in root.iterdir():
            if other.is_dir() and other != folder and now - other.stat().st_mtime > STALE_AFTER_SECONDS:
                shutil.rmtree(other, ignore_errors=True)
    return folder


def _write(chunks: Iterable[str | bytes], folder: Path, name: str) -> tuple[Path, str]:
    """The chunks written to folder/name (atomically), and their SHA-256 in hex."""
    digest = hashlib.sha256()
    part = folder / f".{name}.{uuid4().hex}.part"
    try:
        with open(part, "wb") as out:
            for chunk in chunks:
                data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                digest.update(data)
                out.write(data)
        (folder / f"{name}.sha256").write_text(digest.hexdigest())
        os.replace(part, folder / name)
    finally:
        part.unlink(missing_ok=True)
    return folder / name, digest.hexdigest()


def file_download(
    request: HttpRequest, chunks: Iterable[str | bytes], content_type: str, disposition: str
) -> HttpResponse:
    """The export as a whole file: Content-Length, ETag and Content-Digest, or 304 when the
    reader holds it already. disposition: the Content-Disposition header."""
    key = hashlib.sha256(f"{request.get_host()} {request.get_full_path()}".encode()).hexdigest()[:32]
    version = data_version()
    if version is None:  # no cache to agree on a version: a file of this request's own
        folder = Path(tempfile.mkdtemp(dir=_folder_for("unversioned")))
        path, sha = _write(chunks, folder, key)
    else:
        folder = _folder_for(version)
        path = folder / key
        try:
            sha = (folder / f"{key}.sha256").read_text()
            if not path.exists():
                raise FileNotFoundError(path)
        except FileNotFoundError:
            path, sha = _write(chunks, folder, key)
    etag = f'"{sha}"'
    headers = {
        "ETag": etag,
        "Content-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(sha)).decode()}:",
        "Content-Disposition": disposition,
    }
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        return HttpResponseNotModified(headers={"ETag": etag})
    if settings.EXPORTS_ACCEL_REDIRECT and version is not None:
        response = HttpResponse(content_type=content_type, headers=headers)
        response["X-Accel-Redirect"] = f"{settings.EXPORTS_ACCEL_REDIRECT.rstrip('/')}/{version}/{key}"
        return response
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it when sent
    if version is None:
        shutil.rmtree(folder, ignore_errors=True)  # the open handle keeps the file until sent
    response = FileResponse(handle, content_type=content_type, headers=headers)
    response["Content-Disposition"] = disposition  # FileResponse names the file after its key
    return response
