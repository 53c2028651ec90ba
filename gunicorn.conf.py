"""gunicorn's settings for `make serve`, read from this file by gunicorn itself.

For a 2-core server: WORKERS=2 processes (one a core) of THREADS=8 threads (gthread). A page is
CPU work under one process's GIL between waits on PostgreSQL and Redis, so a process a core
keeps both cores busy and its threads fill the waits; more processes than cores only share
the same cores. Measured with `manage.py loadtest --clients 32` on 10,000 studies
(docs/benchmark.md), pages rendered each time: 2 × 8 threads sustained 21-23 requests/s with a
p99 of 3.0-3.6 s where 3 × 4 gave 13-20 requests/s and 4-9 s, and 5 or 3 sync processes
15 requests/s and 7-8 s. Since a public answer is rendered once per data version and then sent
from the cache, two processes answer about 1,300 requests a second (150-185 when every answer
is rendered; 100,000 studies).
With the reverse proxy's cache in front (docs/nginx.conf), gunicorn sees only its misses.

Threads, not processes alone: a slow reader or a long export holds one thread while the
process's others keep answering (exports are files, sent by the reverse proxy when
EXPORTS_ACCEL_REDIRECT is set, else by sendfile).
A worker is replaced after MAX_REQUESTS requests (with jitter, so not all at once), which
returns whatever memory a large import or export left it holding. Starting a worker costs about
a second of a core, so at hundreds of requests a second a low MAX_REQUESTS spends the cores on
restarts: at 1,000, 32 readers of cached pages got 620 requests/s; at 20,000, 1,290 (100,000
studies, docs/benchmark.md). A worker holds 75-80 MB. A process silent for TIMEOUT
seconds is hung and restarted; with threads a long download does not silence it, so a reader
slower than TIMEOUT still gets the whole file.
"""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "8"))
max_requests = int(os.environ.get("MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
timeout = int(os.environ.get("TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
