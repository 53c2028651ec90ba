"""DOI normalisation: one spelling per DOI, so the database can keep DOIs unique."""

import re
from urllib.parse import unquote

DOI_URL = "https://doi.org/"
# Crossref's recommended pattern for modern DOIs, plus the older SICI-style ones
# (Wiley's "10.1002/(SICI)..."), which contain <, >, ;, [, ] and +. Nothing else: no
# backslash, brace, caret, percent sign or space, so a DOI is safe as written into any
# export (TeX reads ^^5c as a backslash). The database checks the same pattern.
DOI_PATTERN = r"^10\.[0-9]{4,9}/[]a-z0-9._;()/:<>+[-]+$"
_DOI_SYNTAX = re.compile(DOI_PATTERN)
MAX_LENGTH = 255
_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi:\s*|info:doi/)", re.IGNORECASE)


class InvalidDOI(ValueError):
    pass


def normalize_doi(raw: str) -> str:
    """Return the DOI in canonical form (lower case, no resolver prefix), or raise InvalidDOI."""
    value = (raw or "").strip()
    value = _PREFIXES.sub("", value).strip()
    if "%" in value:
        value = unquote(value)
    # BibTeX writers escape underscores and percent signs inside the doi field.
    value = value.replace("\\_", "_").replace("\\%", "%").rstrip(".")
    value = value.lower()
    if len(value) > MAX_LENGTH:
        raise InvalidDOI(f"{raw[:40]!r}… is {len(value)} characters long; a DOI has at most {MAX_LENGTH}")
    if not _DOI_SYNTAX.match(value):
        raise InvalidDOI(
            f"{raw!r} is not a DOI (expected 10.<digits>/ then letters, digits and - . _ ; ( ) / : < > [ ] +)"
        )
    return value


def doi_url(doi: str) -> str:
    return f"{DOI_URL}{doi}" if doi else ""
