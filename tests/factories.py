"""Valid request bodies, varied per test through keyword overrides.

Dates are relative to today: a fixed future date (a posting valid until 2027-12-31) would make
the suite fail once that day has passed."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# The service's default MATCHER_TIMEZONE, which the tests keep: "today" is its date (between
# 16:00 and 24:00 UTC it is already tomorrow in Beijing).
SERVICE_ZONE = ZoneInfo("Asia/Shanghai")


def service_today() -> date:
    return datetime.now(SERVICE_ZONE).date()


def days_from_today(days: int) -> str:
    return (service_today() + timedelta(days=days)).isoformat()


def profile_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "高级焊工",
        "summary": "从事压力容器焊接八年，熟练氩弧焊和手工电弧焊。",
        "skills": ["氩弧焊", "手工电弧焊"],
        "occupation_codes": ["6-18-02-04"],
        "skill_level": "高级工",
        "certificates": [
            {
                "type": "special_operation",
                "name": "熔化焊接与热切割作业",
                "number": "T150203199001010011",
                "expires_on": days_from_today(3 * 365),
            }
        ],
        "years_experience": 8,
        "region_code": "150203",
        "willing_to_relocate": True,
        "preferred_region_codes": ["152900"],
        "expected_monthly_wage": 9000,
        "contact": {"name": "王建国", "phone": "13800000001", "email": "wang@example.cn"},
    }
    body.update(overrides)
    return body


def posting_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "enterprise_name": "包头钢铁（集团）有限责任公司",
        "title": "焊工（压力容器）",
        "description": "负责压力容器及管道焊接，熟练氩弧焊。",
        "occupation_code": "6-18-02-04",
        "required_level": 3,
        "required_certificates": [
            {"type": "special_operation", "name": "熔化焊接与热切割作业", "mandatory": True}
        ],
        "headcount": 3,
        "wage_min": 8000,
        "wage_max": 12000,
        "region_code": "150203",
        "location": {"lat": 40.656, "lon": 109.822},
        "industry": "冶金",
        "valid_from": days_from_today(-365),
        "valid_until": days_from_today(2 * 365),
    }
    body.update(overrides)
    return body


def policy_body(**overrides: Any) -> dict[str, Any]:
    """An incentive policy; tests narrow its rule (listed counties, occupations) so that it
    never touches other tests' postings, and retire it when done."""
    body: dict[str, Any] = {
        "name": "边远地区重点项目技能人才津贴（测试）",
        "authority": "自治区人力资源和社会保障厅",
        "valid_from": days_from_today(-365),
        "valid_until": days_from_today(4 * 365),
        "benefits": [
            {"kind": "monthly_allowance", "unit": "yuan_per_month", "amount": 1500},
            {"kind": "relocation_subsidy", "unit": "yuan_once", "amount": 20000},
        ],
        "eligibility": {
            "key_project": True,
            "area": "listed",
            "county_codes": ["152923"],
            "min_grade": 3,
            "moving_from": "other_city",
        },
    }
    body.update(overrides)
    return body


async def register_project(
    client: Any,
    headers: dict[str, str],
    project_id: str,
    name: str,
    county_code: str,
    *,
    status: str = "active",
    valid_until: str | None = None,
) -> None:
    """Register a key project (as an admin does), so postings linked to it by
    ``key_project_id`` earn key-project incentives."""
    body = {
        "name": name,
        "county_code": county_code,
        "authority": "内蒙古自治区发展和改革委员会",
        "approval_number": f"内发改审批字〔2026〕{abs(hash(project_id)) % 900 + 100}号",
        "valid_from": days_from_today(-365),
        "valid_until": valid_until or days_from_today(4 * 365),
        "status": status,
    }
    resp = await client.put(f"/v1/key-projects/{project_id}", headers=headers, json=body)
    assert resp.status_code in (200, 201), resp.text
