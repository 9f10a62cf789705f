"""The CPU one exam request costs the server: starting the exam, saving an answer, /healthz.

Figures (gunicorn as `gunicorn.conf.py` sets it, PostgreSQL):
  exam_start_cpu_ms   CPU of gunicorn and of the database's backends per start
                      (POST /api/v1/exams/{id}/attempts: a paper drawn, stored and shown),
                      400 candidates starting 8 at a time
  exam_save_cpu_ms    the same per answer save (PUT /api/v1/attempts/{id}/answers/{qid}),
                      three saves per candidate
  healthz_cpu_ms      the same per `GET /healthz` (the floor of a request on this stack)

Why CPU and not time: on two cores shared with other work, latencies say more about the
neighbours than about the code, while the CPU a request costs moves much less. The storm of
`bench.exam_load` (5,000 starts within a minute on two cores) needs a start's CPU far below
the 24 ms that 83 starts/s leave on two cores with Locust beside them. The database's CPU is
counted for the backends connected to this benchmark's database only (other databases on the
same server are not counted). Each gunicorn and backend split is noted.

The seeding is `bench.exam_load`'s (the same bank, exam and argon2id accounts, in
`BENCH_DATABASE_URL`, default the database `bench`). `EXAM_COST_CANDIDATES` (400) changes the
count. Skipped, with the reason printed, when PostgreSQL cannot be reached.
"""

import http.client
import json
import os
import random
import shutil
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from bench import BenchError, note, report
from bench.exam_load import (
    PASSWORD,
    PREFIX,
    CpuMeter,
    bench_app,
    database_url,
    gunicorn,
    migrate_afresh,
    seed,
    server_processes,
    skip,
    skip_reason,
)

CANDIDATES = int(os.environ.get("EXAM_COST_CANDIDATES", "400"))
CLIENTS = 8  # requests in flight at once (each on its own keep-alive connection)
FILL_TEXTS = ["30", "三十", "项目经理", "业主委员会"]


def random_response(question: dict):
    """A valid response to a question of the paper (as `bench.locustfile` sends them)."""
    keys = [option["key"] for option in question["options"]]
    if question["type"] == "single":
        return random.choice(keys)
    if question["type"] == "multiple":
        return sorted(random.sample(keys, random.randint(1, len(keys))))
    if question["type"] == "true_false":
        return random.random() < 0.5
    return [random.choice(FILL_TEXTS) for _ in range(question["blanks"])]


class Client:
    """Keep-alive HTTP connections, one per thread."""

    def __init__(self, port: int):
        self.port = port
        self.local = threading.local()

    def request(self, method: str, path: str, body=None, headers=None):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=60
            )
        sent = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, json.dumps(body) if body is not None else None, sent)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Set-Cookie")


def database_backends(url: str):
    """() -> the PostgreSQL processes serving connections to this benchmark's database."""
    import psutil

    engine = create_engine(url)
    name = engine.url.database

    def find():
        with engine.connect() as connection:
            pids = connection.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).all()
        found = []
        for pid in pids:
            try:
                found.append(psutil.Process(pid))
            except psutil.Error:
                pass
        return found

    return find, engine


def main() -> None:
    url = database_url()
    reason = skip_reason(url)
    if reason:
        skip("exam_request_cost", reason)
        return
    instance = tempfile.mkdtemp(prefix="wuye-bench-cost-")
    try:
        app = bench_app(url, instance)
        migrate_afresh(app)
        exam_id = seed(app, CANDIDATES)["exam_id"]
        with gunicorn(url, instance) as (base, server):
            client = Client(int(base.rsplit(":", 1)[1]))
            backends, engine = database_backends(url)
            try:
                _measure(client, server, backends, exam_id)
            finally:
                engine.dispose()
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def _measure(client: Client, server, backends, exam_id: int) -> None:
    gunicorn_cpu = CpuMeter(lambda: server_processes(server))
    database_cpu = CpuMeter(backends)

    def phase(name: str, call, items: list) -> float:
        gunicorn_cpu.start()
        database_cpu.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(call, items))
        served, database = gunicorn_cpu.stop() / len(items), database_cpu.stop() / len(items)
        note(
            f"{name}: {len(items)} requests; per request gunicorn {served * 1000:.2f} ms CPU, "
            f"PostgreSQL {database * 1000:.2f} ms"
        )
        return (served + database) * 1000

    candidates: list[dict] = []  # each candidate's headers, paper and last seq

    def login(number: int) -> None:
        username = f"{PREFIX}{number}"
        status, body, cookie = client.request(
            "POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD}
        )
        if status != 200:
            raise BenchError(f"login {username}: {status} {body[:200]!r}")
        candidates.append(
            {
                "Cookie": cookie.split(";", 1)[0],
                "X-CSRFToken": json.loads(body)["csrf_token"],
                "X-Device-Id": uuid.uuid4().hex,
            }
        )

    phase("login", login, list(range(1, CANDIDATES + 1)))
    healthz = phase("healthz", lambda _: _expect(client, "GET", "/healthz", 200), [0] * 800)

    papers: dict[str, dict] = {}  # device → the attempt started
    seqs: dict[str, int] = {}

    def start(headers: dict) -> None:
        path = f"/api/v1/exams/{exam_id}/attempts"
        papers[headers["X-Device-Id"]] = _expect(client, "POST", path, 201, None, headers)

    started = phase("start", start, candidates)

    def save(headers: dict) -> None:
        device = headers["X-Device-Id"]
        paper = papers[device]
        question = random.choice(paper["questions"])
        seqs[device] = seqs.get(device, 0) + 1
        answer = {"seq": seqs[device], "response": random_response(question)}
        path = f"/api/v1/attempts/{paper['id']}/answers/{question['id']}"
        _expect(client, "PUT", path, 200, answer, headers)

    # Three rounds, one save per candidate each: a candidate's saves never overlap.
    saved = sum(phase(f"save, round {n}", save, candidates) for n in (1, 2, 3)) / 3
    report("exam_start_cpu_ms", started, "ms")
    report("exam_save_cpu_ms", saved, "ms")
    report("healthz_cpu_ms", healthz, "ms")


def _expect(client: Client, method, path, status, body=None, headers=None):
    got, payload, _cookie = client.request(method, path, body, headers)
    if got != status:
        raise BenchError(f"{method} {path}: {got} {payload[:300]!r}")
    return json.loads(payload)


if __name__ == "__main__":
    main()
