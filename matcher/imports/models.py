"""What ``GET /v1/imports/{id}`` returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from matcher.imports.wording import zh_message


class RowProblem(BaseModel):
    row: int = Field(
        description="1-based data row (CSV and Excel: header not counted, so the sheet's row "
        "number is one more; JSONL: line)"
    )
    field: str
    message: str
    message_zh: str = Field(
        default="",
        description="The same in Chinese for the office: the column by its Chinese header "
        "and what is wrong, e.g. 「招聘人数：应填整数」",
    )

    @model_validator(mode="after")
    def _worded(self) -> RowProblem:
        if not self.message_zh:
            self.message_zh = zh_message(self.field, self.message)
        return self


class ImportStatus(BaseModel):
    id: str
    kind: Literal["profiles", "postings"]
    format: Literal["csv", "jsonl", "xlsx"]
    mode: Literal["strict", "sanitize"] = "strict"
    state: Literal["queued", "running", "done", "failed"]
    rows_total: int
    rows_done: int
    rows_ok: int
    rows_failed: int
    rows_per_s: float | None
    eta_s: float | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    errors: list[RowProblem] = Field(description="A page of row errors, in row order")
    errors_total_kept: int = Field(description="Row errors kept (the first 10,000)")
