"""Two curators confirming the same paper without a DOI at the same moment: the database saves it once."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from references.bibtex import import_bibtex
from references.models import Reference

ENTRY = "@article{same, title = {A Paper Without Its {DOI}}, author = {Nouveau, A.}, year = 2024}"


@pytest.mark.django_db
def test_the_identity_of_a_paper_without_doi_is_unique():
    import_bibtex(ENTRY)
    twin = Reference(citekey="twin2024paper", title="A paper without its DOI", year=2024)
    twin.first_author_hint = "Nouveau"
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # With a DOI, the DOI names the paper: the same title may come twice (an erratum, a part II).
    Reference.objects.create(citekey="erratum", title="A paper without its DOI", year=2024, doi="10.5555/e1")


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_save_the_paper_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)  # both have planned the import and now write
                report = import_bibtex(ENTRY)
                outcomes.append(len(report.saved))
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    for _ in range(3):
        Reference.objects.filter(title__icontains="without its").delete()
        barrier.reset()
        outcomes.clear()
        threads = [threading.Thread(target=confirm) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert Reference.objects.filter(title="A Paper Without Its DOI").count() == 1
        assert sorted(outcomes, key=str) in ([0, 1], [1, "refused"])
