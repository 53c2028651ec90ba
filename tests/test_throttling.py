"""Attackers are throttled, readers are not: failed sign-ins lock out an account from an address
and an address that sprays passwords, until the cool-off ends or a superuser lifts it; every
per-client limit counts the real client behind a trusted proxy, and a forged X-Forwarded-For
counts nowhere; one BibTeX import is bounded in total."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from atlas.clients import client_ip
from interfaces.views import REPORTS_PER_HOUR
from references.models import Reference
from tests.helpers import IMPORT_URL, make_study

LOGIN = "/admin/login/"
PASSWORD = "a-long-and-right-password"
LIMIT = 5
ATTACKER, READER = "203.0.113.66", "198.51.100.20"
PROXY = "10.0.0.2"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _behind_a_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8:ffff::/48"]
    settings.AXES_FAILURE_LIMIT = LIMIT


def sign_in(client: Client, username: str, password: str, address: str, **headers):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def staff(db):
    return [User.objects.create_user(name, password=PASSWORD, is_staff=True) for name in ("ada", "bo")]


# -- which address is the client's ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("198.51.100.7", "", "198.51.100.7"),  # no proxy
        ("198.51.100.7", "192.0.2.1", "198.51.100.7"),  # a header from someone untrusted: ignored
        (PROXY, "", PROXY),  # the proxy's own request
        (PROXY, "192.0.2.1", "192.0.2.1"),
        (PROXY, "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # a forged left-most address is ignored
        (PROXY, "6.6.6.6, 192.0.2.1, 10.0.0.9", "192.0.2.1"),  # two trusted proxies in a row
        (PROXY, "not-an-address, 192.0.2.1", "192.0.2.1"),
        (PROXY, "192.0.2.1, not-an-address", PROXY),  # a chain that cannot be followed
        (PROXY, "192.0.2.1:51234", "192.0.2.1"),
        (PROXY, "[2001:db8::5]:443", "2001:db8::5"),
        ("2001:db8:ffff::1", "2001:db8::5", "2001:db8::5"),
        ("::ffff:10.0.0.2", "192.0.2.1", "192.0.2.1"),  # IPv4-mapped: the same proxy
        (PROXY, "10.0.0.7, 10.0.0.8", "10.0.0.7"),  # only proxies: the farthest
    ],
)
def test_the_client_is_the_right_most_address_no_trusted_proxy_wrote(remote, forwarded, client):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    assert client_ip(request) == client


def test_without_trusted_proxies_x_forwarded_for_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_ip(request) == PROXY


# -- failed sign-ins -------------------------------------------------------------------------------


def test_wrong_passwords_lock_the_account_out_even_for_the_right_one(client, staff):
    for attempt in range(1, LIMIT):
        refused = sign_in(client, "ada", f"guess {attempt}", ATTACKER)
        assert refused.status_code == 200 and "Please enter the correct username" in refused.content.decode()
    locked = sign_in(client, "ada", f"guess {LIMIT}", ATTACKER)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in locked" in page and "15 minutes" in page and "ada" in page
    assert not signed_in(sign_in(client, "ada", PASSWORD, ATTACKER))
    assert sign_in(client, "ada", PASSWORD, ATTACKER).status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_account_from_another_address_is_unaffected(client, staff):
    for attempt in range(LIMIT):
        sign_in(client, "ada", f"guess {attempt}", ATTACKER)
    assert signed_in(sign_in(Client(), "bo", PASSWORD, READER))


def test_a_password_spray_from_one_address_is_locked_out(client, staff):
    for number in range(LIMIT):
        sign_in(client, f"nobody{number}", "Summer2026!", ATTACKER)
    assert sign_in(client, "bo", PASSWORD, ATTACKER).status_code == 429
    assert signed_in(sign_in(Client(), "bo", PASSWORD, READER))


def test_a_superuser_lifts_the_lockout_in_the_admin(client, staff):
    for attempt in range(LIMIT):
        sign_in(client, "ada", f"guess {attempt}", ATTACKER)
    assert sign_in(client, "ada", PASSWORD, ATTACKER).status_code == 429
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", password=PASSWORD))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and ATTACKER in listing.content.decode()
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert signed_in(sign_in(client, "ada", PASSWORD, ATTACKER))


def test_a_curator_without_the_permission_cannot_lift_it(client, staff):
    curator = Client()
    curator.force_login(staff[1])
    assert curator.get("/admin/axes/accessattempt/").status_code == 403


def test_behind_the_proxy_sign_ins_are_counted_per_real_client(client, staff):
    for attempt in range(LIMIT):
        sign_in(client, "ada", f"guess {attempt}", PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert sign_in(client, "ada", PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    # Another client through the same proxy, even on the same account, is not the attacker.
    assert signed_in(sign_in(Client(), "ada", PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=READER))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_a_forged_x_forwarded_for_does_not_escape_the_lockout(client, staff):
    for attempt in range(LIMIT):
        forged = f"192.0.2.{attempt + 1}"
        sign_in(client, "ada", f"guess {attempt}", ATTACKER, HTTP_X_FORWARDED_FOR=forged)
    response = sign_in(client, "ada", PASSWORD, ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


# -- readers' reports ------------------------------------------------------------------------------

REPORT = {"problem": "The CCD should read 0.6 mA/cm², not 6.", "correction": "0.6", "evidence": "Fig. 2"}


@pytest.fixture
def report_url(db):
    return f"{make_study().get_absolute_url()}report/"


def test_a_forged_x_forwarded_for_counts_against_the_sender(client, report_url):
    for number in range(REPORTS_PER_HOUR):
        forged = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{number + 1}"}
        assert client.post(report_url, REPORT, REMOTE_ADDR=ATTACKER, **forged).status_code == 200
    refused = client.post(report_url, REPORT, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert refused.status_code == 429
    assert client.post(report_url, REPORT, REMOTE_ADDR=READER).status_code == 200


def test_behind_the_proxy_reports_are_limited_per_real_client(client, report_url):
    for number in range(REPORTS_PER_HOUR):
        chain = {"HTTP_X_FORWARDED_FOR": f"6.6.6.{number}, {ATTACKER}"}  # the left-most is forged
        assert client.post(report_url, REPORT, REMOTE_ADDR=PROXY, **chain).status_code == 200
    chain = {"HTTP_X_FORWARDED_FOR": f"6.6.6.99, {ATTACKER}"}
    assert client.post(report_url, REPORT, REMOTE_ADDR=PROXY, **chain).status_code == 429
    # Every other reader comes through the same proxy and is not held back by the attacker.
    reader = {"HTTP_X_FORWARDED_FOR": READER}
    assert client.post(report_url, REPORT, REMOTE_ADDR=PROXY, **reader).status_code == 200


# -- the BibTeX import's total -------------------------------------------------------------------


def bib_file(name: str, number: int, size: int) -> SimpleUploadedFile:
    entry = f"@article{{bound{number}, title = {{Bounded upload {number}}}, year = 2021, author = {{Roe}}}}\n"
    padding = "% " + "x" * (size - len(entry) - 3) + "\n"
    return SimpleUploadedFile(name, (entry + padding).encode("utf-8"))


def test_an_import_larger_than_the_total_bound_is_refused_and_saves_nothing(client, curator, settings):
    settings.BIBTEX_UPLOAD_MAX_BYTES = 1000
    settings.BIBTEX_UPLOAD_TOTAL_MAX_BYTES = 2500
    before = Reference.objects.count()
    files = [bib_file(f"part{number}.bib", number, 900) for number in range(3)]
    response = client.post(IMPORT_URL, {"bibtex_file": files, "confirm": "yes"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The files and text come to 2.6\xa0KB; one import takes at most 2.4\xa0KB in all." in page
    assert response.context["report"] is None
    assert Reference.objects.count() == before


def test_pasted_text_counts_toward_the_total(client, curator, settings):
    settings.BIBTEX_UPLOAD_MAX_BYTES = 1000
    settings.BIBTEX_UPLOAD_TOTAL_MAX_BYTES = 1500
    files = [bib_file("part.bib", 1, 900)]
    response = client.post(IMPORT_URL, {"bibtex_file": files, "bibtex_text": "% pasted\n" * 80})
    assert "one import takes at most" in response.content.decode()
    assert response.context["report"] is None


def test_files_within_the_total_are_previewed_and_their_confirm_saves_them(client, curator, settings):
    settings.BIBTEX_UPLOAD_MAX_BYTES = 1000
    settings.BIBTEX_UPLOAD_TOTAL_MAX_BYTES = 2500
    files = [bib_file(f"part{number}.bib", number, 900) for number in range(2)]
    preview = client.post(IMPORT_URL, {"bibtex_file": files})
    assert len(preview.context["report"].created) == 2
    text = preview.context["text"]
    assert len(text.encode()) > settings.BIBTEX_UPLOAD_MAX_BYTES  # two parts, over one part's limit
    confirm = client.post(
        IMPORT_URL, {"bibtex_text": text, "confirm": "yes", "choose": "1", "include": ["bound0", "bound1"]}
    )
    assert confirm.status_code == 302
    assert Reference.objects.filter(title__startswith="Bounded upload").count() == 2


def test_more_than_twenty_files_are_refused(client, curator):
    files = [bib_file(f"part{number}.bib", number, 200) for number in range(21)]
    assert client.post(IMPORT_URL, {"bibtex_file": files}).status_code == 400
    assert not Reference.objects.filter(title__startswith="Bounded upload").exists()
