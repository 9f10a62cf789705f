"""The certified-on-duty rate (持证上岗率) over 14 regions, 20,000 enterprises, 200,000
employees and 150,000 certificates (100,000 from other issuers, 50,000 of ours).

Figures (median of 5 requests after a warm-up, through the test client as the provincial
admin, so without the network; the answer is checked against a count made in Python):
  certified_rate_by_region_200k  GET /api/v1/reports/certified-on-duty?group_by=region (< 500 ms)
  certified_rate_by_enterprise_200k  … group_by=enterprise, 20,000 rows (< 1 s)
  certified_rate_by_post_200k  … group_by=post
  certified_rate_export_20k_enterprises_xlsx  … group_by=enterprise&format=xlsx (< 5 s)
  certified_rate_12_month_series  `rates.rate_series` over twelve months (dashboards' trend)

`BENCH_DATABASE_URL` runs it on PostgreSQL (its tables are dropped and created first).
Seeding takes minutes: with `BENCH_KEEP=1` the seeded data stays (SQLite:
`$TMPDIR/wuye-bench-certified_rates.db`) and the next run the same day (Asia/Shanghai)
measures it again without seeding; indexes added since are created on it.
"""

import os
import random
import statistics
import time
from datetime import date, timedelta

from sqlalchemy import func, insert, select, text

from app.auth.models import Role
from app.auth.services import create_account
from app.demo.organisations import POST_WEIGHTS, REGIONS
from app.extensions import db
from app.orgs.models import DutyPeriod, Employee, Enterprise, ExternalCertificate, Region
from app.orgs.rules.identity import credit_code_check_char
from app.reports.rules import rates as rules
from app.timeutil import local_today, utcnow
from bench import BenchError, dialect, fresh_app, keeping, note, report, stopwatch

EMPLOYEES = 200_000
ENTERPRISES = 20_000
EXTERNAL = 100_000
OURS = 50_000
RUNS = 5
PASSWORD = "bench-pass-2025"
URL = "/api/v1/reports/certified-on-duty"
UNRELATED = ("焊工", "叉车司机", "厨师", "育婴员")


def _seed(rng: random.Random, today: date) -> tuple[int, int]:
    """Everything in bulk; answers (on duty, certified) as of `today`, counted in Python."""
    from certificates.models import Certificate

    now = utcnow()
    region_ids = []
    for order, (name, code, _) in enumerate(REGIONS):
        region = Region(code=code, name=name, sort_order=order)
        db.session.add(region)
        db.session.flush()
        region_ids.append((region.id, code))
    region_weights = [30 - 2 * i for i in range(len(region_ids))]
    enterprise_rows = []
    for serial in range(1, ENTERPRISES + 1):
        region_id, code = rng.choices(region_ids, region_weights)[0]
        first17 = f"91{code}{serial:09d}"
        enterprise_rows.append(
            {
                "name": f"第{serial}物业服务有限公司",
                "credit_code": first17 + credit_code_check_char(first17),
                "region_id": region_id,
                "address": "",
                "contact_name": "",
                "contact_phone": "",
                "active": True,
                "created_at": now,
            }
        )
    db.session.execute(insert(Enterprise), enterprise_rows)
    enterprise_ids = db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)).all()

    weights = [rng.paretovariate(1.3) for _ in enterprise_ids]
    owners = rng.choices(enterprise_ids, weights, k=EMPLOYEES)
    posts = [p.value for p, _ in POST_WEIGHTS]
    post_weights = [w for _, w in POST_WEIGHTS]
    employees, periods = [], []  # periods: (employee index, started, ended)
    for n, owner in enumerate(owners):
        hired_on = today - timedelta(days=rng.randrange(0, 12 * 365))
        left_on = None
        roll = rng.random()
        if roll < 0.08:
            left_on = hired_on + timedelta(days=rng.randrange(0, (today - hired_on).days + 1))
        if roll > 0.97 and hired_on < today - timedelta(days=400):
            # Rehired: an earlier period, then the current one.
            first_start = hired_on - timedelta(days=rng.randrange(400, 2000))
            first_end = hired_on - timedelta(days=rng.randrange(1, 300))
            periods.append((n, first_start, first_end))
        periods.append((n, hired_on, left_on))
        employees.append(
            {
                "enterprise_id": owner,
                "name": "张三",
                "id_number_cipher": b"x",
                "id_number_index": f"bench{n}",
                "id_number_masked": "130102********1234",
                "phone": None,
                "post": rng.choices(posts, post_weights)[0],
                "hired_on": hired_on,
                "left_on": left_on,
                "created_at": now,
                "updated_at": now,
            }
        )
    for start in range(0, EMPLOYEES, 20_000):
        db.session.execute(insert(Employee.__table__), employees[start : start + 20_000])
    ids = db.session.scalars(select(Employee.id).order_by(Employee.id)).all()
    period_rows = [{"employee_id": ids[n], "started_on": s, "ended_on": e} for n, s, e in periods]
    for start in range(0, len(period_rows), 20_000):
        db.session.execute(insert(DutyPeriod.__table__), period_rows[start : start + 20_000])

    mapping = {p.value: occ for p, occ in rules.DEFAULT_POST_OCCUPATIONS.items()}
    held: list[tuple[int, str, date, date | None, date | None]] = []
    holders = rng.sample(range(EMPLOYEES), EXTERNAL + OURS)

    def certificate(n: int) -> tuple[str, date, date | None, date | None]:
        post = employees[n]["post"]
        if post in mapping and rng.random() < 0.8:
            occupation = rng.choice(mapping[post])
        else:
            occupation = rng.choice(UNRELATED)
        issued_on = today - timedelta(days=rng.randrange(-30, 8 * 365))
        revoked_on = None
        if rng.random() < 0.05:
            revoked_on = issued_on + timedelta(days=rng.randrange(1, 1000))
        return occupation, issued_on, revoked_on

    external_rows = []
    for n in holders[:EXTERNAL]:
        occupation, issued_on, revoked_on = certificate(n)
        expires_on = None
        if rng.random() < 0.5:
            expires_on = issued_on + timedelta(days=rng.choice((3, 4, 6)) * 365)
        held.append((n, occupation, issued_on, expires_on, revoked_on))
        external_rows.append(
            {
                "employee_id": ids[n],
                "name": occupation + "证",
                "occupation": occupation,
                "level": None,
                "issuer": "某发证机关",
                "number": "",
                "post": None,
                "issued_on": issued_on,
                "expires_on": expires_on,
                "revoked_on": revoked_on,
                "created_at": now,
            }
        )
    for start in range(0, len(external_rows), 20_000):
        db.session.execute(
            insert(ExternalCertificate.__table__), external_rows[start : start + 20_000]
        )
    ours_rows = []
    for serial, n in enumerate(holders[EXTERNAL:], start=1):
        occupation, issued_on, revoked_on = certificate(n)
        held.append((n, occupation, issued_on, None, revoked_on))
        ours_rows.append(
            {
                "number": f"S{serial:021d}",
                "status_index": serial,
                "origin": "batch",
                "employee_id": ids[n],
                "enterprise_id": employees[n]["enterprise_id"],
                "region_id": region_ids[0][0],  # at issue; the rate does not read it
                "holder_name": "张三",
                "id_type": "居民身份证",
                "id_number_cipher": b"x",
                "id_number_masked": "130102********1234",
                "occupation": occupation,
                "direction": "",
                "level": 4,
                "issuer": "河北省物业管理行业协会",
                "issued_on": issued_on,
                "key_id": "bench",
                "credential": "",
                "revoked_on": revoked_on,
                "revocation_reason": "",
                "created_at": now,
            }
        )
    for start in range(0, len(ours_rows), 20_000):
        db.session.execute(insert(Certificate.__table__), ours_rows[start : start + 20_000])
    create_account(
        username="province", display_name="省协会", password=PASSWORD, role=Role.PROVINCE_ADMIN
    )
    db.session.commit()
    if dialect() == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()

    # The expected figures, from the rules (not the SQL).
    on_duty = {
        n
        for n, started, ended in periods
        if employees[n]["post"] != "other" and rules.on_duty(started, ended, today)
    }
    certified = {
        n
        for n, occupation, issued, expires, revoked in held
        if n in on_duty
        and rules.relevant(employees[n]["post"], occupation, mapping)
        and rules.certificate_valid(issued, expires, revoked, today)
    }
    return len(on_duty), len(certified)


# Kept data (BENCH_KEEP=1): the day it was seeded for and its expected figures.
_SEEDED = "bench_certified_rates_seeded"


def _kept_figures(today: date) -> tuple[int, int] | None:
    """(on duty, certified) of the data kept from a run seeded for `today`, if any."""
    db.session.execute(
        text(f"CREATE TABLE IF NOT EXISTS {_SEEDED} (day VARCHAR(10), on_duty INT, certified INT)")
    )
    db.session.commit()
    row = db.session.execute(
        text(f"SELECT on_duty, certified FROM {_SEEDED} WHERE day = :day"),
        {"day": today.isoformat()},
    ).first()
    # Tests sharing the database may have emptied the tables since.
    kept = db.session.scalar(select(func.count()).select_from(Employee)) == EMPLOYEES
    db.session.commit()  # no lock left for dropping the tables on another connection
    return (row[0], row[1]) if row is not None and kept else None


def _keep_figures(today: date, figures: tuple[int, int]) -> None:
    db.session.execute(text(f"DELETE FROM {_SEEDED}"))
    db.session.execute(
        text(f"INSERT INTO {_SEEDED} VALUES (:day, :on_duty, :certified)"),
        {"day": today.isoformat(), "on_duty": figures[0], "certified": figures[1]},
    )
    db.session.commit()


def _median_ms(client, url: str) -> tuple[float, float, object]:
    """Median wall and CPU milliseconds of `RUNS` requests (CPU: this process, so on SQLite
    the whole work; on a shared, loaded machine the wall time is what others leave us)."""
    samples, cpu, response = [], [], None
    client.get(url)  # warm-up
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}")
    return statistics.median(samples), statistics.median(cpu), response


def main() -> None:
    rng = random.Random(20261204)
    today = local_today()
    keep = keeping()
    with fresh_app("certified_rates", keep=keep) as app:
        with app.app_context(), stopwatch() as seeding:
            kind = dialect()
            figures = _kept_figures(today) if keep else None
            verb = "kept" if figures else "seeded"
            if figures is None:
                if keep:
                    db.drop_all()
                    db.create_all()
                figures = _seed(rng, today)
                if keep:
                    _keep_figures(today, figures)
        on_duty, certified = figures
        note(
            f"{kind}: {verb} 14 regions, {ENTERPRISES} enterprises, {EMPLOYEES} employees, "
            f"{EXTERNAL + OURS} certificates in {seeding[0]:.1f} s; "
            f"expected {certified}/{on_duty} certified on duty"
        )
        client = app.test_client()
        login = client.post(
            "/api/v1/auth/login", json={"username": "province", "password": PASSWORD}
        )
        if login.status_code != 200:
            raise BenchError(f"login failed: {login.status_code}")

        targets = {"region": 500, "enterprise": 1000, "post": 500}
        for group in ("region", "enterprise", "post"):
            ms, cpu, response = _median_ms(client, f"{URL}?group_by={group}&as_of={today}")
            total = response.get_json()["total"]
            if (total["on_duty"], total["certified"]) != (on_duty, certified):
                raise BenchError(f"by {group}: {total} instead of {certified}/{on_duty}")
            report(f"certified_rate_by_{group}_200k", ms, "ms")
            report(f"certified_rate_by_{group}_200k_cpu", cpu, "ms")
            verdict = "" if ms < targets[group] else ": MISSED"
            note(
                f"{kind}: by {group} {ms:.0f} ms wall, {cpu:.0f} ms CPU in this process "
                f"(target < {targets[group]} ms{verdict}; load average {os.getloadavg()[0]:.1f})"
            )

        samples = []
        for _ in range(3):
            start = time.perf_counter()
            response = client.get(f"{URL}?group_by=enterprise&format=xlsx")
            samples.append(time.perf_counter() - start)
            if response.status_code != 200 or len(response.data) < 10_000:
                raise BenchError(f"export answered {response.status_code}")
        seconds = statistics.median(samples)
        report("certified_rate_export_20k_enterprises_xlsx", seconds, "s")
        note(f"{kind}: export {seconds:.2f} s, {len(response.data) // 1024} KiB (target < 5 s)")

        from app.auth.models import User
        from app.reports.rates import rate_series

        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "province"))
            start = time.perf_counter()
            series = rate_series(user, today - timedelta(days=334), today)
            seconds = time.perf_counter() - start
        report("certified_rate_12_month_series", seconds * 1000, "ms")
        note(f"{kind}: {len(series)} months in {seconds:.2f} s")


if __name__ == "__main__":
    main()
