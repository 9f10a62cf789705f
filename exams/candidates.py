"""Who an exam admits: employees named by id, whole enterprises (some posts), uploaded lists.

Employees are reached through `app.orgs.queries`, always within the caller's scope.
"""

from dataclasses import dataclass

from app.errors import Invalid
from app.orgs import queries as org_queries
from app.orgs.rules.identity import id_number_problem, mask_id_number, normalise_id_number
from app.pii import vault
from app.spreadsheet import read_first_sheet

ID_NUMBER_HEADERS = ("身份证号", "身份证号码", "证件号码")
EMPLOYEE_ID_HEADERS = ("人员编号", "员工编号", "编号")
MAX_CANDIDATE_ROWS = 20000
MAX_EMPLOYEE_ID = 2**31 - 1  # the largest id an INTEGER column holds

# A row that found nobody: (row as Excel numbers it, what is shown of it, why).
Unmatched = tuple[int, str, str]


@dataclass(frozen=True)
class CandidateRow:
    """A row of an uploaded candidate list: an identity number or an employee id."""

    row: int  # as Excel numbers it, the header being row 1
    kind: str  # id_number | employee_id
    value: object


def _header_index(header: tuple, names: tuple[str, ...]) -> int | None:
    cells = [str(c).strip() if c is not None else "" for c in header]
    return next((cells.index(n) for n in names if n in cells), None)


def candidate_rows(data: bytes) -> list[CandidateRow]:
    """The rows of a candidate list (.xlsx); raises SpreadsheetError or ValueError (Chinese)."""
    rows = read_first_sheet(data)
    if not rows:
        raise ValueError("文件中没有内容")
    id_column = _header_index(rows[0], ID_NUMBER_HEADERS)
    employee_column = _header_index(rows[0], EMPLOYEE_ID_HEADERS)
    if id_column is None and employee_column is None:
        raise ValueError("文件第 1 行应为表头，且含“身份证号”或“人员编号”列")
    if len(rows) - 1 > MAX_CANDIDATE_ROWS:
        raise ValueError(f"一次最多导入 {MAX_CANDIDATE_ROWS} 行")
    found = []
    for number, row in enumerate(rows[1:], start=2):
        id_number = row[id_column] if id_column is not None else None
        employee = row[employee_column] if employee_column is not None else None
        if id_number not in (None, ""):
            found.append(CandidateRow(number, "id_number", id_number))
        elif employee not in (None, ""):
            found.append(CandidateRow(number, "employee_id", employee))
    if not found:
        raise ValueError("文件中没有考生")
    return found


def named(user, employee_ids: list[int]) -> list[int]:
    """`employee_ids` if every one is an employee in `user`'s scope; Invalid otherwise."""
    found = org_queries.visible_employee_ids(user, employee_ids)
    missing = [i for i in employee_ids if i not in found]
    if missing:
        raise Invalid(
            "有考生不存在或不在您的管理范围内",
            details=[{"field": "candidates", "message": f"无效的人员：{missing[:20]}"}],
        )
    return list(employee_ids)


def of_enterprises(user, enterprise_ids: list[int], posts: list[str] = ()) -> list[int]:
    """The present employees of whole enterprises (only `posts`, if any) in `user`'s scope."""
    if not enterprise_ids:
        return []
    return org_queries.present_employee_ids(user, enterprise_ids, posts)


def match_rows(user, rows: list[CandidateRow], today) -> tuple[list[int], list[Unmatched]]:
    """Employees of `user`'s scope named by identity number or id; unmatched rows and why.

    Every lookup is within `user`'s scope, so a row naming someone outside it (an employee
    of another enterprise, present or gone) reads exactly like a row naming nobody: shown as
    typed (masked), "not found in your scope". An enterprise admin, who may not see numbers
    outside their enterprise, learns nothing from a list about who is on other rosters.
    """
    box = vault()
    problems: dict[int, tuple[str, str]] = {}
    wanted: dict[int, tuple[str, object]] = {}  # row → ("id_number_index", index) or ("id", id)
    for r in rows:
        if r.kind == "employee_id":
            integral = isinstance(r.value, float) and r.value.is_integer()
            text = str(int(r.value) if integral else r.value).strip()
            if text.isdigit() and len(text) <= 10 and int(text) <= MAX_EMPLOYEE_ID:
                wanted[r.row] = ("id", int(text))
            elif text.isdigit():
                problems[r.row] = (text[:20], "")  # an id no employee can have: nobody
            else:
                problems[r.row] = (text[:20], "人员编号应为数字")
            continue
        if isinstance(r.value, float):
            problems[r.row] = ("", "身份证号被 Excel 存成了数字，请把该列设为文本格式后重新填写")
            continue
        number = normalise_id_number(r.value)
        problem = id_number_problem(number, today)
        if problem:
            problems[r.row] = ("", problem)
        else:
            wanted[r.row] = ("id_number_index", box.blind_index(number))
            problems[r.row] = (mask_id_number(number), "")  # shown if it finds nobody
    by_key: dict[tuple[str, object], list[tuple[int, bool]]] = {}
    for key in ("id_number_index", "id"):
        values = {v for k, v in wanted.values() if k == key}
        for value, employee_id, present in org_queries.employees_by_key(user, key, values):
            by_key.setdefault((key, value), []).append((employee_id, present))
    matched, unmatched = [], []
    for r in rows:
        found = by_key.get(wanted[r.row], []) if r.row in wanted else []
        on_duty = [employee_id for employee_id, present in found if present]
        if on_duty:
            matched += on_duty
            continue
        shown, reason = problems.get(r.row, (str(r.value)[:20], ""))
        if not reason:
            reason = "此人已离职" if found else "在您管理范围内的花名册中找不到此人"
        unmatched.append((r.row, shown, reason))
    return matched, unmatched


def from_upload(user, data: bytes, today) -> tuple[list[int], list[Unmatched]]:
    """The employees an uploaded .xlsx list names; ValueError (Chinese) for an unreadable file."""
    return match_rows(user, candidate_rows(data), today)
