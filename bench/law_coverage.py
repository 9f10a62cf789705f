"""The law-training coverage board for a year of 500 events and 50,000 attendees.

Figures (20 requests each after a warm-up, through the test client):
  law_coverage_board_500x50k       p95 of the HTML page and the API together (target < 200 ms)
  law_coverage_board_500x50k_p50   median
On a temporary SQLite database, then again on PostgreSQL when BENCH_POSTGRES_URL is set
(figures suffixed _postgres).
"""

import math
import os
import random
import secrets
import statistics
import time
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, text

from app.auth.models import Role
from app.auth.services import create_account
from app.demo.organisations import REGIONS
from app.extensions import db
from app.law_trainings.models import AUDIENCE_TYPES, CANCELLED, LawTraining, LawTrainingSignup
from app.orgs.models import Region
from app.timeutil import local_today
from bench import BenchError, dialect, fresh_app, note, report, stopwatch

EVENTS = 500
ATTENDEES = 50_000
TARGET_MS = 200.0
RUNS = 20
WARM_UP = 3
PASSWORD = "bench-pass-2025"


def _seed(year: int) -> int:
    rng = random.Random(5)
    regions = []
    for order, (name, code, _districts) in enumerate(REGIONS):
        region = Region(code=code, name=name, sort_order=order)
        db.session.add(region)
        regions.append(region)
    db.session.flush()
    covered = regions[:11]
    start = date(year, 1, 1)
    events = [
        {
            "region_id": rng.choice(covered).id,
            "topic": "《民法典》物业服务合同",
            "held_on": start + timedelta(days=rng.randrange(365)),
            "starts_at": "09:00",
            "place": "会议中心",
            "speakers": "",
            "description": "",
            "capacity": 200,
            "audience_types": list(AUDIENCE_TYPES),
            "status": CANCELLED if rng.random() < 0.03 else "scheduled",
            "signup_open": True,
            "created_at": datetime(year, 1, 1),
        }
        for _ in range(EVENTS)
    ]
    # Other years' events too, so the year filter has work to do.
    events += [{**e, "held_on": e["held_on"].replace(year=year - 1)} for e in events[:200]]
    db.session.execute(insert(LawTraining), events)
    ids = db.session.scalars(select(LawTraining.id).order_by(LawTraining.id)).all()
    types = list(AUDIENCE_TYPES)
    per_event = math.ceil(ATTENDEES * 1.1 / EVENTS)
    rows = []
    for training_id in ids[:EVENTS]:
        for n in range(per_event):
            rows.append(
                {
                    "training_id": training_id,
                    "name": "张三",
                    "phone": f"138{n:08d}",
                    "audience_type": rng.choice(types),
                    "organisation": "",
                    "token": secrets.token_hex(16),
                    "created_at": datetime(year, 1, 1),
                    "checked_in_at": datetime(year, 1, 2) if n < per_event / 1.1 else None,
                }
            )
    for chunk in range(0, len(rows), 5000):
        db.session.execute(insert(LawTrainingSignup), rows[chunk : chunk + 5000])
    create_account(
        username="province", display_name="省协会", password=PASSWORD, role=Role.PROVINCE_ADMIN
    )
    db.session.commit()
    if dialect() == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return len(rows)


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run(suffix: str) -> None:
    year = local_today().year
    with fresh_app("law_coverage") as app:
        with app.app_context(), stopwatch() as seeding:
            signups = _seed(year)
            engine = dialect()
        note(f"{engine}: {EVENTS} events, {signups} sign-ups seeded in {seeding[0]:.1f} s")
        client = app.test_client()
        response = client.post(
            "/api/v1/auth/login", json={"username": "province", "password": PASSWORD}
        )
        if response.status_code != 200:
            raise BenchError(f"login failed: {response.status_code}")
        samples = []
        for url in (
            f"/law-trainings/coverage?year={year}",
            f"/api/v1/law-trainings/coverage?year={year}",
        ):
            for n in range(WARM_UP + RUNS):
                start = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    raise BenchError(f"{url}: {response.status_code}")
                if n >= WARM_UP:
                    samples.append(elapsed)
        body = client.get(f"/api/v1/law-trainings/coverage?year={year}").get_json()
        attendees = sum(r["attendees"] for r in body["regions"])
        if len(body["regions"]) != 14 or len(body["missing"]) != 3 or attendees < 45_000:
            raise BenchError(f"wrong board: {len(body['missing'])} missing, {attendees} attendees")
        note(f"{engine}: {attendees} attendees counted; median {statistics.median(samples):.1f} ms")
        p95 = _percentile(samples, 0.95)
        report(f"law_coverage_board_500x50k{suffix}", p95, "ms")
        report(f"law_coverage_board_500x50k_p50{suffix}", statistics.median(samples), "ms")
        if p95 > TARGET_MS:
            note(f"p95 {p95:.0f} ms is above the {TARGET_MS:.0f} ms target")


def main() -> None:
    os.environ.pop("BENCH_DATABASE_URL", None)
    run("")
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if postgres:
        os.environ["BENCH_DATABASE_URL"] = postgres
        run("_postgres")


if __name__ == "__main__":
    main()
