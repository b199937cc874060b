"""Excel workbooks (``.xlsx``) in and out: what offices keep their lists in.

Reading: the first sheet's rows as text cells, the way a CSV file would hold them (whole
numbers without ``.0``, dates as ``YYYY-MM-DD``, empty cells as ``""``). An ``.xlsx`` is a
zip of XML files, so before it is opened it is checked (``check_workbook``): a zip holding a
workbook, its parts no larger in all than ``max_unpacked`` bytes once unpacked and each no
more than 200 times its packed size (a "zip bomb" is refused before anything is unpacked);
the XML is parsed with entity expansion refused (``defusedxml``, which openpyxl uses when it
is installed: no "billion laughs").

Writing: one sheet with a bold, frozen header row and column widths that fit Chinese text.
Every value is written as what it is — a text cell is always text, never a formula, even
when it starts with ``=``, ``+``, ``-`` or ``@`` (spreadsheet formula injection: a seeker
who calls themselves ``=HYPERLINK(…)`` is shown as written, not run).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import defusedxml  # noqa: F401  (openpyxl parses with it when it is importable)
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_RATIO = 200  # unpacked / packed size of one part; real sheets stay under about 20
MAX_COLUMNS = 256  # an import's columns (its templates use about 30)
MAX_UNPACKED = 1 << 30  # a workbook unpacked, whatever the upload limit
_MAX_WIDTH = 60


class SheetRefused(ValueError):
    """The file is not a workbook that may be opened; the message says why (in English)."""


def check_workbook(path: Path, *, max_unpacked: int) -> None:
    """Refuse what is not a plain ``.xlsx`` workbook, or would unpack too large."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise SheetRefused(f"not an .xlsx workbook ({exc})") from None
    names = {p.filename for p in parts}
    if "xl/workbook.xml" not in names:
        raise SheetRefused("not an .xlsx workbook (no xl/workbook.xml)")
    max_unpacked = min(max_unpacked, MAX_UNPACKED)
    if sum(p.file_size for p in parts) > max_unpacked:
        raise SheetRefused(f"the workbook unpacks to more than {max_unpacked} bytes")
    for part in parts:
        if part.file_size > MAX_RATIO * max(part.compress_size, 1) and part.file_size > 1 << 20:
            raise SheetRefused(f"part {part.filename!r} is packed too densely to be a sheet")
    # Opened and its header read now, so a workbook that cannot be read is refused up front
    # rather than imported as an empty file.
    if next(read_rows(path), None) is None:
        raise SheetRefused("its first sheet is empty: the first row must be the header")


# Marks a cell whose number has more digits than a spreadsheet keeps (15 significant): an
# 18-digit certificate or ID number typed into a number cell reads back with its last digits
# changed, and must not be imported as if it were right. U+FFFE never occurs in sheet text
# (XML forbids it).
IMPRECISE = "\ufffe"
_EXACT_DIGITS = 15


def text_of(value: Any) -> str:
    """A cell as the text a CSV export would hold (``IMPRECISE`` first for a number longer
    than a spreadsheet keeps exactly)."""
    if value is None:
        return ""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) >= 10**_EXACT_DIGITS
        and float(value).is_integer()
    ):
        return IMPRECISE + str(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(path: Path) -> Iterator[list[str]]:
    """The first sheet's rows as text cells (call ``check_workbook`` first). A workbook that
    cannot be read from some row on raises ``SheetRefused`` there."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise SheetRefused(f"not readable ({type(exc).__name__})") from None
    try:
        if not book.worksheets:
            return
        sheet = book.worksheets[0]
        # The sheet's own stated size is not trusted (one cell at XFD1048576 would make
        # every row 16,384 cells wide): rows are read as stored, at most MAX_COLUMNS wide.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise SheetRefused(f"not readable ({type(exc).__name__})") from None
            cells = [text_of(v) for v in row]
            while cells and not cells[-1].strip():
                cells.pop()
            yield cells
    finally:
        book.close()


def _width(value: str) -> int:
    # A CJK character is about two Latin ones wide.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


@dataclass(frozen=True)
class Sheet:
    """One sheet to write: its name (at most 31 characters), header and rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


def _write_sheet(book: Workbook, spec: Sheet) -> None:
    sheet = book.create_sheet(spec.title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    widths = [_width(h) for h in spec.header]
    body: list[list[Cell]] = []
    for row in spec.rows:
        cells = []
        for i, value in enumerate(row):
            if isinstance(value, str):
                # Control characters (a pasted Word line break) are not allowed in a sheet.
                value = ILLEGAL_CHARACTERS_RE.sub(" ", value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: never a formula
            cells.append(cell)
            if i < len(widths):
                widths[i] = max(widths[i], _width(text_of(value)))
        body.append(cells)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, _MAX_WIDTH)
    heading = []
    for name in spec.header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.data_type = "s"
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for cells in body:
        sheet.append(cells)


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of these sheets, each with a bold, frozen header row."""
    book = Workbook(write_only=True)
    for spec in sheets:
        _write_sheet(book, spec)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
