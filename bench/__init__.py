"""Benchmarks: `make bench` (or `python -m bench`) runs every module of this package.

Each benchmark builds its own app on a fresh database: a SQLite file in a temporary folder,
or the database `BENCH_DATABASE_URL` names (e.g. PostgreSQL), whose tables are dropped and
created again first. A benchmark that seeds for minutes may offer to keep its data between
runs (`fresh_app(name, keep=True)`, when `BENCH_KEEP=1`): the SQLite file is then
`$TMPDIR/wuye-bench-<name>.db`, nothing is dropped, and missing tables and indexes are
created (so an index added since the last run is measured). Each figure is printed as
exactly one line `bench: <name> <value> <unit>`; anything else goes to stderr.
"""

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

# Cheap hashing for set-up only; logging in is not what is measured.
CHEAP_HASH = "pbkdf2:sha256:1000"


class BenchError(RuntimeError):
    """A benchmark whose result is wrong (not merely slow)."""


def report(name: str, value: float, unit: str) -> None:
    """Print one figure in the form `make bench` promises."""
    if value >= 100:
        text = f"{value:.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    print(f"bench: {name} {text} {unit}", flush=True)


def note(message: str) -> None:
    """A remark for the human running the benchmark (stderr, never a figure)."""
    print(f"  {message}", file=sys.stderr, flush=True)


def keeping() -> bool:
    """Whether the benchmarks may keep their seeded data between runs (`BENCH_KEEP=1`)."""
    return os.environ.get("BENCH_KEEP", "") not in ("", "0")


@contextmanager
def fresh_app(name: str, keep: bool = False) -> Iterator[Flask]:
    """An app on an empty database of its own (tables dropped and created first).

    With `keep` (the benchmark checks its own data is still what it would seed), the data
    of the last run stays; see the module's note. No context is pushed: requests made
    with the test client must each get their own app context (and so their own database
    session), as they would when served.
    """
    from app import create_app
    from app.extensions import db

    with tempfile.TemporaryDirectory(prefix=f"wuye-bench-{name}-") as folder:
        os.environ["INSTANCE_PATH"] = folder
        kept = os.path.join(tempfile.gettempdir(), f"wuye-bench-{name}.db")
        local = f"sqlite:///{kept}" if keep else f"sqlite:///{folder}/bench.db"
        url = os.environ.get("BENCH_DATABASE_URL") or local
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench-secret",
                "PII_KEY": "bench-pii-key",
                "PASSWORD_HASH_METHOD": CHEAP_HASH,
            }
        )
        with app.app_context():
            if keep:
                db.create_all()
                for table in db.metadata.sorted_tables:
                    for index in table.indexes:
                        index.create(db.engine, checkfirst=True)
            else:
                db.drop_all()
                db.create_all()
        try:
            yield app
        finally:
            # The tables stay (on PostgreSQL) for a look afterwards; the next run drops them.
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def dialect() -> str:
    """The database the benchmarks run on, for the notes."""
    from app.extensions import db

    return db.engine.dialect.name


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """Measure the wall time of a block; the seconds land in the yielded list."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)
