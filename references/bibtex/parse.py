"""Reading a BibTeX text into checked entries, with the problems bibtexparser reports only
indirectly made explicit, each named with its key and line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ImplicitComment,
    ParsingFailedBlock,
)
from django.core.exceptions import ValidationError

from ..doi import InvalidDOI, normalize_doi
from ..models import ANONYMOUS, EntryType, fold, validate_web_address
from ..tex import CODE_POINT, dangerous_command, decode_latex, known_command

# Entry types as written by Zotero, JabRef, Google Scholar, publishers and biblatex,
# mapped onto the types the atlas keeps.
ENTRY_TYPES = {
    "article": EntryType.ARTICLE,
    "book": EntryType.BOOK,
    "inbook": EntryType.INBOOK,
    "incollection": EntryType.INCOLLECTION,
    "inproceedings": EntryType.INPROCEEDINGS,
    "phdthesis": EntryType.PHDTHESIS,
    "mastersthesis": EntryType.MASTERSTHESIS,
    "techreport": EntryType.TECHREPORT,
    "online": EntryType.ONLINE,
    "misc": EntryType.MISC,
}
# Every other type BibTeX styles, biblatex and reference managers write, mapped to the
# nearest kept one; the original type is kept in Reference.source_type. A type named
# nowhere here is read as @misc (as BibTeX's styles do), with a warning.
NEAREST_TYPES = {
    **dict.fromkeys(
        ["mvbook", "booklet", "proceedings", "mvproceedings", "collection", "mvcollection", "reference",
         "mvreference", "periodical", "suppperiodical", "bookinbook", "book_section_whole"],
        EntryType.BOOK,
    ),
    **dict.fromkeys(["suppbook", "book_section", "chapter", "section"], EntryType.INBOOK),
    **dict.fromkeys(["inreference", "suppcollection", "encyclopedia_article", "dictionary_entry"],
                    EntryType.INCOLLECTION),
    **dict.fromkeys(["conference", "conference_proceedings", "conference_paper", "inconference"],
                    EntryType.INPROCEEDINGS),
    **dict.fromkeys(["thesis", "phdthesis", "doctoralthesis"], EntryType.PHDTHESIS),
    **dict.fromkeys(["masterthesis", "bachelorthesis"], EntryType.MASTERSTHESIS),
    **dict.fromkeys(["report", "techreport", "standard", "working_paper", "working_report"],
                    EntryType.TECHREPORT),
    **dict.fromkeys(["electronic", "www", "webpage", "web_page", "website", "blog", "blog_post",
                     "forum_post", "online"], EntryType.ONLINE),
    **dict.fromkeys(["magazine_article", "newspaper_article", "journal", "newsarticle", "review",
                     "suppperiodicalarticle"], EntryType.ARTICLE),
    **dict.fromkeys(
        ["unpublished", "manual", "dataset", "data", "software", "patent", "set", "letter", "commentary",
         "jurisdiction", "legislation", "legal", "legislation", "bill", "case", "statute", "hearing",
         "artwork", "audio", "image", "movie", "music", "video", "performance", "generic", "presentation",
         "talk", "lecture", "map", "computer_program", "film", "television_broadcast", "radio_broadcast",
         "personal_communication", "email", "bibnote", "preprint", "misc"],
        EntryType.MISC,
    ),
    **ENTRY_TYPES,
}  # fmt: skip
# Types a biblatex file defines for its own bookkeeping, not references: read and left out.
NOT_REFERENCES = {"xdata"}

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
# The fields the atlas reads; the rest of an entry (file, keywords, issn, note, …) is dropped.
KEPT_FIELDS = {
    "title", "author", "editor", "journal", "journaltitle", "booktitle", "school", "institution",
    "howpublished", "publisher", "year", "date", "month", "volume", "number", "issue", "pages",
    "doi", "url", "abstract", "annote", "crossref", "type", "series", "entrysubtype", "sourcekey",
}  # fmt: skip
KEY_SYNTAX = re.compile(r"^[A-Za-z0-9_:.+/-]+$")


@dataclass
class ParsedEntry:
    key: str
    line: int
    entry_type: str
    fields: dict[str, str]
    authors: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    citekey: str = ""  # planned by plan_import for a new entry
    notes: list[str] = field(default_factory=list)  # what reading changed or dropped
    source_type: str = ""  # the file's own entry type, where the atlas keeps a nearer one
    repeated_key: bool = False  # a later entry under a key the file used before

    @property
    def warnings(self) -> list[str]:
        """What is weak about an entry that still imports: a curator should look before confirming."""
        notes = list(self.notes)
        if not self.authors:
            notes.append(f"no author: it will be listed as “{ANONYMOUS}”")
        raw_year = (self.fields.get("year") or "").strip()
        if raw_year and not re.fullmatch(r"-?\d{1,4}", raw_year):
            notes.append(f"the year “{raw_year}” is not a year: saved as {self.year or 'no year'}")
        elif not self.year:
            notes.append("no year")
        if not self.venue and self.entry_type == EntryType.ARTICLE:
            notes.append("no journal")
        if self.citekey and self.citekey != self.key:
            notes.append(f"citation key {self.key} → {self.citekey}")
        return notes

    @property
    def first_author(self) -> str:
        return self.authors[0][0] if self.authors else ""

    @property
    def venue(self) -> str:
        """The journal, or the book, proceedings, school or institution it appeared in (or its series)."""
        names = ("journal", "journaltitle", "booktitle", "school", "institution", "howpublished", "series")
        return next((self.fields[name] for name in names if self.fields.get(name)), "")

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def doi(self) -> str:
        return self.fields.get("doi", "")

    @property
    def year(self) -> int | None:
        """The year field, else biblatex's ISO date; any year, 44 or -44 (BCE) included."""
        raw = (self.fields.get("year") or "").strip()
        match = re.fullmatch(r"-?\d{1,4}", raw) or re.search(r"\d{4}", raw)
        if not raw:
            match = re.match(r"\s*(-?\d{1,4})(?![\d])", self.fields.get("date", ""))
        return int(match.group(match.lastindex or 0)) if match else None

    @property
    def choice(self) -> str:
        """What the preview's box sends for this entry: its key, and its line too when the key repeats."""
        return f"{self.key}@{self.line}" if self.repeated_key else self.key

    @property
    def match_key(self) -> tuple[str, int | None, str]:
        return (fold(self.title), self.year, fold(self.authors[0][0]) if self.authors else "")


@dataclass
class Problem:
    line: int | None
    key: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "the file"
        return f"{self.key or 'entry'} ({where}): {self.reason}" if self.key else f"{where}: {self.reason}"


@dataclass
class ParseResult:
    entries: list[ParsedEntry]
    problems: list[Problem]


def _resolve_expression(raw: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """Evaluate an unbraced BibTeX value: numbers, @string macros, months, # concatenation."""
    parts, undefined = [], []
    for piece in _split_concatenation(raw):
        piece = piece.strip()
        if not piece:
            continue
        if piece[0] == "{" and piece[-1] == "}" or piece[0] == '"' and piece[-1] == '"':
            parts.append(piece[1:-1])
        elif piece.isdigit():
            parts.append(piece)
        elif piece.lower() in strings:
            parts.append(strings[piece.lower()])
        elif piece.lower()[:3] in MONTHS and len(piece) == 3:
            parts.append(str(MONTHS[piece.lower()]))
        else:
            undefined.append(piece)
    return "".join(parts), undefined


def _split_concatenation(raw: str) -> list[str]:
    pieces, depth, quoted, current = [], 0, False, []
    for char in raw:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        if char == "#" and depth == 0 and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


class UnreadableField(ValueError):
    """The LaTeX decoder cannot read a field; the entry fails with a message, never a 500."""


def _decode(name: str, value: str) -> str:
    try:
        return decode_latex(value)
    except Exception as exc:  # pylatexenc's own failure (RecursionError included) on this text
        raise UnreadableField(
            f"field {name} cannot be read as LaTeX ({type(exc).__name__}); check its braces and commands"
        ) from exc


def _names(raw: str) -> list[tuple[str, str]]:
    """'Kim, Jae-Hun and {van Eijck}, Lambert' -> [(family, given), ...], decoded."""
    people = []
    for name in middlewares.names.split_multiple_persons_names(raw):
        parts = middlewares.names.parse_single_name_into_parts(name, strict=False)
        family = " ".join(parts.von + parts.last + ([", " + " ".join(parts.jr)] if parts.jr else []))
        people.append(
            (_decode("author", family).replace(" ,", ","), _decode("author", " ".join(parts.first)))
        )
    # "and others" is BibTeX's "et al.", not a person.
    return [p for p in people if p[0] and p != ("others", "")]


# The journal macros of the AAS (aas_macros.sty), which ADS writes in journal fields.
AAS_JOURNALS = {
    "aj": "AJ", "actaa": "Acta Astron.", "araa": "ARA&A", "apj": "ApJ", "apjl": "ApJ", "apjs": "ApJS",
    "ao": "Appl. Opt.", "apss": "Ap&SS", "aap": "A&A", "aapr": "A&A Rev.", "aaps": "A&AS",
    "azh": "AZh", "baas": "BAAS", "caa": "Chinese Astron. Astrophys.",
    "cjaa": "Chinese J. Astron. Astrophys.",
    "icarus": "Icarus", "jcap": "J. Cosmology Astropart. Phys.", "jrasc": "JRASC", "memras": "MmRAS",
    "mnras": "MNRAS", "na": "New A", "nar": "New A Rev.", "pra": "Phys. Rev. A", "prb": "Phys. Rev. B",
    "prc": "Phys. Rev. C", "prd": "Phys. Rev. D", "pre": "Phys. Rev. E", "prl": "Phys. Rev. Lett.",
    "pasa": "PASA", "pasp": "PASP", "pasj": "PASJ", "qjras": "QJRAS",
    "rmxaa": "Rev. Mexicana Astron. Astrofis.",
    "skytel": "S&T", "solphys": "Sol. Phys.", "sovast": "Soviet Ast.", "ssr": "Space Sci. Rev.",
    "zap": "ZAp", "nat": "Nature", "iaucirc": "IAU Circ.", "aplett": "Astrophys. Lett.",
    "apspr": "Astrophys. Space Phys. Res.", "bain": "Bull. Astron. Inst. Netherlands",
    "fcp": "Fund. Cosmic Phys.", "gca": "Geochim. Cosmochim. Acta", "grl": "Geophys. Res. Lett.",
    "jcp": "J. Chem. Phys.", "jgr": "J. Geophys. Res.", "jqsrt": "J. Quant. Spec. Radiat. Transf.",
    "memsai": "Mem. Soc. Astron. Italiana", "nphysa": "Nucl. Phys. A", "physrep": "Phys. Rep.",
    "physscr": "Phys. Scr", "planss": "Planet. Space Sci.", "procspie": "Proc. SPIE",
}  # fmt: skip
_ONE_MACRO = re.compile(r"\s*\{?\s*\\([A-Za-z]+)\s*\}?\s*")
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")


def _unknown_commands(value: str) -> list[str]:
    """Commands the decoder does not know: it keeps their argument's text but drops the command."""
    value = CODE_POINT.sub("", value)  # the writer's own spelling of a character
    return sorted({f"\\{name}" for name in _CONTROL_WORD.findall(value) if not known_command(name)})


def _clean_fields(
    entry: Entry,
    strings: dict[str, str],
    errors: list[str],
    decoded_values: dict[str, str] | None = None,
    notes: list[str] | None = None,
) -> dict[str, str]:
    """The entry's kept fields, macros resolved and checked; their decoded text goes to decoded_values."""
    notes = [] if notes is None else notes
    enclosings = entry.parser_metadata.get("removed_enclosing", {}) or {}
    values = {}
    for fld in entry.fields:
        name = fld.key.lower()
        if name not in KEPT_FIELDS or name in values:
            continue  # never stored, so never exported: a Windows path in Zotero's file field is no threat
        value = fld.value
        if isinstance(value, int):
            value = str(value)
        if enclosings.get(fld.key) == "no-enclosing" and isinstance(value, str):
            value, undefined = _resolve_expression(value, strings)
            for macro in undefined:
                if re.fullmatch(r"[A-Za-z_][\w:.+'/-]*", macro):
                    # BibTeX warns and leaves the field empty; the macro's name says more than nothing.
                    value += macro
                    notes.append(f"field {name} uses the undefined @string macro {macro!r}: kept as its name")
                else:
                    errors.append(f"field {name} has a malformed value {macro!r} (a missing comma or brace?)")
        if not isinstance(value, str):
            continue
        if name in {"journal", "journaltitle"} and (ads := _ONE_MACRO.fullmatch(value)):
            if ads.group(1).lower() in AAS_JOURNALS:
                value = AAS_JOURNALS[ads.group(1).lower()].replace("&", r"\&")
                notes.append(
                    f"journal \\{ads.group(1)} (an AAS journal macro) read as {value.replace(chr(92), '')}"
                )
        try:
            decoded = _decode(name, value)
        except UnreadableField as exc:
            errors.append(str(exc))
            continue
        command = dangerous_command(value) or dangerous_command(decoded)
        if command:
            errors.append(
                f"field {name} contains {command}, a TeX command that would run when the file is compiled"
            )
            continue
        if name not in {"url", "doi"}:
            unknown = _unknown_commands(value)
            if unknown:
                notes.append(
                    f"field {name}: {', '.join(unknown)} unknown, only the text of its argument kept"
                )
            if value.strip() and not decoded:
                notes.append(f"field {name} {value.strip()[:40]!r} reads as no text: left empty")
        values[name] = value
        if decoded_values is not None:
            decoded_values[name] = decoded
    return values


def _safe_doi(raw: str, notes: list[str]) -> str:
    """The entry's DOI normalised; one that is not a DOI is dropped with a note, never the entry."""
    candidate = re.sub(r"/(?:abstract|full|pdf|epdf|summary)/?$", "", raw.strip(), flags=re.IGNORECASE)
    if candidate != raw.strip():
        notes.append(f"the DOI {raw.strip()[:80]!r} ends in a page of the publisher's site: that end dropped")
    try:
        return normalize_doi(candidate)
    except InvalidDOI as exc:
        # A DOI behind some other resolver (http://doi.acm.org/10.1145/…) is still that DOI.
        inside = re.search(r"10\.\d{4,9}/\S+", unquote(candidate))
        if inside and "\x00" not in inside.group():
            try:
                doi = normalize_doi(inside.group())
            except InvalidDOI:
                pass
            else:
                notes.append(f"the DOI field {raw[:80]!r} read as the DOI {doi}")
                return doi
        notes.append(f"invalid DOI dropped: {exc}")
        return ""


def _to_parsed(
    entry: Entry, strings: dict[str, str], crossrefs: dict[str, Entry], notes: list[str] | None = None
) -> ParsedEntry:
    errors: list[str] = []
    notes = list(notes or [])
    decoded: dict[str, str] = {}
    raw = _clean_fields(entry, strings, errors, decoded, notes)
    if "crossref" in raw:
        parent = crossrefs.get(raw["crossref"].strip().lower())
        if parent is None:
            notes.append(f"crossref {raw['crossref']!r} names no entry of this file: read without it")
        else:
            inherited: dict[str, str] = {}
            for key, value in _clean_fields(parent, strings, [], inherited).items():
                target = "booktitle" if key == "title" else key
                # The parent's type is its own: biblatex does not pass entrysubtype on either.
                if target not in raw and target != "entrysubtype":
                    raw[target], decoded[target] = value, inherited[key]
    if not KEY_SYNTAX.match(entry.key):
        notes.append(
            f"the citation key {entry.key!r} is not safe in a URL or BibTeX: a new key is made for it"
        )
    try:
        authors = _names(raw.pop("author", "")) if "author" in raw else []
        if not authors and "editor" in raw:
            authors = _names(raw["editor"])
        # Each field is decoded once, in _clean_fields; only names are decoded here.
        fields = {key: decoded[key] for key in raw if key not in {"url", "doi", "author", "editor"}}
        fields |= {key: decoded[key] for key in ("editor",) if key in raw}
    except UnreadableField as exc:
        errors.append(str(exc))
        authors, fields = [], {key: value for key, value in raw.items() if key in {"title"}}
    for key in ("url", "doi"):
        if key in raw:
            fields[key] = raw[key].strip()
    if fields.get("url"):
        try:
            validate_web_address(fields["url"])
            if len(fields["url"]) > 500:
                raise ValidationError("longer than 500 characters")
        except ValidationError:
            url = fields["url"][:60]
            notes.append(f"the url {url!r} is not an http(s) address the atlas keeps: left out")
            del fields["url"]
    if fields.get("doi"):
        fields["doi"] = _safe_doi(fields["doi"], notes)
    if not fields.get("doi") and (doi_in_url := _DOI_IN_URL.search(fields.get("url", ""))):
        try:
            fields["doi"] = normalize_doi(doi_in_url.group(1))
        except InvalidDOI:
            pass  # a URL that only looks like it holds a DOI is kept as a URL
    if not fields.get("title") and not any(e.startswith("field title") for e in errors):
        errors.append("no title")
    entry_type = entry.entry_type.lower()
    # biblatex's entrysubtype naming a type: the atlas's public export writes the type there
    # when it writes a plainer one for classic BibTeX styles (see writer.bibtex_fields).
    if fields.get("entrysubtype", "").strip().lower() in NEAREST_TYPES:
        entry_type = fields["entrysubtype"].strip().lower()
    if entry_type == "thesis" and re.search(r"master|mathesis|\bm\.?(a|sc?)\b", fields.get("type", ""), re.I):
        entry_type = "mastersthesis"  # biblatex: @thesis with type = {mathesis} or "Master's thesis"
    if entry_type not in NEAREST_TYPES:
        notes.append(f"entry type @{entry.entry_type} is not a type BibTeX or biblatex knows: read as @misc")
    kept = NEAREST_TYPES.get(entry_type, EntryType.MISC)
    return ParsedEntry(
        key=entry.key,
        line=entry.start_line + 1 if entry.start_line is not None else 0,
        entry_type=kept,
        fields=fields,
        authors=authors,
        errors=errors,
        notes=notes,
        source_type="" if entry_type in ENTRY_TYPES else entry_type[:30],
    )


# A DOI inside a resolver or publisher URL (doi.org/…, …/doi/abs/10.…): the paper is then
# recognised as a duplicate of one imported with the DOI field.
_DOI_IN_URL = re.compile(
    r"(?:doi\.org/|/doi/(?:abs/|full/|pdf/|epdf/)?)(10\.\d{4,9}/[^?#\s]+)", re.IGNORECASE
)
_BLOCK_KEY = re.compile(r"@\w+\s*[{(]\s*([^,\s]+)\s*,")
# Stray text that is an entry whose @ was lost, not a reference manager's header.
_LOOKS_LIKE_ENTRY = re.compile(r"^\s*\w+\s*\{[^,\s]+,\s*\w+\s*=", re.MULTILINE)


def _plain_reason(first: str, detail: str) -> str:
    """The parser's complaint about a block, said as what the curator should fix."""
    detail = " ".join(detail.split())
    found = re.search(r"but found (.+)$", detail)
    if "end of file" in detail or not detail:
        advice = 'a brace { or a quote " is never closed, so the entry runs to the end of the file'
    elif "comma after entry key" in detail:
        advice = f"the citation key must be followed by a comma (found {found.group(1) if found else 'none'})"
    elif found:
        advice = f"something is missing before {found.group(1)}: a comma, = or a closing brace"
    else:
        advice = detail
    return f"cannot read the entry that starts {first!r}: {advice}. Fix it and preview again."


def _is_comment(text: str) -> bool:
    """Blank lines and %-lines (JabRef's "% Encoding: UTF-8") are comments, not stray text."""
    return all(not line.strip() or line.lstrip().startswith("%") for line in text.splitlines())


def _rescued(block, library) -> Entry:
    """An entry bibtexparser set aside (a repeated key or field), read as BibTeX and biber read it:
    the first of a repeated field counts."""
    raw_entry = block.ignore_error_block
    seen, fields = set(), []
    for fld in raw_entry.fields:
        if fld.key.lower() not in seen:
            seen.add(fld.key.lower())
            fields.append(Field(fld.key, fld.value))
    entry = Entry(raw_entry.entry_type, raw_entry.key, fields, start_line=raw_entry.start_line)
    rescue = bibtexparser.Library([*library.strings, entry])
    for middleware in middlewares.default_parse_stack(allow_inplace_modification=True):
        rescue = middleware.transform(rescue)
    return rescue.entries[0]


def _repeated_fields(block) -> list[str]:
    counts: dict[str, int] = {}
    for fld in block.ignore_error_block.fields:
        counts[fld.key.lower()] = counts.get(fld.key.lower(), 0) + 1
    return sorted(name for name, count in counts.items() if count > 1)


def parse_bibtex(text: str) -> ParseResult:
    """Parse text into entries; every problem found is named with its key and line."""
    problems: list[Problem] = []
    if "\x00" in text:
        return ParseResult([], [Problem(None, "", "the file is binary, not BibTeX text")])
    try:
        library = bibtexparser.parse_string(text, append_middleware=[])
    except Exception as exc:  # the parser's own failure, whatever it is, is the file's problem
        return ParseResult([], [Problem(None, "", f"the text cannot be read as BibTeX ({exc})")])
    strings = {s.key.lower(): str(s.value) for s in library.strings}
    rescued: list[tuple[Entry, list[str], bool]] = []
    for block in library.failed_blocks:
        line = block.start_line + 1 if block.start_line is not None else None
        if isinstance(block, DuplicateBlockKeyBlock):
            note = (
                f"the citation key {block.key} appears earlier in the file too: read as an entry of its own"
            )
            rescued.append((_rescued(block, library), [note], True))
        elif isinstance(block, DuplicateFieldKeyBlock):
            kept = [name for name in _repeated_fields(block) if name in KEPT_FIELDS]
            notes = [f"field {name} appears twice: the first is kept, as BibTeX does" for name in kept]
            rescued.append((_rescued(block, library), notes, False))
        elif isinstance(block, ParsingFailedBlock):
            first = (block.raw or "").strip().splitlines()[0][:60] if block.raw else ""
            key = _BLOCK_KEY.match(first)
            detail = getattr(block.error, "abort_reason", "") or str(block.error)
            problems.append(Problem(line, key.group(1) if key else "", _plain_reason(first, detail)))
    raw_entries = library.entries
    stray = [
        block
        for block in library.blocks
        if isinstance(block, ImplicitComment)
        and not _is_comment(block.comment)
        # A reference manager's header or a note between entries is ignored, as BibTeX does.
        and (not raw_entries and not rescued or _LOOKS_LIKE_ENTRY.search(block.comment))
    ]
    for block in stray:
        line = block.start_line + 1 if block.start_line is not None else None
        snippet = block.comment.strip().splitlines()[0][:60]
        problems.append(Problem(line, "", f"text outside any entry is ignored: {snippet!r}"))
    crossrefs = {entry.key.lower(): entry for entry in raw_entries}
    readable = [(entry, [], False) for entry in raw_entries] + rescued
    readable.sort(key=lambda item: item[0].start_line or 0)
    entries = []
    for entry, notes, repeated in readable:
        kind = entry.entry_type.lower()
        if kind in NOT_REFERENCES or kind == "set" and not entry.fields_dict.get("title"):
            continue  # biblatex's @xdata and @set only lend fields to, or group, the entries around them
        parsed = _to_parsed(entry, strings, crossrefs, notes)
        parsed.repeated_key = repeated
        entries.append(parsed)
    if not entries:
        problems.append(Problem(None, "", "no BibTeX entry found (entries start with @article{, @book{, …)"))
    return ParseResult(entries, problems)
