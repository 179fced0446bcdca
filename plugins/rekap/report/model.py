"""The typed shape of a district report once read: what every later step works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rekap.report import vocab
from rekap.report.cells import clean_text

ACCEPTED = "accepted"
ACCEPTED_WITH_ISSUES = "accepted_with_issues"
REJECTED = "rejected"

# The district-facing words for the three outcomes (feedback workbook, CLI).
STATUS_LABELS = {
    ACCEPTED: "DITERIMA",
    ACCEPTED_WITH_ISSUES: "DITERIMA DENGAN CATATAN",
    REJECTED: "DITOLAK",
}


@dataclass(frozen=True)
class Identity:
    district_code: str
    year: int
    month: int
    members: int
    district_name: str | None = None
    prepared_by: str | None = None
    report_date: date | None = None


@dataclass
class Cell:
    """One required/optional cell of a record as read."""

    text: str | None  # what the district typed, for messages; None when empty or "-"
    value: Any = None  # typed value; None when empty or unreadable
    readable: bool = True  # False when text is present but could not be read as the type
    typed: str | None = None  # exactly what the cell shows, "-" included: messages quote it

    @property
    def present(self) -> bool:
        return self.text is not None


@dataclass
class Record:
    kind: str  # vocab.PLENO | PENCEGAHAN | KELEMBAGAAN
    sheet: str  # the sheet's name as in the file
    row: int  # Excel row number
    cells: dict[str, Cell]
    columns: dict[str, int] = field(default_factory=dict)  # field name -> 1-based column in the file

    def value(self, name: str) -> Any:
        cell = self.cells.get(name)
        return cell.value if cell else None

    def not_applicable(self, spec: vocab.Field) -> bool:
        """The cell of ``spec`` is empty or "-" where it does not apply (e.g.
        Jumlah Peserta of a letter): it counts as filled. The one test for GX and the loader."""
        if spec.not_applicable_when is None:
            return False
        other, values = spec.not_applicable_when
        cell = self.cells.get(spec.name)
        return (cell is None or cell.text is None) and self.value(other) in values

    def address(self, name: str) -> str:
        """``E5``: where the district finds this field of this record; "" when the column is absent."""
        from openpyxl.utils import get_column_letter

        column = self.columns.get(name)
        return f"{get_column_letter(column)}{self.row}" if column else ""


@dataclass(frozen=True)
class Issue:
    """A row-level problem: the file is accepted, the record kept and flagged."""

    sheet: str
    row: int
    column: str  # the column header as in the format (vocab label)
    value: str | None
    problem: str  # Indonesian: what is wrong and what is expected
    rule: str = ""  # the GX expectation that found it
    cell: str = ""  # Excel address in the district's file, e.g. "E5"

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "problem": self.problem,
        }


@dataclass
class Report:
    """One file, read: either rejected (with a reason) or identity + records + issues."""

    path: Path
    identity: Identity | None = None
    records: dict[str, list[Record]] = field(default_factory=dict)
    rejection_code: str | None = None
    rejection: str | None = None  # message to the district, Indonesian
    warnings: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        """The name as stored and shown: a name can hold what the warehouse cannot (cells.clean_text)."""
        return clean_text(self.path.name)

    @property
    def status(self) -> str:
        if self.rejection:
            return REJECTED
        return ACCEPTED_WITH_ISSUES if self.issues else ACCEPTED

    def reject(self, code: str, message: str) -> Report:
        self.rejection_code = code
        self.rejection = message
        self.records = {}
        self.issues = []
        return self

    def record_counts(self) -> dict[str, int]:
        from rekap.report.vocab import RECORD_KINDS

        return {kind: len(self.records.get(kind, [])) for kind in RECORD_KINDS}

    def placed_date(self, record: Record) -> date:
        """A record is placed in time by its own date, else on the 1st of its report's month."""
        value = record.value("date")
        assert self.identity is not None
        return value if isinstance(value, date) else date(self.identity.year, self.identity.month, 1)

    def all_records(self) -> list[Record]:
        return [r for rows in self.records.values() for r in rows]
