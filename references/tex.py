"""TeX safety and encoding: what may never reach a .bib file, and plain text written as TeX."""

import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from pylatexenc.latexencode import UnicodeToLatexEncoder

# TeX primitives and commands that read or write files, run programs or change how
# TeX reads input: a .bib field holding one of them runs code when the file is
# compiled. ^^5c is TeX's own spelling of a backslash, so ^^ is refused as well.
DANGEROUS_COMMANDS = re.compile(
    r"\\(input|includeonly|include|write18|write|immediate|openout|openin|read|readline"
    r"|catcode|def|edef|gdef|xdef|let|csname|newcommand|renewcommand|providecommand"
    r"|usepackage|RequirePackage|special|directlua|ShellEscape|makeatletter|endinput"
    r"|lccode|uccode|scantokens|everyeof|jobname|loop|afterassignment|expandafter)(?![A-Za-z])"
    r"|\^\^"
)


def dangerous_command(text: str) -> str | None:
    """The first TeX command in `text` that would run code when compiled, if any."""
    match = DANGEROUS_COMMANDS.search(text or "")
    return match.group(0) if match else None


def validate_no_tex_commands(value: str) -> None:
    command = dangerous_command(value)
    if command:
        raise ValidationError(
            "%(command)s is a TeX command that would run when a citation file is compiled; "
            "write the text without it.",
            code="tex_command",
            params={"command": command},
        )


# Characters TeX (or BibTeX's brace counting) treats specially. Braces become text
# commands, not \{ \}, because BibTeX counts every brace, escaped or not.
_ASCII_SPECIALS = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₓ", "0123456789+-=()x", strict=True))
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ", "0123456789+-=()n", strict=True))
# Readable spellings of what titles in this field contain most; the rest goes to pylatexenc.
_COMMON = {
    "–": "--",
    "—": "---",
    "‐": "-",
    "‑": "-",
    "−": r"\textminus{}",
    "…": r"\ldots{}",
    "·": r"\textperiodcentered{}",
    "°": r"\textdegree{}",
    "µ": r"\textmu{}",  # the micro sign; Greek μ goes to pylatexenc's \mu
    # pylatexenc writes ű as \'u (ú); the double acute is \H.
    "ű": r"{\H{u}}",
    "Ű": r"{\H{U}}",
    "√": r"\ensuremath{\surd}",
}
_ENCODER = UnicodeToLatexEncoder(
    non_ascii_only=True,
    replacement_latex_protection="braces-all",
    unknown_char_policy="unihex",
)


# Greek letters that TeX writes as the Latin letter they look like (there is no \Kappa): written
# as that letter in upright math, a spelling the importer reads back as the Greek letter.
GREEK_LOOKALIKES = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧο", "ABEZHIKMNOPTXo", strict=True))


def lookalike_latex(letter: str) -> str:
    return f"{{\\ensuremath{{\\mathrm{{{letter}}}}}}}"


def unicode_latex(char: str) -> str:
    """A character TeX has no spelling for, shown as its code point and read back as itself."""
    return f"\\ensuremath{{\\langle}}\\texttt{{U+{ord(char):04X}}}\\ensuremath{{\\rangle}}"


@functools.lru_cache(maxsize=4096)
def _encode_char(char: str) -> str:
    """pylatexenc's spelling of a character, unless it reads back as another one (Κ as K, ℏ as ħ)."""
    from .bibtex import decode_latex  # the reader, which imports this module

    latex = _ENCODER.unicode_to_latex(char)
    if decode_latex(latex) == char:
        return latex
    if char in GREEK_LOOKALIKES:
        return lookalike_latex(GREEK_LOOKALIKES[char])
    return unicode_latex(char)


def _script(run: str, command: str) -> str:
    return f"\\{command}{{{run.replace('-', '--')}}}"


class _Pieces(list):
    """TeX pieces joined so that no ligature forms across two of them ("--" then "---" is not "-----")."""

    def append(self, piece: str) -> None:
        if not piece:
            return
        if self and piece[0] in "-`'" and self[-1].endswith(piece[0]):
            super().append("{}")
        super().append(piece)


# ASCII text without these is its own TeX: no special character, no ligature to break.
_NEEDS_ENCODING = re.compile("[" + re.escape("".join(_ASCII_SPECIALS)) + "]|--|``|''")


def to_latex(text: str) -> str:
    """Plain Unicode text as TeX that pdflatex, BibTeX and biber read without error or warning."""
    # Names, journals and words of titles repeat across an export: each is encoded once.
    # Abstracts do not repeat, and are not kept.
    return _short_to_latex(text) if text and len(text) <= 200 else _to_latex(text)


def _to_latex(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = re.sub(r"\s+", " ", text).strip()
    if text.isascii() and not _NEEDS_ENCODING.search(text):
        return text  # what _encoded() would give, ten times faster
    return _encoded(text)


_short_to_latex = functools.lru_cache(maxsize=65536)(_to_latex)


def _encoded(text: str) -> str:
    out = _Pieces()
    i = 0
    while i < len(text):
        char = text[i]
        for table, command in ((_SUBSCRIPTS, "textsubscript"), (_SUPERSCRIPTS, "textsuperscript")):
            if char in table:
                j = i
                while j < len(text) and text[j] in table:
                    j += 1
                out.append(_script("".join(table[c] for c in text[i:j]), command))
                i = j
                break
        else:
            if char in _ASCII_SPECIALS:
                out.append(_ASCII_SPECIALS[char])
            elif ord(char) < 128:
                out.append(char)
            elif char in _COMMON:
                out.append(_COMMON[char])
            else:
                out.append(_encode_char(char))
            i += 1
    return "".join(out)


# Element symbols that are also English words are protected only next to another
# element or formula ("Li–In alloy", but not "In situ").
_ELEMENTS = set(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br"
    " Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho"
    " Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am".split()
)
_WORDLIKE_ELEMENTS = {"He", "Be", "In", "As", "At", "No", "Am", "Re", "I", "B", "C", "F", "H", "K"}
_WORDLIKE_ELEMENTS |= {s for s in _ELEMENTS if len(s) == 1}
_EDGE_PUNCTUATION = "()[]:;,.!?\"'“”‘’"


def _needs_case_protection(word: str) -> bool:
    """Formulas (Li7La3Zr2O12, Li₂S), acronyms (LLZO, LiPON) and element symbols (Li)."""
    if any(c.isupper() for c in word[1:]):
        return True
    if any(c.isdigit() or c in _SUBSCRIPTS for c in word) and any(c.isalpha() for c in word):
        return True
    return word in _ELEMENTS and word not in _WORDLIKE_ELEMENTS


def title_to_latex(title: str) -> str:
    """A title as TeX, with formulas and acronyms braced so styles that change case keep them."""
    # Words are encoded one by one; the space between two keeps a ligature from forming across.
    return " ".join(_title_word(word) for word in unicodedata.normalize("NFC", title or "").split())


@functools.lru_cache(maxsize=65536)
def _title_word(token: str) -> str:
    """One word of a title as TeX (words repeat across titles: each is encoded once)."""
    out = _Pieces()
    parts = re.split(r"([-–—/])", token)
    cores = [p.strip(_EDGE_PUNCTUATION) for p in parts[::2]]
    compound_is_chemical = any(_needs_case_protection(c) or c in _ELEMENTS for c in cores if c) and (
        sum(1 for c in cores if c and (_needs_case_protection(c) or c in _ELEMENTS)) > 1
    )
    for index, part in enumerate(parts):
        if index % 2:
            out.append(to_latex(part))
            continue
        core = part.strip(_EDGE_PUNCTUATION)
        protect = core and (_needs_case_protection(core) or (compound_is_chemical and core in _ELEMENTS))
        if not protect:
            out.append(to_latex(part))
            continue
        start = part.index(core)
        lead, tail = part[:start], part[start + len(core) :]
        out.append(f"{to_latex(lead)}{{{to_latex(core)}}}{to_latex(tail)}")
    return "".join(out)
