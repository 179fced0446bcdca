"""``rekap validate FILE [--district CODE] [--json]``: what a district runs before submitting.

``rekap validate`` uses the real clock for the "future month" rule, so the files are for
January 2026, well in the past.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from rekap.cli import main
from workbooks import pleno_row, write_report

KEYS = {"status", "reason", "district_code", "year", "month", "records", "issues"}


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch):
    # the shipped registry and Banten, whatever the developer's environment says
    for name in ("REKAP_PROVINCE", "REKAP_REGISTRY", "REKAP_MAX_FILE_MB", "REKAP_MAX_ROWS"):
        monkeypatch.delenv(name, raising=False)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, *args, "--json")
    lines = out.strip().splitlines()
    assert len(lines) == 1  # one JSON object, nothing else on stdout
    return code, json.loads(lines[0])


def test_accepted_json(tmp_path, capsys):
    path = write_report(
        tmp_path / "r.xlsx", pleno=[pleno_row(1, date(2026, 1, 5)), pleno_row(2, "12/01/2026")]
    )
    code, data = run_json(capsys, str(path), "--district", "36.03")
    assert code == 0
    assert set(data) == KEYS
    assert data == {
        "status": "accepted",
        "reason": None,
        "district_code": "3603",
        "year": 2026,
        "month": 1,
        "records": {"pleno": 2, "pencegahan": 0, "kelembagaan": 0},
        "issues": [],
    }


def test_accepted_with_issues_json(tmp_path, capsys):
    path = write_report(
        tmp_path / "r.xlsx", pleno=[pleno_row(1, date(2026, 1, 5), hadir=9), pleno_row(2, "bukan tanggal")]
    )
    code, data = run_json(capsys, str(path))
    assert code == 0
    assert set(data) == KEYS
    assert data["status"] == "accepted_with_issues" and data["reason"] is None
    assert isinstance(data["issues"], list) and len(data["issues"]) == 2
    for issue in data["issues"]:
        assert set(issue) == {"sheet", "cell", "row", "column", "value", "problem"}
        assert isinstance(issue["row"], int) and isinstance(issue["problem"], str)
    assert {(i["sheet"], i["cell"], i["row"], i["column"], i["value"]) for i in data["issues"]} == {
        ("Pleno", "E2", 2, "Jumlah Hadir", "9"),
        ("Pleno", "B3", 3, "Tanggal", "bukan tanggal"),
    }
    assert all(isinstance(v, int) for v in data["records"].values())


def test_rejected_json(tmp_path, capsys):
    path = write_report(tmp_path / "r.xlsx", pleno=[pleno_row(1, date(2026, 1, 5))])
    code, data = run_json(capsys, str(path), "--district", "3604")
    assert code == 2
    assert set(data) == KEYS
    assert data["status"] == "rejected"
    assert isinstance(data["reason"], str) and "folder 3604" in data["reason"]
    # the file's claim is still reported, the records are not
    assert (data["district_code"], data["year"], data["month"]) == ("3603", 2026, 1)
    assert data["records"] == {"pleno": 0, "pencegahan": 0, "kelembagaan": 0}
    assert data["issues"] == []


def test_rejected_before_identity_has_null_identity(tmp_path, capsys):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    code, data = run_json(capsys, str(path))
    assert code == 2
    assert data["status"] == "rejected" and data["district_code"] is None
    assert data["year"] is None and data["month"] is None


def test_human_output_is_indonesian(tmp_path, capsys):
    path = write_report(tmp_path / "r.xlsx", pleno=[pleno_row(1, date(2026, 1, 5))])
    code, out, _ = run(capsys, str(path))
    assert code == 0
    lines = {
        line.split(" : ", 1)[0].strip(): line.split(" : ", 1)[1] for line in out.splitlines() if " : " in line
    }
    assert lines["Status"] == "DITERIMA"
    assert lines["Kabupaten/Kota"] == "36.03 – Kabupaten Tangerang"
    assert lines["Bulan laporan"] == "Januari 2026"
    assert lines["Batas waktu"] == "5 Februari 2026 pukul 23.59 WIB"
    assert lines["Baris terbaca"] == "Pleno 1, Pencegahan 0, Kelembagaan 0"
    assert "Diterima" not in lines  # not submitted: no received time, no lateness
    assert "Tidak ada isian yang perlu diperbaiki" in out


def test_human_output_lists_issues(tmp_path, capsys):
    path = write_report(tmp_path / "r.xlsx", pleno=[pleno_row(1, date(2026, 1, 5), jenis="Harian")])
    code, out, _ = run(capsys, str(path))
    assert code == 0
    assert re.search(r"^Status\s+: DITERIMA DENGAN CATATAN$", out, re.M)
    assert "Pleno sel C2 (baris 2, kolom Jenis Pleno): tertulis Harian — " in out


def test_human_output_rejected(tmp_path, capsys):
    path = write_report(tmp_path / "r.xlsx", pleno=[])
    code, out, _ = run(capsys, str(path))
    assert code == 2
    assert re.search(r"^Status\s+: DITOLAK$", out, re.M)
    assert re.search(r"^Alasan penolakan\s+: Laporan kosong", out, re.M)


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],  # no file
        ["validate", "/nonexistent/laporan.xlsx"],
        ["validate", "--json"],
        ["validate", "a.xlsx", "--bogus"],
    ],
)
def test_usage_errors_exit_1(args, capsys):
    assert main(args) == 1
    assert capsys.readouterr().out == ""


def test_a_folder_is_not_a_file(tmp_path, capsys):
    code, out, err = run(capsys, str(tmp_path))
    assert code == 1 and "is not a file" in err and out == ""
