"""The plan page of an enterprise with 5,000 on-duty employees and a plan of 20 courses.

Figures (20 GETs of /plans/<id> after a warm-up, through the test client):
  training_plan_page_5k_x20             p95 in ms on SQLite (or BENCH_DATABASE_URL); target < 500
  training_plan_page_5k_x20_postgresql  the same on BENCH_POSTGRES_URL, when it is set
About half the staff have progress rows (≈ 50,000 in all), in every state.
"""

import math
import os
import random
import re
import statistics
import time
from datetime import date, timedelta

from sqlalchemy import insert, select, text

from app.auth.models import Role
from app.auth.services import create_account
from app.courses.models import (
    PUBLISHED,
    Course,
    CourseProgress,
    TrainingPlan,
    TrainingPlanCourse,
)
from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.posts import Post
from app.timeutil import local_today, utcnow
from bench import BenchError, dialect, fresh_app, note, report, stopwatch

EMPLOYEES = 5_000
LEFT = 300  # staff who left: must not count
COURSES = 20
RUNS = 20
WARM_UP = 3
TARGET_MS = 500.0
PASSWORD = "bench-pass-2025"


def _seed(rng: random.Random, today: date) -> int:
    region = Region(code="130100", name="石家庄", sort_order=0)
    db.session.add(region)
    db.session.flush()
    enterprise = Enterprise(
        name="基准物业服务有限公司", credit_code="91130100BENCH00001", region_id=region.id
    )
    db.session.add(enterprise)
    db.session.flush()
    now = utcnow()
    posts = [p.value for p in Post]
    rows = []
    for n in range(EMPLOYEES + LEFT):
        rows.append(
            {
                "enterprise_id": enterprise.id,
                "name": f"员工{n:05d}",
                "id_number_cipher": b"x",
                "id_number_index": f"idx{n:08d}",
                "id_number_masked": "130102********001X",
                "phone": None,
                "post": rng.choice(posts),
                "hired_on": date(2020, 1, 1),
                "left_on": today - timedelta(days=10) if n >= EMPLOYEES else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Employee.__table__), rows)
    db.session.execute(
        insert(Course.__table__),
        [
            {
                "title": f"课程{i:02d}",
                "category": "post",
                "description": "",
                "posts": [],
                "levels": [],
                "required_seconds": 3600,
                "status": PUBLISHED,
                "created_at": now,
            }
            for i in range(COURSES)
        ],
    )
    course_ids = db.session.scalars(select(Course.id).order_by(Course.id)).all()
    plan = TrainingPlan(
        enterprise_id=enterprise.id,
        title="年度全员培训",
        due_on=today + timedelta(days=30),
        posts=posts,
    )
    db.session.add(plan)
    db.session.flush()
    db.session.execute(
        insert(TrainingPlanCourse.__table__),
        [{"plan_id": plan.id, "course_id": cid} for cid in course_ids],
    )
    employee_ids = db.session.scalars(select(Employee.id).order_by(Employee.id)).all()
    progress = []
    for eid in employee_ids:
        roll = rng.random()
        if roll < 0.5:
            continue  # not started
        done_all = roll > 0.9
        count = COURSES if done_all else rng.randrange(1, COURSES)
        for cid in rng.sample(course_ids, count):
            completed = done_all or rng.random() < 0.5
            progress.append(
                {
                    "employee_id": eid,
                    "course_id": cid,
                    "seconds": rng.randrange(60, 7200),
                    "lessons_done": 0,
                    "started_at": now,
                    "completed_at": now if completed else None,
                }
            )
    for start in range(0, len(progress), 20_000):
        db.session.execute(insert(CourseProgress.__table__), progress[start : start + 20_000])
    create_account(
        username="bench_ent_admin",
        display_name="企业管理员",
        password=PASSWORD,
        role=Role.ENTERPRISE_ADMIN,
        enterprise=enterprise,
    )
    db.session.commit()
    if dialect() == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    note(f"{dialect()}: {len(progress)} progress rows")
    return plan.id


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run(figure: str) -> None:
    rng = random.Random(20250214)
    today = local_today()
    with fresh_app("training_plan") as app:
        with app.app_context(), stopwatch() as seeding:
            plan_id = _seed(rng, today)
            name = dialect()
        note(f"{name}: seeded {EMPLOYEES} on-duty staff, {COURSES} courses in {seeding[0]:.1f} s")
        client = app.test_client()
        response = client.post(
            "/api/v1/auth/login", json={"username": "bench_ent_admin", "password": PASSWORD}
        )
        if response.status_code != 200:
            raise BenchError(f"login failed: {response.status_code}")

        def get() -> tuple[float, str]:
            start = time.perf_counter()
            response = client.get(f"/plans/{plan_id}")
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                raise BenchError(f"GET /plans/{plan_id} answered {response.status_code}")
            return elapsed, response.get_data(as_text=True)

        for _ in range(WARM_UP):
            _, body = get()
        if not re.search(rf'data-k="targets">{EMPLOYEES}<', body):
            raise BenchError(f"the plan page does not count {EMPLOYEES} targets")
        samples = [get()[0] * 1000 for _ in range(RUNS)]
        p50, p95 = statistics.median(samples), _percentile(samples, 0.95)
        report(figure, p95, "ms")
        note(
            f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"(target < {TARGET_MS:.0f} ms{'' if p95 < TARGET_MS else ': MISSED'})"
        )


def main() -> None:
    run("training_plan_page_5k_x20")
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if postgres:
        os.environ["BENCH_DATABASE_URL"] = postgres
        run("training_plan_page_5k_x20_postgresql")


if __name__ == "__main__":
    main()
