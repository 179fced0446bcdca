"""Delivery by e-mail, against a real SMTP server (aiosmtpd) listening on localhost.

The leadership workbook comes from a real consolidation of a real drive; the message that
arrives is parsed back and its summary and attachment checked."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import upgraded
from openpyxl import load_workbook
from rekap.consolidation.approval import APPROVED, Approval, record_decision
from rekap.consolidation.consolidate import consolidate_period, finalize_period
from rekap.consolidation.delivery import deliver_report, notify_operators_of_failure
from rekap.intake.flow import ingest
from rekap.periods import parse_period
from rekap.settings import Settings
from workbooks import pencegahan_row, pleno_row, set_up_drive, write_report

WIB = ZoneInfo("Asia/Jakarta")


def settings_for(tmp_path, **extra) -> Settings:
    return Settings.from_mapping(
        {
            "REKAP_SHARED_ROOT": str(tmp_path / "drive"),
            "REKAP_WAREHOUSE_URL": upgraded(f"sqlite:///{tmp_path / 'w.sqlite'}"),
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
            **extra,
        }
    )


def test_leadership_workbook_is_e_mailed_with_an_indonesian_summary(tmp_path, smtp_server):
    root = set_up_drive(tmp_path / "drive")
    for month, name in ((1, "Januari"), (2, "Februari")):
        path = write_report(
            root / "inbox/3603" / f"Laporan_3603_2026-{month:02d}.xlsx",
            month=name,
            pleno=[pleno_row(i, date(2026, month, 2 + 7 * i), ba=f"BA-{i}") for i in range(4)],
            pencegahan=[pencegahan_row(1, date(2026, month, 10))],
        )
        ts = datetime(2026, month + 1, 3, 9, tzinfo=WIB).timestamp()
        os.utime(path, (ts, ts))
    settings = settings_for(tmp_path, REKAP_REPORT_EMAILS="ketua@bawaslu.local; kordiv@bawaslu.local")
    ingest(settings)
    result = consolidate_period(settings, parse_period("2026-B1"), now=datetime(2026, 3, 6, 6, tzinfo=WIB))
    approved_at = datetime(2026, 3, 6, 9, tzinfo=WIB)
    record_decision(settings.warehouse_url, "36", "2026-B1", result.version, APPROVED, "ketua", approved_at)
    approval = Approval(result.version, "ketua", approved_at)
    final = finalize_period(settings, parse_period("2026-B1"), approval, now=approved_at)

    outcome = deliver_report(settings, "2026-B1", final, approval)

    assert "e-mailed to ketua@bawaslu.local, kordiv@bawaslu.local" in outcome
    assert len(smtp_server.messages) == 1
    sender, recipients, message = smtp_server.messages[0]
    assert sender == "rekap@bawaslu.local"
    assert recipients == ["ketua@bawaslu.local", "kordiv@bawaslu.local"]
    assert message["Subject"] == "Laporan Komprehensif Banten Januari – Februari 2026 (FINAL)"
    body = message.get_body(("html",)).get_content()  # the SMTP provider sends HTML
    assert "Kab/kota melapor: 1 dari 8" in body
    assert "Belum melapor:" in body and "Kabupaten Pandeglang" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "Laporan_Komprehensif_36_2026-B1.xlsx"
    saved = tmp_path / "received.xlsx"
    saved.write_bytes(attachment.get_content())
    assert saved.read_bytes() == final.read_bytes()
    assert "Disetujui oleh ketua pada 06/03/2026 09:00 WIB" in body
    assert load_workbook(saved).sheetnames[0] == "Ringkasan"


def test_no_recipients_or_no_smtp_means_the_drive_only(tmp_path, monkeypatch):
    settings = settings_for(tmp_path)
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"x")
    assert "no e-mail (REKAP_REPORT_EMAILS is empty)" in deliver_report(settings, "2026-B1", report)
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    with_recipients = settings_for(tmp_path, REKAP_REPORT_EMAILS="ketua@bawaslu.local")
    assert "no SMTP connection 'smtp_default'" in deliver_report(with_recipients, "2026-B1", report)
    with pytest.raises(FileNotFoundError, match="re-run the consolidation"):
        deliver_report(with_recipients, "2026-B1", tmp_path / "missing.xlsx")


def test_failed_task_e_mails_the_operators(tmp_path, smtp_server):
    class TaskInstance:
        dag_id, task_id = "ingest_district_reports", "process_batch"

    settings = settings_for(tmp_path, REKAP_OPERATOR_EMAILS="operator@bawaslu.local")
    sent = notify_operators_of_failure(
        settings,
        {
            "task_instance": TaskInstance(),
            "run_id": "scheduled__2026-11-24",
            "exception": OSError("drive gone"),
        },
    )
    assert sent is True
    _, recipients, message = smtp_server.messages[0]
    assert recipients == ["operator@bawaslu.local"]
    assert message["Subject"] == "[rekap] GAGAL: ingest_district_reports.process_batch"
    body = message.get_body().get_content()
    assert "drive gone" in body and "scheduled__2026-11-24" in body and "jalankan ulang" in body


def test_overdue_consolidation_e_mails_the_operators(tmp_path, smtp_server, monkeypatch):
    """The deadline alert's callback, called with the context the scheduler gives it."""
    from rekap.airflow.dag_support import notify_consolidation_overdue

    for name, value in settings_for(
        tmp_path, REKAP_OPERATOR_EMAILS="operator@bawaslu.local"
    ).__dict__.items():
        if name == "shared_root":
            monkeypatch.setenv("REKAP_SHARED_ROOT", str(value))
    monkeypatch.setenv("REKAP_OPERATOR_EMAILS", "operator@bawaslu.local")
    context = {
        "dag_run": {"dag_id": "consolidate_bimonthly", "run_id": "manual__x", "conf": {"period": "2026-B1"}},
        "deadline": {"id": "1", "deadline_time": "2026-03-06T08:00:00+07:00"},
    }
    notify_consolidation_overdue(context=context, hours=2)
    _, recipients, message = smtp_server.messages[0]
    assert recipients == ["operator@bawaslu.local"]
    assert message["Subject"] == "[rekap] TERLAMBAT: konsolidasi 2026-B1 belum selesai"
    body = message.get_body().get_content()
    assert "manual__x" in body and "2 jam" in body
