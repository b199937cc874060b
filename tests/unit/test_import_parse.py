"""Import file parsing: encodings, Chinese headers, cells, row errors (no services needed)."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from matcher.imports.parse import count_rows, detect_encoding, read_rows
from matcher.imports.wording import zh_message


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")],
)
def test_encoding_is_detected(tmp_path: Path, encoding: str, detected: str) -> None:
    path = write_csv(tmp_path / "f.csv", [["编号", "岗位名称"], ["1", "焊工"]], encoding)
    assert detect_encoding(path) == detected
    rows = list(read_rows(path, "csv", "postings"))
    assert rows[0].body == {"title": "焊工"}


def test_chinese_headers_lists_booleans_and_flattened_nesting(tmp_path: Path) -> None:
    header = [
        "编号",
        "岗位名称",
        "单位名称",
        "证书要求",
        "重点项目",
        "是否边远地区",
        "纬度",
        "经度",
        "招聘人数",
    ]
    row = [
        "p1",
        "焊工",
        "某公司",
        "熔化焊接与热切割作业；电工证",
        "风电基地",
        "是",
        "41.9",
        "101.0",
        "3",
    ]
    path = write_csv(tmp_path / "p.csv", [header, row], "utf-8")
    (parsed,) = read_rows(path, "csv", "postings")
    assert parsed.record_id == "p1"
    assert parsed.body == {
        "title": "焊工",
        "enterprise_name": "某公司",
        "required_certificates": [
            {"type": "special_operation", "name": "熔化焊接与热切割作业", "mandatory": True},
            {"type": "other", "name": "电工证"},
        ],
        "headcount": "3",
        "key_project": {"name": "风电基地", "remote": True},
        "location": {"lat": "41.9", "lon": "101.0"},
    }


def test_profile_occupation_column_becomes_a_list(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [["id", "职业编码", "技能"], ["a", "6-18-02-04;6-31-01-03", "氩弧焊、二保焊"]],
        "utf-8",
    )
    (row,) = read_rows(path, "csv", "profiles")
    assert row.body == {
        "occupation_codes": ["6-18-02-04", "6-31-01-03"],
        "skills": ["氩弧焊", "二保焊"],
    }


def test_registration_day_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["id", "登记日期"], ["a", "2025-04-01"]], "utf-8")
    (row,) = read_rows(path, "csv", "postings")
    assert row.body == {"registered_on": "2025-04-01"}


def test_row_errors_carry_row_number_and_field(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["id", "愿意流动", "证书"],
            ["", "是", ""],
            ["b", "也许", ""],
            ["c", "否", "{bad"],
            [],
            ["d", "否", "", "extra"],
        ],
        "utf-8",
    )
    problems = [(r.number, r.error.field) for r in read_rows(path, "csv", "profiles") if r.error]
    assert problems == [(1, "id"), (2, "willing_to_relocate"), (3, "certificates"), (5, "row")]
    assert count_rows(path, "csv") == 4


def test_jsonl_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"id": "a", "title": "焊工"}\n\n[1]\n{"title": "x"}\n', "utf-8")
    rows = list(read_rows(path, "jsonl", "profiles"))
    assert rows[0].body == {"title": "焊工"}
    assert [(r.number, r.error.field) for r in rows if r.error] == [(2, "line"), (3, "id")]
    assert count_rows(path, "jsonl") == 3


def test_service_period_column_names_contract_months(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [["id", "服务期（月）"], ["a", "24"]], "utf-8")
    (row,) = read_rows(path, "csv", "postings")
    assert row.body == {"contract_months": "24"}


def test_a_hostile_jsonl_line_or_cell_fails_alone_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    deep = "[" * 5000 + "]" * 5000
    path.write_text(
        f'{{"id": "a", "title": "焊工"}}\n{deep}\n{{"id": "b", "wage_min": {"9" * 5000}}}\n'
        '{"id": "c", "title": "电工"}\n',
        "utf-8",
    )
    rows = list(read_rows(path, "jsonl", "postings"))
    assert [r.body["title"] for r in rows if r.body and not r.error] == ["焊工", "电工"]
    errors = [(r.number, r.error.message) for r in rows if r.error]
    assert [n for n, _ in errors] == [2, 3]
    assert "nested deeper" in errors[0][1]
    assert "number longer" in errors[1][1]
    cell = "[" * 2000 + "]" * 2000  # within the cell bound; RecursionError before the bound
    csv_path = write_csv(tmp_path / "f.csv", [["id", "证书"], ["a", cell], ["b", ""]], "utf-8")
    problems = [
        (r.number, r.error.field) for r in read_rows(csv_path, "csv", "profiles") if r.error
    ]
    assert problems == [(1, "certificates")]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_damaged_bytes_fail_their_row_only(tmp_path: Path, encoding: str) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [["编号", "求职意向"], ["a", "焊工"], ["b", "电工"], ["c", "钳工"], ["d", "厨师"]],
        encoding,
    )
    data = path.read_bytes()
    at = data.index("钳工".encode(encoding))
    path.write_bytes(data[:at] + b"\x81\x20\xff" + data[at:])
    assert detect_encoding(path) == encoding
    rows = list(read_rows(path, "csv", "profiles"))
    assert [r.body["title"] for r in rows if r.body] == ["焊工", "电工", "厨师"]
    assert [(r.number, r.error.field) for r in rows if r.error] == [(3, "row")]
    assert "not valid text" in next(r.error.message for r in rows if r.error)
    jsonl = tmp_path / "f.jsonl"
    jsonl.write_bytes(
        '{"id": "a", "title": "焊工"}\n{"id": "b", "title": "'.encode()
        + b"\xff\xfe"
        + '钳工"}\n{"id": "c", "title": "电工"}\n'.encode()
    )
    lines = list(read_rows(jsonl, "jsonl", "profiles"))
    assert [(r.number, r.error.field) for r in lines if r.error] == [(2, "line")]
    assert len([r for r in lines if r.body]) == 2


def test_a_cell_over_the_csv_modules_limit_fails_its_row_only(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [["编号", "求职意向", "个人简介"], ["a", "焊工", "长" * 200_000], ["b", "电工", "好"]],
        "utf-8",
    )
    rows = list(read_rows(path, "csv", "profiles"))
    assert [(r.number, r.error.field) for r in rows if r.error] == [(1, "summary")]
    assert [r.body["title"] for r in rows if r.body] == ["电工"]


def test_a_number_cell_longer_than_a_spreadsheet_keeps_fails_its_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "职位名称", "地区编码", "手机号"])
    # An 18-digit number typed into a number cell: Excel kept 15 digits of it.
    sheet.append([152301199001011234, "焊工", 150203, "13800138000"])
    sheet.append(["p-2", "电工", 150203, 13800138000])  # 11 digits: exact
    path = tmp_path / "people.xlsx"
    book.save(path)
    first, second = list(read_rows(path, "xlsx", "profiles"))
    assert first.body is None
    assert first.error is not None
    assert first.error.field == "id"
    assert zh_message(first.error.field, first.error.message).startswith(
        "编号：是超过 15 位的数字单元格"
    )
    assert second.error is None
    assert second.body is not None
    assert second.body["contact"]["phone"] == "13800138000"
