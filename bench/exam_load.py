"""2,000 candidates (EXAM_LOAD_CANDIDATES) sit one exam on gunicorn + PostgreSQL, with Locust.

Locust runs `bench/locustfile.py`.

Figures:
  exam_load_2000_start_p95       95th percentile of starting the exam (POST .../attempts: the
                                 paper is drawn and stored) while all 2,000 start within one
                                 minute (target < 2,000 ms)
  exam_load_2000_save_p95        95th percentile of saving a response (PUT .../answers/{qid})
                                 over the whole run (target < 100 ms)
  exam_load_2000_errors          failed requests (any status but the expected one, timeouts,
                                 refused connections) plus candidates who never got a paper
  exam_load_2000_lost_answers    responses acknowledged to a candidate that the database does
                                 not hold afterwards (checked for every candidate and question)

The scenario: the PostgreSQL database (`BENCH_DATABASE_URL` when it names one, else `bench` on
127.0.0.1) is emptied and migrated (`flask db upgrade`), then seeded: a bank of 300 questions
of the four types, 2,000 employees with trainee accounts (one argon2id hash, as production makes
it, shared by all), one exam of 50 questions, 30 minutes, all 2,000 as candidates. gunicorn
serves the app (gthread workers). Locust (one process, on the same two cores) spawns the
candidates over five minutes, each logging in as it arrives; they all start within the
following minute, then save a random question every 10–30 s for three minutes. Afterwards
every candidate's acknowledged responses are compared with the database. The CPU time of
Locust, gunicorn and PostgreSQL over the run is noted.

Environment overrides (for experiments; the figures' names do not change):
EXAM_LOAD_CANDIDATES (2000; the provincial exam's login storm is 5,000),
EXAM_LOAD_LOGIN_SECONDS (300), EXAM_LOAD_START_WINDOW (60), EXAM_LOAD_SAVE_SECONDS (180),
EXAM_LOAD_WORKERS, EXAM_LOAD_THREADS (default: `gunicorn.conf.py`'s, as production: 3 × 4 on two
cores); gunicorn also reads GUNICORN_CMD_ARGS.
BENCH_VERBOSE=1 prints Locust's own summary.

Skipped, with the reason printed, when PostgreSQL cannot be reached or Locust is not installed.
The whole run takes about 9½ minutes.
"""

import json
import math
import os
import random
import resource
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, inspect, select, text

from bench import BenchError, note, report, stopwatch

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
SECRET_KEY, PII_KEY = "bench-secret", "bench-pii-key"
PASSWORD = "bench-pass-2025"
PREFIX = "cand"

CANDIDATES = int(os.environ.get("EXAM_LOAD_CANDIDATES", "2000"))
BANK_QUESTIONS = {"single": 120, "multiple": 60, "true_false": 70, "fill": 50}
# The paper: 50 questions, 100 points.
PAPER = [("single", 20, 200), ("multiple", 10, 200), ("true_false", 15, 200), ("fill", 5, 200)]
TIME_LIMIT = 30 * 60
# Arrivals (logins) over five minutes, every start within the next minute, then saves.
# Candidates are let into an exam room (and log in) in the quarter of an hour before the
# start; the login itself is the production argon2id check (m = 19 MiB, t = 2, p = 1), ~30 ms
# of one core here (scrypt took ~140 ms), so 2,000 logins are ~60 core-seconds and 5,000
# ~150: over five minutes a quarter of these 2 cores.
LOGIN_SECONDS = int(os.environ.get("EXAM_LOAD_LOGIN_SECONDS", "300"))
START_WINDOW = int(os.environ.get("EXAM_LOAD_START_WINDOW", "60"))
SAVE_SECONDS = int(os.environ.get("EXAM_LOAD_SAVE_SECONDS", "180"))

# gunicorn as production runs it: the repository's `gunicorn.conf.py` (gthread workers, one
# per core plus one, 4 threads each, keep-alive as a proxy in front keeps connections).
# EXAM_LOAD_WORKERS / EXAM_LOAD_THREADS override it for experiments (tried on these two
# cores: 2×2 … 4×8 all serve ~1,000 healthz/s and ~200 saves/s).
WORKERS = int(os.environ["EXAM_LOAD_WORKERS"]) if os.environ.get("EXAM_LOAD_WORKERS") else None
THREADS = int(os.environ["EXAM_LOAD_THREADS"]) if os.environ.get("EXAM_LOAD_THREADS") else None
GUNICORN_CONF = ROOT / "gunicorn.conf.py"

TARGETS = {"start_p95": 2000.0, "save_p95": 100.0}


def database_url() -> str:
    """The PostgreSQL database these benchmarks use (never SQLite: they measure a server)."""
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    return url if url.startswith("postgresql") else DEFAULT_URL


def skip_reason(url: str) -> str | None:
    """Why the server benchmarks cannot run here, or None."""
    try:
        import locust  # noqa: F401
    except ImportError:
        return "Locust is not installed (it is a dev dependency: `make dev`)"
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        _create_database_if_missing(engine.url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means "no PostgreSQL here"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        return f"PostgreSQL is not reachable at {engine.url!r} ({first_line})"
    finally:
        engine.dispose()
    return None


def _create_database_if_missing(url) -> None:
    """The benchmarks' own database is made on first use (a fresh server has only `test`)."""
    server = create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
                note(f"created the PostgreSQL database {url.database}")
    finally:
        server.dispose()


def skip(name: str, reason: str) -> None:
    print(f"SKIPPED bench.{name}: {reason}", file=sys.stderr, flush=True)


def report_count(name: str, count: int) -> None:
    """A figure that is a whole number (`report` would print 0 as 0.00)."""
    print(f"bench: {name} {count} count", flush=True)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# The database --------------------------------------------------------------------------


def bench_app(url: str, instance: str):
    from app import create_app

    os.environ["INSTANCE_PATH"] = instance
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "PII_KEY": PII_KEY}
    )


def migrate_afresh(app) -> None:
    """Drop every table, then build the schema as production does (`flask db upgrade`)."""
    from flask_migrate import upgrade

    from app import MIGRATIONS_DIR
    from app.extensions import db

    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade(directory=MIGRATIONS_DIR)
        missing = sorted(set(db.metadata.tables) - set(inspect(db.engine).get_table_names()))
        if missing:  # models still waiting for their migration: create them so the app runs
            note(f"no migration yet for {', '.join(missing)}: created from the models")
            db.create_all()


def seed(app, candidates: int, *, password_hash: str | None = None) -> dict:
    """A bank, `candidates` trainees (cand1 …) and one exam they are all admitted to."""
    from app.auth.models import Role, User
    from app.auth.services import hash_password
    from app.extensions import db
    from app.orgs.models import Employee, Enterprise, Region
    from app.orgs.rules.identity import credit_code_check_char
    from app.timeutil import utcnow
    from bench.exam_grading import question_draft
    from exams import services
    from question_bank.models import PROVINCIAL_BANK
    from question_bank.services import KnowledgePointCache, create_question

    rng = random.Random(20250302)
    with app.app_context():
        points = KnowledgePointCache(PROVINCIAL_BANK)
        number = 0
        for kind, count in BANK_QUESTIONS.items():
            for _ in range(count):
                number += 1
                create_question(PROVINCIAL_BANK, question_draft(rng, kind, number), points=points)

        region = Region(code="130100", name="石家庄", sort_order=0)
        db.session.add(region)
        db.session.flush()
        enterprise_ids = []
        for n in range(10):
            first17 = f"91130100MA0BNCH{n:02d}"
            enterprise = Enterprise(
                name=f"石家庄市第{n + 1}物业服务有限公司",
                credit_code=first17 + credit_code_check_char(first17),
                region_id=region.id,
            )
            db.session.add(enterprise)
            db.session.flush()
            enterprise_ids.append(enterprise.id)
        now = utcnow()
        db.session.execute(
            insert(Employee.__table__),
            [
                {
                    "enterprise_id": enterprise_ids[n % len(enterprise_ids)],
                    "name": f"考生{n + 1}",
                    "id_number_cipher": b"-",  # never decrypted here
                    "id_number_index": f"load-{n + 1}",
                    "id_number_masked": "130102********0000",
                    "post": "security",
                    "hired_on": date(2020, 1, 1),
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(candidates)
            ],
        )
        employees = db.session.execute(
            select(Employee.id, Employee.enterprise_id).order_by(Employee.id)
        ).all()
        # The production KDF, run once: every candidate shares the hash (set-up time).
        password_hash = password_hash or hash_password(PASSWORD)
        db.session.execute(
            insert(User.__table__),
            [
                {
                    "username": f"{PREFIX}{n}",
                    "display_name": f"考生{n}",
                    "password_hash": password_hash,
                    "role": Role.TRAINEE.value,
                    "region_id": region.id,
                    "enterprise_id": enterprise_id,
                    "employee_id": employee_id,
                    "active": True,
                    "failed_logins": 0,
                    "session_version": 1,
                    "created_at": now,
                }
                for n, (employee_id, enterprise_id) in enumerate(employees, start=1)
            ],
        )
        exam = services.create_exam(
            bank=PROVINCIAL_BANK,
            user_id=None,
            candidate_ids=[employee_id for employee_id, _ in employees],
            title="物业管理员（四级）理论知识统一考试",
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(hours=3),
            time_limit_seconds=TIME_LIMIT,
            pass_score=60 * 100,
            max_attempts=1,
            scoring="best",
            shuffle_questions=True,
            shuffle_options=True,
            partial_credit="fixed",
            partial_percent=50,
            review="score",
            review_from=None,
            leave_limit=None,
            rules=[
                {"type": kind, "count": count, "points": pts, "tags": [], "difficulty": None}
                for kind, count, pts in PAPER
            ],
            fixed_questions=[],
        )
        db.session.commit()
        exam_id = exam.id
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"exam_id": exam_id, "password_hash": password_hash}


# The server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    url: str, instance: str, *, workers: int | None = WORKERS, threads: int | None = THREADS
):
    """gunicorn serving the app on a free port with the production settings
    (`gunicorn.conf.py`), `workers` and `threads` overriding them; yields (base URL, Popen)."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        INSTANCE_PATH=instance,
        SECRET_KEY=SECRET_KEY,
        PII_KEY=PII_KEY,
    )
    log_path = Path(instance) / "gunicorn.log"
    command = [
        str(VENV_BIN / "gunicorn"),
        "app:create_app()",
        "-c",
        str(GUNICORN_CONF),
        "-b",
        f"127.0.0.1:{port}",
    ]
    if workers is not None:
        command += ["-w", str(workers)]
    if threads is not None:
        command += ["--threads", str(threads)]
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not come up:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        settings = runpy.run_path(str(GUNICORN_CONF))
        note(
            f"gunicorn ({GUNICORN_CONF.name}): {workers or settings['workers']} gthread workers"
            f" × {threads or settings['threads']} threads on {base}"
        )
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        errors = [
            line
            for line in log_path.read_text(errors="replace").splitlines()
            if "[ERROR]" in line or "Traceback" in line or "[CRITICAL]" in line
        ]
        if errors:
            note(f"gunicorn logged {len(errors)} errors, e.g. {errors[:3]}")


class CpuMeter:
    """CPU seconds used by a set of processes between `start()` and `stop()`."""

    def __init__(self, find):
        self.find = find  # () -> list[psutil.Process]
        self.seconds = 0.0
        self._before: dict[int, float] = {}

    @staticmethod
    def _used(process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    def _sample(self) -> dict[int, float]:
        import psutil

        sample = {}
        for process in self.find():
            try:
                sample[process.pid] = self._used(process)
            except psutil.Error:
                pass
        return sample

    def start(self) -> None:
        self._before = self._sample()

    def stop(self) -> float:
        after = self._sample()
        self.seconds = sum(used - self._before.get(pid, 0.0) for pid, used in after.items())
        return self.seconds


def server_processes(server) -> list:
    import psutil

    master = psutil.Process(server.pid)
    return [master, *master.children(recursive=True)]


def postgres_processes() -> list:
    import psutil

    return [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]


def run_locust(base: str, user_class: str, users: int, spawn_rate: float, seconds: int, env: dict):
    """Run Locust headless; answers the seconds of CPU it used."""
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        user_class,
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        f"{spawn_rate:.3f}",
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "40",
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    used_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        command, cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True
    )
    used_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (used_after.ru_utime - used_before.ru_utime) + (
        used_after.ru_stime - used_before.ru_stime
    )
    if completed.returncode not in (0, 1):  # 1: some requests failed, which we count ourselves
        raise BenchError(f"locust exited with {completed.returncode}:\n{completed.stderr[-3000:]}")
    return cpu, completed


# The check ------------------------------------------------------------------------------


def stored_answers(url: str) -> dict[int, dict[str, tuple]]:
    """attempt id → question id (str) → (seq, response) as the database holds them."""
    from exams.models import AttemptAnswer

    table = AttemptAnswer.__table__
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(  # through the JSON type, as the app reads responses
                select(table.c.attempt_id, table.c.question_id, table.c.seq, table.c.response)
            )
            stored: dict[int, dict[str, tuple]] = {}
            for attempt_id, question_id, seq, response in rows:
                stored.setdefault(attempt_id, {})[str(question_id)] = (seq, response)
            return stored
    finally:
        engine.dispose()


def compare(candidates: dict, stored: dict) -> tuple[int, int, list[str]]:
    """(acknowledged answers checked, lost ones, examples): an acknowledged save is lost when
    the database holds neither it nor a later save of the same question still in flight."""
    checked = lost = 0
    examples = []
    for username, record in candidates.items():
        held = stored.get(record["attempt_id"], {})
        for question_id, sent in record["saved"].items():
            checked += 1
            got = held.get(question_id)
            accepted = [(sent["seq"], sent["response"])]
            flight = record["in_flight"].get(question_id)
            if flight and flight["seq"] > sent["seq"]:
                accepted.append((flight["seq"], flight["response"]))
            if got not in accepted:
                lost += 1
                if len(examples) < 5:
                    examples.append(f"{username} q{question_id}: sent {sent}, stored {got}")
    return checked, lost, examples


def main() -> None:
    url = database_url()
    reason = skip_reason(url)
    if reason:
        skip("exam_load", reason)
        return
    note(f"load average before: {os.getloadavg()[0]:.2f} (other work on these cores skews this)")
    instance = tempfile.mkdtemp(prefix="wuye-bench-load-")
    try:
        app = bench_app(url, instance)
        with stopwatch() as setup:
            migrate_afresh(app)
            seeded = seed(app, CANDIDATES)
        note(
            f"postgresql: migrated and seeded {sum(BANK_QUESTIONS.values())} questions, "
            f"{CANDIDATES} trainees, an exam of {sum(c for _, c, _ in PAPER)} questions "
            f"in {setup[0]:.1f} s"
        )
        out = Path(instance) / "exam_load_result.json"
        env = {
            "EXAM_LOAD_EXAM_ID": str(seeded["exam_id"]),
            "EXAM_LOAD_PREFIX": PREFIX,
            "EXAM_LOAD_PASSWORD": PASSWORD,
            "EXAM_LOAD_LOGIN_SECONDS": str(LOGIN_SECONDS),
            "EXAM_LOAD_START_WINDOW": str(START_WINDOW),
            "EXAM_LOAD_SAVE_SECONDS": str(SAVE_SECONDS),
            "EXAM_LOAD_OUT": str(out),
        }
        run_seconds = LOGIN_SECONDS + START_WINDOW + SAVE_SECONDS + 5
        with gunicorn(url, instance) as (base, server):
            server_cpu = CpuMeter(lambda: server_processes(server))
            database_cpu = CpuMeter(postgres_processes)
            server_cpu.start()
            database_cpu.start()
            with stopwatch() as wall:
                locust_cpu, completed = run_locust(
                    base, "Candidate", CANDIDATES, CANDIDATES / LOGIN_SECONDS, run_seconds, env
                )
            server_cpu.stop()
            database_cpu.stop()
        result = json.loads(out.read_text(encoding="utf-8"))
        _report(result, url, wall[0], locust_cpu, server_cpu.seconds, database_cpu.seconds)
        if os.environ.get("BENCH_VERBOSE"):
            note(completed.stdout[-6000:] + completed.stderr[-3000:])
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def _report(result, url, wall, locust_cpu, server_cpu, database_cpu) -> None:
    times, failures = result["times"], result["failures"]
    candidates = result["candidates"]
    never_started = CANDIDATES - len(candidates)
    # Candidates left without a paper by a failed login or start are counted once, as that
    # failure; any other reason (a login still waiting when the run ended) counts too.
    unexplained = max(0, never_started - failures.get("login", 0) - failures.get("start", 0))
    errors = sum(failures.values()) + unexplained
    checked, lost, examples = compare(candidates, stored_answers(url))
    start_p95 = percentile(times.get("start") or [math.inf], 0.95)
    save_p95 = percentile(times.get("save") or [math.inf], 0.95)
    report("exam_load_2000_start_p95", start_p95, "ms")
    report("exam_load_2000_save_p95", save_p95, "ms")
    report_count("exam_load_2000_errors", errors)
    report_count("exam_load_2000_lost_answers", lost)

    opens = result["start_window_opens"]
    started = sorted(record["started_at"] - opens for record in candidates.values())
    for name in ("login", "start", "save"):
        samples = times.get(name) or []
        if samples:
            note(
                f"{name}: {len(samples)} requests, p50 {percentile(samples, 0.5):.0f} ms, "
                f"p95 {percentile(samples, 0.95):.0f} ms, p99 {percentile(samples, 0.99):.0f} ms, "
                f"max {max(samples):.0f} ms, {failures.get(name, 0)} failed"
            )
    if started:
        note(
            f"{len(candidates)} candidates got their paper between {started[0]:.1f} s and "
            f"{started[-1]:.1f} s after the start window opened (window: {START_WINDOW} s)"
        )
    saves, span = len(times.get("save") or []), SAVE_SECONDS + START_WINDOW
    note(
        f"{saves} saves in {span} s (~{saves / span:.0f}/s); "
        f"{checked} acknowledged answers checked against the database, {lost} lost"
    )
    if examples:
        note("lost, e.g.: " + "; ".join(examples))
    if never_started:
        note(f"{never_started} candidates never got a paper")
    if result["failure_samples"]:
        note("failures, e.g.: " + " | ".join(result["failure_samples"][:5]))
    note(
        f"CPU over the {wall:.0f} s run (2 cores = {2 * wall:.0f} core-seconds): gunicorn "
        f"{server_cpu:.0f} s, PostgreSQL {database_cpu:.0f} s, Locust {locust_cpu:.0f} s"
    )
    verdicts = [
        f"start p95 {'<' if start_p95 < TARGETS['start_p95'] else '≥ (MISSED)'} 2 s",
        f"save p95 {'<' if save_p95 < TARGETS['save_p95'] else '≥ (MISSED)'} 100 ms",
        f"errors {errors}{'' if errors == 0 else ' (MISSED)'}",
        f"lost {lost}{'' if lost == 0 else ' (MISSED)'}",
    ]
    note("targets: " + ", ".join(verdicts))


if __name__ == "__main__":
    main()
