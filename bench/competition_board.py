"""30 judges score while 500 viewers watch the live board: gunicorn (2 workers), PostgreSQL, Redis.

Figures:
  competition_board_score_to_board_p95   95th percentile, over every (score, viewer) pair, of
                                         the milliseconds from a score's 200 to the first board
                                         a viewer receives that holds it (target < 2,000 ms)
  competition_board_score_p95            95th percentile of a score submission
                                         (PUT /api/v1/competition-events/{id}/scores; target
                                         < 100 ms)
  competition_board_missed               (score, viewer) pairs never seen by the end (target 0)

The scenario: the PostgreSQL database (`BENCH_DATABASE_URL` when it names one, else
`bench_board` on 127.0.0.1) is emptied and migrated, then seeded: one event of a provincial
final with a rubric of 10 items (10 points each, one mark each), 60 drawn contestants, 30
judges assigned to every item and the chief judge. gunicorn serves the app with two gthread
workers of 400 threads (each holds at most 360 streams) and Redis fans the changes out
(`REDIS_URL`, default redis://127.0.0.1:6379/0, on a channel of this run's own).

500 viewers (asyncio in this process) hold the public stream
`/competitions/events/{id}/board/stream`, as hall screens and phones do; a viewer refused a
stream polls `board.json` every 2 s, as the page does. Once every viewer has its first board,
30 judges (threads) log in and send their marks: judge j marks contestants j and j + 30 on
every item, one mark every 1–3 s, so each contestant's practical score only grows and the
first board showing at least the sum acknowledged so far is the one holding that score.

Marks go through `PUT .../scores`, each judge on a keep-alive connection of its own after
logging in, as a phone does.

Environment overrides: BOARD_BENCH_VIEWERS (500), BOARD_BENCH_JUDGES (30),
BOARD_BENCH_WORKERS (2), BOARD_BENCH_THREADS (400), BOARD_BENCH_PACE ("1,3" seconds),
BOARD_BENCH_LAYOUT ("shared", or "split": one worker for the streams and one for the judges,
each a gunicorn of its own, as the README's production set-up behind nginx).
Skipped, with the reason printed, when PostgreSQL or Redis cannot be reached.
About two minutes.
"""

import asyncio
import http.client
import json
import math
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import datetime
from decimal import Decimal

from sqlalchemy import create_engine, insert, select, text

from bench import BenchError, note, report, stopwatch
from bench.exam_load import (
    CpuMeter,
    gunicorn,
    migrate_afresh,
    postgres_processes,
    report_count,
    server_processes,
    skip,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_board"
PASSWORD = "bench-pass-2025"
VIEWERS = int(os.environ.get("BOARD_BENCH_VIEWERS", "500"))
JUDGES = int(os.environ.get("BOARD_BENCH_JUDGES", "30"))
WORKERS = int(os.environ.get("BOARD_BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BOARD_BENCH_THREADS", "400"))
# BOARD_BENCH_LAYOUT=split: the README's production layout — the two workers are two gunicorns,
# one holding the viewers' streams (the proxy sends the stream paths there), one serving the
# judges; "shared" (the default): both workers serve everything.
SPLIT = os.environ.get("BOARD_BENCH_LAYOUT", "shared") == "split"
JUDGE_THREADS = 8
PACE = tuple(float(s) for s in os.environ.get("BOARD_BENCH_PACE", "1,3").split(","))
ITEMS = 10
CONTESTANTS = 2 * JUDGES
TARGETS = {"score_to_board_p95": 2000.0, "score_p95": 100.0}


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    return url if url.startswith("postgresql") else DEFAULT_URL


def postgres_reason(url: str) -> str | None:
    """Why PostgreSQL cannot be used (exam_load's check imports Locust, which would turn
    this process's threads into gevent's greenlets)."""
    from bench.exam_load import _create_database_if_missing

    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        _create_database_if_missing(engine.url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means "no PostgreSQL here"
        first_line = (str(error).strip().splitlines() or [repr(error)])[0]
        return f"PostgreSQL is not reachable at {engine.url!r} ({first_line})"
    finally:
        engine.dispose()
    return None


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_reason(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at {url} ({error})"
    return None


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# Seeding -----------------------------------------------------------------------------------


def seed(app) -> dict:
    """The event, its rubric, 60 drawn contestants, 30 judges and the chief judge."""
    from app.auth.models import Role, User
    from app.auth.services import hash_password
    from app.extensions import db
    from app.orgs.models import Employee, Enterprise, Region
    from app.orgs.rules.identity import credit_code_check_char
    from app.timeutil import utcnow
    from competitions.models import (
        DRAWN,
        Competition,
        CompetitionEvent,
        Contestant,
        JudgeAssignment,
        RubricItem,
    )

    with app.app_context():
        now = utcnow()
        region = Region(code="130100", name="石家庄", sort_order=0)
        db.session.add(region)
        db.session.flush()
        enterprises = []
        for n in range(6):
            first17 = f"91130100MA0BRD{n:03d}"
            enterprise = Enterprise(
                name=f"石家庄市第{n + 1}物业服务有限公司",
                credit_code=first17 + credit_code_check_char(first17),
                region_id=region.id,
            )
            db.session.add(enterprise)
            db.session.flush()
            enterprises.append(enterprise.id)
        password_hash = hash_password(PASSWORD)
        db.session.execute(
            insert(User.__table__),
            [
                {
                    "username": name,
                    "display_name": name,
                    "password_hash": password_hash,
                    "role": role.value,
                    "active": True,
                    "failed_logins": 0,
                    "session_version": 1,
                    "created_at": now,
                }
                for name, role in [("chief", Role.CHIEF_JUDGE)]
                + [(f"judge{j}", Role.JUDGE) for j in range(1, JUDGES + 1)]
            ],
        )
        users = dict(db.session.execute(select(User.username, User.id)).all())
        competition = Competition(title="2026年全省物业服务行业职业技能竞赛", stage="final")
        db.session.add(competition)
        db.session.flush()
        event = CompetitionEvent(
            competition_id=competition.id,
            name="电工",
            occupation="电工",
            theory_weight=0,
            status=DRAWN,
            chief_judge_id=users["chief"],
            drawn_at=now,
            draw_seed=20261203,
        )
        db.session.add(event)
        db.session.flush()
        items = []
        for n in range(ITEMS):
            item = RubricItem(
                event_id=event.id,
                position=n + 1,
                code=f"B{n + 1}",
                title=f"实操评分项{n + 1}",
                kind="measurement",
                max_points=1000,
                aggregation="single",
            )
            db.session.add(item)
            db.session.flush()
            items.append(item.id)
        db.session.execute(
            insert(Employee.__table__),
            [
                {
                    "enterprise_id": enterprises[n % len(enterprises)],
                    "name": f"选手{n + 1}",
                    "id_number_cipher": b"-",
                    "id_number_index": f"board-{n + 1}",
                    "id_number_masked": "130102********0000",
                    "post": "maintenance",
                    "hired_on": datetime(2020, 1, 1).date(),
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(CONTESTANTS)
            ],
        )
        employees = db.session.execute(
            select(Employee.id, Employee.enterprise_id).order_by(Employee.id)
        ).all()
        numbers = {}
        for number, (employee_id, enterprise_id) in enumerate(employees, start=1):
            contestant = Contestant(
                event_id=event.id,
                employee_id=employee_id,
                enterprise_id=enterprise_id,
                region_id=region.id,
                number=number,
                checked_in_at=now,
            )
            db.session.add(contestant)
            db.session.flush()
            numbers[number] = contestant.id
        for j in range(1, JUDGES + 1):
            db.session.add(JudgeAssignment(event_id=event.id, user_id=users[f"judge{j}"]))
        db.session.commit()
        seeded = {
            "event_id": event.id,
            "items": items,
            "numbers": numbers,
            "judges": {j: users[f"judge{j}"] for j in range(1, JUDGES + 1)},
        }
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seeded


def has_scores_api(app) -> bool:
    """Whether `PUT /api/v1/competition-events/{id}/scores` is in this tree."""
    return any(
        rule.rule.endswith("/scores") and "PUT" in (rule.methods or ())
        for rule in app.url_map.iter_rules()
    )


# Viewers (asyncio) -------------------------------------------------------------------------


# Every board any viewer received, parsed once: content tag -> {number: practical}. The
# same board reaches 500 viewers; parsing it 500 times would make this process, not the
# server, the slowest part of the path being measured.
BOARDS: dict[str, dict[int, Decimal]] = {}


class Viewer:
    """One screen: holds the stream (or polls) and logs when each board arrived."""

    def __init__(self, host: str, port: int, event_id: int) -> None:
        self.host, self.port, self.event_id = host, port, event_id
        self.log: list[tuple[float, str]] = []  # (when, board tag)
        self.first = asyncio.Event()
        self.refused = 0
        self.reconnects = 0
        self.polling = False

    def take(self, tag: str, body: str) -> None:
        now = time.monotonic()
        if tag not in BOARDS:
            BOARDS[tag] = {r["number"]: Decimal(r["practical"]) for r in json.loads(body)["rows"]}
        if not self.log or self.log[-1][1] != tag:
            self.log.append((now, tag))
        self.first.set()

    async def _request(self, path: str, headers: str = ""):
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=2**20)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{headers}"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        head = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            head[name.strip().lower()] = value.strip()
        return reader, writer, status, head

    async def _chunks(self, reader):
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                return
            data = await reader.readexactly(size + 2)
            yield data[:-2].decode()

    async def _raw(self, reader):
        while data := await reader.read(65536):
            yield data.decode()

    async def run(self, stop: asyncio.Event) -> None:
        stream = f"/competitions/events/{self.event_id}/board/stream"
        while not stop.is_set():
            try:
                reader, writer, status, head = await self._request(
                    stream, "Accept: text/event-stream\r\n"
                )
            except OSError:
                await asyncio.sleep(1)
                continue
            if status != 200:
                writer.close()
                self.refused += 1
                await self.poll(stop)  # what the page does: poll, try streaming later
                continue
            buffer = ""
            chunked = head.get("transfer-encoding", "").lower() == "chunked"
            try:
                async for chunk in self._chunks(reader) if chunked else self._raw(reader):
                    buffer += chunk
                    while "\n\n" in buffer:
                        message, buffer = buffer.split("\n\n", 1)
                        tag = data = None
                        for line in message.split("\n"):
                            if line.startswith("id: "):
                                tag = line[4:]
                            elif line.startswith("data: "):
                                data = line[6:]
                        if tag and data:
                            self.take(tag, data)
                    if stop.is_set():
                        break
            except (OSError, asyncio.IncompleteReadError, ValueError):
                pass
            writer.close()
            self.reconnects += 1

    async def poll(self, stop: asyncio.Event, seconds: float = 30) -> None:
        self.polling = True
        until = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < until:
            try:
                reader, writer, status, head = await self._request(
                    f"/competitions/events/{self.event_id}/board.json"
                )
                length = int(head.get("content-length", "0"))
                body = (await reader.readexactly(length)).decode() if length else ""
                writer.close()
                if status == 200:
                    self.take(head.get("etag", "").strip('"'), body)
            except (OSError, asyncio.IncompleteReadError):
                pass
            await asyncio.sleep(2)


class ViewerPool:
    """The viewers on an event loop of their own thread."""

    def __init__(self, base: str, event_id: int, count: int) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.loop = asyncio.new_event_loop()
        self.viewers = [Viewer(host, int(port), event_id) for _ in range(count)]
        self.thread = threading.Thread(target=self._run, name="viewers", daemon=True)
        self.ready = threading.Event()
        self.stop_event: asyncio.Event | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self.stop_event = asyncio.Event()
        tasks = []
        for viewer in self.viewers:  # arriving over a few seconds, as a hall fills
            tasks.append(asyncio.create_task(viewer.run(self.stop_event)))
            await asyncio.sleep(5 / len(self.viewers))
        await asyncio.wait_for(asyncio.gather(*(v.first.wait() for v in self.viewers)), timeout=120)
        self.ready.set()
        await self.stop_event.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(150):
            raise BenchError("the viewers did not all receive a first board within 150 s")

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(30)


# Judges (threads) --------------------------------------------------------------------------


class Judge(threading.Thread):
    """One judge's phone: marks contestants j and j + 30 on every item, 1–3 s apart."""

    def __init__(self, j: int, seeded: dict, sender) -> None:
        super().__init__(name=f"judge{j}", daemon=True)
        self.j, self.seeded, self.sender = j, seeded, sender
        self.rng = random.Random(j)
        self.acks: list[tuple[float, int, Decimal]] = []  # (when, number, practical so far)
        self.times: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        totals: dict[int, Decimal] = {}
        cells = [(n, i) for n in (self.j, self.j + JUDGES) for i in range(ITEMS)]
        self.rng.shuffle(cells)
        session = self.sender.session(self.j)
        for number, item in cells:
            time.sleep(self.rng.uniform(*PACE))
            points = Decimal(self.rng.randint(50, 1000)) / 100
            key = uuid.uuid4().hex
            started = time.monotonic()
            try:
                ok = session.send(number, self.seeded["items"][item], points, key)
            except Exception as error:  # a refused connection is a failed score, not a crash
                ok, self.failures = False, [*self.failures, repr(error)[:200]]
            done = time.monotonic()
            if ok is not True:
                if ok:
                    self.failures.append(ok)
                continue
            self.times.append((done - started) * 1000)
            totals[number] = totals.get(number, Decimal(0)) + points
            self.acks.append((done, number, totals[number]))


class ApiSender:
    """Marks through `PUT .../scores`, as a judge's phone sends them."""

    def __init__(self, base: str, event_id: int) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port, self.event_id = int(port), event_id

    def session(self, j: int):
        return _ApiSession(self, j)


class _ApiSession:
    def __init__(self, sender: ApiSender, j: int) -> None:
        self.sender = sender
        self.connection = http.client.HTTPConnection(sender.host, sender.port, timeout=30)
        body = json.dumps({"username": f"judge{j}", "password": PASSWORD})
        self.connection.request(
            "POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"}
        )
        response = self.connection.getresponse()
        payload = json.loads(response.read() or b"{}")
        if response.status != 200:
            raise BenchError(f"judge{j} could not log in: {response.status} {payload}")
        cookies = [
            value.split(";", 1)[0]
            for name, value in response.getheaders()
            if name.lower() == "set-cookie"
        ]
        self.headers = {
            "Content-Type": "application/json",
            "Cookie": "; ".join(cookies),
            "X-CSRFToken": payload["csrf_token"],
        }

    def send(self, number: int, item_id: int, points: Decimal, key: str):
        body = json.dumps(
            {"number": number, "item_id": item_id, "points": str(points), "key": key, "reason": ""}
        )
        path = f"/api/v1/competition-events/{self.sender.event_id}/scores"
        self.connection.request("PUT", path, body, self.headers)
        response = self.connection.getresponse()
        answer = response.read()
        if response.status == 200:
            return True
        return f"PUT scores {response.status}: {answer[:200]!r}"


# The run -----------------------------------------------------------------------------------


def arrivals(viewers, judges) -> tuple[list[float], int]:
    """(ms from each score's 200 to each viewer's first board holding it, pairs missed)."""
    changes: dict[tuple[str | None, str], list[tuple[int, Decimal]]] = {}

    def changed(before: str | None, after: str) -> list[tuple[int, Decimal]]:
        if (before, after) not in changes:
            old = BOARDS.get(before, {})
            changes[(before, after)] = [(n, p) for n, p in BOARDS[after].items() if old.get(n) != p]
        return changes[(before, after)]

    scores = [(acked, number, total) for judge in judges for acked, number, total in judge.acks]
    latencies, missed = [], 0
    for viewer in viewers:
        by_number: dict[int, list[tuple[float, Decimal]]] = {}
        before = None
        for when, tag in viewer.log:
            for number, practical in changed(before, tag):
                by_number.setdefault(number, []).append((when, practical))
            before = tag
        for acked, number, total in scores:
            seen = next((w for w, p in by_number.get(number, []) if p >= total), None)
            if seen is None:
                missed += 1
            else:
                latencies.append(max(0.0, (seen - acked) * 1000))
    return latencies, missed


def main() -> None:
    url = database_url()
    reason = postgres_reason(url) or redis_reason(redis_url())
    if reason:
        skip("competition_board", reason)
        return
    from bench.exam_load import bench_app

    instance = tempfile.mkdtemp(prefix="wuye-bench-board-")
    channel = f"wuye:bench:board:{uuid.uuid4().hex[:8]}"
    os.environ.update(
        REDIS_URL=redis_url(),
        BOARD_CHANNEL=channel,
        BOARD_MAX_STREAMS=str(THREADS - 20),
        BOARD_STREAM_LIMITS="1000000 per minute",  # every viewer here is 127.0.0.1
        BOARD_PUBLIC_LIMITS="1000000 per minute",
        BOARD_STREAM_SECONDS="600",
    )
    try:
        app = bench_app(url, instance)
        with stopwatch() as setup:
            migrate_afresh(app)
            seeded = seed(app)
        note(
            f"postgresql: seeded an event of {ITEMS} items, {CONTESTANTS} contestants and "
            f"{JUDGES} judges in {setup[0]:.1f} s; Redis {redis_url()} channel {channel}"
        )
        if not has_scores_api(app):
            raise BenchError("PUT /api/v1/competition-events/{id}/scores is not in this tree")
        with ExitStack() as servers:
            if SPLIT:  # one worker holds the streams, the other serves the judges
                base, server = servers.enter_context(
                    gunicorn(url, instance, workers=1, threads=THREADS)
                )
                judges_base, judges_server = servers.enter_context(
                    gunicorn(url, instance, workers=1, threads=JUDGE_THREADS)
                )
            else:
                base, server = servers.enter_context(
                    gunicorn(url, instance, workers=WORKERS, threads=THREADS)
                )
                judges_base, judges_server = base, server
            pool = ViewerPool(base, seeded["event_id"], VIEWERS)
            with stopwatch() as connect:
                pool.start()
            streaming = sum(1 for v in pool.viewers if not v.polling)
            note(
                f"{VIEWERS} viewers got their first board in {connect[0]:.1f} s "
                f"({streaming} streaming, {VIEWERS - streaming} polling)"
            )
            sender = ApiSender(judges_base, seeded["event_id"])
            judges = [Judge(j, seeded, sender) for j in range(1, JUDGES + 1)]
            server_cpu = CpuMeter(
                lambda: (
                    server_processes(server)
                    + ([] if judges_server is server else server_processes(judges_server))
                )
            )
            database_cpu = CpuMeter(postgres_processes)
            server_cpu.start()
            database_cpu.start()
            own_before = resource.getrusage(resource.RUSAGE_SELF)
            with stopwatch() as wall:
                for judge in judges:
                    judge.start()
                for judge in judges:
                    judge.join()
                time.sleep(5)  # the last scores' boards still travelling
            server_cpu.stop()
            database_cpu.stop()
            own_after = resource.getrusage(resource.RUSAGE_SELF)
            own_cpu = (own_after.ru_utime - own_before.ru_utime) + (
                own_after.ru_stime - own_before.ru_stime
            )
            pool.stop()
        _report(pool.viewers, judges, wall[0], server_cpu.seconds, database_cpu.seconds)
        note(
            f"this process (viewers and judges) used {own_cpu:.0f} s of CPU; load average "
            f"now {os.getloadavg()[0]:.1f} (other work on these cores skews the figures)"
        )
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def _report(viewers, judges, wall, server_cpu, database_cpu) -> None:
    latencies, missed = arrivals(viewers, judges)
    scores = sum(len(j.acks) for j in judges)
    failures = [f for j in judges for f in j.failures]
    if not latencies:
        raise BenchError(f"no score reached a viewer ({scores} scores, failures: {failures[:3]})")
    board_p95 = percentile(latencies, 0.95)
    report("competition_board_score_to_board_p95", board_p95, "ms")
    times = [t for j in judges for t in j.times]
    if times:
        report("competition_board_score_p95", percentile(times, 0.95), "ms")
    report_count("competition_board_missed", missed)
    note(
        f"{scores} scores in {wall:.0f} s ({scores / wall:.1f}/s), {len(failures)} failed"
        + (f", e.g. {failures[:2]}" if failures else "")
    )
    note(
        f"score → board: {len(latencies)} arrivals, p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {board_p95:.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, "
        f"max {max(latencies):.0f} ms, {missed} missed"
    )
    if times:
        note(
            "score submission (PUT .../scores): "
            f"p50 {percentile(times, 0.5):.0f} ms, p95 {percentile(times, 0.95):.0f} ms, "
            f"max {max(times):.0f} ms"
        )
    refused = sum(v.refused for v in viewers)
    reconnects = sum(v.reconnects for v in viewers)
    note(f"streams refused (polled instead): {refused}; reconnects: {reconnects}")
    note(
        f"CPU over the {wall:.0f} s run (2 cores = {2 * wall:.0f} core-seconds): gunicorn "
        f"{server_cpu:.0f} s, PostgreSQL {database_cpu:.0f} s"
    )
    verdicts = [
        f"score→board p95 {'<' if board_p95 < TARGETS['score_to_board_p95'] else '≥ (MISSED)'} 2 s",
        f"missed {missed}{'' if missed == 0 else ' (MISSED)'}",
    ]
    if times:
        p95 = percentile(times, 0.95)
        verdicts.append(f"score p95 {'<' if p95 < TARGETS['score_p95'] else '≥ (MISSED)'} 100 ms")
    note("targets: " + ", ".join(verdicts))


if __name__ == "__main__":
    sys.exit(main())
