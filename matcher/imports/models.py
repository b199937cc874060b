"""What ``GET /v1/imports/{id}`` returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class RowProblem(BaseModel):
    row: int = Field(description="1-based data row (CSV: header not counted; JSONL: line)")
    field: str
    message: str


class ImportStatus(BaseModel):
    id: str
    kind: Literal["profiles", "postings"]
    format: Literal["csv", "jsonl"]
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
