"""Issue 13, item 5: a spreadsheet is checked before it is read whole.

A 67 KB .xlsx took a worker to 942 MB (rows padded to a cell in column XFD) and a 200 KB
zip bomb to 834 MB. The archive's central directory is checked before anything is
inflated, rows are streamed, and reading stops at the row and column limits. Each bad
file is read in a child process whose peak memory is measured.
"""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.spreadsheet import (
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    SpreadsheetError,
    read_first_sheet,
)

ROOT = Path(__file__).resolve().parents[2]
SHEET = "xl/worksheets/sheet1.xml"
# Generous for a slow shared machine; the first files took 2.5 GB and over a minute before.
MAX_GROWTH_MB = 150
MAX_SECONDS = 30  # of processor time


def with_sheet(sheet_xml: bytes, *, compression=zipfile.ZIP_DEFLATED, level=9) -> bytes:
    """A real workbook whose first sheet is replaced by `sheet_xml`."""
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression, compresslevel=level) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == SHEET else source.read(item)
            target.writestr(item.filename, data)
    return out.getvalue()


def sheet(rows: str) -> bytes:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def far_right_cells(count: int, value: str = "<v>1</v>") -> bytes:
    """One cell per row in column XFD: 67 KB of these took 942 MB."""
    return with_sheet(
        sheet("".join(f'<row r="{r}"><c r="XFD{r}">{value}</c></row>' for r in range(1, count + 1)))
    )


BAD_FILES = {
    "values in column XFD": lambda: far_right_cells(20_000),
    "styled empty cells in column XFD": lambda: far_right_cells(20_000, ""),
    "a value in the last row": lambda: with_sheet(
        sheet(
            '<row r="1"><c r="A1"><v>1</v></c></row>'
            '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
        )
    ),
    "a zip bomb": lambda: with_sheet(
        sheet('<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 2_000_000)
    ),
    "a million empty rows": lambda: with_sheet(sheet("<row/>" * 1_000_000), level=1),
    "a million empty cells in one row": lambda: with_sheet(
        sheet("<row>" + "<c/>" * 1_000_000 + "</row>"), level=1
    ),
}

_MEASURE = """
import json, resource, sys, time
from app.spreadsheet import read_first_sheet
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
try:
    rows = read_first_sheet(data)
    outcome = f"{len(rows)} rows"
except ValueError as error:
    outcome = "refused: " + str(error)
seconds = time.process_time() - start  # processor time: a loaded machine adds none
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_mb": (peak - before) / 1024, "seconds": seconds, "outcome": outcome}))
"""


def measure(data: bytes, tmp_path: Path) -> dict:
    """Peak memory growth and time of reading `data` in a fresh interpreter."""
    path = tmp_path / "upload.xlsx"
    path.write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("build", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_read_in_bounded_memory(build, tmp_path):
    data = build()
    assert len(data) < 2_000_000
    figures = measure(data, tmp_path)
    assert figures["growth_mb"] < MAX_GROWTH_MB, figures
    assert figures["seconds"] < MAX_SECONDS, figures


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    data = BAD_FILES["a zip bomb"]()
    with pytest.raises(SpreadsheetError, match="压缩炸弹"):
        read_first_sheet(data)


def test_a_zip_of_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(5000):
            archive.writestr(f"x/{number}", b"")
    with pytest.raises(SpreadsheetError, match="压缩炸弹"):
        read_first_sheet(out.getvalue())


def test_a_value_right_of_the_column_limit_is_refused_with_its_place():
    with pytest.raises(SpreadsheetError, match="第 1 行第 XFD 列有内容") as refused:
        read_first_sheet(far_right_cells(20_000))
    assert f"最多读取 {MAX_SHEET_COLUMNS} 列" in refused.value.message


def test_a_value_below_the_row_limit_is_refused_with_its_place():
    with pytest.raises(SpreadsheetError, match=f"一次最多读取 {MAX_SHEET_ROWS} 行"):
        read_first_sheet(BAD_FILES["a value in the last row"]())


def test_empty_cells_and_rows_past_the_limits_are_ignored():
    assert read_first_sheet(far_right_cells(3, "")) == []
    data = with_sheet(
        sheet(
            '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" t="inlineStr"><is><t> </t></is></c></row>'
            '<row r="1048576"><c r="A1048576" s="1"/></row>'
        )
    )
    assert read_first_sheet(data) == [(1,)]


def test_sheets_within_the_limits_read_as_before():
    book = openpyxl.Workbook()
    for number in range(1, 2001):
        book.active.append([f"张{number}", None, number, "2023-05-01"])
    book.active.cell(row=2500, column=MAX_SHEET_COLUMNS, value="最后一列")
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_first_sheet(buffer.getvalue())
    assert len(rows) == 2500 and {len(row) for row in rows} == {MAX_SHEET_COLUMNS}
    assert rows[0][:4] == ("张1", None, 1, "2023-05-01")
    assert rows[2499][-1] == "最后一列" and rows[2000] == (None,) * MAX_SHEET_COLUMNS
