"""The `formula` template filter: escaped text, stoichiometric numbers as subscripts."""

import pytest
from django.template import Context, Template

from interfaces.templatetags.atlas import formula


@pytest.mark.parametrize(
    "text, html",
    [
        ("Li7La3Zr2O12", "Li<sub>7</sub>La<sub>3</sub>Zr<sub>2</sub>O<sub>12</sub>"),
        ("Li2S–P2S5", "Li<sub>2</sub>S–P<sub>2</sub>S<sub>5</sub>"),
        (
            "(100-x)(0.75Li2S-0.25P2S5)-xLiI",
            "(100-x)(0.75Li<sub>2</sub>S-0.25P<sub>2</sub>S<sub>5</sub>)-xLiI",
        ),
        (
            "Li1.4Al0.4Ti1.6(PO4)3",
            "Li<sub>1.4</sub>Al<sub>0.4</sub>Ti<sub>1.6</sub>(PO<sub>4</sub>)<sub>3</sub>",
        ),
        ("Li10GeP2S12−xOx", "Li<sub>10</sub>GeP<sub>2</sub>S<sub>12−x</sub>O<sub>x</sub>"),
        ("Li7-xLa3Zr2-xTaxO12", "Li<sub>7-x</sub>La<sub>3</sub>Zr<sub>2-x</sub>Ta<sub>x</sub>O<sub>12</sub>"),
        (
            "Li3+3xP1-xZnxS4-xOx",
            "Li<sub>3+3x</sub>P<sub>1-x</sub>Zn<sub>x</sub>S<sub>4-x</sub>O<sub>x</sub>",
        ),
        ("BH4-Substituted", "BH<sub>4</sub>-Substituted"),
        ("Li6PS5X (X = Cl, Br, I)", "Li<sub>6</sub>PS<sub>5</sub>X (X = Cl, Br, I)"),
        ("LATP (x = 0.4)", "LATP (x = 0.4)"),
        ("LLZTO", "LLZTO"),
        ("Li3PO4.", "Li<sub>3</sub>PO<sub>4</sub>."),
        ("2.2 mA/cm² at 25 °C", "2.2 mA/cm² at 25 °C"),
        ("heat treatment in N2", "heat treatment in N<sub>2</sub>"),
        ("Mix 2 of sample E1", "Mix 2 of sample E1"),
        ("", ""),
    ],
)
def test_subscripts(text, html):
    assert formula(text) == html


def test_it_escapes_before_subscripting():
    assert formula('<b>Li2</b> & "x"') == "&lt;b&gt;Li<sub>2</sub>&lt;/b&gt; &amp; &quot;x&quot;"
    assert formula("<script>alert('Li2')</script>") == (
        "&lt;script&gt;alert(&#x27;Li<sub>2</sub>&#x27;)&lt;/script&gt;"
    )


def test_in_a_template_with_autoescape():
    rendered = Template("{% load atlas %}{{ name|formula }}").render(Context({"name": "Li3PO4 <i>"}))
    assert rendered == "Li<sub>3</sub>PO<sub>4</sub> &lt;i&gt;"
