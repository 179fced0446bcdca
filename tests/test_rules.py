"""One rule, one place: vocab.py's field definitions and the GX suites agree.

The single-field rules (required, type, range, enumeration) are generated from vocab; the
JSON suites keep only cross-field rules. These tests read real workbooks through the reader
and the GX suites, so a value, variant or rule added on one side only shows up here.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from rekap.report import vocab
from rekap.report.check import check_file
from rekap.report.reader import read_report
from rekap.report.validation import FIELD_RULES, load_json_suite, load_suite_dict, record_frame_rows
from workbooks import kelembagaan_row, pencegahan_row, pleno_row, write_report


def _columns_named(kwargs: dict) -> set[str]:
    named = {
        kwargs.get("column"),
        kwargs.get("column_A"),
        kwargs.get("column_B"),
        *kwargs.get("column_list", []),
    }
    return named - {None}


def test_json_suites_hold_only_cross_field_rules_about_real_columns(tmp_path, banten, now):
    path = write_report(
        tmp_path / "r.xlsx",
        pleno=[pleno_row(1, date(2026, 1, 5))],
        pencegahan=[pencegahan_row(1, date(2026, 1, 8))],
        kelembagaan=[kelembagaan_row()],
    )
    report = read_report(path, banten, now, "3603")
    assert report.rejection is None, report.rejection
    for kind in vocab.RECORD_KINDS:
        frame_columns = set(record_frame_rows("0", report, kind)[0])
        fields = {f.name for f in vocab.SHEET_FIELDS[kind]}
        for e in load_json_suite(kind)["expectations"]:
            assert e["meta"]["rule"] not in FIELD_RULES, (kind, e["meta"])  # those come from vocab
            assert e["meta"]["column"] in fields, (kind, e["meta"])
            assert _columns_named(e["kwargs"]) <= frame_columns, (kind, e["kwargs"])


def test_every_required_field_and_enumeration_of_vocab_is_a_gx_rule():
    for kind in vocab.RECORD_KINDS:
        rules = {(e["meta"]["column"], e["meta"]["rule"]): e for e in load_suite_dict(kind)["expectations"]}
        for field in vocab.SHEET_FIELDS[kind]:
            assert ((field.name, "required") in rules) == field.required, (kind, field.name)
            if field.type == vocab.ENUM:
                assert rules[(field.name, "enumeration")]["kwargs"]["value_set"] == list(
                    vocab.ENUM_VALUES[field.name]
                )


def _enum_rows(kind: str, values: list[str]) -> dict[str, list[list]]:
    if kind == vocab.PLENO:
        return {"pleno": [pleno_row(i, date(2026, 1, 5), jenis=v) for i, v in enumerate(values, 1)]}
    if kind == vocab.PENCEGAHAN:
        return {"pencegahan": [pencegahan_row(i, date(2026, 1, 8), jenis=v) for i, v in enumerate(values, 1)]}
    return {
        "pleno": [pleno_row(1, date(2026, 1, 5))],  # a report needs Pleno or Pencegahan
        "kelembagaan": [kelembagaan_row(v, program=f"Program {i}") for i, v in enumerate(values, 1)],
    }


@pytest.mark.parametrize("field_name", sorted(vocab.ENUM_VALUES))
def test_every_value_and_variant_the_reader_accepts_passes_the_gx_suite(tmp_path, banten, now, field_name):
    """A variant whose canonical value is not in the enumeration (or a value the reader
    accepts but GX does not) would be an issue here."""
    kind = next(k for k, fs in vocab.SHEET_FIELDS.items() if any(f.name == field_name for f in fs))
    expected = {v: v for v in vocab.ENUM_VALUES[field_name]}
    expected |= {variant: canonical for variant, canonical in vocab.ENUM_VARIANTS.get(field_name, {}).items()}
    typed = list(expected)
    path = write_report(tmp_path / "r.xlsx", **_enum_rows(kind, typed))
    report = check_file(path, banten, now, folder_district="3603")
    assert report.rejection is None, report.rejection
    assert [i for i in report.issues if i.rule == "enumeration"] == []
    read = [r.value(field_name) for r in report.records[kind]]
    assert read == [expected[v] for v in typed]


def test_an_unknown_value_gets_the_message_listing_vocab_values(tmp_path, banten, now):
    path = write_report(tmp_path / "r.xlsx", pencegahan=[pencegahan_row(1, date(2026, 1, 8), jenis="Senam")])
    report = check_file(path, banten, now, folder_district="3603")
    [issue] = report.issues
    assert (issue.column, issue.row, issue.value, issue.rule) == ("Jenis Kegiatan", 2, "Senam", "enumeration")
    assert (
        issue.problem
        == f"Jenis Kegiatan tidak dikenali; pilih salah satu: {', '.join(vocab.ACTIVITY_TYPES)}."
    )


def test_a_field_rule_written_again_in_a_json_suite_is_refused(tmp_path, monkeypatch):
    suites = tmp_path / "expectations"
    suites.mkdir()
    suite = load_json_suite("pleno")
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "pleno_type", "value_set": ["Rutin", "Khusus", "Luar Biasa"]},
            "meta": {"column": "pleno_type", "rule": "enumeration", "invalidates": True, "problem": "x"},
        }
    )
    (suites / "pleno.json").write_text(json.dumps(suite), encoding="utf-8")
    monkeypatch.setenv("REKAP_EXPECTATIONS_DIR", str(suites))
    load_suite_dict.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"belongs in vocab\.py"):
            load_suite_dict("pleno")
    finally:
        load_suite_dict.cache_clear()
