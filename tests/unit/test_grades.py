import pytest
from pydantic import BaseModel, ValidationError

from matcher.taxonomy.grades import (
    RECOGNISED_AWARDS,
    GradeError,
    GradeField,
    SkillGrade,
    award_bonus_applies,
    meets,
    one_grade_up,
    parse_grade,
    recognised_award,
)

ACCEPTED = {
    SkillGrade.SENIOR_TECHNICIAN: [
        "高级技师", "一级", "1级", "1", 1, "１", "１级", " 一级 ", "国家职业资格一级",
        "高级技师（一级）", "senior technician", "Senior Technician", "senior_technician",
        "LEVEL 1",
    ],
    SkillGrade.TECHNICIAN: ["技师", "二级", "2级", "2", 2, "２", "技师(二级)", "二级/技师",
                            "technician", "职业技能等级二级"],
    SkillGrade.SENIOR: ["高级", "高级工", "三级", "3级", "3", 3, "３级", "高级工（三级）",
                        "senior", "senior worker", "advanced", "grade 3"],
    SkillGrade.INTERMEDIATE: ["中级", "中级工", "四级", "4级", "4", 4, "四级（中级工）",
                              "intermediate", "Intermediate Worker"],
    SkillGrade.JUNIOR: ["初级", "初级工", "五级", "5级", "5", 5, "　初级工　", "junior",
                        "elementary"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "grade"), [(v, g) for g, values in ACCEPTED.items() for v in values]
)
def test_every_accepted_form_parses(value: str | int, grade: SkillGrade) -> None:
    assert parse_grade(value) is grade


@pytest.mark.parametrize(
    "value", [0, 6, -1, True, "", "  ", "0", "6级", "六级", "expert", "技师(三级)", "高级技工"]
)
def test_other_values_are_refused_with_the_accepted_forms(value: object) -> None:
    with pytest.raises(GradeError) as err:
        parse_grade(value)  # type: ignore[arg-type]
    message = str(err.value)
    assert repr(value) in message
    assert "高级技师" in message
    assert "1–5" in message
    assert "senior technician" in message


def test_a_grade_error_is_a_value_error() -> None:
    assert issubclass(GradeError, ValueError)


def test_a_grade_passes_through() -> None:
    assert parse_grade(SkillGrade.SENIOR) is SkillGrade.SENIOR


def test_names_and_high_skill() -> None:
    assert [g.zh_name for g in sorted(SkillGrade)] == ["高级技师", "技师", "高级", "中级", "初级"]
    assert [g for g in SkillGrade if g.is_high_skill] == [
        SkillGrade.SENIOR_TECHNICIAN,
        SkillGrade.TECHNICIAN,
        SkillGrade.SENIOR,
    ]


def test_a_required_grade_is_a_floor() -> None:
    assert meets(SkillGrade.TECHNICIAN, SkillGrade.SENIOR)
    assert meets(SkillGrade.SENIOR, SkillGrade.SENIOR)
    assert not meets(SkillGrade.INTERMEDIATE, SkillGrade.SENIOR)
    assert not meets(SkillGrade.SENIOR, SkillGrade.SENIOR_TECHNICIAN)


def test_no_requirement_is_met_by_anyone_and_no_grade_meets_none() -> None:
    assert meets(None, None)
    assert meets(SkillGrade.JUNIOR, None)
    assert not meets(None, SkillGrade.JUNIOR)


def test_one_grade_up() -> None:
    assert one_grade_up(SkillGrade.JUNIOR) is SkillGrade.INTERMEDIATE
    assert one_grade_up(SkillGrade.SENIOR) is SkillGrade.TECHNICIAN
    assert one_grade_up(SkillGrade.TECHNICIAN) is SkillGrade.SENIOR_TECHNICIAN
    assert one_grade_up(SkillGrade.SENIOR_TECHNICIAN) is SkillGrade.SENIOR_TECHNICIAN


@pytest.mark.parametrize(
    ("award", "canonical"),
    [
        ("中华技能大奖", "中华技能大奖"),
        ("全国技术能手", "全国技术能手"),
        (" 全国技术能手称号 ", "全国技术能手"),
        ("自治区技术能手", "自治区技术能手"),
        ("内蒙古自治区技术能手", "自治区技术能手"),
        ("广西壮族自治区技术能手", "自治区技术能手"),
        ("广东省技术能手", "省级技术能手"),
        ("北京市技术能手", "省级技术能手"),
        ("省级技术能手", "省级技术能手"),
        ("包头市技术能手", None),
        ("技术能手", None),
        ("优秀员工", None),
    ],
)
def test_recognised_awards(award: str, canonical: str | None) -> None:
    assert recognised_award(award) == canonical
    assert canonical is None or canonical in RECOGNISED_AWARDS


def test_award_bonus_applies_to_any_recognised_award() -> None:
    assert award_bonus_applies(["优秀员工", "内蒙古自治区技术能手"])
    assert award_bonus_applies(("中华技能大奖",))
    assert not award_bonus_applies(["包头市技术能手", "安全生产先进个人"])
    assert not award_bonus_applies([])


class Worker(BaseModel):
    grade: GradeField
    required: GradeField | None = None


def test_the_pydantic_field_accepts_every_form_and_serialises_the_int() -> None:
    worker = Worker.model_validate({"grade": "高级工", "required": "２"})
    assert worker.grade is SkillGrade.SENIOR
    assert worker.required is SkillGrade.TECHNICIAN
    assert worker.model_dump() == {"grade": 3, "required": 2}
    assert type(worker.model_dump()["grade"]) is int
    assert worker.model_dump_json() == '{"grade":3,"required":2}'
    assert Worker.model_validate_json('{"grade": 1}').grade is SkillGrade.SENIOR_TECHNICIAN


def test_the_pydantic_field_reports_a_bad_grade_as_a_field_error() -> None:
    with pytest.raises(ValidationError) as err:
        Worker.model_validate({"grade": "大师"})
    (error,) = err.value.errors()
    assert error["loc"] == ("grade",)
    assert "not a skill grade" in error["msg"]


def test_the_json_schema_documents_the_accepted_forms() -> None:
    schema = Worker.model_json_schema()["properties"]["grade"]
    assert {"type": "integer", "minimum": 1, "maximum": 5} in schema["anyOf"]
    assert "高级技师" in schema["description"]
    output = Worker.model_json_schema(mode="serialization")["properties"]["grade"]
    assert output["type"] == "integer"
