"""Rows of an import file → API bodies (dicts), with Chinese or English headers.

Excel workbooks (``.xlsx``): the first sheet, its first row the header, read like a CSV file
(``matcher.foundation.sheets``). CSV as offices export it from Excel: UTF-8 (with or without
BOM) or GB18030; list cells separated by ``;``, ``|`` or ``、``; nested values either as JSON
in one cell or flattened (``contact_phone``, ``key_project_name``, ``lat``/``lon``). JSONL:
one API body per line. Every row carries its ``id`` (the caller's id, so re-running an
import rewrites, never duplicates).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from matcher.foundation import jsontext, sheets

Kind = Literal["profiles", "postings"]
Format = Literal["csv", "jsonl", "xlsx"]
Mode = Literal["strict", "sanitize"]

MAX_CELL = 10_000
_SPLIT = re.compile(r"\s*[;|、；]\s*")

# Chinese (and alternative English) header names → API field names.
_HEADERS: dict[str, str] = {
    "编号": "id",
    "id": "id",
    "档案编号": "id",
    "岗位编号": "id",
    "求职者编号": "owner_id",
    "姓名": "contact_name",
    "电话": "contact_phone",
    "手机": "contact_phone",
    "联系电话": "contact_phone",
    "手机号": "contact_phone",
    "邮箱": "contact_email",
    "电子邮箱": "contact_email",
    "求职意向": "title",
    "职位": "title",
    "标题": "title",
    "岗位名称": "title",
    "职位名称": "title",
    "招聘岗位": "title",
    "简介": "summary",
    "个人简介": "summary",
    "工作经历": "summary",
    "自我介绍": "summary",
    "技能": "skills",
    "技能特长": "skills",
    "专业技能": "skills",
    "职业编码": "occupation_code",
    "职业代码": "occupation_code",
    "技能等级": "skill_level",
    "职业资格等级": "skill_level",
    "职业技能等级": "skill_level",
    "证书": "certificates",
    "工作年限": "years_experience",
    "从业年限": "years_experience",
    "地区编码": "region_code",
    "行政区划代码": "region_code",
    "所在地区编码": "region_code",
    "工作地点编码": "region_code",
    "愿意流动": "willing_to_relocate",
    "是否愿意流动": "willing_to_relocate",
    "愿意异地就业": "willing_to_relocate",
    "意向地区": "preferred_region_codes",
    "期望地区": "preferred_region_codes",
    "期望月薪": "expected_monthly_wage",
    "期望工资": "expected_monthly_wage",
    "获奖": "awards",
    "荣誉": "awards",
    "获奖情况": "awards",
    "状态": "status",
    "企业编号": "enterprise_id",
    "单位编号": "enterprise_id",
    "企业名称": "enterprise_name",
    "单位名称": "enterprise_name",
    "用人单位": "enterprise_name",
    "岗位描述": "description",
    "职位描述": "description",
    "岗位职责": "description",
    "等级要求": "required_level",
    "技能等级要求": "required_level",
    "证书要求": "required_certificates",
    "招聘人数": "headcount",
    "需求人数": "headcount",
    "最低月薪": "wage_min",
    "薪资下限": "wage_min",
    "最高月薪": "wage_max",
    "薪资上限": "wage_max",
    "纬度": "lat",
    "经度": "lon",
    "行业": "industry",
    "重点项目": "key_project_name",
    "项目名称": "key_project_name",
    "是否边远地区": "key_project_remote",
    "边远地区": "key_project_remote",
    "服务期": "contract_months",
    "服务期限": "contract_months",
    "服务期（月）": "contract_months",
    "合同期限（月）": "contract_months",
    "有效期起": "valid_from",
    "开始日期": "valid_from",
    "有效期至": "valid_until",
    "截止日期": "valid_until",
    "登记日期": "registered_on",
    "登记时间": "registered_on",
}
_LISTS = {"skills", "occupation_codes", "preferred_region_codes", "awards"}
_JSON = {"certificates", "required_certificates", "contact", "key_project", "location"}
_BOOLS = {"willing_to_relocate", "key_project_remote"}
_TRUE = {"1", "true", "yes", "y", "是", "愿意", "√"}
_FALSE = {"0", "false", "no", "n", "否", "不愿意", "×"}


class RowError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Row:
    number: int  # 1-based data row (CSV header not counted; JSONL line number)
    record_id: str | None
    body: dict[str, Any] | None
    error: RowError | None = None
    # Sanitize mode: the discriminatory requirements cut out of the row's text, in words.
    note: str = ""


_IMPRECISE = (
    "a number cell of more than 15 digits: spreadsheets keep 15, so its last digits are "
    "lost; format the column as text and type the number again"
)
_REPLACED = "\ufffd"
_UNREADABLE = "holds bytes that are not valid text in the file's encoding (UTF-8 or GB18030)"
# Cells are bounded (MAX_CELL) after parsing; the csv module's own limit (128 KiB) would fail
# the whole file on one long cell, so it is raised to what an import may hold at all.
csv.field_size_limit(256 * 1024 * 1024)


def detect_encoding(path: Path) -> str:
    """UTF-8 with a BOM; else UTF-8 or GB18030, whichever reads the file without a damaged
    byte, or with fewer (UTF-8 when tied). Damaged bytes fail only the rows holding them."""
    with path.open("rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
    utf8 = _damaged(path, "utf-8")
    if utf8 == 0:
        return "utf-8"
    return "gb18030" if _damaged(path, "gb18030") < utf8 else "utf-8"


def _damaged(path: Path, encoding: str) -> int:
    """Characters that ``encoding`` cannot decode in the file."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    count = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            count += decoder.decode(chunk).count(_REPLACED)
    return count + decoder.decode(b"", final=True).count(_REPLACED)


def count_rows(path: Path, fmt: Format) -> int:
    """Data rows in the file (for progress): non-empty CSV rows but the header, non-empty
    JSONL lines. Row numbers in errors still count empty rows, as a spreadsheet shows them."""
    if fmt == "xlsx":
        try:
            non_empty = sum(1 for cells in sheets.read_rows(path) if any(c.strip() for c in cells))
        except sheets.SheetRefused:
            return 0
        return max(non_empty - 1, 0)
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        if fmt == "jsonl":
            return sum(1 for line in f if line.strip())
        try:
            non_empty = sum(1 for cells in csv.reader(f) if any(c.strip() for c in cells))
        except csv.Error:
            return 0
        return max(non_empty - 1, 0)


def read_rows(path: Path, fmt: Format, kind: Kind) -> Iterator[Row]:
    """The file's rows, each parsed or with the reason it cannot be; damaged bytes (shown as
    U+FFFD after decoding) fail their row only."""
    if fmt == "xlsx":
        yield from _one_code_column(_table_rows(sheets.read_rows(path)), kind)
        return
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        if fmt == "jsonl":
            yield from _jsonl_rows(f)
        else:
            yield from _one_code_column(_table_rows(csv.reader(f)), kind)


def _one_code_column(rows: Iterator[Row], kind: Kind) -> Iterator[Row]:
    for row in rows:
        if kind == "profiles" and row.body and "occupation_code" in row.body:
            # One table column serves both kinds; a profile may list several codes.
            row.body["occupation_codes"] = _SPLIT.split(row.body.pop("occupation_code"))
        yield row


def _jsonl_rows(f: io.TextIOBase) -> Iterator[Row]:
    number = 0
    for line in f:
        if not line.strip():
            continue
        number += 1
        if _REPLACED in line:
            yield Row(number, None, None, RowError("line", _UNREADABLE))
            continue
        try:
            body = jsontext.loads(line)
        except jsontext.JsonRefused as exc:
            yield Row(number, None, None, RowError("line", str(exc)))
            continue
        if not isinstance(body, dict):
            yield Row(number, None, None, RowError("line", "each line must be a JSON object"))
            continue
        yield _with_id(number, body)


def _table_rows(reader: Iterator[list[str]]) -> Iterator[Row]:
    """Rows of a table (CSV or a workbook's sheet) whose first row is the header."""
    try:
        header = next(reader, None)
    except (csv.Error, sheets.SheetRefused):
        header = None
    if header is None:
        return
    fields = [_HEADERS.get(h.strip(), _HEADERS.get(h.strip().lower(), h.strip())) for h in header]
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, sheets.SheetRefused) as exc:  # the rest cannot be read
            what = "CSV" if isinstance(exc, csv.Error) else "a workbook"
            yield Row(number, None, None, RowError("row", f"not readable as {what}: {exc}"))
            return
        if any(c.strip() for c in cells):
            yield _table_row(number, fields, cells)


def _table_row(number: int, fields: list[str], cells: list[str]) -> Row:
    if any(_REPLACED in c for c in cells):
        return Row(number, None, None, RowError("row", _UNREADABLE))
    if len(cells) > len(fields):
        return Row(number, None, None, RowError("row", "more cells than header columns"))
    for field, cell in zip(fields, cells, strict=False):
        if cell.startswith(sheets.IMPRECISE):
            return Row(number, None, None, RowError(field, _IMPRECISE))
    try:
        body = _csv_body(dict(zip(fields, cells, strict=False)))
    except RowError as exc:
        return Row(number, None, None, exc)
    return _with_id(number, body)


def _with_id(number: int, body: dict[str, Any]) -> Row:
    record_id = body.pop("id", None)
    if not isinstance(record_id, str) or not record_id.strip():
        return Row(number, None, None, RowError("id", "every row needs an id"))
    return Row(number, record_id.strip(), body)


def _csv_body(cells: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field, raw in cells.items():
        value = raw.strip()
        if not value:
            continue
        if len(value) > MAX_CELL:
            raise RowError(field, f"cell longer than {MAX_CELL} characters")
        body[field] = _cell(field, value)
    _nest(
        body,
        "contact",
        {"contact_name": "name", "contact_phone": "phone", "contact_email": "email"},
    )
    _nest(body, "key_project", {"key_project_name": "name", "key_project_remote": "remote"})
    _nest(body, "location", {"lat": "lat", "lon": "lon"})
    return body


def _cell(field: str, value: str) -> Any:
    if field in _JSON:
        if value[:1] in "[{":
            try:
                return jsontext.loads(value)
            except jsontext.JsonRefused as exc:
                raise RowError(field, str(exc)) from None
        if field in ("certificates", "required_certificates"):
            # Plain names, as a desk types them: 熔化焊接与热切割作业;电工证
            return [_certificate(field, name) for name in _SPLIT.split(value) if name]
        raise RowError(field, "expected JSON")
    if field in _LISTS:
        return [v for v in _SPLIT.split(value) if v]
    if field in _BOOLS:
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise RowError(field, f"expected 是/否 or true/false, not {value!r}")
    return value


def _certificate(field: str, name: str) -> dict[str, Any]:
    # A bare name: "…作业" names a special-operation permit (特种作业), always a hard rule.
    special = name.endswith("作业")
    cert: dict[str, Any] = {"type": "special_operation" if special else "other", "name": name}
    if field == "required_certificates" and special:
        cert["mandatory"] = True
    return cert


def _nest(body: dict[str, Any], target: str, names: dict[str, str]) -> None:
    parts = {inner: body.pop(flat) for flat, inner in names.items() if flat in body}
    if parts and target not in body:
        body[target] = parts
