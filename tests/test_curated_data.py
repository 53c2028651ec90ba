"""The curated data agrees with the review, study by study and figure by figure."""

import pytest

from interfaces.models import ElectrolyteFamily, Measurement, Quantity, Strategy, Study
from references.models import Reference

pytestmark = pytest.mark.django_db


def figures(key: str) -> list[tuple]:
    """The figures of a study that were read in the review."""
    study = Study.objects.get(key=key)
    return [
        (m.quantity, m.qualifier, m.value, m.value_max, m.unit, m.locator)
        for m in study.measurements.filter(source="review").order_by("position")
    ]


def review_studies():
    return Study.objects.filter(reference__citekey__in=SECTION_2_3)


def test_every_figure_of_the_review_has_a_unit_a_locator_and_the_reported_text():
    for measurement in Measurement.objects.filter(source="review"):
        assert measurement.unit, measurement
        assert measurement.reported.strip(), measurement
        assert measurement.locator.startswith("review "), measurement


def test_all_sixty_references_and_the_review_are_there():
    review = Reference.objects.get(citekey="kim2023interfacial")
    assert review.journal == "Corrosion Science and Technology" and review.year == 2023
    assert review.doi == ""  # not printed in the source: left empty
    # The review and its 60 references come first in the curated file.
    first = list(Reference.objects.order_by("pk")[:61])
    assert len(first) == 61
    assert first[0] == review and all(reference.doi for reference in first[1:])
    assert set(SECTION_2_3) <= {reference.citekey for reference in first}


# Refs. 32-60 of the review are the strategies of §2.3.
SECTION_2_3 = [
    "han2017negating",
    "deng2020tuning",
    "hao2019constructing",
    "roseronavarro2020significant",
    "luo2016transition",
    "fu2017garnet",
    "luo2017reducing",
    "fu2017transient",
    "liu2017garnet",
    "kato2016enhancing",
    "ogawa2012highcapacity",
    "xu2018interface",
    "kizilaslan2019assembling",
    "buschmann2012lithium",
    "ishiguro2013stability",
    "han2018suppressing",
    "tao2016lithium",
    "xu2017tailored",
    "liu2019high",
    "zhang2019inducing",
    "sun2016oxygen",
    "zhang2019allinone",
    "yang2018continuous",
    "hitz2019highrate",
    "shinzo2021highrate",
    "sakuma2016reactions",
    "yu2016synthesis",
    "doux2020stack",
    "cheng2015effect",
]


def test_every_reference_of_section_2_3_has_a_study():
    cited = set(review_studies().values_list("reference__citekey", flat=True))
    assert cited == set(SECTION_2_3)


def test_strategy_sections():
    counts = {s: review_studies().filter(strategy=s).count() for s in Strategy}
    assert counts == {
        Strategy.ARTIFICIAL_INTERLAYER: 13,  # §2.3.1, refs. 32-44
        Strategy.ELECTROLYTE_COMPOSITION: 9,  # §2.3.2, refs. 45-53
        Strategy.ANODE_DESIGN: 5,  # §2.3.3, refs. 54-58
        Strategy.OTHER: 2,  # §2.3.4, refs. 59-60
    }


def test_deng_li3po4_by_ald_on_llzto():
    study = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    assert study.electrolyte.formula == "Li6.3La3Zr1.5Ta0.5O12"
    assert study.electrolyte.family.slug == "garnet"
    assert study.method == "ald"
    assert [layer.material.name for layer in study.layers.all()] == ["Li3PO4"]
    assert figures(study.key) == [
        (Quantity.CCD, "", 2.2, None, "mA/cm²", "review §2.3.1"),
        (Quantity.THICKNESS, "~", 10.0, None, "nm", "review Fig. 1a caption"),
    ]


def test_the_other_figures_of_the_review():
    assert figures("han2018suppressing-lii-lps") == [(Quantity.CCD, "", 3.9, None, "mA/cm²", "review §2.3.2")]
    assert figures("liu2019high-lpszno-lgps") == [
        (Quantity.IONIC_CONDUCTIVITY, "~", 1.1, None, "mS/cm", "review §2.3.2")
    ]
    assert figures("hitz2019highrate-trilayer-llzo") == [
        (Quantity.CURRENT_DENSITY, "", 10.0, None, "mA/cm²", "review §2.3.3")
    ]
    assert figures("shinzo2021highrate-ni-collector-li3ps4lii") == [
        (Quantity.CCD, "", 6.0, None, "mA/cm²", "review §2.3.3")
    ]
    assert figures("cheng2015effect-microstructure-al-llzo") == [
        (Quantity.GRAIN_SIZE, "", 20.0, 40.0, "µm", "review §2.3.4")
    ]
    doux = figures("doux2020stack-pressure-li6ps5cl")
    assert [(q, v) for q, _, v, *_ in doux] == [
        (Quantity.STACK_PRESSURE, 5.0),
        (Quantity.CYCLING_TIME, 1000.0),
        (Quantity.STACK_PRESSURE, 25.0),
        (Quantity.STACK_PRESSURE, 75.0),
        (Quantity.STACK_PRESSURE, 25.0),
    ]
    cycling = Study.objects.get(key="doux2020stack-pressure-li6ps5cl").measurements.get(
        quantity="cycling_time", source="review"
    )
    assert cycling.stack_pressure_mpa == 5.0


def test_no_figure_the_review_does_not_state():
    # The review states twelve figures for its §2.3 studies; nothing else is put on its account.
    from_review = Measurement.objects.filter(source="review")
    assert from_review.count() == 12
    assert not from_review.filter(temperature_c__isnull=False).exists()
    assert not from_review.filter(quantity=Quantity.INTERFACIAL_RESISTANCE).exists()


def test_methods_only_where_the_review_names_them():
    methods = dict(review_studies().exclude(method="").values_list("key", "method"))
    assert methods == {
        "han2017negating-al2o3-llczn": "ald",
        "deng2020tuning-li3po4-llzto": "ald",
        "hao2019constructing-zno-latp": "sputtering",
        "roseronavarro2020significant-li2sio3-llczt": "wet-chemical",
        "kizilaslan2019assembling-li3n-li7p3s11": "gas-treatment",
        "tao2016lithium-p2o5-lps": "ball-milling",
        "xu2017tailored-mos2-lps": "ball-milling",
        "zhang2019inducing-libr-lgps": "ball-milling",
        "zhang2019allinone-o-li6ps5br": "solid-state-synthesis",
        "yang2018continuous-3d-llczn": "melt-infiltration",
    }


def test_family_stability_follows_section_2_2():
    verdicts = dict(ElectrolyteFamily.objects.values_list("slug", "forms_stable_interphase"))
    assert verdicts == {
        "garnet": True,
        "lipon": True,
        "thiophosphate": True,
        "argyrodite": True,
        "nasicon": False,
        "perovskite": False,
        "lgps": False,
        "halide": None,
        "polymer": None,
        "other": None,
    }
    for family in ElectrolyteFamily.objects.exclude(forms_stable_interphase=None):
        assert family.stability_reference.citekey == "kim2021solidstate"  # the review's ref. 23
        assert family.stability_locator == "review §2.2"


def test_typos_of_the_source_are_corrected_and_noted():
    corrected = {
        "roseronavarro2020significant": ("10.1021/acsaem.0c00511", "acsae.0c00511"),
        "hitz2019highrate": ("10.1016/j.mattod.2018.04.004", "j.mat-tod"),
        "shinzo2021highrate": ("10.1021/acsaem.1c02378", "acsam.1c02378"),
    }
    for citekey, (doi, printed) in corrected.items():
        reference = Reference.objects.get(citekey=citekey)
        assert reference.doi == doi
        assert printed in reference.curation_note
    assert "Li6PS5Br" in Reference.objects.get(citekey="zhang2019allinone").title
    assert "Li6PS3Br" in Reference.objects.get(citekey="zhang2019allinone").curation_note
    assert "Li6PS5Cl" in Reference.objects.get(citekey="yu2016synthesis").title
    assert "Li6PS4X" in ElectrolyteFamily.objects.get(slug="argyrodite").stability_note


def test_names_and_odd_dois_survive():
    kizilaslan = Reference.objects.with_authors().get(citekey="kizilaslan2019assembling")
    assert [a.family for a in kizilaslan.author_list] == ["Kızılaslan", "Akbulut"]
    winter = Reference.objects.with_authors().get(citekey="winter1998insertion")
    assert winter.author_list[3].family == "Novák"
    assert winter.doi == "10.1002/(sici)1521-4095(199807)10:10<725::aid-adma725>3.0.co;2-z"
    deng = Reference.objects.with_authors().get(citekey="deng2020tuning")
    assert len(deng.author_list) == 15 and deng.author_list[0].family == "Deng"
    assert deng.pages == "2000030" and deng.volume == "32"


def test_citation_keys_follow_the_rule():
    from references.bibtex import make_citekey

    taken: set[str] = set()
    for reference in Reference.objects.with_authors().order_by("pk")[:61]:
        key = make_citekey(reference.author_list[0].family, reference.year, reference.title, taken)
        taken.add(key)
        assert key == reference.citekey
