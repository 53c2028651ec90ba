"""TeX both ways: plain text written as TeX, TeX read as plain text, and what may never reach a .bib file.

Writing (`to_latex`, `title_to_latex`) spells text so that pdflatex, BibTeX and biber read it
without error or warning; reading (`decode_latex`) turns the accents, commands, braces and math
of a .bib field into plain Unicode text. The writer checks each spelling it takes from
pylatexenc against the reader, so that what it writes reads back as the same text.
"""

import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexencode import UnicodeToLatexEncoder
from pylatexenc.latexwalker import get_default_latex_context_db as get_default_latex_walker_context_db
from pylatexenc.macrospec import MacroSpec

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


# Writing: plain text as TeX.

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
        return text  # what _encoded() would give, without running the encoder over plain ASCII
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


# An ion: an element symbol with its charge (Li+, Na⁺, O2−, Mg²⁺).
_ION = re.compile(r"([A-Z][a-z]?)[0-9⁰¹²³⁴⁵⁶⁷⁸⁹]*[+\-−⁺⁻]+")


def _needs_case_protection(word: str) -> bool:
    """Formulas (Li7La3Zr2O12, Li₂S), ions (Li+), acronyms (LLZO, LiPON) and element symbols (Li)."""
    if any(c.isupper() for c in word[1:]):
        return True
    if any(c.isdigit() or c in _SUBSCRIPTS for c in word) and any(c.isalpha() for c in word):
        return True
    ion = _ION.fullmatch(word)
    if ion and ion.group(1) in _ELEMENTS:
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


# Reading: TeX as plain text.

_SUBSCRIPT_OF = str.maketrans("0123456789+-=()x", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₓ")
_SUPERSCRIPT_OF = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")


def _script_as_text(table):
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
            MacroTextSpec("textsubscript", simplify_repl=_script_as_text(_SUBSCRIPT_OF)),
            MacroTextSpec("textsuperscript", simplify_repl=_script_as_text(_SUPERSCRIPT_OF)),
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


# The writer's spellings of characters TeX has no command for (unicode_latex, lookalike_latex).
CODE_POINT = re.compile(r"\\ensuremath\{\\langle\}\\texttt\{U\+([0-9A-F]{4,6})\}\\ensuremath\{\\rangle\}")
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
        text = CODE_POINT.sub(_code_point, text)
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


@functools.lru_cache(maxsize=1024)
def known_command(name: str) -> bool:
    """Whether the decoder knows the command \\name: of an unknown one it keeps only the argument's text."""
    return _DECODER.latex_context.get_macro_spec(name) is not None
