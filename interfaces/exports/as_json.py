"""The study list as one JSON document, written a piece at a time."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from django.db.models import QuerySet

from atlas.downloads import file_download

from .documents import PIECE_BYTES, export_ids, study_documents


def json_chunks(studies: QuerySet) -> Iterator[bytes]:
    """The {"count", "results"} document of docs/contract.md, a piece at a time, so memory stays flat."""
    ids = export_ids(studies)
    piece = [f'{{"count": {len(ids)}, "results": ['.encode()]
    size, separator = 0, b""
    for study in study_documents(ids):
        # orjson writes UTF-8 directly, without the str round trip of json.dumps.
        text = separator + orjson.dumps(study)
        piece.append(text)
        size += len(text)
        separator = b","
        if size >= PIECE_BYTES:
            yield b"".join(piece)
            piece, size = [], 0
    piece.append(b"]}")
    yield b"".join(piece)


def json_response(request, studies: QuerySet, filename: str):
    return file_download(
        request, json_chunks(studies), "application/json", f'inline; filename="{filename}.json"'
    )
