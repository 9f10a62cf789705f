"""Reading uploaded .xlsx files, the roster template and roster exports."""

import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from app.errors import Invalid
from app.orgs.rules.identity import id_number_check_char
from app.orgs.rules.posts import Post
from app.orgs.rules.roster import HEADERS, RosterRow, parse_roster
from app.orgs.spreadsheet import roster_template, roster_workbook
from app.spreadsheet import SpreadsheetError, read_first_sheet

TODAY = date(2024, 6, 30)


def valid_id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def xlsx(*sheets: list[tuple]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Sheet{index + 1}")
        for row in rows:
            sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def load(data: bytes):
    return load_workbook(BytesIO(data))


# --- read_first_sheet ------------------------------------------------------------------


def test_reads_first_sheet_only_and_drops_trailing_empty_rows():
    data = xlsx(
        [("a", 1, None), (None, None, None), ("b", 2.5, datetime(2023, 5, 1)), (None,), ("  ",)],
        [("other sheet",)],
    )
    assert read_first_sheet(data) == [
        ("a", 1, None),
        (None, None, None),
        ("b", 2.5, datetime(2023, 5, 1)),
    ]


def test_rows_have_equal_width():
    rows = read_first_sheet(xlsx([("a",), ("b", None, "c"), ("d", "e")]))
    assert rows == [("a", None, None), ("b", None, "c"), ("d", "e", None)]


def test_empty_workbook_gives_no_rows():
    assert read_first_sheet(xlsx([])) == []


@pytest.mark.parametrize(
    "data",
    [
        "姓名,身份证号\n张三,130102199003071233\n".encode(),
        "姓名,身份证号\n".encode("gbk"),
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        bytes(range(256)) * 4,
        b"PK\x03\x04 but not really a zip",
    ],
    ids=["csv", "csv-gbk", "pdf", "random", "fake-zip"],
)
def test_not_an_xlsx(data):
    with pytest.raises(SpreadsheetError, match=r"文件不是有效的 Excel \(\.xlsx\) 文件"):
        read_first_sheet(data)


def test_zip_that_is_not_a_workbook():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(SpreadsheetError, match="不是有效的 Excel"):
        read_first_sheet(buffer.getvalue())


def test_truncated_xlsx():
    data = xlsx([("姓名",)] * 50)
    with pytest.raises(SpreadsheetError, match="不是有效的 Excel"):
        read_first_sheet(data[: len(data) // 2])


def test_old_xls():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(SpreadsheetError, match=r"\.xls.*另存为.*\.xlsx"):
        read_first_sheet(data)


def test_empty_file():
    with pytest.raises(SpreadsheetError, match="^文件为空$"):
        read_first_sheet(b"")


def test_spreadsheet_error_is_a_value_error():
    assert issubclass(SpreadsheetError, ValueError)


def test_an_unreadable_file_is_an_invalid_file():
    with pytest.raises(Invalid) as info:
        read_first_sheet(b"not a spreadsheet")
    assert info.value.code == "invalid_file"


def openpyxl_rows(data: bytes) -> list[tuple]:
    """What openpyxl itself reads, trimmed and padded the way read_first_sheet promises."""
    with warnings.catch_warnings():
        # Hand-made parts lack a default style, which openpyxl warns about.
        warnings.simplefilter("ignore", UserWarning)
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    width = max((i + 1 for row in rows for i, v in enumerate(row) if v is not None), default=0)
    return [row[:width] + (None,) * (width - len(row)) for row in rows]


def test_values_match_openpyxl():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["text", 1, 2.5, True, datetime(2023, 5, 1, 8, 30), date(2023, 5, 2)])
    sheet.append([" spaced ", -3, 1e-9, False, None, "=not a formula"])
    sheet["A5"] = "after a gap"
    sheet["H5"] = 12345678901
    sheet["B6"] = time(13, 45)
    sheet["C6"] = timedelta(hours=30)
    sheet["D6"] = "=1+1"  # openpyxl stores no cached result, so both read None
    sheet["E6"] = 0.5
    sheet["E6"].number_format = "0.00%"
    sheet["F6"] = 45047
    sheet["F6"].number_format = 'yyyy"年"m"月"d"日"'
    sheet["A7"] = "multi\nline 张三"
    workbook.create_sheet("second")["A1"] = "not read"
    buffer = BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    rows = read_first_sheet(data)
    assert rows == openpyxl_rows(data)
    assert rows[0][:6] == ("text", 1, 2.5, True, datetime(2023, 5, 1, 8, 30), datetime(2023, 5, 2))
    assert rows[4][0] == "after a gap" and rows[4][7] == 12345678901
    assert rows[5][5] == datetime(2023, 5, 1)
    assert len(rows) == 7 and all(len(row) == 8 for row in rows)


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def handmade_xlsx(
    sheet_data: str,
    strings: list[str],
    num_fmts: dict[int, str],
    xf_ids: list[int],
    date1904: bool = False,
) -> bytes:
    """A minimal workbook as Excel itself lays it out: shared strings, absolute targets."""
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": f'''<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>''',
        "xl/workbook.xml": f'''<workbook xmlns="{MAIN}" xmlns:r="{REL}">{pr}
<sheets><sheet name="花名册" sheetId="1" r:id="rId3"/></sheets></workbook>''',
        "xl/_rels/workbook.xml.rels": f'''<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{REL}/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="/xl/sharedStrings.xml"/>
<Relationship Id="rId3" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId4" Type="{REL}/hyperlink" Target="http://example.com" TargetMode="External"/>
</Relationships>''',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><dimension ref="A1"/>'
        f"<sheetData>{sheet_data}</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">' + "".join(strings) + "</sst>",
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts>'
        + "".join(f'<numFmt numFmtId="{i}" formatCode="{c}"/>' for i, c in num_fmts.items())
        + "</numFmts><cellXfs>"
        + "".join(
            f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0"/>' for i in xf_ids
        )
        + "</cellXfs></styleSheet>",
    }
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


SHARED = [
    "<si><t>姓名</t></si>",
    '<si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r><rPh sb="0" eb="1"><t>zhang</t></rPh></si>',
    '<si><t xml:space="preserve"> 13010219900307123 3 </t></si>',
]
# xf 0 General, 1 built-in date 14, 2 custom date, 3 text, 4 [h]:mm duration
XF_IDS = [0, 14, 164, 49, 46]
NUM_FMTS = {164: "yyyy/m/d;@"}


def test_excel_style_parts_match_openpyxl():
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="C3" s="1"><v>45047</v></c>'
        '<c r="D3" s="2"><v>45047.5</v></c><c r="E3" t="b"><v>1</v></c>'
        '<c r="F3" t="e"><v>#N/A</v></c><c r="G3" t="str"><f>A1</f><v>姓名</v></c>'
        '<c r="H3" s="4"><v>1.25</v></c><c r="I3" t="inlineStr"><is><t>行内</t></is></c>'
        '<c r="J3"><v>1.5E3</v></c><c r="K3" s="3" t="s"><v>2</v></c><c r="L3"/></row>'
        "<row><c><v>7</v></c><c><v>8</v></c></row>"
    )
    data = handmade_xlsx(sheet, SHARED, NUM_FMTS, XF_IDS)
    rows = read_first_sheet(data)
    assert rows == openpyxl_rows(data)
    assert rows[0][:2] == ("姓名", "张三")
    assert rows[1] == (None,) * 11
    assert rows[2] == (
        " 13010219900307123 3 ",
        None,
        datetime(2023, 5, 1),
        datetime(2023, 5, 1, 12, 0),
        True,
        "#N/A",
        "姓名",
        timedelta(hours=30),
        "行内",
        1500.0,
        " 13010219900307123 3 ",
    )
    assert rows[3] == (7, 8) + (None,) * 9


def test_1904_date_system():
    data = handmade_xlsx(
        '<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>43585</v></c></row>',
        [],
        {},
        [0, 14],
        date1904=True,
    )
    assert read_first_sheet(data) == openpyxl_rows(data)
    assert read_first_sheet(data)[0][1] == datetime(2023, 5, 1)


@pytest.mark.parametrize("fmt_id", [27, 31, 36, 50, 57, 58])
def test_chinese_builtin_date_formats_are_dates(fmt_id):
    # openpyxl itself reads these as plain numbers; Chinese Excel writes them without a code.
    data = handmade_xlsx('<row r="1"><c r="A1" s="1"><v>45047</v></c></row>', [], {}, [0, fmt_id])
    assert read_first_sheet(data) == [(datetime(2023, 5, 1),)]


@pytest.mark.parametrize("fmt_id", [32, 55, 2, 49])
def test_other_builtin_formats_stay_numbers(fmt_id):
    data = handmade_xlsx('<row r="1"><c r="A1" s="1"><v>45047</v></c></row>', [], {}, [0, fmt_id])
    assert read_first_sheet(data) == [(45047,)]


def test_workbook_without_sheets():
    data = handmade_xlsx("", [], {}, [0])
    with zipfile.ZipFile(BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/workbook.xml"] = f'<workbook xmlns="{MAIN}"><sheets/></workbook>'.encode()
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    with pytest.raises(SpreadsheetError, match="没有工作表"):
        read_first_sheet(buffer.getvalue())


# --- template --------------------------------------------------------------------------


def test_template_headers_and_formats():
    data = roster_template()
    workbook = load(data)
    assert workbook.sheetnames == ["花名册", "填写说明"]
    sheet = workbook["花名册"]
    assert tuple(cell.value for cell in sheet[1]) == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    for row in (2, 500, 1001):
        assert sheet[f"B{row}"].number_format == "@"  # 身份证号
        assert sheet[f"C{row}"].number_format == "@"  # 手机号
        assert sheet[f"E{row}"].number_format == "yyyy-mm-dd"
        assert sheet[f"F{row}"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["B"].width >= 20

    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"项目经理,保安,保洁,绿化,维修,客服,其他"'
    assert "D2" in validation.sqref

    help_text = "".join(
        str(value) for row in workbook["填写说明"].iter_rows(values_only=True) for value in row
    )
    for words in (*HEADERS, "必填", "选填", "忽略", "不会导入", "保洁", "2023-05-01"):
        assert words in help_text


def test_empty_template_reads_as_header_only():
    rows = read_first_sheet(roster_template())
    assert rows == [HEADERS]
    result = parse_roster(rows, today=TODAY)
    assert "没有数据行" in result.errors[0].message


def test_filled_in_template_imports():
    workbook = load(roster_template())
    sheet = workbook["花名册"]
    sheet["A2"], sheet["B2"], sheet["D2"] = "张三", valid_id("13010219900307123"), "绿化"
    sheet["E2"] = datetime(2023, 5, 1)
    buffer = BytesIO()
    workbook.save(buffer)
    result = parse_roster(read_first_sheet(buffer.getvalue()), today=TODAY)
    assert result.errors == []
    assert result.rows[0].post is Post.GREENING


# --- export ----------------------------------------------------------------------------

RECORDS = [
    {
        "name": "张三",
        "id_number": valid_id("13010219900307123"),
        "phone": "13812345678",
        "post": Post.SECURITY,
        "hired_on": date(2023, 5, 1),
        "left_on": None,
    },
    {
        "name": "艾力·买买提",
        "id_number": "11010519491231002X",
        "phone": None,
        "post": "maintenance",
        "hired_on": date(2010, 1, 31),
        "left_on": date(2024, 6, 30),
    },
]


def test_export_round_trip():
    data = roster_workbook(RECORDS)
    result = parse_roster(read_first_sheet(data), today=TODAY)
    assert result.errors == []
    assert result.ignored_columns == ["状态"]
    assert result.rows == [
        RosterRow(
            2, "张三", RECORDS[0]["id_number"], "13812345678", Post.SECURITY, date(2023, 5, 1), None
        ),
        RosterRow(
            3,
            "艾力·买买提",
            "11010519491231002X",
            None,
            Post.MAINTENANCE,
            date(2010, 1, 31),
            date(2024, 6, 30),
        ),
    ]


def test_export_cells():
    sheet = load(roster_workbook(RECORDS))["花名册"]
    assert tuple(cell.value for cell in sheet[1]) == (*HEADERS, "状态")
    assert sheet["B2"].value == RECORDS[0]["id_number"]
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].number_format == "@"
    assert sheet["C2"].value == "13812345678"
    assert sheet["C2"].data_type == "s"
    assert sheet["D3"].value == "维修"
    assert sheet["E2"].is_date and sheet["E2"].value == datetime(2023, 5, 1)
    assert sheet["G2"].value == "在职"
    assert sheet["G3"].value == "离职"


def test_export_accepts_chinese_keys_and_explicit_status():
    record = {
        "姓名": "李四",
        "身份证号": valid_id("13060219851120456"),
        "手机号": "13900001111",
        "岗位": "客服",
        "入职日期": datetime(2022, 3, 7, 9, 30),
        "离职日期": None,
        "状态": "停用",
    }
    no_phone = dict(record, 身份证号="11010519491231002X", 手机号="", 状态=None)
    rows = read_first_sheet(roster_workbook([record, no_phone]))
    assert [row[-1] for row in rows[1:]] == ["停用", "在职"]
    first, second = parse_roster(rows, today=TODAY).rows
    assert (first.name, first.post, first.hired_on) == (
        "李四",
        Post.CUSTOMER_SERVICE,
        date(2022, 3, 7),
    )
    assert second.phone is None


def test_export_never_writes_formulas():
    record = dict(RECORDS[0], name='=HYPERLINK("http://example.com","点我")')
    sheet = load(roster_workbook([record]))["花名册"]
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value.startswith("=HYPERLINK")


def test_empty_export():
    assert read_first_sheet(roster_workbook([])) == [(*HEADERS, "状态")]


# --- scale -----------------------------------------------------------------------------


def test_ten_thousand_rows():
    start = date(1970, 1, 1)
    people = [
        valid_id(f"130102{(start + timedelta(days=i // 1000)):%Y%m%d}{i % 1000:03d}")
        for i in range(10_000)
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADERS)
    for i, id_number in enumerate(people):
        sheet.append(
            (
                f"员工{chr(0x4E00 + i % 500)}",
                id_number,
                f"138{i:08d}",
                "保洁",
                datetime(2020, 1, 1) + timedelta(days=i % 1000),
                None,
            )
        )
    buffer = BytesIO()
    workbook.save(buffer)

    # Speed is measured in bench/roster_import.py, not here.
    rows = read_first_sheet(buffer.getvalue())
    result = parse_roster(rows, today=TODAY)

    assert result.errors == []
    assert len(result.rows) == 10_000
    assert [row.id_number for row in result.rows] == people
    assert result.rows[-1].row == 10_001
    assert result.rows[-1].hired_on == date(2020, 1, 1) + timedelta(days=9_999 % 1000)
