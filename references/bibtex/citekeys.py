"""Citation keys: surname, year and the first significant word of the title, in ASCII."""

from __future__ import annotations

import re
import unicodedata

from ..tex import decode_latex

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


CITEKEY_SHAPE = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
