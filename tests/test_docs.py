"""The documents the code relies on exist, README links every one, and what they name is true."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCS = ROOT / "docs"
CITED = re.compile(r"\bdocs/([\w.-]+\.(?:md|png))")
SOURCES = ("atlas", "references", "interfaces", "api", "fixtures", "templates", "tests")


def _cited_documents() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".yaml", ".html", ".bib"} and path.is_file():
                for name in CITED.findall(path.read_text(encoding="utf-8")):
                    cited.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return cited


def test_every_document_the_code_cites_exists():
    cited = _cited_documents()
    assert {"contract.md", "data-dictionary.md"} <= set(cited)
    missing = {name: sorted(where) for name, where in cited.items() if not (DOCS / name).is_file()}
    assert not missing


def test_nothing_cites_a_contract_outside_the_repository():
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            assert not re.search(r"\bSPEC\b", path.read_text(encoding="utf-8")), path


def test_readme_links_every_document_and_each_link_works():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[\w.-]+)\)", readme))
    assert linked == {f"docs/{path.name}" for path in DOCS.iterdir() if path.is_file()}
    for document in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([\w.-]+\.md)(?:#[\w-]+)?\)", document.read_text(encoding="utf-8")):
            assert (DOCS / target).is_file(), f"{document.name} links {target}"


def test_the_architecture_names_every_module_that_exists():
    architecture = (DOCS / "architecture.md").read_text(encoding="utf-8")
    modules = [
        path.relative_to(ROOT / package).as_posix()
        for package in ("atlas", "references", "interfaces")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and path.name not in {"__init__.py", "apps.py"}
        and "commands" not in path.parts
        and "templatetags" not in path.parts
    ]
    assert len(modules) > 30
    assert [module for module in modules if f"`{module}`" not in architecture] == []


def test_the_readmes_counts_are_the_curated_files():
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parent.parent
    data = yaml.safe_load((root / "fixtures" / "atlas.yaml").read_text())
    figures = [m for study in data["studies"] for m in study.get("measurements", [])]
    bib = (root / "fixtures" / "references.bib").read_text()
    papers = len(re.findall(r"^@(?!comment)\w+\{", bib, re.M))
    readme = " ".join((root / "README.md").read_text().split())
    said = f"{len(data['studies'])} studies, {papers} references and {len(figures)} figures"
    assert said in readme.replace("**", "")
    stated = {
        key: sum(1 for m in figures if m.get(key) is not None)
        for key in ("temperature", "stack_pressure", "areal_capacity")
    }
    assert (
        f"{stated['temperature']} of them state a temperature, {stated['stack_pressure']} a stack "
        f"pressure and {stated['areal_capacity']} an areal capacity"
    ) in readme
