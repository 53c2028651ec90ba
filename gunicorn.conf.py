"""gunicorn's settings for `make serve`, read from this file by gunicorn itself.

Threads, not processes alone: a worker process serves THREADS requests at once, so a slow
reader or a long export holds one thread while the process's others keep answering (exports
are files, sent by the reverse proxy when EXPORTS_ACCEL_REDIRECT is set, else by sendfile).
A worker is replaced after MAX_REQUESTS requests (with jitter, so not all at once), which
returns whatever memory a large import or export left it holding. A process silent for TIMEOUT
seconds is hung and restarted; with threads a long download does not silence it, so a reader
slower than TIMEOUT still gets the whole file.
"""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
max_requests = int(os.environ.get("MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
timeout = int(os.environ.get("TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
