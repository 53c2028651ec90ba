"""Load a running atlas with a readers' mix, exports included, and report what it sustained.

    manage.py loadtest http://127.0.0.1:8000 --seconds 30 --clients 16
    manage.py loadtest http://127.0.0.1:8080 --clients 32 --kinds list,search,study,api

Bounded (at most --seconds, at most MAX_CLIENTS clients) and loopback only: it refuses any
address that is not this machine, so it cannot be pointed at someone else's site. Each client
keeps one connection open, as a browser does. Prints requests per second and the 50th, 95th
and 99th percentile times, overall and for each kind of request, how a reverse proxy's cache
answered (its X-Cache-Status), and every answer that was not a success.
"""

from __future__ import annotations

import http.client
import ipaddress
import random
import socket
import statistics
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

MAX_CLIENTS = 64
MAX_SECONDS = 600
# (kind, weight, path): what readers ask for, exports among them.
MIX = [
    ("home", 10, "/"),
    ("list", 25, "/studies/"),
    ("filtered list", 20, "/studies/?family=garnet&sort=ccd"),
    ("search", 10, "/studies/?q=LLZO+interlayer"),
    ("study", 15, "/studies/{study}/"),
    ("api", 10, "/api/studies/?family=garnet"),
    ("export csv", 4, "/studies/?format=csv"),
    ("export json", 3, "/studies/?format=json&family=garnet"),
    ("export bib", 3, "/references/?format=bib"),
]


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def loopback_only(base: str) -> str:
    parts = urlsplit(base)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise CommandError(f"{base} is not an http(s) address.")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 80)}
    except socket.gaierror as exc:
        raise CommandError(f"{parts.hostname} does not resolve: {exc}") from exc
    if not all(ipaddress.ip_address(address.split("%")[0]).is_loopback for address in addresses):
        raise CommandError(f"{parts.hostname} is not this machine: the load test runs on loopback only.")
    return base.rstrip("/")


class Command(BaseCommand):
    help = "Load a running atlas on this machine with a readers' mix and report requests/s and p50/p95/p99."

    def add_arguments(self, parser):
        parser.add_argument("url", help="The atlas's address on this machine, e.g. http://127.0.0.1:8000")
        parser.add_argument("--seconds", type=float, default=20.0, help=f"How long (at most {MAX_SECONDS}).")
        parser.add_argument(
            "--clients", type=int, default=8, help=f"Readers at once (at most {MAX_CLIENTS})."
        )
        parser.add_argument("--study", type=int, default=1, help="The id of a study to open.")
        parser.add_argument(
            "--kinds",
            default="",
            help=f"Only these kinds, comma-separated, in their weights: {', '.join(k for k, _, _ in MIX)}.",
        )

    def handle(self, url, seconds, clients, study, kinds, **options):
        base = loopback_only(url)
        if not 0 < seconds <= MAX_SECONDS or not 0 < clients <= MAX_CLIENTS:
            raise CommandError(f"--seconds up to {MAX_SECONDS} and --clients up to {MAX_CLIENTS}.")
        chosen = [kind.strip() for kind in kinds.split(",") if kind.strip()] or [kind for kind, _, _ in MIX]
        unknown = sorted(set(chosen) - {kind for kind, _, _ in MIX})
        if unknown:
            raise CommandError(f"No such kind of request: {', '.join(unknown)}.")
        mix = [entry for entry in MIX if entry[0] in chosen]
        kinds = [kind for kind, weight, _ in mix for _ in range(weight)]
        paths = {kind: path.format(study=study) for kind, _, path in mix}
        times: dict[str, list[float]] = defaultdict(list)
        failures: dict[str, int] = defaultdict(int)
        cache_statuses: Counter[str] = Counter()
        lock = threading.Lock()
        deadline = time.monotonic() + seconds
        parts = urlsplit(base)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )

        resent: Counter[str] = Counter()

        def answer(connection, kind: str) -> http.client.HTTPResponse:
            connection.request("GET", parts.path + paths[kind])
            response = connection.getresponse()
            response.read()
            return response

        def reader(seed: int) -> None:
            chooser = random.Random(seed)
            connection, used = None, False
            while time.monotonic() < deadline:
                kind = chooser.choice(kinds)
                started = time.monotonic()
                outcome = cache_status = None
                try:
                    if connection is None:
                        connection, used = connection_class(parts.hostname, parts.port, timeout=60), False
                    try:
                        response = answer(connection, kind)
                    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                        if not used:
                            raise
                        # The server closed a kept-alive connection (a worker replaced, an idle
                        # timeout) before answering: sent again on a new one, as browsers do.
                        connection.close()
                        connection = connection_class(parts.hostname, parts.port, timeout=60)
                        response = answer(connection, kind)
                        with lock:
                            resent[kind] += 1
                    used = True
                    cache_status = response.getheader("X-Cache-Status")
                    if response.status >= 400:
                        outcome = f"{kind}: HTTP {response.status}"
                except (http.client.HTTPException, OSError) as exc:
                    outcome = f"{kind}: {type(exc).__name__}"
                    connection.close()
                    connection = None  # a new one for the next request
                took = time.monotonic() - started
                with lock:
                    times[kind].append(took)
                    if outcome:
                        failures[outcome] += 1
                    if cache_status:
                        cache_statuses[cache_status] += 1
            if connection:
                connection.close()

        threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 70)
        elapsed = time.monotonic() - started
        every = [t for kind_times in times.values() for t in kind_times]
        self.stdout.write(f"{len(every)} requests in {elapsed:.1f} s from {clients} clients against {base}")
        self.stdout.write(f"{'kind':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for kind in [k for k, _, _ in mix if times[k]] + ["all"]:
            sample = every if kind == "all" else times[kind]
            self.stdout.write(
                f"{kind:<14}{len(sample):>9}{len(sample) / elapsed:>8.1f}"
                f"{percentile(sample, 0.50) * 1000:>9.0f}{percentile(sample, 0.95) * 1000:>9.0f}"
                f"{percentile(sample, 0.99) * 1000:>9.0f}"
            )
        if every:
            self.stdout.write(f"mean {statistics.fmean(every) * 1000:.0f} ms")
        if cache_statuses:
            answered = sum(cache_statuses.values())
            shares = ", ".join(
                f"{status} {count / answered:.1%}" for status, count in cache_statuses.most_common()
            )
            self.stdout.write(f"proxy cache (X-Cache-Status): {shares}")
        if resent:
            self.stdout.write(
                f"sent again on a new connection after the server closed a kept-alive one: "
                f"{sum(resent.values())} ({', '.join(f'{k} {n}' for k, n in sorted(resent.items()))})"
            )
        for outcome, count in sorted(failures.items()):
            self.stdout.write(f"not a success: {outcome} × {count}")
        if not failures:
            self.stdout.write("every answer a success")
