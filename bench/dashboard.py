"""The provincial admin's dashboard ("/") over 14 regions, 1,000 enterprises, 200,000 staff.

The dashboard also shows 学习与考试: study spans of one employee in four and a submitted
attempt of one in five are seeded, so that those figures' grouped queries read real rows.

Figures (20 requests after a warm-up, through the test client, so without the network):
  province_dashboard_200k_employees_p50  median response time (target < 300 ms)
  province_dashboard_200k_employees_p95  95th percentile (nearest rank)

The slowest SQL statements of one request are noted on stderr (each re-run alone); with
BENCH_PROFILE=1 a cProfile of five requests and the query plans of those statements follow.
"""

import cProfile
import io
import math
import os
import pstats
import random
import statistics
import time
from datetime import date, datetime, timedelta

from sqlalchemy import event, insert, select, text

from app.auth.models import Role, User
from app.auth.services import create_account, hash_password
from app.courses.models import PUBLISHED, Chapter, Course, Lesson, StudySpan
from app.demo.organisations import GIVEN, POST_WEIGHTS, REGIONS, SURNAMES
from app.extensions import db
from app.orgs.models import DutyPeriod, Employee, Enterprise, Region
from app.orgs.rules.identity import credit_code_check_char, id_number_check_char, mask_id_number
from app.pii import vault
from app.timeutil import local_today, utcnow
from bench import BenchError, dialect, fresh_app, note, report, stopwatch
from exams.models import SUBMITTED, Attempt, Exam
from question_bank.models import PROVINCIAL_BANK
from question_bank.services import ensure_bank

EMPLOYEES = 200_000
TARGET_MS = 300.0
RUNS = 20
WARM_UP = 3
PASSWORD = "bench-pass-2025"

# Enterprises per region: ~1,000 in all, the big cities first.
ENTERPRISES = {
    "石家庄": 180, "唐山": 120, "保定": 110, "邯郸": 100, "廊坊": 90, "沧州": 80, "邢台": 70,
    "秦皇岛": 60, "衡水": 50, "张家口": 50, "承德": 40, "雄安新区": 20, "定州": 15, "辛集": 15,
}  # fmt: skip


def _seed(rng: random.Random, today: date) -> dict:
    """Regions, enterprises, employees (with duty periods) and accounts, inserted in bulk."""
    regions = []
    for order, (name, code, districts) in enumerate(REGIONS):
        region = Region(code=code, name=name, sort_order=order)
        db.session.add(region)
        regions.append((region, districts))
    db.session.flush()

    enterprise_rows, districts_of = [], []
    serial = 0
    for region, districts in regions:
        for _ in range(ENTERPRISES[region.name]):
            serial += 1
            first17 = f"91{region.code}{serial:09d}"
            enterprise_rows.append(
                {
                    "name": f"{region.name}第{serial}物业服务有限公司",
                    "credit_code": first17 + credit_code_check_char(first17),
                    "region_id": region.id,
                    "address": "",
                    "contact_name": "",
                    "contact_phone": "",
                    "active": rng.random() > 0.03,
                    "created_at": utcnow(),
                }
            )
            districts_of.append(districts)
    db.session.execute(insert(Enterprise), enterprise_rows)
    enterprise_ids = db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)).all()
    active = [row["active"] for row in enterprise_rows]  # staff of inactive ones do not count

    # Sizes like a real province: many small enterprises, a few with thousands of staff.
    weights = [rng.paretovariate(1.3) for _ in enterprise_ids]
    owners = rng.choices(range(len(enterprise_ids)), weights, k=EMPLOYEES)
    box = vault()
    ciphers = [box.encrypt(f"13010219900101{n:03d}X") for n in range(32)]  # never decrypted
    posts = [post.value for post, _ in POST_WEIGHTS]
    post_weights = [weight for _, weight in POST_WEIGHTS]
    year_start = today.replace(month=1, day=1)
    now = utcnow()
    seen: set[str] = set()
    on_duty = left_this_year = 0
    rows = []
    for owner in owners:
        while True:
            birth = date(1962, 1, 1) + timedelta(days=rng.randrange(0, 42 * 365))
            first17 = (
                rng.choice(districts_of[owner])
                + birth.strftime("%Y%m%d")
                + f"{rng.randrange(1000):03d}"
            )
            id_number = first17 + id_number_check_char(first17)
            if id_number not in seen:
                seen.add(id_number)
                break
        hired_on = today - timedelta(days=rng.randrange(0, 12 * 365))
        left_on = None
        roll = rng.random()
        if roll < 0.04:
            left_on = max(hired_on, year_start) + timedelta(days=rng.randrange(0, 60))
            left_on = min(left_on, today)
        elif roll < 0.12:
            left_on = hired_on + timedelta(days=rng.randrange(0, (today - hired_on).days + 1))
        if active[owner] and hired_on <= today and (left_on is None or left_on > today):
            on_duty += 1
        if left_on is not None and year_start <= left_on <= today:
            left_this_year += 1
        rows.append(
            {
                "enterprise_id": enterprise_ids[owner],
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "id_number_cipher": rng.choice(ciphers),
                "id_number_index": box.blind_index(id_number),
                "id_number_masked": mask_id_number(id_number),
                "phone": rng.choice(["13", "15", "18"]) + f"{rng.randrange(10**9):09d}",
                "post": rng.choices(posts, post_weights)[0],
                "hired_on": hired_on,
                "left_on": left_on,
                "created_at": now,
                "updated_at": now,
            }
        )
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(Employee.__table__), rows[start : start + 20_000])
    db.session.execute(
        insert(DutyPeriod.__table__).from_select(
            ["employee_id", "started_on", "ended_on"],
            select(Employee.id, Employee.hired_on, Employee.left_on),
        )
    )

    # Accounts: an admin per enterprise, a trainee account for one employee in six.
    password_hash = hash_password(PASSWORD)
    enterprise_region = dict(db.session.execute(select(Enterprise.id, Enterprise.region_id)).all())
    user_rows = [
        {
            "username": f"ent{enterprise_id}_admin",
            "display_name": "企业管理员",
            "password_hash": password_hash,
            "role": Role.ENTERPRISE_ADMIN.value,
            "region_id": enterprise_region[enterprise_id],
            "enterprise_id": enterprise_id,
            "active": True,
            "failed_logins": 0,
            "session_version": 1,
            "created_at": now,
        }
        for enterprise_id in enterprise_ids
    ]
    trainees = db.session.execute(
        select(Employee.id, Employee.enterprise_id).where(Employee.id % 6 == 0)
    ).all()
    user_rows += [
        {
            "username": f"trainee{employee_id}",
            "display_name": "学员",
            "password_hash": password_hash,
            "role": Role.TRAINEE.value,
            "region_id": enterprise_region[enterprise_id],
            "enterprise_id": enterprise_id,
            "employee_id": employee_id,
            "active": True,
            "failed_logins": 0,
            "session_version": 1,
            "created_at": now,
        }
        for employee_id, enterprise_id in trainees
    ]
    db.session.execute(insert(User.__table__), user_rows)
    create_account(
        username="province",
        display_name="省协会管理员",
        password=PASSWORD,
        role=Role.PROVINCE_ADMIN,
    )
    db.session.commit()
    if dialect() == "postgresql":
        # What autovacuum does soon after a load this size; plans assume fresh statistics.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {
        "enterprises": len(enterprise_ids),
        "on_duty": on_duty,
        "left_this_year": left_this_year,
        "accounts": len(user_rows) + 1,
    }


def _seed_learning(rng: random.Random, today: date) -> int:
    """Study spans this year (one employee in four) and a submitted attempt of one exam (one
    in five); answers the attempts' count, which the dashboard shows as 考试人次."""
    now = utcnow()
    course = Course(
        title="秩序维护员岗位培训",
        category="post",
        status=PUBLISHED,
        required_seconds=8 * 3600,
        published_at=now,
    )
    db.session.add(course)
    db.session.flush()
    chapter = Chapter(course_id=course.id, title="岗位职责", position=1)
    db.session.add(chapter)
    db.session.flush()
    lesson = Lesson(course_id=course.id, chapter_id=chapter.id, title="巡逻", kind="text")
    db.session.add(lesson)
    ensure_bank(PROVINCIAL_BANK)
    exam = Exam(
        title="保安员理论考试",
        bank=PROVINCIAL_BANK,
        rules=[],
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
        time_limit_seconds=3600,
        pass_score=6000,
    )
    db.session.add(exam)
    db.session.flush()
    year_start = datetime(today.year, 1, 1)
    span_seconds = max(60, int((now - year_start).total_seconds()) - 7200)
    spans = []
    for (employee_id,) in db.session.execute(select(Employee.id).where(Employee.id % 4 == 0)):
        ended = year_start + timedelta(seconds=3600 + rng.randrange(span_seconds))
        seconds = rng.randrange(600, 3600)
        spans.append(
            {
                "employee_id": employee_id,
                "lesson_id": lesson.id,
                "started_at": ended - timedelta(seconds=seconds),
                "ended_at": ended,
                "seconds": seconds,
            }
        )
    for start in range(0, len(spans), 20_000):
        db.session.execute(insert(StudySpan.__table__), spans[start : start + 20_000])
    sitter = db.session.scalar(select(User.id).where(User.username == "province"))
    sat_at = now - timedelta(days=2) + timedelta(minutes=50)
    attempts = []
    for (employee_id,) in db.session.execute(select(Employee.id).where(Employee.id % 5 == 0)):
        score = rng.randrange(3000, 10001)
        attempts.append(
            {
                "exam_id": exam.id,
                "employee_id": employee_id,
                "user_id": sitter,
                "number": 1,
                "status": SUBMITTED,
                "seed": 0,
                "started_at": sat_at - timedelta(minutes=45),
                "deadline": sat_at + timedelta(minutes=15),
                "submitted_at": sat_at,
                "submit_reason": "manual",
                "score": score,
                "max_score": 10000,
                "passed": score >= 6000,
            }
        )
    for start in range(0, len(attempts), 20_000):
        db.session.execute(insert(Attempt.__table__), attempts[start : start + 20_000])
    db.session.commit()
    if dialect() == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return len(attempts)


def _percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class _QueryTimer:
    """Collects (seconds, statement, parameters) of every SQL statement while active."""

    def __init__(self, engine):
        self.engine = engine
        self.queries: list[tuple[float, str, object]] = []
        self._started: list[float] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.queries.append((time.perf_counter() - self._started.pop(), statement, parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def _run_alone(statement: str, parameters) -> float:
    """Seconds to execute a captured statement and fetch all its rows (best of three)."""
    connection = db.session.connection()
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        result = connection.exec_driver_sql(statement, parameters)
        if result.returns_rows:  # PostgreSQL: the session's bookkeeping writes return none
            result.all()
        best = min(best, time.perf_counter() - start)
    return best


def _explain(statement: str, parameters) -> str:
    prefix = "EXPLAIN ANALYZE " if dialect() == "postgresql" else "EXPLAIN QUERY PLAN "
    connection = db.session.connection()
    rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join("    " + " | ".join(str(v) for v in row) for row in rows)


def main() -> None:
    rng = random.Random(20250214)
    today = local_today()
    with fresh_app("dashboard") as app:
        with app.app_context(), stopwatch() as seeding:
            expected = _seed(rng, today)
            expected["sittings"] = _seed_learning(rng, today)
        note(
            f"{dialect_of(app)}: seeded 14 regions, {expected['enterprises']} enterprises, "
            f"{EMPLOYEES} employees ({expected['on_duty']} on duty), "
            f"{expected['accounts']} accounts in {seeding[0]:.1f} s"
        )

        client = app.test_client()
        response = client.post(
            "/api/v1/auth/login", json={"username": "province", "password": PASSWORD}
        )
        if response.status_code != 200:
            raise BenchError(f"login failed: {response.status_code} {response.get_data(True)}")

        def get_dashboard() -> tuple[float, str]:
            start = time.perf_counter()
            response = client.get("/")
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                raise BenchError(f"GET / answered {response.status_code}")
            return elapsed, response.get_data(as_text=True)

        for _ in range(WARM_UP):
            _, page = get_dashboard()
        if "省协会工作台" not in page:
            raise BenchError("GET / is not the provincial dashboard")
        for label, figure in (
            ("在岗从业人员", expected["on_duty"]),
            ("今年离职", expected["left_this_year"]),
            ("有效账号", expected["accounts"]),
            ("考试人次", expected["sittings"]),
        ):
            if label not in page or f'<div class="kpi">{figure}</div>' not in page:
                raise BenchError(f"the dashboard does not show {label} {figure}")

        samples = [get_dashboard()[0] * 1000 for _ in range(RUNS)]
        p50, p95 = statistics.median(samples), _percentile(samples, 0.95)
        report("province_dashboard_200k_employees_p50", p50, "ms")
        report("province_dashboard_200k_employees_p95", p95, "ms")
        note(
            f"{dialect_of(app)}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
            f"min {min(samples):.1f} ms, max {max(samples):.1f} ms "
            f"(target < {TARGET_MS:.0f} ms{'' if p50 < TARGET_MS else ': MISSED'})"
        )

        timer = _QueryTimer(db_engine(app))
        with timer:
            get_dashboard()
        # Each statement again on its own, execution *and* fetching timed (SQLite does the
        # work while rows are fetched, which cursor events do not see).
        with app.app_context():
            timed = [
                (_run_alone(statement, parameters), statement, parameters)
                for _, statement, parameters in timer.queries
            ]
            db.session.rollback()
        total = sum(seconds for seconds, _, _ in timed)
        note(f"one request: {len(timed)} SQL statements, {total * 1000:.1f} ms run one by one")
        slowest = sorted(timed, key=lambda q: q[0], reverse=True)[:4]
        for seconds, statement, _ in slowest:
            note(f"{seconds * 1000:7.1f} ms  {' '.join(statement.split())[:160]}")

        if os.environ.get("BENCH_PROFILE"):
            _profile(app, get_dashboard, slowest)


def dialect_of(app) -> str:
    with app.app_context():
        return dialect()


def db_engine(app):
    with app.app_context():
        return db.engine


def _profile(app, get_dashboard, slowest) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        get_dashboard()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    note("cProfile of 5 requests (cumulative):\n" + out.getvalue())
    with app.app_context():
        for _, statement, parameters in slowest:
            note("plan of: " + " ".join(statement.split())[:200])
            note("\n" + _explain(statement, parameters))
        db.session.rollback()


if __name__ == "__main__":
    main()
