"""Row-level rules, evaluated with Great Expectations.

Each rule lives once. The rules of one field (required, readable as its type, in range,
one of its enumeration) are generated from ``vocab``'s field definitions when the suite is
built; the cross-field rules (date within the month, Hadir <= Anggota, duplicates) are the
GX suites in ``expectations/<kind>.json``. Each expectation's ``meta`` names the field it is
about, the message to the district and whether a failing cell counts as not filled. This
module builds the suites and the frame GX checks (one row per record, with the derived
columns the suites refer to), runs them for many reports at once, and maps GX's unexpected
rows back to Excel rows as ``Issue``s.

GX takes seconds to import, so it is imported here, inside functions, never at start-up.
"""

from __future__ import annotations

import calendar
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from rekap.report import cells, vocab
from rekap.report.model import Issue, Record, Report
from rekap.settings import resource_dir

INDEX_COLUMNS = ["__submission", "__row"]

# The rules of a field's type. The frame holds a readable cell in canonical form (ISO date,
# integer, float) and an unreadable one as typed, so the pattern finds what the reader could
# not read; the range is checked on the typed value (``<field>__value``).
READABLE_RULES = {
    vocab.DATE: (
        r"^\d{4}-\d{2}-\d{2}$",
        "{label} tidak terbaca sebagai tanggal; tulis dd/mm/yyyy, misalnya 12/01/2026.",
    ),
    vocab.INTEGER: (r"^-?\d+$", "{label} harus bilangan bulat (misalnya 25), bukan pecahan atau teks."),
    vocab.PERCENT: (r"^-?\d+(?:\.\d+)?$", "{label} harus angka 0 sampai 100, misalnya 75 atau 75%."),
}
RANGE_RULES = {
    vocab.INTEGER: ({"min_value": 0}, "{label} tidak boleh negatif."),
    vocab.PERCENT: ({"min_value": 0, "max_value": 100}, "{label} harus di antara 0 dan 100."),
}
# The rules generated from vocab; the JSON suites hold only the others.
FIELD_RULES = ("required", "readable", "range", "enumeration")


def _expectation(type_: str, kwargs: dict[str, Any], field: vocab.Field, rule: str, problem: str) -> dict:
    meta = {"column": field.name, "rule": rule, "invalidates": True, "problem": problem}
    return {"type": type_, "kwargs": kwargs, "meta": meta}


def field_expectations(field: vocab.Field) -> list[dict[str, Any]]:
    """The single-field rules of one record field, from its definition in ``vocab``."""
    rules = []
    name, label = field.name, field.label
    if field.required:
        problem = f"{label} wajib diisi: {field.need}."
        kwargs: dict[str, Any] = {"column": name}
        if field.not_applicable_when is not None:
            # Cross-field: not required where it does not apply (the frame's __na_ column,
            # set by Record.not_applicable, the same test the loader stores for the SQL).
            # (A GX Condition in its serialised form: Column(__na_<field>) == 0.)
            kwargs["row_condition"] = {
                "type": "comparison",
                "column": {"name": na_column(field)},
                "operator": "==",
                "parameter": 0,
            }
        rules.append(_expectation("expect_column_values_to_not_be_null", kwargs, field, "required", problem))
    if field.type in READABLE_RULES:
        regex, problem = READABLE_RULES[field.type]
        kwargs = {"column": name, "regex": regex}
        rules.append(
            _expectation(
                "expect_column_values_to_match_regex", kwargs, field, "readable", problem.format(label=label)
            )
        )
    if field.type in RANGE_RULES:
        bounds, problem = RANGE_RULES[field.type]
        kwargs = {"column": f"{name}__value", **bounds}
        rules.append(
            _expectation(
                "expect_column_values_to_be_between", kwargs, field, "range", problem.format(label=label)
            )
        )
    if field.type == vocab.ENUM:
        values = vocab.ENUM_VALUES[name]
        problem = f"{label} tidak dikenali; pilih salah satu: {', '.join(values)}."
        kwargs = {"column": name, "value_set": list(values)}
        rules.append(_expectation("expect_column_values_to_be_in_set", kwargs, field, "enumeration", problem))
    return rules


def na_column(field: vocab.Field) -> str:
    """The frame column saying the field's cell is empty where it does not apply."""
    return f"__na_{field.name}"


def load_json_suite(kind: str) -> dict[str, Any]:
    path = resource_dir("expectations") / f"{kind}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def load_suite_dict(kind: str) -> dict[str, Any]:
    """The suite of ``kind``. For a record kind: each field's generated rules, followed by the
    cross-field rules of its JSON suite about that field, then the whole-row rules."""
    suite = load_json_suite(kind)
    if kind not in vocab.SHEET_FIELDS:
        return suite
    cross_field = suite["expectations"]
    names = {f.name for f in vocab.SHEET_FIELDS[kind]}
    for e in cross_field:
        # A second home for a generated rule, or a rule about no field, would go unnoticed.
        if e["meta"]["rule"] in FIELD_RULES or e["meta"]["column"] not in names:
            raise ValueError(
                f"expectations/{kind}.json: {e['type']} on {e['meta']['column']!r} ({e['meta']['rule']}) "
                "belongs in vocab.py (field rules are generated) or names no field of the sheet"
            )
    # Rules over many columns of a row (duplicates) come after every cell's own rules.
    whole_row = [e for e in cross_field if "column_list" in e["kwargs"]]
    expectations = []
    for field in vocab.SHEET_FIELDS[kind]:
        expectations += field_expectations(field)
        expectations += [e for e in cross_field if e["meta"]["column"] == field.name and e not in whole_row]
    return {**suite, "expectations": expectations + whole_row}


@dataclass(frozen=True)
class RuleResult:
    """One expectation's outcome over a batch, for the warehouse's data-quality table."""

    suite: str
    expectation: str
    column: str
    rule: str
    success: bool
    element_count: int
    unexpected_count: int
    scope: str | None = None  # the district the rows came from, when a check spans several


def _canonical(cell_value: Any, text: str | None, readable: bool) -> str | None:
    """What the readability rules see: the typed value in canonical form, or the raw text."""
    if text is None:
        return None
    if not readable or cell_value is None:
        return text
    if isinstance(cell_value, date):
        return cell_value.isoformat()
    if isinstance(cell_value, bool):
        return text
    if isinstance(cell_value, int):
        return str(cell_value)
    if isinstance(cell_value, float):
        return repr(cell_value)
    return str(cell_value)


def _comparable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return None
    return value


def record_frame_rows(report_key: str, report: Report, kind: str) -> list[dict[str, Any]]:
    """One dict per record: the columns the suite of ``kind`` refers to."""
    identity = report.identity
    assert identity is not None
    last_day = calendar.monthrange(identity.year, identity.month)[1]
    month_start = date(identity.year, identity.month, 1).isoformat()
    month_end = date(identity.year, identity.month, last_day).isoformat()
    rows = []
    for record in report.records.get(kind, []):
        row: dict[str, Any] = {
            "__submission": report_key,
            "__row": record.row,
            "__month_start": month_start,
            "__month_end": month_end,
            "__members": identity.members,
        }
        for field in vocab.SHEET_FIELDS[kind]:
            cell = record.cells[field.name]
            row[field.name] = _canonical(cell.value, cell.text, cell.readable)
            row[f"{field.name}__value"] = _comparable(cell.value) if cell.readable else None
            if field.type == vocab.TEXT:
                row[f"__key_{field.name}"] = cells.normalise_key(cell.text) or None
            if field.not_applicable_when is not None:
                row[na_column(field)] = int(record.not_applicable(field))
        rows.append(row)
    return rows


@cache
def _validation_definition(kind: str):
    """An ephemeral GX context holding one validation definition per suite."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = _context()
    suite_dict = load_suite_dict(kind)
    suite = gx.ExpectationSuite(name=suite_dict["name"], meta=suite_dict.get("meta"))
    for exp in suite_dict["expectations"]:
        config = ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=exp.get("meta"))
        suite.add_expectation(config.to_domain_obj())
    suite = context.suites.add(suite)
    asset = context.data_sources.get("rekap").add_dataframe_asset(kind)
    batch = asset.add_batch_definition_whole_dataframe(kind)
    return context.validation_definitions.add(gx.ValidationDefinition(name=kind, data=batch, suite=suite))


@cache
def _context():
    # No usage analytics leave this office's machines.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Progress bars would only clutter the Airflow task logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.data_sources.add_pandas("rekap")
    return context


def run_suite(
    kind: str, frame_rows: list[dict[str, Any]], index_columns: list[str] = INDEX_COLUMNS
) -> tuple[list[RuleResult], list[tuple[dict, list[dict]]]]:
    """Validate all rows in one GX call with the suite ``expectations/<kind>.json``. Returns
    per-expectation results and, for each failing expectation, its meta and the unexpected
    rows' index values."""
    items = _suite_items(kind, frame_rows, index_columns)
    return [i.result for i in items], [(i.meta, i.unexpected) for i in items if i.unexpected]


@dataclass(frozen=True)
class _SuiteItem:
    result: RuleResult
    meta: dict
    unexpected: list[dict]  # the index values of the unexpected rows
    condition: tuple[str, Any] | None  # the row condition (column == value) the rule applies under


def _suite_items(kind: str, frame_rows: list[dict[str, Any]], index_columns: list[str]) -> list[_SuiteItem]:
    """Each expectation's result, meta and unexpected rows' index values, from one GX run."""
    import pandas as pd

    if not frame_rows:
        return []
    frame = pd.DataFrame(frame_rows)
    result = _validation_definition(kind).run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
    )
    items = []
    for item in result.results:
        config = item.expectation_config
        meta = config.meta or {}
        if item.exception_info and item.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"GX expectation {config.type} on {meta.get('column')} failed to run: "
                f"{item.exception_info.get('exception_message')}"
            )
        unexpected = item.result.get("unexpected_index_list") or []
        summary = RuleResult(
            suite=kind,
            expectation=config.type,
            column=meta.get("column", ""),
            rule=meta.get("rule", ""),
            success=bool(item.success),
            element_count=int(item.result.get("element_count") or len(frame)),
            unexpected_count=len(unexpected),
        )
        condition = config.kwargs.get("row_condition")
        if isinstance(condition, dict):  # the only form the generated rules use (field_expectations)
            condition = (condition["column"]["name"], condition["parameter"])
        items.append(_SuiteItem(summary, meta, unexpected, condition or None))
    return items


def validate_reports(reports: list[Report], scopes: list[str | None] | None = None) -> list[RuleResult]:
    """Attach row-level issues to every accepted report, GX once per record kind for all of
    them, however many files and districts: GX's fixed cost (~0.3 s a run) is paid per call,
    not per file. Returns each expectation's result per scope (``scopes``: one per report,
    e.g. its district; None: one result over all).

    A cell whose rule says ``invalidates`` is marked unreadable, so it counts as not filled
    and its value is absent everywhere downstream (not summed, not quorate)."""
    live = {str(i): r for i, r in enumerate(reports) if r.rejection is None and r.identity is not None}
    scope_of = {str(i): scope for i, scope in enumerate(scopes)} if scopes is not None else {}
    results: list[RuleResult] = []
    found: dict[str, set[tuple[int, str, str]]] = {key: set() for key in live}
    for kind in vocab.RECORD_KINDS:
        rows = [row for key, report in live.items() for row in record_frame_rows(key, report, kind)]
        items = _suite_items(kind, rows, INDEX_COLUMNS)
        if scopes is None:
            results.extend(i.result for i in items)
        else:
            results.extend(
                _per_scope(
                    items,
                    rows,
                    lambda row: scope_of[row["__submission"]],
                    lambda index: scope_of[str(index["__submission"])],
                )
            )
        by_row = {(key, rec.row): rec for key, rep in live.items() for rec in rep.records.get(kind, [])}
        for item in items:
            meta = item.meta
            for index in item.unexpected:
                key, excel_row = str(index["__submission"]), int(index["__row"])
                record = by_row[(key, excel_row)]
                if (excel_row, meta["column"], meta["problem"]) in found[key]:
                    continue
                found[key].add((excel_row, meta["column"], meta["problem"]))
                _add_issue(live[key], record, meta)
    for report in live.values():
        report.issues.sort(key=_issue_order)
    return results


def run_suite_by_scope(
    kind: str,
    frame_rows: list[dict[str, Any]],
    index_columns: list[str],
    scope_of: Callable[[dict[str, Any]], str],
) -> dict[str, tuple[list[RuleResult], list[tuple[dict, list[dict]]]]]:
    """``run_suite`` once over the rows of many scopes (``scope_of`` a row, or an unexpected
    row's index values, e.g. its province), answered per scope as if each had been checked alone."""
    items = _suite_items(kind, frame_rows, index_columns)
    results = _per_scope(items, frame_rows, scope_of, scope_of)
    answer: dict[str, tuple[list[RuleResult], list[tuple[dict, list[dict]]]]] = {
        scope: ([], []) for scope in dict.fromkeys(scope_of(row) for row in frame_rows)
    }
    for result in results:
        answer[result.scope][0].append(result)
    for item in items:
        mine: dict[str, list[dict]] = {}
        for index in item.unexpected:
            mine.setdefault(scope_of(index), []).append(index)
        for scope, unexpected in mine.items():
            answer[scope][1].append((item.meta, unexpected))
    return answer


def _per_scope(
    items: list[_SuiteItem],
    rows: list[dict[str, Any]],
    scope_of_row: Callable[[dict[str, Any]], str | None],
    scope_of_index: Callable[[dict[str, Any]], str | None],
) -> list[RuleResult]:
    """One run's results split by scope: each scope's rows (those the rule applies to) and
    unexpected rows, as if it had been checked alone."""
    from collections import Counter
    from dataclasses import replace

    scopes = list(dict.fromkeys(scope_of_row(row) for row in rows))
    counted: dict[tuple[str, Any] | None, Counter] = {}
    split = []
    for item in items:
        if item.condition not in counted:
            column, value = item.condition or (None, None)
            counted[item.condition] = Counter(
                scope_of_row(row) for row in rows if column is None or row.get(column) == value
            )
        rows_in = counted[item.condition]
        failing = Counter(scope_of_index(index) for index in item.unexpected)
        for scope in scopes:
            count = rows_in[scope]
            split.append(
                replace(
                    item.result,
                    scope=scope,
                    element_count=count,
                    unexpected_count=failing[scope],
                    success=failing[scope] == 0,
                )
            )
    return split


def _add_issue(report: Report, record: Record, meta: dict) -> None:
    field_name = meta["column"]
    cell = record.cells[field_name]
    if meta.get("invalidates"):
        # Outside its rule: counts as not filled and is absent everywhere downstream.
        cell.readable = False
        cell.value = None
    label = next(f.label for f in vocab.SHEET_FIELDS[record.kind] if f.name == field_name)
    report.issues.append(
        Issue(
            sheet=record.sheet,
            row=record.row,
            column=label,
            value=cell.typed if cell.typed is not None else cell.text,  # "-" is quoted, not shown empty
            problem=meta["problem"],
            rule=meta.get("rule", ""),
            cell=record.address(field_name),
        )
    )


_COLUMN_ORDER = {
    (vocab.SHEET_NAMES[kind], f.label): (k, i)
    for k, kind in enumerate(vocab.RECORD_KINDS)
    for i, f in enumerate(vocab.SHEET_FIELDS[kind])
}


def _issue_order(issue: Issue) -> tuple:
    """Sheet order of the template, then row, then column order."""
    sheet, column = _COLUMN_ORDER.get((issue.sheet, issue.column), (9, 99))
    return (sheet, issue.row, column)
