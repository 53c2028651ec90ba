"""The load script: bounded, loopback only, and its report names every kind of request."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from interfaces.models import Study


def test_the_load_script_reports_throughput_and_percentiles(live_server, curated_live):
    out = StringIO()
    study = Study.objects.order_by("pk").first().pk
    call_command(
        "loadtest", live_server.url, "--seconds", "3", "--clients", "2", "--study", str(study), stdout=out
    )
    report = out.getvalue()
    assert "requests in" in report and "p95 ms" in report and "p99 ms" in report
    assert "\nall " in report and "every answer a success" in report, report


@pytest.mark.parametrize("url", ["http://example.org", "http://192.0.2.1:8000", "ftp://127.0.0.1/"])
def test_the_load_script_refuses_anything_but_this_machine(url):
    with pytest.raises(CommandError):
        call_command("loadtest", url, "--seconds", "1", stdout=StringIO())


def test_the_load_script_is_bounded():
    with pytest.raises(CommandError, match="at most|up to"):
        call_command("loadtest", "http://127.0.0.1:9", "--seconds", "100000", stdout=StringIO())


def test_the_load_script_runs_only_the_kinds_asked_for(live_server, curated_live):
    out = StringIO()
    study = Study.objects.order_by("pk").first().pk
    call_command(
        "loadtest", live_server.url, "--seconds", "2", "--clients", "2", "--study", str(study),
        "--kinds", "list,study", stdout=out,
    )  # fmt: skip
    kinds = [line.split()[0] for line in out.getvalue().splitlines()[2:] if line.split()[-1].isdigit()]
    assert kinds == ["list", "study", "all"], out.getvalue()


def test_the_load_script_refuses_a_kind_it_does_not_know():
    with pytest.raises(CommandError, match="No such kind"):
        call_command(
            "loadtest", "http://127.0.0.1:9", "--seconds", "1", "--kinds", "list,lists", stdout=StringIO()
        )


def test_a_kept_alive_connection_the_server_closed_is_sent_again_as_a_browser_would():
    """A server that closes each connection after one answer without saying so (as a worker
    replaced after its last request does): every request succeeds, the resent ones are counted."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    out = StringIO()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        call_command("loadtest", url, seconds=1, clients=2, kinds="list", stdout=out)
    finally:
        stop.set()
        thread.join()
        server.close()
    report = out.getvalue()
    assert "every answer a success" in report, report
    assert "sent again on a new connection after the server closed a kept-alive one: " in report
