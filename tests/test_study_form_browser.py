"""A study's figures as a curator enters them in Chromium on a laptop (1366 × 900): compact rows
with no sideways scroll, a treated/control pair added with one button, the keyboard alone enough,
and the curator's actions counted."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User

from interfaces.admin import MEASUREMENT_FORM_FIELDS, MeasurementInline
from interfaces.models import Study
from references.models import Reference
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import (
    add_figure,
    admin_change_url,
    admin_form_data,
    make_study,
    needs_chromium,
    serious_accessibility_violations,
)

pytestmark = pytest.mark.django_db
ADDRESS = "https://example.org/abstract"
# A study with a paired interfacial resistance (treated 1 Ω·cm², control 1710) and a CCD took 25 of
# the curator's actions on the form whose figure rows were 3,000 px wide (6 for the study, 18 for its
# figures, 1 to save; 14 of them on a field out of sight sideways). It takes at most this many now.
ACTIONS = 14
FIGURES = ".atlas-measurements tr.form-row:not(.empty-form)"


class Curator:
    """Drives a page as a curator does, counting each click, field typed and option selected."""

    def __init__(self, page):
        self.page, self.clicks, self.typed, self.selects = page, 0, 0, 0

    @property
    def actions(self) -> int:
        return self.clicks + self.typed + self.selects

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def type(self, locator, text):
        self.typed += 1
        locator.fill(text)

    def select(self, locator, value):
        self.selects += 1
        locator.select_option(value)


@pytest.fixture
def page(page, live_server, curated_live):
    """conftest's laptop page, signed in to the admin as a superuser."""
    User.objects.create_superuser("editor", password="a long test password")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a long test password")
    page.click("input[type=submit]")
    return page


@pytest.fixture
def paper():
    return Reference.objects.get(citekey="deng2020tuning")


def fits_a_laptop(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 1366


def start_a_study(curator: Curator, summary: str) -> None:
    """The study's own fields, as a curator fills them on the add form of its paper."""
    page = curator.page
    curator.select(page.locator("#id_strategy"), "artificial-interlayer")
    curator.click(page.locator("#id_electrolyte + .select2 .select2-selection"))
    curator.type(page.locator(".select2-search__field"), "LLZTO")
    curator.click(page.locator(".select2-results__option >> text=LLZTO"))
    curator.type(page.locator("#id_summary"), summary)
    curator.select(page.locator("#id_figures_source"), "abstract")


def in_row(row, name: str):
    return row.locator(f"[name$='-{name}']")


def saved_figures(study: Study) -> list[tuple]:
    """Each figure's number, quantity, value, role and control's number, locator and source."""
    figures = study.measurements.order_by("position").select_related("control")
    return [
        (m.position, m.quantity, m.value, m.role, m.control and m.control.position, m.locator, m.source)
        for m in figures
    ]


def focused(page) -> str:
    """The focused element: a field's name without its row's prefix, else its tag and class."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.name ? e.name.replace(/^.*-/, '') : e.tagName.toLowerCase() + '.' + e.className; }"
    )


def tab_to(page, selector: str, limit: int = 120) -> int:
    """Presses Tab until the element `selector` names has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab; at {focused(page)}")


# -- the rows' fields ----------------------------------------------------------------------------


def test_a_figure_row_holds_every_declared_field_once_its_line_first():
    fieldsets = MeasurementInline(Study, admin.site).get_fieldsets(request=None)
    placed = [name for _, options in fieldsets for name in options["fields"]]
    assert sorted(placed) == sorted(MEASUREMENT_FORM_FIELDS)
    line = fieldsets[0][1]["fields"]
    assert line == "number quantity qualifier value value_max unit role control_position reading".split()
    assert [name for name, _ in fieldsets] == [None, "Source", "Test conditions", None]
    assert fieldsets[-1][1]["fields"] == ["note"]


def test_compared_with_names_a_new_row_by_the_number_the_page_shows(client, curator, paper):
    """A blank row above a pair is not saved: the pair is numbered on from the saved figures, and
    the treated one is compared with the row it named, as the page numbered it."""
    study = paper.studies.first()
    page = client.get(admin_change_url(study))
    data = admin_form_data(page)
    highest = max(study.measurements.values_list("position", flat=True))
    blank = {"quantity": "", "value": "", "locator": "", "role": "", "source": "review", "source_url": ""}
    data = add_figure(data, **blank, source_kind="text")
    data = add_figure(data, value="1", control_position=str(highest + 3))
    data = add_figure(data, value="1710", role="control")
    response = client.post(admin_change_url(study), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    treated, control = study.measurements.order_by("-position")[:2][::-1]
    assert (treated.position, control.position) == (highest + 1, highest + 2)
    assert (treated.value, treated.role, treated.control, control.role) == (1, "treated", control, "control")


# -- in the browser ------------------------------------------------------------------------------


@pytest.mark.browser
@needs_chromium
def test_a_curator_enters_a_pair_and_a_ccd_in_few_actions_on_a_laptop(page, live_server, paper):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/admin/interfaces/study/add/?reference={paper.pk}")
    assert fits_a_laptop(page)
    page.locator("#measurements-group").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "study-form-empty.png"))
    curator = Curator(page)
    start_a_study(curator, "A pair and a CCD entered by a curator.")

    rows = page.locator(FIGURES)
    curator.click(page.get_by_role("button", name="Add a treated/control pair"))
    ccd, treated, control = rows.nth(0), rows.nth(1), rows.nth(2)  # the blank row a new study starts with
    curator.select(in_row(treated, "quantity"), "interfacial_resistance")
    curator.type(in_row(treated, "value"), "1")
    curator.type(in_row(treated, "source_url"), ADDRESS)
    curator.type(in_row(control, "value"), "1710")
    curator.select(in_row(ccd, "quantity"), "ccd")
    curator.type(in_row(ccd, "value"), "1.2")

    # What the page filled in: the pair's roles and numbers, what the control shares with the treated
    # figure, and where the CCD was read (where its neighbour was).
    assert [rows.nth(n).locator("td.field-number p").inner_text() for n in range(3)] == [
        "1 (new)",
        "2 (new)",
        "3 (new)",
    ]
    assert [in_row(rows.nth(n), "role").input_value() for n in range(3)] == ["", "treated", "control"]
    assert in_row(treated, "control_position").input_value() == "3"
    assert in_row(control, "quantity").input_value() == "interfacial_resistance"
    assert control.locator("td.field-unit p").inner_text() == "Ω·cm²"
    assert ccd.locator("td.field-unit p").inner_text() == "mA/cm²"
    for row in (ccd, treated, control):
        where = [in_row(row, name).input_value() for name in ("locator", "source", "source_url")]
        assert where == ["abstract", "abstract", ADDRESS]
    assert fits_a_laptop(page)
    assert page.refused == []  # (before axe, whose own styles the page's policy refuses)
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=str(OUTPUT / "study-form-pair-and-ccd.png"))

    curator.click(page.locator("input[name=_continue]"))
    assert "was added successfully" in page.inner_text(".messagelist")
    assert curator.actions <= ACTIONS, (curator.clicks, curator.typed, curator.selects)
    study = paper.studies.get(summary="A pair and a CCD entered by a curator.")
    assert saved_figures(study) == [
        (1, "ccd", 1.2, "", None, "abstract", "abstract"),
        (2, "interfacial_resistance", 1.0, "treated", 3, "abstract", "abstract"),
        (3, "interfacial_resistance", 1710.0, "control", None, "abstract", "abstract"),
    ]
    assert {m.source_url for m in study.measurements.all()} == {ADDRESS}
    # Saved, the rows fold: each line still fits, and its summary says where it was read.
    assert fits_a_laptop(page)
    assert page.locator(f"{FIGURES}.has_original details[open]").count() == 0
    assert "abstract" in page.locator(FIGURES).nth(1).locator("summary").inner_text()
    assert serious_accessibility_violations(page) == []
    page.locator("#measurements-group").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "study-form-saved.png"))


@pytest.mark.browser
@needs_chromium
def test_two_pairs_with_an_error_show_it_beside_its_field(page, live_server, paper):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/admin/interfaces/study/add/?reference={paper.pk}")
    start_a_study(Curator(page), "Two pairs entered by a curator.")
    rows = page.locator(FIGURES)
    pair = page.get_by_role("button", name="Add a treated/control pair")
    pair.click()
    pair.click()
    in_row(rows.nth(1), "quantity").select_option("interfacial_resistance")
    in_row(rows.nth(1), "value").fill("1")
    in_row(rows.nth(1), "source_url").fill(ADDRESS)
    in_row(rows.nth(2), "value").fill("1710")
    in_row(rows.nth(3), "quantity").select_option("ccd")
    in_row(rows.nth(3), "value").fill("1.2")
    in_row(rows.nth(3), "condition").fill("coated")
    in_row(rows.nth(4), "condition").fill("bare")  # its value forgotten
    assert in_row(rows.nth(3), "control_position").input_value() == "5"
    assert in_row(rows.nth(4), "source_url").input_value() == ADDRESS
    page.click("input[name=_continue]")

    assert "Please correct the error below." in page.inner_text(".errornote")
    wrong = page.locator(f"{FIGURES}.atlas-has-errors")
    assert wrong.count() == 1
    assert "Value: This field is required." in wrong.locator(".atlas-line-errors").inner_text()
    assert wrong.locator("td.field-value.errors").count() == 1
    assert wrong.locator("details").get_attribute("open") is not None
    assert in_row(wrong, "condition").input_value() == "bare"
    assert fits_a_laptop(page)
    assert serious_accessibility_violations(page) == []
    wrong.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "study-form-two-pairs-error.png"))

    in_row(wrong, "value").fill("0.3")
    page.click("input[name=_continue]")
    assert "was added successfully" in page.inner_text(".messagelist")
    study = paper.studies.get(summary="Two pairs entered by a curator.")
    assert [row[:5] for row in saved_figures(study)] == [
        (1, "interfacial_resistance", 1.0, "treated", 2),
        (2, "interfacial_resistance", 1710.0, "control", None),
        (3, "ccd", 1.2, "treated", 4),
        (4, "ccd", 0.3, "control", None),
    ]


@pytest.mark.browser
@needs_chromium
def test_a_curator_enters_a_pair_with_the_keyboard_alone(page, live_server, paper):
    page.goto(f"{live_server.url}/admin/interfaces/study/add/?reference={paper.pk}")
    keys = page.keyboard
    tab_to(page, "#id_strategy")
    keys.type("Artificial")
    tab_to(page, "#id_electrolyte + .select2 [role=combobox]")
    keys.press("Enter")
    keys.type("LLZTO")
    page.locator(".select2-results__option >> text=LLZTO").wait_for()
    while page.inner_text(".select2-results__option--highlighted") != "LLZTO":
        keys.press("ArrowDown")
    keys.press("Enter")
    tab_to(page, "#id_summary")
    keys.type("A pair entered with the keyboard.")
    tab_to(page, "#id_figures_source")
    keys.type("The paper's a")

    # The buttons that add rows come after the rows; the pair's button puts the focus on its first row.
    tab_to(page, ".atlas-measurements .add-row a.addlink")
    keys.press("Tab")
    assert focused(page) == "button.addlink atlas-add-pair"
    keys.press("Enter")
    rows = page.locator(FIGURES)
    treated, control = rows.nth(1), rows.nth(2)
    assert focused(page) == "quantity"
    assert page.evaluate("() => document.activeElement.closest('tr').id") == treated.get_attribute("id")

    keys.type("Interfacial r")
    # Tab follows the row: its line, then its folded part (open for a new row), where it was read first.
    order = [focused(page)]
    while order[-1] != "source_url" and len(order) < 20:
        keys.type("1" if order[-1] == "value" else "")
        keys.press("Tab")
        order.append(focused(page))
    keys.type(ADDRESS)
    assert order == [
        "quantity",
        "qualifier",
        "value",
        "value_max",
        "role",
        "control_position",
        "summary.",
        "reported",
        "locator",
        "source",
        "source_url",
    ]
    tab_to(page, f"#{control.get_attribute('id')} [name$='-value']")
    keys.type("1710")
    keys.press("Enter")  # submits the form: Save

    assert "was added successfully" in page.inner_text(".messagelist")
    study = paper.studies.get(summary="A pair entered with the keyboard.")
    assert saved_figures(study) == [
        (1, "interfacial_resistance", 1.0, "treated", 2, "abstract", "abstract"),
        (2, "interfacial_resistance", 1710.0, "control", None, "abstract", "abstract"),
    ]


@pytest.mark.browser
@needs_chromium
def test_a_saved_figures_folded_fields_open_from_the_keyboard(page, live_server):
    study = make_study(
        measurements=[
            {"value": 0.3, "locator": "Fig. 4f", "temperature_c": 25, "condition": "bare"},
            {"value": 1.2, "locator": "Fig. 4g", "temperature_c": 25, "condition": "coated"},
        ]
    )
    page.goto(f"{live_server.url}{admin_change_url(study)}")
    first = page.locator(FIGURES).first
    assert first.locator("details").get_attribute("open") is None
    assert first.locator("td.field-number p").inner_text() == "1"
    summary = first.locator("summary").inner_text()
    assert "Fig. 4f" in summary and "25\u00a0°C" in summary and "bare" in summary
    assert fits_a_laptop(page)
    tab_to(page, f"#{first.get_attribute('id')} summary")
    page.keyboard.press("Enter")
    assert first.locator("details").get_attribute("open") is not None
    page.keyboard.press("Tab")
    assert focused(page) == "reported"
    tab_to(page, f"#{first.get_attribute('id')} [name$='-locator']")
    page.keyboard.press("Control+A")
    page.keyboard.type("Fig. 4e")
    page.keyboard.press("Enter")
    assert "was changed successfully" in page.inner_text(".messagelist")
    assert study.measurements.get(position=1).locator == "Fig. 4e"


@pytest.mark.browser
@needs_chromium
def test_compared_with_follows_its_row_when_a_new_row_is_removed(page, live_server, paper):
    page.goto(f"{live_server.url}/admin/interfaces/study/add/?reference={paper.pk}")
    start_a_study(Curator(page), "A pair after a removed row.")
    rows = page.locator(FIGURES)
    page.click(".atlas-measurements .add-row a.addlink")
    page.get_by_role("button", name="Add a treated/control pair").click()
    assert in_row(rows.nth(2), "control_position").input_value() == "4"
    rows.nth(1).locator(".inline-deletelink").click()  # the second blank row: the pair moves up
    assert rows.count() == 3
    assert [rows.nth(n).locator("td.field-number p").inner_text() for n in range(3)] == [
        "1 (new)",
        "2 (new)",
        "3 (new)",
    ]
    treated = rows.nth(1)
    assert in_row(treated, "control_position").input_value() == "3"
    in_row(treated, "quantity").select_option("ccd")
    in_row(treated, "value").fill("1.2")
    in_row(treated, "source_url").fill(ADDRESS)
    in_row(rows.nth(2), "value").fill("0.3")
    page.click("input[name=_continue]")
    assert "was added successfully" in page.inner_text(".messagelist")
    study = paper.studies.get(summary="A pair after a removed row.")
    assert [row[:5] for row in saved_figures(study)] == [
        (1, "ccd", 1.2, "treated", 2),
        (2, "ccd", 0.3, "control", None),
    ]
