"""Importing a 10,000-row roster .xlsx, end to end: read, validate, encrypt, insert, commit.

Figures:
  roster_import_10k_rows        the whole `import_roster` + commit (target < 10 s)
  roster_import_10k_read_sheet  of which reading the .xlsx (measured apart, same file)
  roster_import_10k_validate    of which parsing and validating the rows (measured apart)
"""

import random
from datetime import date, timedelta
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import func, select

from app import spreadsheet
from app.demo.organisations import GIVEN, REGIONS, SURNAMES
from app.extensions import db
from app.orgs.models import DutyPeriod, Employee, Enterprise, Region
from app.orgs.rules.identity import credit_code_check_char, id_number_check_char
from app.orgs.rules.posts import POST_LABELS
from app.orgs.rules.roster import HEADERS, parse_roster
from app.orgs.services import import_roster
from app.timeutil import local_today
from bench import BenchError, dialect, fresh_app, note, report, stopwatch

ROWS = 10_000
TARGET_SECONDS = 10.0


def _id_number(rng: random.Random, districts: list[str], seen: set[str]) -> str:
    while True:
        birth = date(1962, 1, 1) + timedelta(days=rng.randrange(0, 42 * 365))
        first17 = rng.choice(districts) + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
        id_number = first17 + id_number_check_char(first17)
        if id_number not in seen:
            seen.add(id_number)
            return id_number


def roster_rows(count: int, today: date, seed: int = 20250214) -> list[list[object]]:
    """`count` valid roster lines in the template's columns, varied like a real roster."""
    rng = random.Random(seed)
    districts = [code for _, _, codes in REGIONS for code in codes]
    posts = list(POST_LABELS.values())
    weights = [5, 30, 24, 9, 14, 13, 5]
    seen: set[str] = set()
    rows = []
    for index in range(count):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if index % 3 else "")
        id_number = _id_number(rng, districts, seen)
        # Most cells as the template makes them (text phone, real dates); some as people type.
        phone = rng.choice(["13", "15", "17", "18", "19"]) + f"{rng.randrange(10**9):09d}"
        if index % 10 == 0:
            phone = None
        elif index % 17 == 0:
            phone = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
        post = rng.choices(posts, weights)[0]
        hired_on = today - timedelta(days=rng.randrange(1, 12 * 365))
        left_on = None
        if rng.random() < 0.08:
            left_on = hired_on + timedelta(days=rng.randrange(0, (today - hired_on).days + 1))
        hired_cell: object = hired_on
        if index % 7 == 0:
            hired_cell = hired_on.isoformat()
        elif index % 11 == 0:
            hired_cell = f"{hired_on.year}年{hired_on.month}月{hired_on.day}日"
        rows.append([name, id_number, phone, post, hired_cell, left_on])
    return rows


def roster_xlsx(rows: list[list[object]]) -> bytes:
    """The rows as an .xlsx with the template's headers (dates as date cells)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _enterprise() -> Enterprise:
    region = Region(code="130100", name="石家庄", sort_order=0)
    db.session.add(region)
    db.session.flush()
    first17 = "91130100" + "MA0BENCH1"
    enterprise = Enterprise(
        name="石家庄市安泰物业服务有限公司",
        credit_code=first17 + credit_code_check_char(first17),
        region_id=region.id,
    )
    db.session.add(enterprise)
    db.session.commit()
    return enterprise


def _check(enterprise_id: int, imported: int) -> None:
    employees = db.session.scalar(
        select(func.count(Employee.id)).where(Employee.enterprise_id == enterprise_id)
    )
    periods = db.session.scalar(
        select(func.count(DutyPeriod.id))
        .join(Employee, Employee.id == DutyPeriod.employee_id)
        .where(Employee.enterprise_id == enterprise_id)
    )
    if not imported == employees == periods == ROWS:
        raise BenchError(
            f"expected {ROWS} employees and duty periods, got imported={imported}, "
            f"employees={employees}, duty periods={periods}"
        )


def main() -> None:
    today = local_today()
    data = roster_xlsx(roster_rows(ROWS, today))
    note(f"roster file: {ROWS} rows, {len(data) / 1024:.0f} KiB")
    with fresh_app("roster") as app, app.app_context():
        enterprise = _enterprise()
        enterprise_id = enterprise.id

        with stopwatch() as elapsed:
            result = import_roster(enterprise, data, max_rows=20000, sees_full_numbers=True)
            db.session.commit()
        _check(enterprise_id, result.imported)
        seconds = elapsed[0]

        # The parts, measured apart on the same file (nothing written).
        with stopwatch() as read_time:
            table = spreadsheet.read_first_sheet(data)
        with stopwatch() as validate_time:
            parsed = parse_roster(table, today=today, max_rows=20000)
        if parsed.errors:
            raise BenchError(f"the generated roster has errors: {parsed.errors[:3]}")

        report("roster_import_10k_rows", seconds, "s")
        report("roster_import_10k_read_sheet", read_time[0], "s")
        report("roster_import_10k_validate", validate_time[0], "s")
        note(
            f"{dialect()}: {ROWS} rows imported in {seconds:.2f} s "
            f"(target < {TARGET_SECONDS:.0f} s{'' if seconds < TARGET_SECONDS else ': MISSED'})"
        )


if __name__ == "__main__":
    main()
