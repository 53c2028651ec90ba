"""Decoding LaTeX by runs (only the runs holding markup go through pylatexenc) reads exactly as
decoding the whole field at once, and costs time in proportion to the text."""

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from references import tex

WORDS = [
    "Li",
    "{Li7La3Zr2O12}",
    "$^{-2}$",
    "\\'e",
    '\\"{u}',
    'M{\\"u}ller',
    "\\textbf",
    "{bold text}",
    "--",
    "~",
    "\\%",
    "10\\%",
    "\\c c",
    "\\i",
    "$\\Omega$",
    "cm$^2$",
    "and",
    "\\emph{a b c}",
    "{",
    "}",
    "x_2",
    "\\&",
    "``q''",
    "\\ss{}",
    "\\mathrm{Li}",
    "garnet",
    "interlayer",
    "!`Hola",
    "160--987",
    "{van",
    "der}",
]


def decoded_whole(text: str) -> str:
    decoded = tex._DECODER.latex_to_text(tex._math_scripts(text), latex_context=tex._PARSER_CONTEXT)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", decoded)).strip()


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), max_size=8))
def test_decoding_by_runs_reads_as_decoding_the_whole(words):
    text = " ".join(words)
    try:
        expected = decoded_whole(text)
    except Exception:
        return  # the import reports such a field as unreadable either way
    if "$" in expected:
        return  # unbalanced math: pylatexenc's own reading of it is arbitrary
    tex.decode_latex.cache_clear()
    assert tex.decode_latex(text) == expected


def test_a_long_plain_abstract_skips_the_decoder_and_stays_whole():
    abstract = "garnet interlayer " * 20000 + "reaches 1 mA cm$^{-2}$"
    assert tex.decode_latex(abstract).endswith("garnet interlayer reaches 1 mA cm⁻²")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F) | st.sampled_from("–é₂²Ω"), max_size=40))
def test_plain_ascii_takes_a_shortcut_to_the_same_tex(text):
    import re as _re
    import unicodedata

    from references.tex import _encoded, to_latex

    normal = _re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    assert to_latex(text) == _encoded(normal)


# Runs of text, brace groups nested in them, with the characters that start a ligature or a
# special in pylatexenc (-- `` '' !` ?`) and some beyond ASCII.
_PLAIN = st.lists(
    st.sampled_from([*"aZ09-'`!?.,/:;()[]@*+=<>|\"üΩé\u00a0 ", "--", "---", "``", "''"]), max_size=6
).map("".join)
_BRACED = st.recursive(
    _PLAIN,
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda parts: "{" + "".join(parts) + "}")
        | st.lists(inner, min_size=2, max_size=3).map("".join)
    ),
    max_leaves=10,
)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(_BRACED, st.text(alphabet="ab{}\\$-'`!~%^_&# ", max_size=12)))
def test_the_shortcut_for_braces_and_dashes_reads_as_the_decoder(text):
    span = " ".join(text.split())  # a run as _spans gives it: words joined by one space
    if not tex._braces_and_dashes_only(span):
        return
    assert tex._decode_span(span) == tex._decode_span_slowly(span)


def test_the_shortcut_is_taken_for_braced_formulas_names_and_page_ranges_only():
    for run in ("{Li7La3Zr2O12}", "{van der Ven}", "M{ü}ller", "160--987", "a---b", "-{}--"):
        assert tex._braces_and_dashes_only(run), run
    assert tex._decode_span("-{}---{-}-") == "-—--"
    for run in ("{a", "}a{", "{\\'e}", "$x$", "{a~b}", "{``q''}", "`-`", "{!`}", "{10%}", "a\\-b"):
        assert not tex._braces_and_dashes_only(run), run
