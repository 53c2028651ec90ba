"""Reading and writing BibTeX with bibtexparser 2.x.

`parse_bibtex` turns text into checked entries (with the problems bibtexparser
reports only indirectly made explicit); `import_bibtex` is the one write path for
references, used by the admin import and by `load_curated`; `write_bibtex` is the
one export path.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote

import bibtexparser
from bibtexparser import BibtexFormat, middlewares
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ImplicitComment,
    ParsingFailedBlock,
)
from django.core.exceptions import ValidationError
from django.db import transaction
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import get_default_latex_context_db as get_default_latex_walker_context_db
from pylatexenc.macrospec import MacroSpec
from simple_history.utils import bulk_create_with_history

from interfaces.caching import data_changed

from .doi import InvalidDOI, normalize_doi
from .models import Author, Authorship, EntryType, Reference, fold, validate_web_address
from .tex import GREEK_LOOKALIKES, dangerous_command, title_to_latex, to_latex

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
STOPWORDS = {
    "a",
    "an",
    "the",
    "on",
    "of",
    "in",
    "for",
    "and",
    "to",
    "at",
    "by",
    "with",
    "from",
    "toward",
    "towards",
    "via",
    "into",
    "is",
    "are",
    "as",
    "or",
    "its",
    "using",
}
# The fields the atlas reads; the rest of an entry (file, keywords, issn, note, …) is dropped.
KEPT_FIELDS = {
    "title", "author", "editor", "journal", "journaltitle", "booktitle", "school", "institution",
    "howpublished", "publisher", "year", "date", "month", "volume", "number", "issue", "pages",
    "doi", "url", "abstract", "annote", "crossref", "type", "series", "entrysubtype",
}  # fmt: skip
KEY_SYNTAX = re.compile(r"^[A-Za-z0-9_:.+/-]+$")


_SUBSCRIPT_OF = str.maketrans("0123456789+-=()x", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₓ")
_SUPERSCRIPT_OF = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")


def _script(table):
    def repl(node, l2tobj):
        text = l2tobj.nodelist_to_text(node.nodeargd.argnlist[-1:]).replace("–", "-")
        return text.translate(table)

    return repl


def _latex_decoder() -> LatexNodes2Text:
    """pylatexenc's decoder, taught the commands the atlas's own writer emits."""
    context = get_default_latex_context_db()
    text_macros = {
        "textbraceleft": "{",
        "textbraceright": "}",
        "textless": "<",
        "textgreater": ">",
        "textbar": "|",
        "textasciicircum": "^",
        "textasciitilde": "~",
        "textperiodcentered": "·",
        "textminus": "−",
        "slash": "/",
        "relax": "",
    }
    context.add_context_category(
        "atlas",
        prepend=True,
        macros=[
            MacroTextSpec(name, simplify_repl="%s") for name in ("url", "mbox", "hbox", "text", "textnormal")
        ]
        + [MacroTextSpec(name, simplify_repl=text) for name, text in text_macros.items()]
        + [
            MacroTextSpec("textsubscript", simplify_repl=_script(_SUBSCRIPT_OF)),
            MacroTextSpec("textsuperscript", simplify_repl=_script(_SUPERSCRIPT_OF)),
        ],
    )
    return LatexNodes2Text(latex_context=context, math_mode="text")


def _latex_parser_context():
    context = get_default_latex_walker_context_db()
    context.add_context_category(
        "atlas",
        prepend=True,
        macros=[
            MacroSpec(name, "{") for name in ("textsubscript", "textsuperscript", "mbox", "hbox", "text")
        ],
    )
    return context


_DECODER = _latex_decoder()
_PARSER_CONTEXT = _latex_parser_context()


_MATH = re.compile(r"\$([^$]*)\$")
_MATH_SCRIPT = re.compile(
    r"([_^])(?:\{\s*(?:\\(?:mathrm|textrm|rm)\s*)?\{?([0-9+\-=()xn]+)\}?\s*\}|([0-9+\-]))"
)


def _math_scripts(text: str) -> str:
    """Li$_{10}$GeP$_2$S$_{12}$: subscripts and superscripts in math become text ones, kept as Li₁₀…"""

    def script(match):
        command = "textsubscript" if match.group(1) == "_" else "textsuperscript"
        return f"\\{command}{{{match.group(2) or match.group(3)}}}"

    return _MATH.sub(lambda m: "$" + _MATH_SCRIPT.sub(script, m.group(1)) + "$", text)


# Text with none of these is plain already: no need for the (slow) LaTeX decoder. (The
# specials of pylatexenc's context, !` and ?` included, and TeX's own special characters.)
_LATEX_MARKUP = re.compile(r"[\\{}$~%^_&#]|--|``|''|[!?]`")
# A run whose only markup is braces and dashes ({Li7La3Zr2O12}, {van der Ven}, 160--987) reads
# as its text without the braces, -- and --- as dashes: the commonest markup, read without the decoder.
_ONLY_BRACES_AND_DASHES = re.compile(r"[^\\$~%^_&#]*")
_DASHES = re.compile(r"---|--")


_OPEN_CONTROL = re.compile(r"\\(?:[A-Za-z]+|.)$")
# A whole word holding markup, searched from word starts only (no backtracking inside words).
_WORD_WITH_MARKUP = re.compile(rf"(?<!\S)\S*?(?:{_LATEX_MARKUP.pattern})\S*")


def _spans(text: str):
    """The text in runs of words: plain runs as they are, runs holding LaTeX for the decoder.

    A run with markup stays open while a brace or a $ is open or it ends in a control
    sequence (whose argument may follow a space), so every group reaches the decoder whole.
    Only the LaTeX goes through the (slow) decoder: a long abstract costs little more."""
    plain: list[str] = []
    markup: list[str] = []
    depth = dollars = 0
    marked = set(_WORD_WITH_MARKUP.findall(text))  # one search of the text, not one a word
    for word in text.split():
        if markup or word in marked:
            if plain:
                yield " ".join(plain), False
                plain = []
            markup.append(word)
            depth += word.count("{") - word.count("}") - word.count("\\{") + word.count("\\}")
            dollars += word.count("$") - word.count("\\$")
            if depth <= 0 and dollars % 2 == 0 and not _OPEN_CONTROL.search(word):
                yield " ".join(markup), True
                markup, depth, dollars = [], 0, 0
        else:
            plain.append(word)
    if markup:
        yield " ".join(markup), True
    if plain:
        yield " ".join(plain), False


# The writer's spellings of characters TeX has no command for (tex.unicode_latex, lookalike_latex).
_CODE_POINT = re.compile(r"\\ensuremath\{\\langle\}\\texttt\{U\+([0-9A-F]{4,6})\}\\ensuremath\{\\rangle\}")
_LOOKALIKE = re.compile(r"\{\\ensuremath\{\\mathrm\{([A-Za-z])\}\}\}")
_GREEK_OF = {latin: greek for greek, latin in GREEK_LOOKALIKES.items()}


def _code_point(match: re.Match) -> str:
    char = chr(int(match.group(1), 16)) if int(match.group(1), 16) <= 0x10FFFF else ""
    # Only a printable character beyond ASCII: never a backslash or brace in disguise.
    if ord(char or "\x00") < 0xA0 or unicodedata.category(char).startswith("C"):
        return match.group()
    return char


def _braces_and_dashes_only(span: str) -> bool:
    """The run's only markup is balanced braces and dashes (no command, math or other special)."""
    if not _ONLY_BRACES_AND_DASHES.fullmatch(span):
        return False
    if _LATEX_MARKUP.search(re.sub(r"[{}-]", "", span)):  # `` '' !` ?` and the like
        return False
    depth = 0
    for char in span:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def _decode_braces_and_dashes(span: str) -> str:
    """A group ends a ligature: {-}- is two hyphens, as in TeX."""
    return "".join(
        _DASHES.sub(lambda m: "—" if len(m.group()) == 3 else "–", piece) for piece in re.split(r"[{}]", span)
    )


def _decode_span_slowly(span: str) -> str:
    return _DECODER.latex_to_text(_math_scripts(span), latex_context=_PARSER_CONTEXT)


@functools.lru_cache(maxsize=16384)
def _decode_span(span: str) -> str:
    """One run holding markup as text. Runs repeat across a file (a formula, cm$^{-2}$, an
    accented name) where whole fields do not: cached. tests/test_latex_decoding.py checks
    that the shortcut for braces and dashes reads exactly as the decoder does."""
    if _braces_and_dashes_only(span):
        return _decode_braces_and_dashes(span)
    return _decode_span_slowly(span)


@functools.lru_cache(maxsize=8192)
def decode_latex(text: str) -> str:
    """LaTeX accents, commands and braces to plain Unicode text (journals and names repeat: cached)."""
    if "\\ensuremath{" in text:
        text = _CODE_POINT.sub(_code_point, text)
        text = _LOOKALIKE.sub(lambda m: _GREEK_OF.get(m.group(1), m.group()), text)
    if not _LATEX_MARKUP.search(text):
        return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    decoded = " ".join(_decode_span(span) if markup else span for span, markup in _spans(text))
    decoded = unicodedata.normalize("NFC", decoded)
    return re.sub(r"\s+", " ", decoded).strip()


def forget_decodings() -> None:
    """Empty the decoding caches (the benchmark times each step with its own decoding)."""
    decode_latex.cache_clear()
    _decode_span.cache_clear()


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
            notes.append("no author: it will be listed as “Anon.”")
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


@functools.lru_cache(maxsize=1024)
def _known_command(name: str) -> bool:
    return _DECODER.latex_context.get_macro_spec(name) is not None


def _unknown_commands(value: str) -> list[str]:
    """Commands the decoder does not know: it keeps their argument's text but drops the command."""
    value = _CODE_POINT.sub("", value)  # the writer's own spelling of a character
    return sorted({f"\\{name}" for name in _CONTROL_WORD.findall(value) if not _known_command(name)})


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
    # when it writes a plainer one for classic BibTeX styles (see bibtex_fields).
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


# Letters that Unicode does not decompose into an ASCII base letter.
_TRANSLITERATE = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "ð": "d",
    }
)


def slug_word(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE)).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]", "", ascii_text.decode().lower())


def make_citekey(family: str, year: int | None, title: str, taken: set[str]) -> str:
    """surname + year + first significant title word, ASCII lower case, suffixed on collision."""
    # Hyphenated compounds ("Li-Ion", "Solid-State") count as one word.
    words = [slug_word(w) for w in re.split(r"[\s–—/:]+", decode_latex(title))]
    significant = next((w for w in words if w and w not in STOPWORDS), "")
    when = "" if year is None else f"{year}" if year >= 0 else f"{-year}bc"
    base = f"{slug_word(family) or 'anon'}{when}{significant}"[:90]
    key, n = base, 0
    while key in taken:
        n += 1
        key = f"{base}{_letters(n)}"
    return key


def _letters(n: int) -> str:
    """1 → a, 26 → z, 27 → aa, 28 → ab …: a suffix of letters only, for any number of collisions."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


@dataclass
class ImportReport:
    created: list[ParsedEntry] = field(default_factory=list)
    duplicates: list[tuple[ParsedEntry, Reference]] = field(default_factory=list)
    failed: list[ParsedEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    saved: list[Reference] = field(default_factory=list)
    left_out: list[ParsedEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failed

    @property
    def failures(self) -> list[Problem]:
        """Problems of the file and failed entries, in the order of the file."""
        rows = self.problems + [Problem(e.line, e.key, "; ".join(e.errors)) for e in self.failed]
        return sorted(rows, key=lambda p: (p.line is None, p.line or 0))


class _Identities:
    """Papers known by DOI, and by title, year and first author where a DOI is missing."""

    def __init__(self):
        self.by_doi: dict[str, object] = {}
        self.by_match: dict[tuple, tuple[object, str]] = {}

    def add(self, doi: str, match_key: tuple, item) -> None:
        if doi:
            self.by_doi[doi] = item
        self.by_match[match_key] = (item, doi)

    def find(self, doi: str, match_key: tuple):
        if doi and doi in self.by_doi:
            return self.by_doi[doi]
        item, known_doi = self.by_match.get(match_key, (None, ""))
        # Two different DOIs are two papers, even under one title (an erratum, a part II).
        return item if item is not None and not (doi and known_doi) else None


CITEKEY_SHAPE = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


def plan_import(text: str, *, keep_keys: bool = False) -> ImportReport:
    """What importing `text` would do, without writing anything.

    keep_keys: a new entry keeps the key the file gives it where that key is a valid,
    free citation key (the curated files name their references so)."""
    result = parse_bibtex(text)
    report = ImportReport(problems=list(result.problems))
    existing = _Identities()
    for reference in Reference.objects.with_authors():
        existing.add(reference.doi, reference.match_key, reference)
    in_file = _Identities()
    taken = set(Reference.objects.values_list("citekey", flat=True))
    for entry in result.entries:
        if entry.errors:
            report.failed.append(entry)
            continue
        known = existing.find(entry.doi, entry.match_key)
        if known is not None:
            report.duplicates.append((entry, known))
            continue
        twin = in_file.find(entry.doi, entry.match_key)
        if twin is not None:
            entry.errors.append(f"the same paper as {twin.key} (line {twin.line}) earlier in this file")
            report.failed.append(entry)
            continue
        in_file.add(entry.doi, entry.match_key, entry)
        if keep_keys and CITEKEY_SHAPE.fullmatch(entry.key) and entry.key not in taken:
            entry.citekey = entry.key
        else:
            entry.citekey = make_citekey(entry.first_author, entry.year, entry.title, taken)
        taken.add(entry.citekey)
        report.created.append(entry)
    return report


def _fields_for_model(entry: ParsedEntry) -> dict:
    f = entry.fields
    journal = entry.venue
    # biblatex writes date = {2022-06} instead of year and month.
    month = f.get("month") or (re.match(r"\s*-?\d{4}-(\d{2})", f.get("date", "")) or [None, ""])[1]
    return {
        "entry_type": entry.entry_type,
        "title": f["title"],
        "journal": journal[:300],
        "publisher": f.get("publisher", "")[:300],
        "year": entry.year,
        "month": int(month) if month.isdigit() and 1 <= int(month) <= 12 else MONTHS.get(month.lower()[:3]),
        "volume": f.get("volume", "")[:50],
        "number": (f.get("number") or f.get("issue", ""))[:50],
        "pages": re.sub(r"\s*-+\s*|–", "–", f.get("pages", ""))[:50],
        "doi": entry.doi,
        "url": f.get("url", ""),
        "abstract": f.get("abstract", ""),
        "curation_note": f.get("annote", ""),
        "source_key": entry.key[:200],
        "source_type": entry.source_type,
    }


def _authors_of(entries: list[ParsedEntry]) -> dict[tuple[str, str], Author]:
    """Every author the entries name, by (family, given): those known fetched, the others created."""
    names = {(family[:200], given[:200]) for entry in entries for family, given in entry.authors}
    families = sorted({family for family, _ in names})
    known: dict[tuple[str, str], Author] = {}
    for start in range(0, len(families), 500):  # SQLite limits the parameters of one query
        for author in Author.objects.filter(family__in=families[start : start + 500]):
            known[(author.family, author.given)] = author
    missing = [Author(family=family, given=given) for family, given in sorted(names - known.keys())]
    # ignore_conflicts: an author another import created meanwhile is fetched below.
    Author.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
    for start in range(0, len(missing), 500):
        batch = {(a.family, a.given) for a in missing[start : start + 500]}
        for author in Author.objects.filter(family__in={family for family, _ in batch}):
            if (author.family, author.given) in batch:
                known[(author.family, author.given)] = author
    return known


@transaction.atomic
def save_entries(entries: list[ParsedEntry]) -> list[Reference]:
    """Create a reference, with its authors, for each entry (under its planned citation key).

    In bulk: the references with their history rows, their authors and authorships, a few
    queries for the whole file. Bulk creation sends no post_save, so what its receivers keep
    is kept here: the cached counts are made out of date. The studies' stored search texts
    need nothing: a study links to an existing reference, and these did not exist before."""
    taken = set(Reference.objects.values_list("citekey", flat=True))
    authors = _authors_of(entries)
    references = []
    for entry in entries:
        key = entry.citekey if entry.citekey and entry.citekey not in taken else ""
        key = key or make_citekey(entry.first_author, entry.year, entry.title, taken)
        taken.add(key)
        reference = Reference(citekey=key, **_fields_for_model(entry))
        reference.first_author_hint = entry.first_author
        reference.prepare_to_save()
        references.append(reference)
    saved = bulk_create_with_history(references, Reference, batch_size=500)
    Authorship.objects.bulk_create(
        [
            Authorship(reference=reference, author=authors[(family[:200], given[:200])], position=position)
            for entry, reference in zip(entries, saved, strict=True)
            for position, (family, given) in enumerate(entry.authors, start=1)
        ],
        batch_size=500,
    )
    if saved:
        data_changed(Reference)
    return saved


@transaction.atomic
def import_bibtex(
    text: str, *, skip_failed: bool = False, keep_keys: bool = False, only: set[str] | None = None
) -> ImportReport:
    """Import every new entry of `text`, atomically.

    Nothing is saved if the file has a problem or an entry fails, unless skip_failed
    (the admin's confirmed preview), which saves the new entries and skips the rest.
    only: the keys of the new entries to save; the others are left out."""
    report = plan_import(text, keep_keys=keep_keys)
    if only is not None:
        report.left_out = [entry for entry in report.created if entry.choice not in only]
        report.created = [entry for entry in report.created if entry.choice in only]
    if report.ok or skip_failed:
        report.saved = save_entries(report.created)
    return report


# The BibTeX type written for each atlas type, and the fields classic BibTeX styles
# require for it ("author" stands for author or editor). An entry lacking one is
# written as @misc, which requires nothing, so that bibtex never warns.
#
# The public export still reads back to the same references: where the type written is not
# the reference's own (@misc for an article without a journal, @incollection for a part of a
# book, @misc for an online resource or any type only biblatex knows, @book for a biblatex
# @collection), its own type goes in biblatex's `entrysubtype` field, which classic styles
# ignore and biblatex's standard styles accept on every type without printing it; the
# importer takes a type named there as the entry's type. Writing the real type instead
# (@online, @inbook without a chapter, @collection) would make classic styles warn or fall
# back to @misc on their own, and leave biblatex-only types unknown to them.
_OUTPUT_TYPES = {
    EntryType.ARTICLE: ("article", "journal", {"author", "title", "journal", "year"}),
    EntryType.BOOK: ("book", "series", {"author", "title", "publisher", "year"}),
    EntryType.INBOOK: ("incollection", "booktitle", {"author", "title", "booktitle", "publisher", "year"}),
    EntryType.INCOLLECTION: (
        "incollection",
        "booktitle",
        {"author", "title", "booktitle", "publisher", "year"},
    ),
    EntryType.INPROCEEDINGS: ("inproceedings", "booktitle", {"author", "title", "booktitle", "year"}),
    EntryType.PHDTHESIS: ("phdthesis", "school", {"author", "title", "school", "year"}),
    EntryType.MASTERSTHESIS: ("mastersthesis", "school", {"author", "title", "school", "year"}),
    EntryType.TECHREPORT: ("techreport", "institution", {"author", "title", "institution", "year"}),
    EntryType.ONLINE: ("misc", "howpublished", set()),
    EntryType.MISC: ("misc", "howpublished", set()),
}
_MONTH_MACROS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# Month macros are written bare (month = jan) so every style names the month its own way.
_ENCLOSING = {"month": "no-enclosing"}
# Types whose classic styles warn about a number without a series.
_NUMBER_NEEDS_SERIES = {"book", "incollection", "inproceedings"}


def _bibtex_name(author: Author) -> str:
    family, given = to_latex(author.family), to_latex(author.given.replace(",", " "))
    if " and " in f" {family} " or not given and (" " in family or "," in family):
        return f"{{{family}}}" + (f", {given}" if given else "")
    if "," in family:  # "Smith, Jr": BibTeX's von Last, Jr, First form
        last, jr = (part.strip() for part in family.split(",", 1))
        return f"{last}, {jr}, {given}" if given else f"{{{family}}}"
    return f"{family}, {given}" if given else family


def _verbatim(value: str) -> str:
    """DOIs and URLs stay verbatim (biblatex prints them so); what breaks a .bib or could turn
    into a TeX command (a backslash, braces, space, ^^) is percent-encoded."""
    return re.sub(r"[\\{}\s^]", lambda m: f"%{ord(m.group()):02X}", value.strip())


def bibtex_fields(reference: Reference, *, curated: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """The entry type and the TeX-encoded fields written for a reference.

    curated: the atlas's own files, which must read back to the same reference: the
    type as stored, and the abstract and curation note (as annote) too."""
    entry_type, venue_field, required = _OUTPUT_TYPES[EntryType(reference.entry_type)]
    if curated:
        # Every venue is written in a field the reader takes it back from.
        entry_type, required = reference.source_type or reference.entry_type, set()
        venue_field = "howpublished" if venue_field == "series" else venue_field
    authors = reference.author_list
    fields = {
        "author": " and ".join(_bibtex_name(a) for a in authors),
        # Classic styles sort by author, else by key; without a key they warn.
        "key": "" if authors else reference.citekey,
        "title": title_to_latex(reference.title),
        venue_field: to_latex(reference.journal),
        "publisher": to_latex(reference.publisher),
        "year": str(reference.year or ""),
        "month": _MONTH_MACROS[reference.month - 1] if reference.month else "",
        "volume": to_latex(reference.volume),
        "number": to_latex(reference.number),
        "pages": to_latex(re.sub(r"\s*[-–—]+\s*", "–", reference.pages.strip())),  # – is written --
        "doi": _verbatim(reference.doi),
        "url": _verbatim(reference.url),
    }
    if curated:
        fields["key"] = ""
        fields["abstract"] = to_latex(reference.abstract)
        fields["annote"] = to_latex(reference.curation_note)
    if any(not fields[name] for name in required):
        entry_type = "misc"
        fields["howpublished"] = fields.pop(venue_field)
    if not curated:
        # Classic styles warn of a number beside a volume or without a series (books, chapters,
        # proceedings) and of an issue number without a volume (articles). Such a number is
        # written as `issue`, which they ignore and the importer reads back as the number.
        no_volume = entry_type == "article" and not fields["volume"]
        if entry_type in _NUMBER_NEEDS_SERIES or no_volume:
            fields = {"issue" if name == "number" else name: value for name, value in fields.items()}
        own_type = reference.source_type or reference.entry_type
        if entry_type != own_type and own_type in NEAREST_TYPES:
            fields["entrysubtype"] = own_type
    return entry_type, [(name, value) for name, value in fields.items() if value]


def write_bibtex(references, *, curated: bool = False) -> str:
    """BibTeX for references (prefetched with ReferenceQuerySet.with_authors())."""
    library = bibtexparser.Library()
    for reference in references:
        entry_type, fields = bibtex_fields(reference, curated=curated)
        library.add(
            Entry(
                entry_type,
                reference.citekey,
                [Field(name, value, enclosing=_ENCLOSING.get(name)) for name, value in fields],
            )
        )
    # The library is built here and thrown away: its blocks may be changed in place, which
    # spares bibtexparser a deep copy of every entry (slow on a large export).
    unparse = middlewares.default_unparse_stack(allow_inplace_modification=True)
    return bibtexparser.write_string(library, unparse_stack=unparse, bibtex_format=_FORMAT).lstrip()


def _bibtex_format() -> BibtexFormat:
    layout = BibtexFormat()
    layout.indent = "  "
    layout.value_column = "auto"
    layout.block_separator = "\n"
    return layout


_FORMAT = _bibtex_format()
