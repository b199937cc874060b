"""Excel workbooks (matcher.foundation.sheets) and Chinese import errors (wording)."""

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from matcher.foundation.sheets import (
    Sheet,
    SheetRefused,
    check_workbook,
    read_rows,
    text_of,
    write_workbook,
)
from matcher.imports.wording import column, zh_message


def test_cells_read_as_a_csv_would_hold_them() -> None:
    assert text_of(150203.0) == "150203"
    assert text_of(2.5) == "2.5"
    assert text_of(None) == ""
    assert text_of(True) == "是"
    assert text_of(datetime(2026, 12, 31)) == "2026-12-31"
    assert text_of(date(2026, 1, 2)) == "2026-01-02"


def test_a_written_workbook_reads_back_and_never_holds_a_formula(tmp_path: Path) -> None:
    content = write_workbook(
        [Sheet("名单", ["编号", "姓名", "年限"], [["a-1", "=1+1", 3], ["a-2", "@SUM(A1)", None]])]
    )
    path = tmp_path / "out.xlsx"
    path.write_bytes(content)
    check_workbook(path, max_unpacked=10_000_000)
    assert list(read_rows(path)) == [
        ["编号", "姓名", "年限"],
        ["a-1", "=1+1", "3"],
        ["a-2", "@SUM(A1)"],
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert {c.data_type for row in sheet.iter_rows() for c in row if c.value} == {"s", "n"}


def test_what_is_not_a_workbook_or_unpacks_too_large_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(b"id,name\n1,x\n")
    with pytest.raises(SheetRefused, match=r"not an \.xlsx"):
        check_workbook(plain, max_unpacked=10_000_000)
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(SheetRefused, match=r"no xl/workbook\.xml"):
        check_workbook(other_zip, max_unpacked=10_000_000)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    with pytest.raises(SheetRefused, match="packed too densely"):
        check_workbook(bomb, max_unpacked=100_000_000)
    with pytest.raises(SheetRefused, match="unpacks to more than"):
        check_workbook(bomb, max_unpacked=1_000_000)


def test_a_damaged_workbook_fails_as_refused_not_as_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook><not-closed>")
    with pytest.raises(SheetRefused):
        list(read_rows(broken))


def test_row_errors_name_the_chinese_column_and_what_is_wrong() -> None:
    assert zh_message("headcount", "Input should be a valid integer", "int_parsing") == (
        "招聘人数：应填整数"
    )
    assert (
        zh_message(
            "title",
            "String should have at most 100 characters",
            "string_too_long",
            {"max_length": 100},
        )
        == "职位名称：内容太长（最多 100 字）"
    )
    assert zh_message("region_code", "unknown GB/T 2260 region code 159999") == (
        "地区编码：没有这个地区编码"
    )
    assert zh_message("id", "this posting belongs to another enterprise") == (
        "编号：该编号已属于其他单位或求职者，不能改写"
    )
    # Anything unforeseen keeps its English reason rather than being dropped.
    assert zh_message("wage_max", "wage_max must be at least wage_min") == (
        "最高月薪：内容有误（wage_max must be at least wage_min）"
    )
    assert column("certificates.1.name") == "证书第2项"
    assert column("unknown_field") == "unknown_field"


def test_a_control_character_in_a_cell_does_not_break_the_export() -> None:
    content = write_workbook([Sheet("台账", ["备注"], [["第一行\x0b第二行\x00"]])])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet["A2"].value == "第一行 第二行 "


def test_a_sheet_claiming_a_huge_size_is_read_as_stored(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "标题"])
    sheet.append(["a-1", "焊工"])
    sheet["XFD5000"] = "far away"  # 16,384 columns wide, 5,000 rows long, as stated
    path = tmp_path / "wide.xlsx"
    book.save(path)
    check_workbook(path, max_unpacked=10_000_000)
    rows = list(read_rows(path))
    assert rows[:2] == [["编号", "标题"], ["a-1", "焊工"]]
    assert max(len(r) for r in rows) <= 256


def test_a_workbook_without_a_readable_first_sheet_is_refused_up_front(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(SheetRefused):
        check_workbook(empty, max_unpacked=10_000_000)
