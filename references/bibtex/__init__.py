"""Reading and writing BibTeX with bibtexparser 2.x.

`parse_bibtex` (parse.py) turns text into checked entries; `make_citekey` (citekeys.py) names
new references; `import_bibtex` (importer.py) is the one write path for references, used by the
admin import and by `load_curated`; `write_bibtex` (writer.py) is the one export path. TeX itself,
read and written, is references/tex.py.
"""

from ..tex import decode_latex, forget_decodings
from .citekeys import CITEKEY_SHAPE, make_citekey
from .importer import (
    Identities,
    ImportReport,
    citekey_for,
    import_bibtex,
    known_identities,
    plan_import,
    reference_fields,
    replace_authors,
    save_entries,
)
from .parse import parse_bibtex
from .writer import write_bibtex

__all__ = [
    "CITEKEY_SHAPE",
    "Identities",
    "ImportReport",
    "citekey_for",
    "decode_latex",
    "forget_decodings",
    "import_bibtex",
    "known_identities",
    "make_citekey",
    "parse_bibtex",
    "plan_import",
    "reference_fields",
    "replace_authors",
    "save_entries",
    "write_bibtex",
]
