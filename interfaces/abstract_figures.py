"""Figures read from a paper's abstract: proposals a curator ticks and edits before anything is saved.

A pure function of the text. Every number with a unit the atlas knows is found however the page
printed it (Unicode or ASCII minus, superscripts, `cm(-2)`, `× 10^-4`, thin spaces, `1,710`),
brought to its quantity's canonical unit, named by the words around it, given a qualifier by the
atlas's rule (vocabularies.QUALIFIER_RULE), a role and, for "from X to Y" or "X … compared with Y for
the bare …", its control. Test conditions stated with a figure (temperature, current density,
areal capacity, stack pressure, cell) are filled in beside it.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from interfaces.vocabularies import CellType, Qualifier, Quantity, Role


@dataclass(frozen=True)
class Proposal:
    """One figure read in an abstract; a curator accepts, edits or drops it."""

    quantity: str
    value: float
    value_max: float | None
    qualifier: str
    reported: str
    sentence: str
    role: str
    control: int | None
    current_density_ma_cm2: float | None = None
    temperature_c: float | None = None
    areal_capacity_mah_cm2: float | None = None
    stack_pressure_mpa: float | None = None
    cell_type: str = ""
    start: int = 0  # where the figure's number starts in the abstract
    end: int = 0


@dataclass(frozen=True)
class Unit:
    family: str
    scale: float  # multiplies a printed value into the family's unit
    offset: float = 0.0


# The family units, and each quantity's family with the factor from the family's unit to the
# quantity's canonical unit (vocabularies.UNITS; tests check that they agree).
FAMILY_UNITS = {
    "current_density": "mA/cm²",
    "areal_resistance": "Ω·cm²",
    "resistance": "Ω",
    "conductivity": "mS/cm",
    "time": "h",
    "cycles": "cycles",
    "percent": "%",
    "length": "nm",
    "pressure": "MPa",
    "voltage": "mV",
    "areal_capacity": "mAh/cm²",
    "specific_capacity": "mAh/g",
    "temperature": "°C",
}
QUANTITY_FAMILIES = {
    Quantity.CCD: ("current_density", 1.0),
    Quantity.CURRENT_DENSITY: ("current_density", 1.0),
    Quantity.INTERFACIAL_RESISTANCE: ("areal_resistance", 1.0),
    Quantity.RESISTANCE: ("resistance", 1.0),
    Quantity.IONIC_CONDUCTIVITY: ("conductivity", 1.0),
    Quantity.CYCLING_TIME: ("time", 1.0),
    Quantity.CYCLE_COUNT: ("cycles", 1.0),
    Quantity.CAPACITY_RETENTION: ("percent", 1.0),
    Quantity.COULOMBIC_EFFICIENCY: ("percent", 1.0),
    Quantity.THICKNESS: ("length", 1.0),
    Quantity.ELECTROLYTE_THICKNESS: ("length", 1e-3),
    Quantity.STACK_PRESSURE: ("pressure", 1.0),
    Quantity.OVERPOTENTIAL: ("voltage", 1.0),
    Quantity.AREAL_CAPACITY: ("areal_capacity", 1.0),
    Quantity.SPECIFIC_CAPACITY: ("specific_capacity", 1.0),
}

_S = r"\s*[·*]?\s*"  # between two factors of a unit: a space, a dot, or nothing


def _power(exponent: str) -> str:
    """An exponent as pages print it: "-2", "^-2", "(-2)", "^(-2)" (superscripts are folded to these)."""
    return rf"\s*\^?\s*(?:\(\s*{exponent}\s*\)|{exponent})"


_SQUARE = _power(r"2")
_PER_SQUARE = _power(r"-\s*2")
_PER = _power(r"-\s*1")
_SQUARE_OR_PER_SQUARE = _power(r"-?\s*2")  # "Ω cm-2" is a misprint of Ω·cm²
_PER_CM2 = rf"(?:\s*/\s*cm{_SQUARE}|{_S}cm{_PER_SQUARE})(?![\d\w])"
_TIMES_CM2 = rf"{_S}cm{_SQUARE_OR_PER_SQUARE}(?![\d\w])"
_PER_CM = rf"(?:\s*/\s*cm|{_S}cm{_PER})(?![\d\w])"
_PER_G = rf"(?:\s*/\s*g|{_S}g{_PER})(?![\d\w])"
_OHM = r"(?:Ω|[Oo]hms?|[Oo]mega|ω)"

# Every spelling of every unit the atlas reads, as the folded text prints it (see _fold): one
# declaration, tried in this order at the end of a number.
UNIT_SPELLINGS: tuple[tuple[str, Unit], ...] = (
    (rf"mA{_S}h(?:our)?{_PER_CM2}", Unit("areal_capacity", 1.0)),
    (rf"µA{_S}h{_PER_CM2}", Unit("areal_capacity", 1e-3)),
    (rf"mA{_S}h(?:our)?{_PER_G}", Unit("specific_capacity", 1.0)),
    (rf"mA{_S}h{_S}g\s?1(?![\d\w])", Unit("specific_capacity", 1.0)),  # a lost minus: "mA h g1"
    (rf"A{_S}h{_S}kg{_PER}(?![\d\w])", Unit("specific_capacity", 1.0)),
    (rf"mA{_PER_CM2}", Unit("current_density", 1.0)),
    (rf"mA{_S}cm\s?2(?![\d\w])", Unit("current_density", 1.0)),  # a lost minus: no mA·cm² exists
    (rf"(?:µA|uA){_PER_CM2}", Unit("current_density", 1e-3)),
    (rf"A{_PER_CM2}", Unit("current_density", 1e3)),
    (rf"k{_OHM}{_TIMES_CM2}", Unit("areal_resistance", 1e3)),
    (rf"{_OHM}\s*[-·*]?{_TIMES_CM2}", Unit("areal_resistance", 1.0)),
    (r"kΩ(?![\w·-])", Unit("resistance", 1e3)),
    (r"MΩ(?![\w·-])", Unit("resistance", 1e6)),
    (r"(?:Ω|[Oo]hms?)(?![\w·-])", Unit("resistance", 1.0)),
    (rf"mS{_PER_CM}", Unit("conductivity", 1.0)),
    (rf"(?:µS|uS){_PER_CM}", Unit("conductivity", 1e-3)),
    (rf"S{_PER_CM}", Unit("conductivity", 1e3)),
    (r"[hH](?:ours?|rs?)?(?![\w])", Unit("time", 1.0)),
    (r"min(?:utes?)?(?![\w])", Unit("time", 1 / 60)),
    (r"s(?:ec(?:onds?)?)?(?![\w])", Unit("time", 1 / 3600)),
    (
        r"(?:(?:charge|discharge|plating|stripping|galvanostatic)[-/ ]*){0,3}cycles?(?![\w])",
        Unit("cycles", 1.0),
    ),
    (r"%", Unit("percent", 1.0)),
    (r"nm(?![\w])", Unit("length", 1.0)),
    (r"(?:µm|um|micrometers?|microns?)(?![\w])", Unit("length", 1e3)),
    (r"mm(?![\w])", Unit("length", 1e6)),
    (r"MPa(?![\w])", Unit("pressure", 1.0)),
    (r"kPa(?![\w])", Unit("pressure", 1e-3)),
    (r"GPa(?![\w])", Unit("pressure", 1e3)),
    (r"bar(?![\w])", Unit("pressure", 0.1)),
    (r"atm(?![\w])", Unit("pressure", 0.101325)),
    (r"psi(?![\w])", Unit("pressure", 0.00689476)),
    (r"mV(?![\w])", Unit("voltage", 1.0)),
    (r"V(?![\w])", Unit("voltage", 1e3)),
    (r"(?:°\s?C|degrees?\s+C(?:elsius)?|o\s?C)(?![\w])", Unit("temperature", 1.0)),
    (r"K(?![\w])", Unit("temperature", 1.0, -273.15)),
)
_UNIT_RE = [(re.compile(spelling), unit) for spelling, unit in UNIT_SPELLINGS]


def _unit_at(text: str, pos: int) -> tuple[Unit, int] | None:
    """The unit printed right after a number ending at `pos`, and where it ends."""
    gap = re.compile(r" ?-?").match(text, pos)
    hyphen = "-" in gap.group()
    for pattern, unit in _UNIT_RE:
        if hyphen and unit.family != "length":  # "30-nm-thick", never "10-4 S"
            continue
        match = pattern.match(text, gap.end())
        if match:
            return unit, match.end()
    return None


_FOLDS = {
    **dict.fromkeys("\u2212\u2013\u2010\u2011\u2012\ufe63\uff0d", "-"),
    **dict.fromkeys("\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\t\r", " "),
    **dict.fromkeys("\u200b\u200c\u200d\ufeff\u00ad", ""),
    **{sup: plain for sup, plain in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+", strict=True)},
    **{sub: plain for sub, plain in zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True)},
    **dict.fromkeys("\u223c\u02dc\u301c\uff5e", "~"),
    "\u03bc": "µ",
    "\u2126": "Ω",
    **dict.fromkeys("\u2219\u22c5\u2027", "·"),
    "\u2103": "°C",
    "\u00ba": "°",
    "\u2022": "\n\n",
}
_FOLD_RE = re.compile(r"</?(?:sup|sub|i|em|b|strong)>|&\s?deg;?|&\s?DEG;?|.", re.DOTALL)


def _fold(text: str) -> tuple[str, list[int]]:
    """The text in one spelling, with the position in `text` of each of its characters."""
    out: list[str] = []
    where: list[int] = []
    for match in _FOLD_RE.finditer(text):
        piece = match.group()
        if len(piece) > 1:
            piece = "°" if "deg" in piece.lower() else ""
        else:
            piece = _FOLDS.get(piece, piece)
        out.append(piece)
        where.extend([match.start()] * len(piece))
    return "".join(out), where


_ABBREVIATIONS = re.compile(r"\b(?:ca|vs|e\.g|i\.e|Fig|Figs|al|approx|Ref|Refs|No|cf|resp|Eq|ref|etc)\.$")
_BREAK = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z(\[“\"0-9])|\n\s*\n")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _BREAK.finditer(text):
        if match.group().strip() or not _ABBREVIATIONS.search(
            text[max(start, match.start() - 8) : match.start()]
        ):
            if text[start : match.start()].strip():
                spans.append((start, match.start()))
            start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


_CLAUSE_BREAK = re.compile(r";|,\s*(?:which|while|whereas|but)\b|\s(?:whereas|but)\s|—")


_WORD_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}
_NUMBER_RE = re.compile(
    r"(?<![\w.,])(?:"
    # a power of ten alone ("10-4 S cm-1"), read before its digits can pass for a range
    r"(?P<power>10\s*\^?\s*\(?\s*-\s*(?P<power_exponent>\d{1,2})\s*\)?(?=(?:\s*(?:to|-|and)\s*(?:\d+(?:\.\d+)?\s*[x×]\s*)?"
    r"10\s*\^?\s*\(?\s*-\s*\d{1,2}\s*\)?)?\s*[µum]?S\b))"
    r"|(?P<mantissa>\d{1,3}(?:,\d{3})+(?![\d])|\d{1,3}(?: \d{3})+(?![\d.,])|\d+)(?P<decimals>\.\d+)?"
    r"(?:\(\d{1,3}\)(?=\s*\S))?"  # an uncertainty in the last digits: "1.02(13) Ω cm2"
    r"(?:\s*[x×*]\s*10\s*(?:\^|\*\*)?\s*\(?\s*(?P<exponent>[-+]?\s*\d{1,2})\s*\)?(?!\d))?"
    r"|(?P<words>(?:a|one|two|three|four|five|ten)[\s-]+(?P<scale>hundred|thousand))"
    r")"
)


@dataclass
class _Number:
    start: int
    end: int
    value: float
    power_only: bool = False


def _numbers(text: str) -> list[_Number]:
    numbers = []
    for match in _NUMBER_RE.finditer(text):
        if match.group("power"):
            value = 10.0 ** -int(match.group("power_exponent"))
            numbers.append(_Number(match.start(), match.end(), value, power_only=True))
        elif match.group("words"):
            head = match.group("words").split()[0].split("-")[0].lower()
            scale = 100 if match.group("scale") == "hundred" else 1000
            numbers.append(_Number(match.start(), match.end(), _WORD_NUMBERS[head] * scale))
        else:
            digits = re.sub(r"[, ]", "", match.group("mantissa")) + (match.group("decimals") or "")
            value = float(digits)
            if match.group("exponent"):
                value *= 10.0 ** int(match.group("exponent").replace(" ", ""))
            numbers.append(_Number(match.start(), match.end(), value))
    return numbers


# The words just before a number, nearest first wins; "up to", "as high as", "reaching" mark a value
# the experiment reached: exact (vocabularies.QUALIFIER_RULE).
_QUALIFIER_WORDS: tuple[tuple[str, str], ...] = (
    (r"~|≈|∼|\b(?:about|approximately|approx\.|ca\.|circa|around|roughly|nearly)", Qualifier.APPROX),
    (r">=|≥|\b(?:at least|no less than|not less than|a minimum of)", Qualifier.AT_LEAST),
    (r"<=|≤|\b(?:at most|no more than|not more than|a maximum of)", Qualifier.AT_MOST),
    (
        r">|\b(?:(?:more|longer|greater|higher|larger) than|over|exceed(?:ing|s|ed)?|above|beyond|"
        r"in excess of)",
        Qualifier.MORE,
    ),
    (r"<|\b(?:(?:less|lower|fewer|smaller|shorter|thinner) than|below|sub)", Qualifier.LESS),
    (r"\b(?:up to|as (?:high|low|long|large|much|thin|short) as|reach(?:ing|ed|es)?)", ""),
)
_QUALIFIER_RE = [
    (re.compile(rf"(?:{words})\s*-?\s*(?:(?:a|an|the|of|value of|record-high value of)\s+)?$"), qualifier)
    for words, qualifier in _QUALIFIER_WORDS
]
_BOUND_AFTER = re.compile(
    r"\s*(?:or\s+(?P<less>less|lower|thinner|shorter|smaller|below)|or\s+(?P<more>more|higher|longer|greater|above))\b"
)


def _qualifier_before(text: str, start: int) -> tuple[str, int] | None:
    """The qualifier printed just before `start`, and where its words begin."""
    before = text[max(0, start - 40) : start]
    best = None
    for pattern, qualifier in _QUALIFIER_RE:
        match = pattern.search(before)
        if match and (best is None or match.start() > best[1]):
            best = (qualifier, match.start())
    if best is None:
        return None
    return best[0], start - len(before) + best[1]


_CCD_WORDS = re.compile(r"critical current densit|\bCCDs?\b|plating currents?|withst(?:and|ood)", re.I)
_SHORTED_AFTER = re.compile(r"^[^,;]{0,30}\b(?:before|until) (?:\w+ ){0,2}short", re.I)
_CYCLING_WORDS = re.compile(
    r"cycl|plating|stripping|\bstab(?:le|ly|ility)|steady|operat|lifespan|\blife\b|polari[sz]|short|withst|durab|"
    r"sustain|\br[au]n\b|maintain|extraction and insertion",
    re.I,
)
_PROCESSING_WORDS = re.compile(
    r"sinter|anneal|heat|calcin|\bmill|dried|drying|stor(?:ed|age)|\bage[ds]?\b|soak|immers|react|"
    r"synthes|press|quench|\bhold|dwell|expos|ball|spark",
    re.I,
)
_FAILURE_BEFORE = re.compile(
    r"(?<!no )(?<!without )short[- ]?circuit(?:ed|s)?\s+(?:\w+\s+){0,3}$|shorted\s+(?:\w+\s+){0,3}$", re.I
)
_RETENTION_WORDS = re.compile(r"retention|retain|retaining|retained|\bcapacity\b(?! of)", re.I)
_EFFICIENCY_WORDS = re.compile(r"coulombic|columbic|\bI?CEs?\b|(?<!conversion )efficienc", re.I)
_PERCENT_VETO = re.compile(
    r"densit|densif|dense|porosit|\bwt\b|\bmol\b|\bat\b\s*%|yield|decay|\bloss|fade|\bPCE\b|purity|content|"
    r"concentration|humidity|state of charge|\bSOC\b|utili[sz]ation|\bby\s*$|conversion",
    re.I,
)
_LAYER_WORDS = re.compile(
    r"layer|coating|coated|\bfilms?\b|interlayer|interphase|buffer|shell|\bskin|deposit|\bALD\b|sputter", re.I
)
_MEMBRANE_WORDS = re.compile(r"membrane|separator|pellet|\bsheet|electrolyte|\bSSEs?\b", re.I)
_LENGTH_VETO = re.compile(
    r"particle|grain|powder|\bD\d{2}\b|resolution|diameter|\bpores?\b|crack|current collector|"
    r"(?:Li|lithium)(?: metal)?(?: negative)? (?:electrode|anode|foil)|\belectrodes?\b|\banodes?\b|"
    r"of (?:lithium|Li)\b|\bfoil|wavelength|roughness|subvolume|\bsize",
    re.I,
)
_PRESSURE_WORDS = re.compile(
    r"stack(?:ing)? pressure|external pressure|applied pressure|operating pressure", re.I
)
_PRESSURE_VETO = re.compile(
    r"\bpress(?:ed|ing)?\b|sinter|pelleti|\bhot\b|\bcold\b|tensile|strength|modulus|hardness|\bdies?\b|"
    r"fabricat|uniaxial",
    re.I,
)
_OVERPOTENTIAL_WORDS = re.compile(r"over-?potential|polari[sz]ation|hysteresis", re.I)
_VOLTAGE_VETO = re.compile(
    r"window|\bvs\.?|versus|oxidation|reduction|cut-?off|charged? to|charge voltage|\bup to\b", re.I
)
_RESISTANCE_WORDS = re.compile(r"resistance|impedance|\bASRs?\b|\bR_?ct\b", re.I)
_ELECTRONIC = re.compile(r"electronic(?:ally)? conduct", re.I)
_CAPACITY_WORDS = re.compile(r"capacit", re.I)
_SPECIFIC_VETO = re.compile(r"theoretical|graphite", re.I)
_OPERATION_WORDS = re.compile(r"operat|applied current|cycl|plating|stripping", re.I)
_CONDITION_BEFORE = re.compile(
    r"(?:\bat|\bunder|@|\bwith|\bin)\s+(?:(?:an?|the|high|low|higher|ultra-?high|large)\s+)*"
    r"(?:(?:current densit(?:y|ies)|areal capacit(?:y|ies)(?:\s+limit)?|capacity(?:\s+limit)?|"
    r"stack(?:ing)? pressures?|rates?)(?:\s+of)?\s*)?[(\[]?\s*$|^\s*[(,]\s*$",
    re.I,
)
_TEMPERATURE_VETO = re.compile(
    r"sinter|anneal|heat|calcin|\bmelt|\bmolten|\bbond|dry|synthes|process|hot|quench|above|over|\bbelow|"
    r"crystalli[sz]|transition|melting|decompos|elevated|runaway|from\s*$|between\s*$|ranging|range",
    re.I,
)

# A figure in a sentence that attributes it to other work, states a target, or sets it as the
# background of the field is no figure of the paper's.
_BACKGROUND_BEFORE = re.compile(
    r"typically|usually|commonly|generally|conventional|state-of-the-art|previously|reported|literature|"
    r"\b(?:is|are|well[- ])known\b|known to|theoretical|candidates?\b|"
    r"(?:due|owing|thanks) to (?:their|its|the prominent)|"
    r"ha(?:ve|s) (?:attracted|garnered)|limited to|on the order of|in the order of|"
    r"\bexisting\b|practical requirement|limitations?\b|remains? an? (?:\w+ )?challenge",
    re.I,
)
_BACKGROUND_ANYWHERE = re.compile(
    r"\b(?:are|is|be) (?:typically |generally |usually )?(?:needed|required|desired|necessary)(?![a-z])|"
    r"requirements?\b|\btarget\b|\bshould\b|\bwould\b",
    re.I,
)
_CONDITIONAL_CLAUSE = re.compile(r"^\s*(?:when|if|unless|whenever|once)\b", re.I)
_DIFFERENCE_AFTER = re.compile(  # matched right after the figure
    r"\s*(?:\w+\s+){0,1}(?:higher|lower|more|less|greater|smaller|larger|longer|shorter) than\b|"
    r"\s*(?:times|-?fold)\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\bthan\b|compared (?:with|to)|\bversus\b|\bvs\.?|\bagainst\b|relative to|in contrast|\bwhereas\b", re.I
)
_BARE = re.compile(
    r"\b(?:bare|pristine|uncoated|unmodified|untreated|unprotected|undoped|blank|non-?coated|"
    r"without (?:the |any |a )?(?:\w+ ){0,2}(?:coating|interlayer|layer|modification|treatment|protection|"
    r"buffer|doping)|reference cell|conventional Li)\b",
    re.I,
)
_RANGE_BEFORE = re.compile(
    r"(?:rang(?:e|es|ed|ing)|var(?:y|ies|ied|ying)|between|span(?:s|ning)?)\s+(?:from\s+)?(?:[~≈]\s*)?$", re.I
)
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_SYMMETRIC = re.compile(
    r"symmetric|\bLi\s*[|/]\s*[^\s|/]+(?:\s*[|/]\s*[^\s|/]+)?\s*[|/]\s*Li\b|Li[–-]Li\b", re.I
)
_FULL = re.compile(r"full[- ]?(?:cell|batter)|LiFePO|\bLFP\b|\bNCM|\bNCA\b|LiCoO|\bLCO\b|LiNi|cathode", re.I)
_HALF = re.compile(r"half[- ]?cell|\bLi\s*\|\|?\s*Cu\b", re.I)

# The figures a current density, an areal capacity or a stack pressure is the test condition of.
_CARRIES_CONDITIONS = {
    Quantity.CYCLING_TIME,
    Quantity.CYCLE_COUNT,
    Quantity.CAPACITY_RETENTION,
    Quantity.SPECIFIC_CAPACITY,
    Quantity.COULOMBIC_EFFICIENCY,
    Quantity.OVERPOTENTIAL,
    Quantity.AREAL_CAPACITY,
}


@dataclass
class _Figure:
    """A number with its unit, on its way to become a proposal (positions in the folded sentence)."""

    start: int
    end: int
    value: float  # in the family's unit
    value_max: float | None
    unit: Unit
    printed: tuple[int, int]  # the text shown as `reported`
    unit_span: tuple[int, int] | None = None  # the unit it shares with a later number
    chain: int = -1  # numbers that share one unit share one quantity
    order_of_magnitude: bool = False  # a power of ten alone: approximate
    qualifier: str = ""
    quantity: str = ""
    condition: str = ""  # the condition it is, when it is one
    role: str = ""
    control: "_Figure | None" = None
    conditions: dict = field(default_factory=dict)


_CHAIN = re.compile(
    r"\s*(?P<link>-|to|up to|and|or|,|, and|, or)\s*(?:(?:~|≈|>|<|≥|≤|about|approximately|more than|over|"
    r"as (?:low|high) as)\s*)?"
)
_TO = re.compile(
    r"\s*(?:up\s+)?to\s*(?:(?:~|≈|>|<|≥|≤|about|approximately|more than|over|as (?:low|high) as)\s*)?"
)
_FROM = re.compile(r"\bfrom\s+(?:[~≈]\s*)?$", re.I)
# How far around a figure its words are read: bounds the work on a long run-on text.
_REACH = 300


def _preceding(text: str, position: int, reach: int = 40) -> str:
    return text[max(0, position - reach) : position]


def _figures(text: str) -> list[_Figure]:
    """Every number with a unit: shared units ("from 1,710 to 1 Ω cm2", "5, 10 and 100 nm") handed on."""
    numbers, unit_end = [], 0
    for number in _numbers(text):
        if number.start >= unit_end:  # the "2" of "cm-2" is the unit's
            numbers.append(number)
            found = _unit_at(text, number.end)
            unit_end = found[1] if found else unit_end
    units = [_unit_at(text, number.end) for number in numbers]
    figures: list[_Figure] = []
    waiting: list[int] = []  # numbers before a shared unit
    for i, number in enumerate(numbers):
        if units[i] is None:
            nxt = numbers[i + 1] if i + 1 < len(numbers) else None
            waiting = [*waiting, i] if nxt and _CHAIN.fullmatch(_between(text, number, nxt)) else []
            continue
        chain, waiting = [*waiting, i], []
        if len(chain) > 1 and any(numbers[j].power_only for j in chain):
            continue  # a span of orders of magnitude ("10−4 to 10−3 S cm−1") describes a class of materials
        figures.extend(_chain_figures(text, [numbers[j] for j in chain], *units[i]))
        figures[-1].order_of_magnitude = number.power_only
    return figures


def _chain_figures(text: str, chain: list[_Number], unit: Unit, unit_end: int) -> list[_Figure]:
    """The figures of numbers that share the unit printed after the last: a range, or one each."""
    first, last = chain[0], chain[-1]
    if len(chain) == 2:
        link = _CHAIN.fullmatch(_between(text, first, last)).group("link")
        ranged = link == "-" or (link in ("to", "up to") and not _FROM.search(_preceding(text, first.start)))
        if ranged or (link in ("to", "up to") and _RANGE_BEFORE.search(_preceding(text, first.start))):
            low, high = sorted((first.value, last.value))
            return [
                _Figure(
                    first.start,
                    last.end,
                    _in(low, unit),
                    _in(high, unit),
                    unit,
                    (first.start, unit_end),
                    chain=first.start,
                )
            ]
    unit_start = re.compile(r" ?-?").match(text, last.end).end()
    return [
        _Figure(
            number.start,
            number.end,
            _in(number.value, unit),
            None,
            unit,
            (number.start, unit_end if number is last else number.end),
            unit_span=None if number is last else (unit_start, unit_end),
            chain=first.start,
        )
        for number in chain
    ]


def _between(text: str, a: _Number, b: _Number) -> str:
    return text[a.end : b.start]


def _in(value: float, unit: Unit) -> float:
    return value * unit.scale + unit.offset


def _clauses(text: str) -> list[tuple[int, int]]:
    cuts = [0, *(m.start() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    return list(zip(cuts, cuts[1:], strict=False))


def _clause_of(clauses: list[tuple[int, int]], position: int) -> tuple[int, int]:
    return next(((a, b) for a, b in clauses if a <= position < b), clauses[-1])


def _nearest(pattern: re.Pattern, text: str, figure: _Figure, left: int, right: int) -> float | None:
    """How far the nearest match of `pattern` is from the figure (words after it count a little more)."""
    best = None
    for match in pattern.finditer(text, left, right):
        if match.end() <= figure.start:
            distance = figure.start - match.end()
        elif match.start() >= figure.end:
            distance = (match.start() - figure.end) * 1.5 + 1
        else:
            distance = 0
        best = distance if best is None else min(best, distance)
    return best


@dataclass
class _Words:
    """A figure and the words around it: its clause, and the words since the figure before it."""

    text: str
    figure: _Figure
    own_left: int  # where the words that belong to this figure alone begin
    clause: tuple[int, int]

    @property
    def before(self) -> str:
        return self.text[self.own_left : self.figure.start]

    @property
    def after(self) -> str:
        return self.text[self.figure.printed[1] : min(self.clause[1], self.figure.printed[1] + _REACH)]

    def near(self, pattern: re.Pattern, left: int | None = None) -> float | None:
        """How far the nearest match of `pattern` in the clause is from the figure."""
        left = max(left or self.clause[0], self.figure.start - _REACH)
        return _nearest(pattern, self.text, self.figure, left, min(self.clause[1], self.figure.end + _REACH))

    def nearest_of(self, candidates: dict[str, re.Pattern]) -> str | None:
        """The candidate whose words are nearest the figure ("" for words that make it no figure)."""
        found = {name: self.near(pattern) for name, pattern in candidates.items()}
        found = {name: distance for name, distance in found.items() if distance is not None}
        return min(found, key=found.get) if found else None


def _current_density(words: _Words) -> None:
    """A CCD by its name; a test condition after "at"; a current density the cells ran at."""
    clause = words.text[max(words.clause[0], words.figure.start - _REACH) : words.clause[1]][: 2 * _REACH]
    if _CCD_WORDS.search(words.before) or _SHORTED_AFTER.match(words.after):
        words.figure.quantity = Quantity.CCD
    elif _CONDITION_BEFORE.search(words.before):
        words.figure.condition = "current_density_ma_cm2"
    elif _OPERATION_WORDS.search(clause) and re.search(r"current", clause, re.I):
        words.figure.quantity = Quantity.CURRENT_DENSITY


def _areal_resistance(words: _Words) -> None:
    words.figure.quantity = Quantity.INTERFACIAL_RESISTANCE


def _resistance(words: _Words) -> None:
    if words.near(_RESISTANCE_WORDS) is not None:
        words.figure.quantity = Quantity.RESISTANCE


def _conductivity(words: _Words) -> None:
    if words.near(_ELECTRONIC, words.own_left) is None:
        words.figure.quantity = Quantity.IONIC_CONDUCTIVITY


def _time(words: _Words) -> None:
    """Hours of cycling, not of milling, sintering or storage: the nearer words decide."""
    if words.nearest_of({Quantity.CYCLING_TIME: _CYCLING_WORDS, "": _PROCESSING_WORDS}):
        words.figure.quantity = Quantity.CYCLING_TIME


def _cycles(words: _Words) -> None:
    words.figure.quantity = Quantity.CYCLE_COUNT


def _percent(words: _Words) -> None:
    """A retention or an efficiency by the nearer name; a density, a content or a decay is none."""
    candidates = {
        Quantity.CAPACITY_RETENTION: _RETENTION_WORDS,
        Quantity.COULOMBIC_EFFICIENCY: _EFFICIENCY_WORDS,
        "": _PERCENT_VETO,
    }
    words.figure.quantity = words.nearest_of(candidates) or ""


def _length(words: _Words) -> None:
    """A layer's thickness (nm) or the electrolyte's (µm), by the nearer noun; an electrode's is none."""
    candidates = {
        Quantity.THICKNESS: _LAYER_WORDS,
        Quantity.ELECTROLYTE_THICKNESS: _MEMBRANE_WORDS,
        "": _LENGTH_VETO,
    }
    words.figure.quantity = words.nearest_of(candidates) or ""


def _pressure(words: _Words) -> None:
    """A stack pressure; a test condition when stated "under"/"at"; a pressing pressure is none."""
    if words.near(_PRESSURE_WORDS) is None or words.near(_PRESSURE_VETO) is not None:
        return
    window = words.text[max(words.clause[0], words.figure.start - 70) : words.figure.start]
    if re.search(r"(?:\bat|\bunder|\bwith)\b.{0,40}pressures?(?:\s+of)?\s*$", window, re.I):
        words.figure.condition = "stack_pressure_mpa"
    else:
        words.figure.quantity = Quantity.STACK_PRESSURE


def _voltage(words: _Words) -> None:
    """An overpotential or polarization; a voltage window or a cut-off is none."""
    if words.nearest_of({Quantity.OVERPOTENTIAL: _OVERPOTENTIAL_WORDS, "": _VOLTAGE_VETO}):
        words.figure.quantity = Quantity.OVERPOTENTIAL


def _areal_capacity(words: _Words) -> None:
    """The capacity a cycling test ran at (a condition), or an areal capacity reached."""
    beside_current = re.search(
        r"(?:mA|µA)\s*(?:/\s*)?cm\S*\s*(?:and|,|with)\s*$",
        words.text[max(words.clause[0], words.figure.start - 30) : words.figure.start],
    )
    if _CONDITION_BEFORE.search(words.before) or re.search(r"\(\s*$", words.before) or beside_current:
        words.figure.condition = "areal_capacity_mah_cm2"
    elif words.near(_CAPACITY_WORDS) is not None:
        words.figure.quantity = Quantity.AREAL_CAPACITY


def _specific_capacity(words: _Words) -> None:
    if words.near(_SPECIFIC_VETO) is None:
        words.figure.quantity = Quantity.SPECIFIC_CAPACITY


def _temperature(words: _Words) -> None:
    """A test temperature (a condition), never a figure; a sintering or melting one is neither."""
    if not _TEMPERATURE_VETO.search(
        words.text[max(words.own_left, words.figure.start - 30) : words.figure.start]
    ):
        words.figure.condition = "temperature_c"


# How each family of units is named: one reader per family.
_NAMERS = {
    "current_density": _current_density,
    "areal_resistance": _areal_resistance,
    "resistance": _resistance,
    "conductivity": _conductivity,
    "time": _time,
    "cycles": _cycles,
    "percent": _percent,
    "length": _length,
    "pressure": _pressure,
    "voltage": _voltage,
    "areal_capacity": _areal_capacity,
    "specific_capacity": _specific_capacity,
    "temperature": _temperature,
}


def _changes_from(text: str, before: _Figure | None, figure: _Figure) -> bool:
    """Whether the figure is the Y of "from X mA cm−2 to Y mA cm−2"."""
    return (
        before is not None
        and before.unit.family == figure.unit.family
        and bool(_FROM.search(_preceding(text, before.start)))
        and bool(_TO.fullmatch(text[before.printed[1] : figure.start]))
    )


def _is_background(text: str, figure: _Figure, clause: tuple[int, int]) -> bool:
    """Whether the words around a figure make it another's, a target, or the field's background."""
    left, right = clause
    opening = text[left : left + 20].lstrip(",; ")
    if _CONDITIONAL_CLAUSE.search(opening) and "," not in text[left + 1 : figure.start]:
        return True  # "When the current density is below 0.3 mA cm−2, …": a case, not a result
    left, right = max(left, figure.start - _REACH), min(right, figure.end + _REACH)
    if _BACKGROUND_BEFORE.search(text[left : figure.start]) or _BACKGROUND_ANYWHERE.search(text[left:right]):
        return True
    if _DIFFERENCE_AFTER.match(text, figure.printed[1], right):
        return True
    if re.search(r"=\s*$", text[max(left, figure.start - 12) : figure.start]) and not re.search(
        r"σ\w*\s*=\s*$", text[max(left, figure.start - 12) : figure.start]
    ):
        return True  # "D50 = 10 µm", "ρ = 97%", "x = 0.3": a symbol's value, not a figure
    return False


def _qualify(text: str, figure: _Figure, previous_end: int) -> None:
    found = _qualifier_before(text, figure.start)
    if found and found[1] >= previous_end:
        figure.qualifier, start = found
        figure.printed = (min(start, figure.printed[0]), figure.printed[1])
    if figure.order_of_magnitude and not figure.qualifier:
        figure.qualifier = Qualifier.APPROX
    if re.search(r"\bsub-\s*$", text[max(0, figure.start - 6) : figure.start], re.I):
        figure.qualifier = Qualifier.LESS
    after = _BOUND_AFTER.match(text, figure.printed[1])
    if after and not figure.value_max:
        figure.qualifier = Qualifier.AT_MOST if after.group("less") else Qualifier.AT_LEAST
        figure.printed = (figure.printed[0], after.end())


def _own_words(text: str, figure: _Figure, previous: _Figure | None, clause: tuple[int, int]) -> str:
    """The words that describe this figure: before it, since the last comparison word or comma; after
    it, a few words up to the next comparison word or comma."""
    left = max(previous.printed[1] if previous else clause[0], clause[0])
    before = re.split(r"[,;]|" + _COMPARISON.pattern, text[left : figure.printed[0]], flags=re.I)[-1]
    after = text[figure.printed[1] : min(figure.printed[1] + 40, clause[1])]
    after = re.split(r"[,;(]|" + _COMPARISON.pattern, after, flags=re.I)[0]
    return f"{before} {after}"


def _pair(text: str, figures: list[_Figure], clauses) -> None:
    """Roles and controls: "from X to Y", a bare figure compared with a treated one, "respectively"."""
    for i, figure in enumerate(figures):
        clause = _clause_of(clauses, figure.start)
        own = _own_words(text, figure, figures[i - 1] if i else None, clause)
        figure.role = Role.CONTROL if _BARE.search(own) else Role.TREATED
        if figure.quantity == Quantity.CYCLING_TIME and _FAILURE_BEFORE.search(
            text[max(clause[0], figure.printed[0] - 80) : figure.printed[0]]
        ):
            figure.role = ""
    for a, b in zip(figures, figures[1:], strict=False):
        if a.quantity != b.quantity:
            continue
        gap = text[a.printed[1] : b.printed[0]]
        from_to = _FROM.search(_preceding(text, a.start)) and (
            re.search(r"\bto\s*$", gap) or re.match(r"up to", text[b.printed[0] :])
        )
        if from_to and len(gap) < 60:
            a.role, b.role, b.control = Role.CONTROL, Role.TREATED, a
        elif _COMPARISON.search(gap) and (a.role == Role.CONTROL) != (b.role == Role.CONTROL):
            control, treated = (a, b) if a.role == Role.CONTROL else (b, a)
            treated.control = control
    _respectively(text, figures)


def _respectively(text: str, figures: list[_Figure]) -> None:
    """ "12 and 1,450 Ω cm2 for coated and bare cells, respectively": the bare one is the control."""
    for a, b in zip(figures, figures[1:], strict=False):
        if a.quantity != b.quantity or a.quantity == "":
            continue
        tail = text[b.printed[1] : b.printed[1] + 120]
        said = _RESPECTIVELY.search(tail)
        if not said or not re.fullmatch(r"\s*(?:and|,|, and)\s*", text[a.end : b.start]):
            continue
        labels = [label for label in re.split(r"\s+and\s+|,\s*", tail[: said.start()]) if label.strip()]
        bare = [bool(_BARE.search(label)) for label in labels[-2:]]
        if len(bare) == 2 and bare.count(True) == 1:
            control, treated = (a, b) if bare[0] else (b, a)
            control.role, treated.role, treated.control = Role.CONTROL, Role.TREATED, control


def _attach_conditions(text: str, figures: list[_Figure], conditions: list[_Figure], clauses) -> None:
    """A current density, an areal capacity or a stack pressure that is itself a figure goes to the
    nearest figure that carries one (the one before it first; "…, respectively" in order); a
    temperature, or a stack pressure stated "under"/"at", to every figure of its clause."""
    for condition in conditions:
        if condition.value_max is not None:
            continue  # a range is no single condition
        if condition.condition in ("temperature_c", "stack_pressure_mpa"):
            clause = _clause_of(clauses, condition.start)
            for figure in figures:
                if clause[0] <= figure.start < clause[1]:
                    figure.conditions.setdefault(condition.condition, condition.value)
        elif not _respectively_conditions(text, figures, conditions, condition):
            _to_nearest(figures, condition, condition.condition, condition.value)
    for figure in figures:
        if figure.quantity == Quantity.STACK_PRESSURE:
            _to_nearest(figures, figure, "stack_pressure_mpa", figure.value)


def _to_nearest(figures: list[_Figure], condition: _Figure, name: str, value: float) -> None:
    takers = [f for f in figures if f.quantity in _CARRIES_CONDITIONS and name not in f.conditions]
    before = [f for f in takers if f.end <= condition.start]
    after = [f for f in takers if f.start >= condition.end]
    target = before[-1] if before else (after[0] if after else None)
    if target is not None:
        target.conditions[name] = value


def _respectively_conditions(text: str, figures, conditions, condition: _Figure) -> bool:
    """ "for 850 and 400 h at 0.1 and 0.2 mA/cm2, respectively": each condition to its figure."""
    chain = [c for c in conditions if c.chain == condition.chain]
    if len(chain) < 2 or not re.match(r"\s*,?\s*respectively\b", text[chain[-1].printed[1] :], re.I):
        return False
    takers = [f for f in figures if f.quantity in _CARRIES_CONDITIONS and f.end <= chain[0].start]
    takers = [f for f in takers if f.chain == takers[-1].chain] if takers else []
    if len(takers) != len(chain):
        return False
    takers[chain.index(condition)].conditions[condition.condition] = condition.value
    return True


def _cell_type(text: str, figure: _Figure) -> str:
    best, found = None, ""
    for pattern, cell in ((_SYMMETRIC, CellType.SYMMETRIC), (_FULL, CellType.FULL), (_HALF, CellType.HALF)):
        distance = _nearest(pattern, text, figure, max(0, figure.start - 150), figure.end + 150)
        if distance is not None and distance < 120 and (best is None or distance < best):
            best, found = distance, cell
    return str(found)


def _read_sentence(text: str) -> list[_Figure]:
    clauses = _clauses(text)
    everything = _figures(text)
    figures, conditions = [], []
    previous_end, previous_chain = 0, -1
    named: dict[int, _Figure] = {}
    for figure in everything:
        clause = _clause_of(clauses, figure.start)
        if figure.chain in named:  # "from 2 up to 8 mA cm−2": the second is what the first is
            figure.quantity, figure.condition = named[figure.chain].quantity, named[figure.chain].condition
        elif _changes_from(text, named.get(previous_chain), figure):
            figure.quantity, figure.condition = (
                named[previous_chain].quantity,
                named[previous_chain].condition,
            )
            named[figure.chain] = figure
        else:
            _NAMERS[figure.unit.family](_Words(text, figure, max(clause[0], previous_end), clause))
            named[figure.chain] = figure
        if figure.quantity and not _is_background(text, figure, clause):
            _qualify(text, figure, previous_end)
            figures.append(figure)
        elif figure.condition and not _DIFFERENCE_AFTER.match(text, figure.printed[1], clause[1]):
            conditions.append(figure)
        previous_end, previous_chain = figure.printed[1], figure.chain
    if not any(f.quantity in _CARRIES_CONDITIONS for f in figures):
        for condition in [c for c in conditions if c.condition == "current_density_ma_cm2"]:
            if _OPERATION_WORDS.search(text) and re.search(r"current", text, re.I):
                condition.condition, condition.quantity = "", Quantity.CURRENT_DENSITY
                _qualify(text, condition, 0)
                figures.append(condition)
        figures.sort(key=lambda f: f.start)
        conditions = [c for c in conditions if c.condition]
    for figure in figures:
        scale = QUANTITY_FAMILIES[Quantity(figure.quantity)][1]
        figure.value *= scale
        figure.value_max = figure.value_max * scale if figure.value_max is not None else None
    _pair(text, figures, clauses)
    _attach_conditions(text, figures, conditions, clauses)
    return figures


def propose(abstract: str) -> list[Proposal]:
    """The figures an abstract states, in the order it states them."""
    folded, where = _fold(abstract or "")
    proposals: list[Proposal] = []
    for start, end in _sentence_spans(folded):
        text = folded[start:end]
        sentence = abstract[where[start] : where[end - 1] + 1].strip()
        figures = _read_sentence(text)
        first = len(proposals)
        index = {id(figure): first + i for i, figure in enumerate(figures)}
        for figure in figures:
            proposals.append(_proposal(abstract, where, start, text, figure, sentence, index))
    return proposals


def _proposal(abstract, where, offset, text, figure: _Figure, sentence: str, index) -> Proposal:
    a, b = figure.printed
    reported = re.sub(r"</?\w+>", "", abstract[where[offset + a] : where[offset + b - 1] + 1])
    if figure.unit_span:
        u, v = figure.unit_span
        reported = f"{reported} {abstract[where[offset + u] : where[offset + v - 1] + 1]}"
    conditions = figure.conditions
    return Proposal(
        quantity=str(figure.quantity),
        value=_round(figure.value),
        value_max=_round(figure.value_max) if figure.value_max is not None else None,
        qualifier=str(figure.qualifier),
        reported=" ".join(reported.split()),
        sentence=sentence,
        role=str(figure.role),
        control=index[id(figure.control)] if figure.control is not None else None,
        current_density_ma_cm2=_rounded(conditions.get("current_density_ma_cm2")),
        temperature_c=_rounded(conditions.get("temperature_c")),
        areal_capacity_mah_cm2=_rounded(conditions.get("areal_capacity_mah_cm2")),
        stack_pressure_mpa=_rounded(conditions.get("stack_pressure_mpa")),
        cell_type=_cell_type(text, figure),
        start=where[offset + figure.start],
        end=where[offset + figure.end - 1] + 1,
    )


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _rounded(value: float | None) -> float | None:
    return None if value is None else _round(value)


def _matches(proposal: Proposal, expected: Mapping) -> bool:
    def close(a, b):
        if a is None or b is None:
            return a is None and b is None
        return abs(a - b) <= 0.005 * max(abs(a), abs(b)) or a == b

    return (
        proposal.quantity == expected["quantity"]
        and close(proposal.value, float(expected["value"]))
        and close(
            proposal.value_max, None if expected.get("value_max") is None else float(expected["value_max"])
        )
        and proposal.qualifier == expected.get("qualifier", "")
        and proposal.role == expected.get("role", "")
    )


def match(proposals: list[Proposal], figures: list[Mapping]) -> dict[int, int]:
    """Which labelled figure each right proposal is (proposal index → figure index); a treated
    figure's control must be the proposal of its labelled control."""
    matched: dict[int, int] = {}
    for i, proposal in enumerate(proposals):
        for j, figure in enumerate(figures):
            if j not in matched.values() and _matches(proposal, figure):
                matched[i] = j
                break
    for i, j in list(matched.items()):
        wanted = figures[j].get("control")
        got = proposals[i].control
        if (wanted is None) != (got is None) or (wanted is not None and matched.get(got) != wanted):
            del matched[i]
    return matched


def score(labelled: Iterable[Mapping]) -> tuple[float, float, int]:
    """Precision (right proposals / proposals), recall (labelled figures proposed rightly / labelled
    figures) and the number of sentences, over sentences labelled with the figures they state."""
    proposed = right = stated = sentences = 0
    for item in labelled:
        figures = item.get("figures") or []
        proposals = propose(item["sentence"])
        matched = match(proposals, figures)
        proposed += len(proposals)
        right += len(matched)
        stated += len(figures)
        sentences += 1
    precision = right / proposed if proposed else 1.0
    recall = right / stated if stated else 1.0
    return precision, recall, sentences
