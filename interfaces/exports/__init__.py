"""The study list as data (docs/contract.md): documents and their batched reader, JSON, CSV.

- documents.py: each record's JSON document, from a model instance or from rows of values;
- as_json.py: the whole filtered list as one streamed JSON document;
- as_csv.py: the whole filtered list as a streamed CSV, one row per figure.
"""

from .as_csv import CSV_HEADER, csv_chunks, csv_response, spreadsheet_safe
from .as_json import json_chunks, json_response
from .documents import (
    electrolyte_json,
    export_ids,
    family_json,
    interlayer_json,
    measurement_json,
    study_documents,
    study_json,
)

__all__ = [
    "CSV_HEADER",
    "csv_chunks",
    "csv_response",
    "electrolyte_json",
    "export_ids",
    "family_json",
    "interlayer_json",
    "json_chunks",
    "json_response",
    "measurement_json",
    "spreadsheet_safe",
    "study_documents",
    "study_json",
]
