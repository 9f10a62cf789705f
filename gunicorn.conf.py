"""gunicorn's settings for production: `gunicorn 'app:create_app()'` reads this file (from the
working directory) by itself; flags on the command line win over it.

The app is CPU-bound Python: a worker uses one core at most (the GIL), so about one worker per
core plus one, and a few threads each to overlap database round trips and password checks
(argon2 releases the GIL). More threads only queue more requests inside a worker. A thread
holds at most one database connection, so the engine's pool (5, +10 overflow) is never
exceeded: workers × threads connections of PostgreSQL's 100 at most. `bench/exam_load`
serves the exam storm with exactly these settings.

Environment: WEB_CONCURRENCY (workers; default: cores + 1), GUNICORN_THREADS (4),
GUNICORN_BIND (127.0.0.1:8000), GUNICORN_KEEPALIVE (75 s).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Client connections are kept open as a reverse proxy in front keeps them: each candidate's
# saves then reuse one connection (a new TCP connection per save costs the worker more).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# A request that takes longer than this is a fault (answers take milliseconds): the worker
# is replaced. Saves already acknowledged are in the database (each commits on its own).
timeout = 30
graceful_timeout = 30
# No access log here: the reverse proxy writes one, and formatting a line per request costs
# the worker about as much as parsing it.
accesslog = None
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "warning")
