"""The operator's log lines and failure messages: the Indonesian intake table, GX's noise,
non-retryable failures and the failure e-mail's link to the log."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from rekap.airflow.failures import is_retryable, one_line
from rekap.consolidation.delivery import failure_email, task_log_url
from rekap.drive import DriveError
from rekap.intake.outcomes import FileOutcome, summarize
from rekap.intake.run_log import REASON_WIDTH, counts_line, district_label, summary_table
from rekap.settings import Settings, SettingsError
from rekap.warehouse import WarehouseError


def outcomes() -> list[FileOutcome]:
    return [
        FileOutcome(
            "Laporan_3601_2026-01.xlsx", "3601", "accepted", "/d/inbox/3601/Laporan_3601_2026-01.xlsx"
        ),
        FileOutcome("b.xlsx", "3603", "accepted_with_issues", "/d/inbox/3603/b.xlsx", issues=3),
        FileOutcome(
            "catatan.docx",
            "3672",
            "rejected",
            "/d/inbox/3672/catatan.docx",
            message="Format berkas .docx tidak diterima. Simpan ulang laporan sebagai .xlsx dari template "
            "laporan, lalu\nunggah kembali.",
        ),
        FileOutcome(
            "lost.xlsx", None, "unknown_folder", "/d/inbox/3699/lost.xlsx", message="folder '3699' ..."
        ),
        FileOutcome(
            "copying.xlsx", "3604", "waiting", "/d/inbox/3604/copying.xlsx", message="still changing"
        ),
    ]


def test_the_intake_table_is_indonesian_rejections_first(banten):
    lines = summary_table(summarize(outcomes()), banten)
    assert lines[0] == "RINGKASAN INTAKE: 5 berkas"
    assert lines[1] == counts_line(summarize(outcomes()))
    assert lines[1].startswith("diterima 1 | dengan catatan 1 | ditolak 1 | duplikat 0")
    assert [c.strip() for c in lines[2].split(" | ")] == ["Kab/Kota", "Berkas", "Hasil", "Alasan / tindakan"]
    rows = [line for line in lines[4:] if " | " in line]
    flat = " ".join(" ".join(lines).split())  # the words, wherever a long reason wrapped
    assert [r.split(" | ")[2].strip() for r in rows] == [
        "DITOLAK",
        "FOLDER TIDAK DIKENAL",
        "DITERIMA DGN CATATAN",
        "DITERIMA",
        "MENUNGGU",
    ]
    assert rows[0].startswith("3672 Kota Cilegon ")
    assert rows[1].startswith("- ") and "pindahkan ke inbox/<kode>/" in flat
    assert "(inbox/3699/lost.xlsx)" in flat  # where to look, not the drive's full path
    assert "3 catatan per baris" in rows[2] and "sedang disalin" in rows[4]
    # a long reason wraps onto indented lines; a newline in a district's text never breaks the table
    continuation = lines[lines.index(next(r for r in lines if "DITOLAK" in r)) + 1]
    assert continuation.startswith(" " * 60) and "lalu unggah kembali." in flat
    columns = len(lines[2]) - len("Alasan / tindakan")
    assert all(len(line) <= columns + REASON_WIDTH for line in lines[2:])


def test_district_labels_name_the_district(banten):
    assert district_label("3672", banten) == "3672 Kota Cilegon"
    assert district_label("3699", banten) == "3699"
    assert district_label(None, banten) == "-"


def test_great_expectations_registration_noise_is_silenced():
    probe = textwrap.dedent(
        """
        import logging, sys
        logging.basicConfig(level=logging.INFO, stream=sys.stdout)
        if sys.argv[1] == "quiet":
            from rekap.intake.run_log import quiet_great_expectations
            quiet_great_expectations()
        import great_expectations  # noqa: F401
        """
    )
    counts = {}
    for mode in ("loud", "quiet"):
        out = subprocess.run(
            [sys.executable, "-c", probe, mode], capture_output=True, text=True, timeout=300, check=True
        ).stdout
        counts[mode] = out.count("Skipping registering function")
    assert counts["loud"] > 50 and counts["quiet"] == 0, counts


def test_only_infrastructure_failures_are_retried(tmp_path):
    assert not is_retryable(DriveError("drive not mounted: run rekap drive init"))
    assert not is_retryable(SettingsError("REKAP_STABLE_SECONDS must be a number"))
    assert is_retryable(WarehouseError("warehouse unreachable"))
    assert is_retryable(OSError("stale NFS handle"))
    assert one_line(OSError("first\nsecond")) == "first"
    assert one_line(RuntimeError()) == "RuntimeError"


class FailedTask:
    dag_id, task_id, run_id, map_index, try_number = (
        "ingest_district_reports",
        "process_batch",
        "scheduled__2026-11-24T00:00:00+00:00",
        3,
        2,
    )


def test_the_failure_e_mail_links_to_the_task_log(tmp_path):
    assert task_log_url(
        "https://airflow.bawaslu.example/", "d", "manual__2026-01-01T00:00:00+00:00", "t"
    ) == ("https://airflow.bawaslu.example/dags/d/runs/manual__2026-01-01T00%3A00%3A00%2B00%3A00/tasks/t")
    subject, body = failure_email(
        {"task_instance": FailedTask(), "exception": OSError("drive gone")}, "https://airflow.bawaslu.example"
    )
    assert subject == "[rekap] GAGAL: ingest_district_reports.process_batch"
    assert (
        "Log tugas: https://airflow.bawaslu.example/dags/ingest_district_reports/runs/"
        "scheduled__2026-11-24T00%3A00%3A00%2B00%3A00/tasks/process_batch/mapped/3?try_number=2"
    ) in body
    assert "drive gone" in body


def test_the_ui_base_url_setting(tmp_path):
    def settings(value: str) -> Settings:
        return Settings.from_mapping({"REKAP_SHARED_ROOT": str(tmp_path), "REKAP_UI_BASE_URL": value})

    assert settings("https://airflow.bawaslu.example/").ui_base_url == "https://airflow.bawaslu.example"
    assert settings("").ui_base_url == ""
    with pytest.raises(SettingsError, match="REKAP_UI_BASE_URL must start with http"):
        settings("airflow.bawaslu.example")
