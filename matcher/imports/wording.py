"""Import row errors in Chinese, for the office that has to fix its spreadsheet.

Every row error keeps its machine-readable ``field`` and English ``message``; ``message_zh``
says the same to a clerk: which column (by the Chinese header the templates use), and what
is wrong with it. Errors from the body's validation are worded by their kind (missing, too
long, not a number…); the service's own messages by what they start with; anything else is
shown as 「内容有误」 with the English reason in brackets, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# API field → the column name a Chinese import template uses for it.
COLUMNS: dict[str, str] = {
    "id": "编号",
    "row": "整行",
    "line": "整行",
    "owner_id": "求职者编号",
    "contact": "联系方式",
    "contact.name": "姓名",
    "contact.phone": "手机号",
    "contact.email": "电子邮箱",
    "title": "职位名称",
    "summary": "个人简介",
    "skills": "技能",
    "occupation_code": "职业编码",
    "occupation_codes": "职业编码",
    "skill_level": "技能等级",
    "certificates": "证书",
    "years_experience": "从业年限",
    "region_code": "地区编码",
    "willing_to_relocate": "愿意流动",
    "preferred_region_codes": "意向地区",
    "expected_monthly_wage": "期望月薪",
    "awards": "获奖情况",
    "status": "状态",
    "enterprise_id": "单位编号",
    "enterprise_name": "单位名称",
    "description": "岗位描述",
    "required_level": "技能等级要求",
    "required_certificates": "证书要求",
    "headcount": "招聘人数",
    "wage_min": "最低月薪",
    "wage_max": "最高月薪",
    "location": "经纬度",
    "industry": "行业",
    "key_project": "重点项目",
    "key_project_id": "重点项目编号",
    "contract_months": "服务期（月）",
    "valid_from": "有效期起",
    "valid_until": "有效期至",
    "registered_on": "登记日期",
}

# Pydantic error kinds → what a clerk is told.
_KINDS: dict[str, str] = {
    "missing": "必须填写",
    "string_too_short": "不能为空",
    "string_too_long": "内容太长",
    "too_long": "项数太多",
    "too_short": "至少要有一项",
    "int_parsing": "应填整数",
    "int_type": "应填整数",
    "int_from_float": "应填整数",
    "float_parsing": "应填数字",
    "float_type": "应填数字",
    "bool_parsing": "应填“是”或“否”",
    "bool_type": "应填“是”或“否”",
    "date_from_datetime_parsing": "应填日期（如 2026-12-31）",
    "date_from_datetime_inexact": "应填日期，不带时刻（如 2026-12-31）",
    "date_parsing": "应填日期（如 2026-12-31）",
    "date_type": "应填日期（如 2026-12-31）",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "string_pattern_mismatch": "格式不对",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
    "extra_forbidden": "不是可导入的列，请删去或改用模板中的列名",
    "list_type": "应填一项或多项（用“；”分隔）",
    "dict_type": "格式不对",
    "model_type": "格式不对",
    "value_error": "内容不合要求",
}

# The service's own English messages, by how they start → Chinese.
_OWN: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^every row needs an id"), "每行都要有编号"),
    (
        re.compile(r"^holds bytes that are not valid text"),
        "有无法识别的字符（请另存为 UTF-8 或 Excel）",
    ),
    (re.compile(r"^more cells than header columns"), "比表头多出了单元格"),
    (re.compile(r"^not readable as csv"), "从这一行起文件无法按 CSV 读取"),
    (re.compile(r"^not readable as a workbook"), "从这一行起工作表无法读取"),
    (re.compile(r"^cell longer than"), "单元格内容太长"),
    (
        re.compile(r"^a number cell of more than 15 digits"),
        "是超过 15 位的数字单元格，Excel 只保留 15 位，后面几位已经丢失；"
        "请把这一列设为“文本”格式后重新输入号码",
    ),
    (re.compile(r"^not accepted: matching never uses"), "不能填写：匹配从不使用个人特征"),
    (
        re.compile(r"^states a requirement on"),
        "写有对年龄、性别、民族、婚育、健康或户籍的要求，请删去",
    ),
    (re.compile(r"^unknown gb/t 2260 region code"), "没有这个地区编码"),
    (re.compile(r"^unknown csco 2022 occupation code"), "没有这个职业编码"),
    (re.compile(r"is a group; give an occupation"), "是职业大类或中类，请填写具体职业（细类）编码"),
    (re.compile(r"^each line must be a json object"), "每行应是一个 JSON 对象"),
    (re.compile(r"outside your office's region"), "不在本机构辖区内，不能导入"),
    (re.compile(r"belongs to another"), "该编号已属于其他单位或求职者，不能改写"),
    (re.compile(r"can only write (its|their) own"), "只能导入本单位（本人）的记录"),
    (re.compile(r"cannot write|can import postings only|cannot import"), "无权导入此类记录"),
]


def column(field: str) -> str:
    """The column a field is in, as the Chinese template names it."""
    if field in COLUMNS:
        return COLUMNS[field]
    head = field.split(".")[0]
    base = COLUMNS.get(head, field)
    index = re.search(r"\.(\d+)", field)
    return f"{base}第{int(index.group(1)) + 1}项" if index and head in COLUMNS else base


def zh_message(
    field: str, message: str, kind: str | None = None, ctx: Mapping[str, Any] | None = None
) -> str:
    """「列：原因」 for one row error."""
    reason = _KINDS.get(kind or "")
    if reason and kind == "string_too_long" and ctx and "max_length" in ctx:
        reason = f"内容太长（最多 {ctx['max_length']} 字）"
    if reason is None:
        lowered = message.strip()
        reason = next((zh for pattern, zh in _OWN if pattern.search(lowered.lower())), None)
    if reason is None:
        reason = f"内容有误（{message}）"
    return f"{column(field)}：{reason}"
