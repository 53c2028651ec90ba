"""The admin's Import BibTeX page: paste or upload, a truthful preview, confirm, history."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from references.models import Reference
from tests.helpers import IMPORT_URL, post_bibtex, sample

pytestmark = pytest.mark.django_db


def test_the_url_is_the_one_the_spec_names():
    assert reverse("admin:references_reference_import_bibtex") == IMPORT_URL


def test_the_changelist_has_an_import_button(client, curator):
    page = client.get("/admin/references/reference/").content.decode()
    assert f'href="{IMPORT_URL}"' in page and "Import BibTeX" in page


def test_anonymous_and_non_staff_users_are_sent_to_login(client):
    assert client.get(IMPORT_URL).status_code == 302
    client.force_login(User.objects.create_user("reader", password="pw"))
    response = post_bibtex(client, sample("scholar.bib"), confirm=True)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Reference.objects.filter(citekey="lee2018lithium").exists()


def test_staff_without_the_add_permission_is_refused(client):
    client.force_login(User.objects.create_user("visitor", password="pw", is_staff=True))
    assert client.get(IMPORT_URL).status_code == 403


def test_a_paste_shows_a_preview_and_saves_nothing(client, curator):
    before = Reference.objects.count()
    response = post_bibtex(client, sample("scholar.bib"))
    assert response.status_code == 200
    report = response.context["report"]
    assert [e.citekey for e in report.created] == ["lee2018lithium", "smith2015report", "zhao2022liin"]
    page = response.content.decode()
    assert "Import 3 new references" in page
    # The duplicate links to the reference it duplicates.
    existing = Reference.objects.get(citekey="deng2020tuning")
    assert reverse("admin:references_reference_change", args=[existing.pk]) in page
    assert "title, year and first author" in page
    assert 'name="confirm" value="yes"' in page
    assert Reference.objects.count() == before


def test_confirming_the_preview_saves_exactly_the_previewed_entries(client, curator):
    preview = post_bibtex(client, sample("problems.bib")).context["report"]
    planned = [e.citekey for e in preview.created]
    assert planned == [
        "good2021wellformed",
        "wrong2019entry",
        "macro2018entry",
        "space2017key",
        "again2016same",
        "after2014entry",
    ]
    response = post_bibtex(client, sample("problems.bib"), confirm=True)
    assert response.status_code == 302
    assert sorted(Reference.objects.filter(citekey__in=planned).values_list("citekey", flat=True)) == sorted(
        planned
    )
    # The DOI is dropped, not the entry.
    assert Reference.objects.get(title="An entry with a broken DOI").doi == ""
    followed = client.get(response["Location"])
    assert "Imported 6 new reference(s); skipped" in followed.content.decode()
    # The list that follows shows just what was imported.
    assert sorted(r.citekey for r in followed.context["cl"].result_list) == sorted(planned)


def test_each_import_is_recorded_in_the_admin_history(client, curator):
    post_bibtex(client, sample("scholar.bib"), confirm=True)
    reference = Reference.objects.get(citekey="lee2018lithium")
    entry = LogEntry.objects.get(object_id=str(reference.pk), content_type__model="reference")
    assert entry.action_flag == ADDITION
    assert entry.user == curator
    assert "Imported from BibTeX (entry lee2018lithium" in entry.get_change_message()
    history = client.get(reverse("admin:references_reference_history", args=[reference.pk])).content.decode()
    assert "carla" in history


def test_importing_the_same_paste_twice_creates_nothing_the_second_time(client, curator):
    post_bibtex(client, sample("jabref.bib"), confirm=True)
    count, log_count = Reference.objects.count(), LogEntry.objects.count()
    response = post_bibtex(client, sample("jabref.bib"), confirm=True)
    assert response.status_code == 200
    assert Reference.objects.count() == count and LogEntry.objects.count() == log_count
    page = response.content.decode()
    assert "Nothing was saved" in page and "every entry is already in the atlas" in page


def test_an_uploaded_file_is_previewed_and_its_text_carried_to_the_confirm_button(client, curator):
    upload = SimpleUploadedFile("library.bib", sample("zotero.bib").encode("utf-8"))
    response = client.post(IMPORT_URL, {"bibtex_file": upload})
    assert len(response.context["report"].created) == 3
    assert response.context["text"] == sample("zotero.bib")
    confirm = post_bibtex(client, response.context["text"], confirm=True)
    assert confirm.status_code == 302
    assert Reference.objects.filter(citekey="kizilaslan2021li").exists()


def test_an_uploaded_file_with_confirm_saves_directly(client, curator):
    upload = SimpleUploadedFile("library.bib", b"\xef\xbb\xbf" + sample("scholar.bib").encode("utf-8"))
    assert client.post(IMPORT_URL, {"bibtex_file": upload, "confirm": "yes"}).status_code == 302
    assert Reference.objects.filter(citekey="zhao2022liin").exists()


def test_a_file_that_is_not_utf8_gets_a_clear_message(client, curator):
    upload = SimpleUploadedFile("latin1.bib", "@article{k, title={Müller}, year=2020}".encode("latin-1"))
    response = client.post(IMPORT_URL, {"bibtex_file": upload, "confirm": "yes"})
    assert response.status_code == 200
    assert "latin1.bib is not UTF-8 text (byte 0xfc at position 20)" in response.content.decode()
    assert response.context["report"] is None


def test_a_file_over_the_size_limit_is_refused(client, curator, settings):
    settings.BIBTEX_UPLOAD_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.bib", sample("scholar.bib").encode("utf-8"))
    response = client.post(IMPORT_URL, {"bibtex_file": upload})
    assert "the limit is 100\xa0bytes" in response.content.decode()
    assert response.context["report"] is None


def test_nothing_to_import_is_said_plainly(client, curator):
    response = post_bibtex(client, "   ")
    assert "Paste BibTeX, choose a .bib file or give a DOI." in response.content.decode()


def test_garbage_saves_nothing_and_says_why(client, curator):
    before = Reference.objects.count()
    response = post_bibtex(client, "Dear editor, please find attached…", confirm=True)
    page = response.content.decode()
    assert "no BibTeX entry found" in page
    assert "text outside any entry is ignored" in page
    assert Reference.objects.count() == before


def test_failures_are_listed_with_key_line_and_reason(client, curator):
    page = post_bibtex(client, sample("problems.bib")).content.decode()
    for text in [
        "<td>46</td>",
        "broken2015",
        "no title",
    ]:
        assert text in page, text


def test_hostile_fields_are_refused_in_the_preview_and_on_confirm(client, curator):
    before = Reference.objects.count()
    response = post_bibtex(client, sample("hostile.bib"), confirm=True)
    page = response.content.decode()
    assert "contains \\input, a TeX command that would run" in page
    assert "contains \\immediate" in page
    assert Reference.objects.count() == before


def test_the_preview_escapes_what_the_file_contains(client, curator):
    text = "@article{x, title={<script>alert(1)</script> \\& Li}, author={Doe, J.}, year=2020}"
    page = post_bibtex(client, text).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Li" in page


def test_a_paper_saved_between_preview_and_confirm_is_not_created_twice(client, curator):
    text = "@article{late, title={Late paper}, author={Late, L.}, year=2024, doi={10.1000/late.2024}}"
    assert len(post_bibtex(client, text).context["report"].created) == 1
    Reference.objects.create(citekey="late2024other", title="Late paper", doi="10.1000/LATE.2024")
    response = post_bibtex(client, text, confirm=True)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert Reference.objects.filter(doi="10.1000/late.2024").count() == 1


WEAK = """
@article{noauthor, title = {A paper without authors}, journal = {J. Tests}, year = {2021}}
@article{badyear, author = {Kim, A.}, title = {A paper with a typo in its year}, journal = {J. T.},
  year = {20x8}}
@article{nojournal, author = {Lee, B.}, title = {A paper without its journal}, year = {2022}}
@article{Park_2023, author = {Park, C.}, title = {Keys written by a publisher}, journal = {J. Tests},
  year = {2023}}
"""


def test_weak_entries_are_previewed_with_a_warning_each(client, curator):
    page = post_bibtex(client, WEAK).content.decode()
    assert "<strong>4</strong> new, to be created" in page  # warnings, not failures
    assert "no author: it will be listed as “Authors not yet recorded”" in page
    assert "the year “20x8” is not a year: saved as no year" in page
    assert "no journal" in page
    assert "citation key Park_2023 → park2023keys" in page


def test_an_entry_left_out_in_the_preview_is_not_imported(client, curator):
    response = post_bibtex(client, WEAK, confirm=True, choose="1", include=["noauthor", "Park_2023"])
    assert response.status_code == 302
    titles = set(Reference.objects.filter(title__startswith="A paper").values_list("title", flat=True))
    assert titles == {"A paper without authors"}
    assert Reference.objects.filter(title="Keys written by a publisher").exists()


def test_a_broken_entry_is_explained_in_a_curators_words(client, curator):
    page = post_bibtex(client, "@article{x title = {No comma}}").content.decode()
    assert "the citation key must be followed by a comma" in page and "Fix it and preview again." in page
