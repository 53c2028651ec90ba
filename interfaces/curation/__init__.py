"""The curated dataset of fixtures/ and the database, both ways.

- records.py: a record's values as the curated files name them;
- load.py: loading the files, a three-way merge that never loses a curator's edit;
- dump.py: writing the database back as the files (`export_curated`);
- status.py: what a curator changed since the files were loaded.
"""

from .dump import BIB_FILE, YAML_FILE, curated_data, export_curated
from .load import Conflict, CurationError, LoadReport, load_curated
from .records import reference_values
from .status import edited_since_loaded

__all__ = [
    "BIB_FILE",
    "YAML_FILE",
    "Conflict",
    "CurationError",
    "LoadReport",
    "curated_data",
    "edited_since_loaded",
    "export_curated",
    "load_curated",
    "reference_values",
]
