"""Parsing of roster tables (花名册) as openpyxl hands them over."""

from datetime import date, datetime

import pytest

from app.orgs.rules.identity import id_number_check_char
from app.orgs.rules.posts import Post
from app.orgs.rules.roster import (
    HEADERS,
    CellError,
    RosterRow,
    parse_date_cell,
    parse_roster,
)

TODAY = date(2024, 6, 30)


def valid_id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


ID_A = valid_id("13010219900307123")
ID_B = valid_id("13060219851120456")
ID_C = valid_id("11010519491231002")


def good_row(id_number=ID_A, **changes):
    values = {
        "姓名": "张三",
        "身份证号": id_number,
        "手机号": "13812345678",
        "岗位": "保安",
        "入职日期": datetime(2023, 5, 1),
        "离职日期": None,
    }
    values.update(changes)
    return tuple(values[header] for header in HEADERS)


def parse(*rows, **kwargs):
    return parse_roster([HEADERS, *rows], today=TODAY, **kwargs)


def only_error(result) -> CellError:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_good_table():
    result = parse(
        good_row(),
        ("李四", ID_B, None, "保洁", "2022/3/7", "2024-01-31"),
        ("王五", ID_C.lower(), "", "项目经理", date(2020, 1, 1), ""),
    )
    assert result.errors == []
    assert result.ok
    assert result.ignored_columns == []
    assert result.rows == [
        RosterRow(2, "张三", ID_A, "13812345678", Post.SECURITY, date(2023, 5, 1), None),
        RosterRow(3, "李四", ID_B, None, Post.CLEANING, date(2022, 3, 7), date(2024, 1, 31)),
        RosterRow(4, "王五", ID_C, None, Post.PROJECT_MANAGER, date(2020, 1, 1), None),
    ]


def test_header_in_other_order_with_extra_columns_and_aliases():
    table = [
        ("XX物业服务有限公司从业人员花名册", None, None, None, None, None, None, None),
        ("序号", "工作岗位", "身份证号码", "姓 名", "备注", "入职时间", "联系电话", "离职时间"),
        (1, "保洁员", ID_B, "李四", "夜班", "2021年3月9日", "+86 139 0000 1111", None),
        (2, "秩序维护员", ID_A, "张三", None, "20230501", None, "2024.6.30"),
    ]
    result = parse_roster(table, today=TODAY)
    assert result.errors == []
    assert result.ignored_columns == ["序号", "备注"]
    assert result.rows == [
        RosterRow(3, "李四", ID_B, "13900001111", Post.CLEANING, date(2021, 3, 9), None),
        RosterRow(4, "张三", ID_A, None, Post.SECURITY, date(2023, 5, 1), date(2024, 6, 30)),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        ("姓名", "身份证", "手机", "岗位名称", "入职日期", "离职日期"),
        ("姓名", "证件号码", "手机号码", "岗位", "入职时间", "离职时间"),
        ("姓名", "公民身份号码", "联系电话", "工作岗位", "入职日期", "离职日期"),
        ("姓名", "身份证号", "手机号", "岗位", "入职日期"),
        ("　姓　名　", "身份证号 ", " 手机号", "岗位", "入职日期", "离职日期"),
    ],
)
def test_header_aliases(headers):
    result = parse_roster([headers, good_row()[: len(headers)]], today=TODAY)
    assert result.errors == []
    assert result.rows[0].id_number == ID_A


def test_blank_rows_are_skipped_and_row_numbers_kept():
    result = parse(
        (None,) * 6,
        good_row(),
        ("", " ", "\u3000", None, None, None),
        (),
        good_row(ID_B),
    )
    assert result.errors == []
    assert [row.row for row in result.rows] == [3, 6]


def test_rows_blank_in_every_known_column_are_skipped():
    table = [("序号", *HEADERS), (1, *good_row()), (2, *(None,) * 6), (3, *(None,) * 6)]
    result = parse_roster(table, today=TODAY)
    assert result.errors == []
    assert len(result.rows) == 1


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("姓名", None, "姓名不能为空"),
        ("姓名", "张", "2–30 个字"),
        ("姓名", "张" * 31, "2–30 个字"),
        ("姓名", "张三3", "只能包含汉字"),
        ("姓名", "·张三", "间隔号"),
        ("姓名", "艾力··买买提", "间隔号"),
        ("身份证号", None, "身份证号不能为空"),
        ("身份证号", "  ", "身份证号不能为空"),
        ("身份证号", "130102900307123", "18 位身份证号"),
        ("身份证号", ID_A[:17], "应为 18 位"),
        ("身份证号", ID_A[:17] + "Y", "无效字符"),
        ("身份证号", valid_id("99010219900307123"), "行政区划代码"),
        ("身份证号", valid_id("13010219900230123"), "出生日期"),
        ("身份证号", ID_A[:17] + "0", "校验位错误"),
        ("手机号", "1381234567", "手机号格式不正确"),
        ("手机号", "0311-87654321", "手机号格式不正确"),
        ("岗位", None, "岗位不能为空"),
        (
            "岗位",
            "电工",
            "岗位“电工”无法识别，请填写以下之一：项目经理、保安、保洁、绿化、维修、客服、其他",
        ),
        ("入职日期", None, "入职日期不能为空"),
        ("入职日期", "2023-02-30", "日期不存在"),
        ("入职日期", "下个月", "日期格式无法识别"),
        ("入职日期", 45047, "日期格式无法识别"),
        ("入职日期", 45047.0, "日期格式无法识别"),
        ("入职日期", "2024-07-01", "晚于今天"),
        ("离职日期", "2023-13-01", "日期不存在"),
        ("离职日期", "2024-07-01", "晚于今天"),
        ("离职日期", 20240101, "日期格式无法识别"),
    ],
)
def test_each_bad_cell(column, value, fragment):
    result = parse(good_row(), good_row(ID_B, **{column: value}))
    error = only_error(result)
    assert (error.row, error.column) == (3, column)
    assert [row.row for row in result.rows] == [2]
    assert fragment in error.message


@pytest.mark.parametrize("value", [130102199003071000, 1.30102199003071e17, "1.30102199003071E+17"])
def test_id_stored_as_number(value):
    error = only_error(parse(good_row(value)))
    assert (error.row, error.column) == (2, "身份证号")
    assert "文本" in error.message and "数字" in error.message


def test_multiple_errors_in_one_row_sorted_by_column():
    result = parse(
        good_row(ID_B),
        ("张", ID_A[:17] + "0", "123", "厨师", "2024-07-01", "2025-01-01"),
        good_row(ID_C, 姓名=""),
    )
    assert [row.row for row in result.rows] == [2]
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "姓名"),
        (3, "身份证号"),
        (3, "手机号"),
        (3, "岗位"),
        (3, "入职日期"),
        (3, "离职日期"),
        (4, "姓名"),
    ]


def test_errors_follow_the_sheet_column_order():
    headers = ("岗位", "姓名", "身份证号", "入职日期")
    result = parse_roster([headers, ("厨师", "张", ID_A, "2023-01-01")], today=TODAY)
    assert [e.column for e in result.errors] == ["岗位", "姓名"]


def test_duplicate_id_in_file_is_reported_on_the_later_row():
    result = parse(good_row(), good_row(ID_B), good_row(ID_A.lower().replace("3", "３")))
    error = only_error(result)
    assert (error.row, error.column) == (4, "身份证号")
    assert "与第 2 行重复" in error.message
    assert [row.row for row in result.rows] == [2, 3]


def test_leave_before_hire_is_reported_on_leave_date_naming_both():
    error = only_error(parse(good_row(入职日期="2023-05-01", 离职日期="2023-04-30")))
    assert (error.row, error.column) == (2, "离职日期")
    assert "2023-04-30" in error.message and "2023-05-01" in error.message


def test_leave_on_hire_day_and_dates_of_today_are_fine():
    result = parse(good_row(入职日期=TODAY, 离职日期=TODAY))
    assert result.errors == []
    assert result.rows[0].left_on == TODAY


@pytest.mark.parametrize(
    "name,expected",
    [
        ("艾力·买买提", "艾力·买买提"),
        ("艾力•买买提", "艾力·买买提"),
        (" 张 三 ", "张三"),
        ("张\u3000三", "张三"),
        ("欧阳 娜娜", "欧阳娜娜"),
        ("John  Smith", "John Smith"),
    ],
)
def test_names_are_cleaned(name, expected):
    result = parse(good_row(姓名=name))
    assert result.errors == []
    assert result.rows[0].name == expected


def test_id_with_full_width_digits_and_spaces_is_accepted():
    messy = " " + ID_A[:6] + "\u3000" + "".join(chr(ord(c) + 0xFEE0) for c in ID_A[6:]) + " "
    result = parse(good_row(messy))
    assert result.errors == []
    assert result.rows[0].id_number == ID_A


def test_numeric_phone_cell_is_accepted():
    result = parse(good_row(手机号=13812345678), good_row(ID_B, 手机号=13912345678.0))
    assert [row.phone for row in result.rows] == ["13812345678", "13912345678"]


@pytest.mark.parametrize("table", [[], [()], [(None,) * 6], [("花名册",), ("姓名", "手机号")]])
def test_empty_table_or_no_header(table):
    error = only_error(parse_roster(table, today=TODAY))
    assert (error.row, error.column) == (1, "")
    assert "文件为空或缺少表头" in error.message


def test_header_below_the_fifth_row_is_not_found():
    table = [("标题",)] * 5 + [HEADERS, good_row()]
    assert "缺少表头" in only_error(parse_roster(table, today=TODAY)).message


def test_header_only():
    for table in ([HEADERS], [HEADERS, (None,) * 6, ("",) * 6]):
        error = only_error(parse_roster(table, today=TODAY))
        assert error.row == 1
        assert "没有数据行" in error.message


def test_missing_required_column():
    headers = ("姓名", "身份证号", "手机号", "入职日期")
    result = parse_roster([("花名册",), headers, ("张三", ID_A, None, "2023-01-01")], today=TODAY)
    error = only_error(result)
    assert (error.row, error.column) == (2, "岗位")
    assert error.message.startswith("缺少必需的列")


def test_two_missing_columns_give_two_errors():
    result = parse_roster([("姓名", "身份证号"), ("张三", ID_A)], today=TODAY)
    assert [(e.row, e.column) for e in result.errors] == [(1, "岗位"), (1, "入职日期")]
    assert all(e.message.startswith("缺少必需的列") for e in result.errors)


def test_column_appearing_twice():
    headers = (*HEADERS, "身份证号码")
    error = only_error(parse_roster([headers, (*good_row(), ID_B)], today=TODAY))
    assert (error.row, error.column) == (1, "身份证号")
    assert "两次" in error.message and "B" in error.message and "G" in error.message


def test_too_many_rows():
    rows = [good_row(valid_id(f"13010219900307{i:03d}")) for i in range(4)]
    result = parse(*rows, max_rows=3)
    error = only_error(result)
    assert result.rows == []
    assert error.row == 5
    assert "3 行" in error.message
    assert parse(*rows[:3], max_rows=3).errors == []


def test_blank_rows_do_not_count_towards_the_limit():
    rows = [good_row(ID_A), (None,) * 6, (None,) * 6, good_row(ID_B)]
    assert parse(*rows, max_rows=2).errors == []


def test_short_rows_are_padded():
    result = parse(("张三", ID_A, None, "保安", "2023-05-01"))
    assert result.errors == []


def test_table_can_be_a_generator():
    result = parse_roster((row for row in [HEADERS, good_row()]), today=TODAY)
    assert len(result.rows) == 1


# --- parse_date_cell -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        date(2023, 5, 1),
        datetime(2023, 5, 1, 0, 0),
        datetime(2023, 5, 1, 13, 30),
        "2023-05-01",
        "2023-5-1",
        "2023/5/1",
        "2023/05/01",
        "2023.5.1",
        "2023年5月1日",
        "2023年05月01日",
        "2023 年 5 月 1 日",
        "2023年5月1",
        "20230501",
        "２０２３－０５－０１",
        " 2023-05-01 ",
        "2023-05-01 00:00:00",
        "2023-05-01T08:30",
    ],
)
def test_parse_date_cell_formats(value):
    assert parse_date_cell(value) == date(2023, 5, 1)


@pytest.mark.parametrize("value", [None, "", "  ", "\u3000"])
def test_parse_date_cell_blank(value):
    assert parse_date_cell(value) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (45047, "日期格式无法识别"),
        (45047.5, "日期格式无法识别"),
        ("2023-5/1", "日期格式无法识别"),
        ("5/1/2023", "日期格式无法识别"),
        ("2023-05", "日期格式无法识别"),
        ("2023-02-29", "日期不存在"),
        ("20231301", "日期不存在"),
        ("1899-12-31", "年份"),
    ],
)
def test_parse_date_cell_rejects(value, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_date_cell(value)
