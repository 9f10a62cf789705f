"""Operations on enterprises and rosters. They flush, never commit."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from app import spreadsheet
from app.errors import Invalid
from app.extensions import db
from app.form_errors import field_error
from app.orgs import spreadsheet as roster_sheets
from app.orgs.models import DutyPeriod, Employee, Enterprise, ExternalCertificate, PiiExport
from app.orgs.rules.identity import (
    ON_ROSTER,
    SAME_MASK_MESSAGE,
    credit_code_problem,
    id_number_problem,
    mask_id_number,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
    phone_problem,
    roster_clash,
)
from app.orgs.rules.posts import Post
from app.orgs.rules.roster import (
    EARLIEST_DATE,
    HEADERS,
    LATEST_DATE,
    CellError,
    RosterRow,
    parse_roster,
)
from app.pii import vault
from app.reports.rules.rates import occupation_named_in
from app.timeutil import local_today


@dataclass(frozen=True)
class ImportResult:
    imported: int
    ignored_columns: list[str]


# Enterprises ------------------------------------------------------------------


def save_enterprise(enterprise: Enterprise, **fields) -> Enterprise:
    """Create or update an enterprise, validating its unified social credit code."""
    code = normalise_credit_code(fields.pop("credit_code"))
    problem = credit_code_problem(code)
    if problem:
        raise field_error("credit_code", problem)
    clash = db.session.scalar(
        select(Enterprise.id).where(Enterprise.credit_code == code, Enterprise.id != enterprise.id)
        if enterprise.id
        else select(Enterprise.id).where(Enterprise.credit_code == code)
    )
    if clash:
        raise field_error("credit_code", "该统一社会信用代码已登记为另一家企业")
    enterprise.credit_code = code
    for name, value in fields.items():
        setattr(enterprise, name, value.strip() if isinstance(value, str) else value)
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def set_enterprise_active(enterprise: Enterprise, active: bool) -> None:
    """Deactivate (roster frozen, hidden from pickers) or reactivate an enterprise."""
    enterprise.active = active
    db.session.flush()


# Employees --------------------------------------------------------------------


def _check_person(name: str, phone: str | None) -> tuple[str, str | None]:
    name = "".join(name.split())
    if not 2 <= len(name) <= 30:
        raise field_error("name", "姓名应为 2–30 个字")
    if phone:
        phone = normalise_phone(phone)
        problem = phone_problem(phone)
        if problem:
            raise field_error("phone", problem)
    return name, phone or None


def _check_day(field: str, label: str, value: date, *, latest: date) -> None:
    """Refuse a date outside 1900-01-01 … `latest` (today for what has happened)."""
    if value < EARLIEST_DATE:
        raise field_error(field, f"{label}不能早于 {EARLIEST_DATE.isoformat()}")
    if value > latest:
        word = "今天" if latest == local_today() else latest.isoformat()
        raise field_error(field, f"{label}不能晚于{word}")


def _checked_id_number(raw: str) -> str:
    id_number = normalise_id_number(raw)
    problem = id_number_problem(id_number, local_today())
    if problem:
        raise field_error("id_number", problem)
    return id_number


class IdNumberClash(Invalid):
    """A number refused because of who is on the roster; `rows` counts the numbers refused.

    What it says comes from `roster_clash`: only callers who may see full numbers learn that
    a number is on the roster. The web layer records and rate-limits these refusals.
    """

    def __init__(self, message: str, *, enterprise_id: int, rows: int, details=None):
        super().__init__(message, details=details)
        self.enterprise_id = enterprise_id
        self.rows = rows


class RosterFileClash(IdNumberClash, spreadsheet.FileRefused):
    """A roster file refused only because of numbers on the roster (the details list them)."""

    code = "invalid_file"


def _clash_message(clash: str, id_number: str) -> str:
    if clash == ON_ROSTER:
        return "该身份证号已在本企业花名册中"
    return SAME_MASK_MESSAGE.format(masked=mask_id_number(id_number))


def _roster_keys(enterprise_id: int, *, full: bool, exclude: int | None = None) -> set[str]:
    """The blind indexes (`full`) or masked numbers of an enterprise's roster."""
    column = Employee.id_number_index if full else Employee.id_number_masked
    stmt = select(column).where(Employee.enterprise_id == enterprise_id)
    if exclude:
        stmt = stmt.where(Employee.id != exclude)
    return set(db.session.scalars(stmt))


def _clashes(
    enterprise_id: int, numbers: list[str], *, full: bool, exclude: int | None = None
) -> list[str | None]:
    """For each number, what the caller may be told about it (`roster_clash`)."""
    keys = _roster_keys(enterprise_id, full=full, exclude=exclude)
    box = vault()
    return [
        roster_clash(
            may_see_full_number=full,
            same_number=full and box.blind_index(number) in keys,
            same_mask=not full and mask_id_number(number) in keys,
        )
        for number in numbers
    ]


def _refuse_clash(enterprise_id: int, id_number: str, *, full: bool, exclude=None) -> None:
    [clash] = _clashes(enterprise_id, [id_number], full=full, exclude=exclude)
    if clash:
        message = _clash_message(clash, id_number)
        raise IdNumberClash(
            message,
            enterprise_id=enterprise_id,
            rows=1,
            details=[{"field": "id_number", "message": message}],
        )


def _set_id_number(employee: Employee, id_number: str) -> None:
    box = vault()
    employee.id_number_cipher = box.encrypt(id_number)
    employee.id_number_index = box.blind_index(id_number)
    employee.id_number_masked = mask_id_number(id_number)


def add_employee(
    enterprise: Enterprise,
    *,
    name: str,
    id_number: str,
    post: Post,
    hired_on: date,
    phone: str | None = None,
    sees_full_numbers: bool,
) -> Employee:
    """Put a person on the roster with an open duty period.

    Everything else is checked before the roster is asked about the number, and what it
    answers depends on `sees_full_numbers` (`Action.EXPORT_ID_NUMBERS` on the enterprise).
    """
    name, phone = _check_person(name, phone)
    id_number = _checked_id_number(id_number)
    post = Post(post)
    _check_day("hired_on", "入职日期", hired_on, latest=local_today())
    _refuse_clash(enterprise.id, id_number, full=sees_full_numbers)
    employee = Employee(
        enterprise_id=enterprise.id,
        name=name,
        phone=phone,
        post=post.value,
        hired_on=hired_on,
    )
    _set_id_number(employee, id_number)
    employee.periods.append(DutyPeriod(started_on=hired_on))
    db.session.add(employee)
    db.session.flush()
    return employee


def update_employee(
    employee: Employee,
    *,
    name: str,
    post: Post,
    phone: str | None,
    id_number: str | None,
    sees_full_numbers: bool,
) -> None:
    """Correct a person's details; an empty identity number keeps the stored one.

    Nothing changes until every field has passed; the roster is asked last.
    """
    name, phone = _check_person(name, phone)
    post = Post(post)
    new_number = None
    if id_number and id_number.strip():
        new_number = _checked_id_number(id_number)
        _refuse_clash(
            employee.enterprise_id, new_number, full=sees_full_numbers, exclude=employee.id
        )
    employee.name, employee.phone, employee.post = name, phone, post.value
    if new_number:
        _set_id_number(employee, new_number)
    db.session.flush()


def _current_period(employee: Employee) -> DutyPeriod:
    return employee.periods[-1]


def mark_left(employee: Employee, left_on: date) -> None:
    """Close the current duty period; the person and the period stay on record."""
    if employee.left_on is not None:
        raise field_error("left_on", "该人员已离职")
    if left_on < employee.hired_on:
        raise field_error("left_on", f"离职日期不能早于入职日期 {employee.hired_on.isoformat()}")
    _check_day("left_on", "离职日期", left_on, latest=local_today())
    employee.left_on = left_on
    _current_period(employee).ended_on = left_on
    db.session.flush()


def rehire(employee: Employee, hired_on: date) -> None:
    """Open a new duty period for a person who had left."""
    if employee.left_on is None:
        raise field_error("hired_on", "该人员目前在岗")
    if hired_on < employee.left_on:
        raise field_error(
            "hired_on", f"重新入职日期不能早于上次离职日期 {employee.left_on.isoformat()}"
        )
    _check_day("hired_on", "入职日期", hired_on, latest=local_today())
    employee.hired_on, employee.left_on = hired_on, None
    employee.periods.append(DutyPeriod(started_on=hired_on))
    db.session.flush()


def add_external_certificate(employee: Employee, **fields) -> ExternalCertificate:
    """Record a certificate the person holds from another issuer.

    `occupation` defaults to the occupation the name states (保安员证 → 保安员; else the name)
    and `name` to its occupation, so that either is enough; the occupation is what the
    certified-on-duty rate counts.
    """
    fields = dict(fields)
    fields["name"] = (fields.get("name") or fields.get("occupation") or "").strip()
    fields["occupation"] = "".join(
        (fields.get("occupation") or occupation_named_in(fields["name"])).split()
    )
    if not fields["occupation"]:
        raise field_error("occupation", "请输入证书对应的职业（工种）")
    if len(fields["occupation"]) > 64:
        raise field_error("occupation", "职业（工种）不能超过 64 个字")
    level = fields.get("level")
    if level is not None and not 1 <= level <= 5:
        raise field_error("level", "等级应为 1–5（一级/高级技师 至 五级/初级工）")
    issued_on, expires_on = fields["issued_on"], fields.get("expires_on")
    revoked_on = fields.get("revoked_on")
    _check_day("issued_on", "发证日期", issued_on, latest=local_today())
    if expires_on:
        _check_day("expires_on", "有效期至", expires_on, latest=LATEST_DATE)
    if expires_on and expires_on <= issued_on:
        raise field_error("expires_on", "有效期至应晚于发证日期")
    if revoked_on:
        _check_day("revoked_on", "撤销日期", revoked_on, latest=local_today())
        if revoked_on < issued_on:
            raise field_error("revoked_on", "撤销日期不能早于发证日期")
    certificate = ExternalCertificate(employee_id=employee.id, **fields)
    db.session.add(certificate)
    db.session.flush()
    return certificate


# Import and export -------------------------------------------------------------


def import_roster(
    enterprise: Enterprise, data: bytes, *, max_rows: int, sees_full_numbers: bool
) -> ImportResult:
    """Import a roster file: every row valid, or nothing written (`FileRefused` lists why).

    The roster is asked about the numbers only once every row is otherwise valid, and
    answers as `roster_clash` allows the caller (`IdNumberClash` then).
    """
    try:
        table = spreadsheet.read_first_sheet(data)
    except spreadsheet.SpreadsheetError as error:
        raise _refused([CellError(row=0, column="", message=error.message)]) from error
    parsed = parse_roster(table, today=local_today(), max_rows=max_rows)
    if parsed.errors:
        raise _refused(_in_sheet_order(parsed.errors))
    if not parsed.rows:
        return ImportResult(0, parsed.ignored_columns)
    clashes = _clashes(
        enterprise.id, [row.id_number for row in parsed.rows], full=sees_full_numbers
    )
    errors = [
        CellError(
            row.row,
            "身份证号",
            "该人员已在本企业花名册中"
            if clash == ON_ROSTER
            else SAME_MASK_MESSAGE.format(masked=mask_id_number(row.id_number)),
        )
        for row, clash in zip(parsed.rows, clashes, strict=True)
        if clash
    ]
    if errors:
        refused = _refused(errors)
        raise RosterFileClash(
            refused.message,
            enterprise_id=enterprise.id,
            rows=len(errors),
            details=refused.details,
        )
    imported = insert_roster_rows(enterprise.id, parsed.rows)
    return ImportResult(imported, parsed.ignored_columns)


def _in_sheet_order(errors: list[CellError]) -> list[CellError]:
    column_order = {name: i for i, name in enumerate(("", *HEADERS))}
    return sorted(errors, key=lambda e: (e.row, column_order.get(e.column, 99)))


def _refused(errors: list[CellError]) -> spreadsheet.FileRefused:
    details = [
        {"row": e.row or None, "column": e.column or None, "message": e.message} for e in errors
    ]
    return spreadsheet.file_refused(details, nothing="数据", quote_any_single=False)


def insert_roster_rows(enterprise_id: int, rows: list[RosterRow]) -> int:
    """Bulk-insert validated roster rows with their duty periods (one statement each)."""
    box = vault()
    employee_rows = [
        {
            "enterprise_id": enterprise_id,
            "name": row.name,
            "id_number_cipher": box.encrypt(row.id_number),
            "id_number_index": box.blind_index(row.id_number),
            "id_number_masked": mask_id_number(row.id_number),
            "phone": row.phone,
            "post": row.post.value,
            "hired_on": row.hired_on,
            "left_on": row.left_on,
        }
        for row in rows
    ]
    # render_nulls keeps every row's column set the same, so the rows go in a few large
    # batches instead of one small batch per pattern of empty phone/leave-date cells.
    ids = db.session.scalars(
        insert(Employee)
        .returning(Employee.id, sort_by_parameter_order=True)
        .execution_options(render_nulls=True),
        employee_rows,
    ).all()
    db.session.execute(
        insert(DutyPeriod).execution_options(render_nulls=True),
        [
            {"employee_id": employee_id, "started_on": row.hired_on, "ended_on": row.left_on}
            for employee_id, row in zip(ids, rows, strict=True)
        ],
    )
    db.session.flush()
    return len(ids)


def export_roster(
    enterprise: Enterprise, *, unmasked: bool, user_id: int, remote_addr: str = ""
) -> bytes:
    """The roster as .xlsx; unmasked identity numbers are recorded in `PiiExport`."""
    employees = db.session.scalars(
        select(Employee)
        .where(Employee.enterprise_id == enterprise.id)
        .order_by(Employee.left_on.is_not(None), Employee.id)
    ).all()
    box = vault()
    today = local_today()
    records = [
        {
            "姓名": e.name,
            "身份证号": box.decrypt(e.id_number_cipher) if unmasked else e.id_number_masked,
            "手机号": e.phone or "",
            "岗位": Post(e.post).label,
            "入职日期": e.hired_on,
            "离职日期": e.left_on,
            "状态": "在岗" if e.on_duty_at(today) else "离职",
        }
        for e in employees
    ]
    if unmasked:
        db.session.add(
            PiiExport(
                user_id=user_id,
                enterprise_id=enterprise.id,
                what=f"花名册（含完整身份证号）：{enterprise.name}",
                row_count=len(records),
                remote_addr=remote_addr[:64],
            )
        )
        db.session.flush()
    return roster_sheets.roster_workbook(records)
