"""The approval rules and the operators' CLI path (`rekap approve`, `rekap consolidate
--deliver`), on SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from rekap.cli import main
from rekap.consolidation.approval import (
    APPROVED,
    DRAF,
    SEMENTARA,
    PeriodRefused,
    approval_requests,
    check_period,
    pending_problem,
    report_state,
)
from rekap.intake.flow import ingest
from rekap.periods import Period, parse_period
from rekap.registry import load_registry
from rekap.settings import Settings
from rekap.warehouse import engine_for
from sqlalchemy import text
from workbooks import drop_two_months, set_up_drive

WIB = ZoneInfo("Asia/Jakarta")


def test_period_gate(banten):
    today = date(2026, 11, 26)
    check_period(parse_period("2026-B6"), banten, today)  # open, but started: SEMENTARA
    with pytest.raises(PeriodRefused, match=r"periode 2031-B3 .* belum dimulai") as exc:
        check_period(parse_period("2031-B3"), banten, today)
    assert "\n" not in str(exc.value)
    with pytest.raises(PeriodRefused, match="sebelum bulan pelaporan pertama registry"):
        check_period(Period(2017, 6), banten, today)
    assert (
        report_state(parse_period("2026-B1"), 5, WIB, datetime(2026, 3, 5, 23, 59, tzinfo=WIB)) == SEMENTARA
    )
    assert report_state(parse_period("2026-B1"), 5, WIB, datetime(2026, 3, 6, 0, 0, tzinfo=WIB)) == DRAF


def draft_event(period_id: str, version: int, province: str = "36") -> dict:
    """The extra of the consolidation's drafts Asset event (dags/consolidate_bimonthly.py)."""
    path = f"/drive/reports/draf/Laporan_Komprehensif_{province}_{period_id}_DRAF_v{version}.xlsx"
    return {
        "province_code": province,
        "period_id": period_id,
        "version": version,
        "report_path": path,
        "subject": f"Persetujuan {period_id} (draf v{version})",
        "body": f"draf versi {version}",
    }


def test_approval_requests_ask_once_per_province_and_period_for_the_newest_draft():
    events = [draft_event("2026-B2", 1), draft_event("2026-B1", 3), draft_event("2026-B1", 4)]
    events += [draft_event("2026-B1", 9, province="32"), {}]  # a province not served; an empty extra
    requests = approval_requests(events, ["36"])
    assert [r["draft"] for r in requests] == [
        {
            "province_code": "36",
            "period_id": "2026-B1",
            "version": 4,
            "report_path": events[2]["report_path"],
        },
        {
            "province_code": "36",
            "period_id": "2026-B2",
            "version": 1,
            "report_path": events[0]["report_path"],
        },
    ]
    several = approval_requests([*events, draft_event("2026-B1", 2, province="94")], ["36", "94"])
    assert [(r["draft"]["province_code"], r["draft"]["period_id"]) for r in several] == [
        ("36", "2026-B1"),
        ("36", "2026-B2"),
        ("94", "2026-B1"),
    ]
    assert [(r["subject"], r["body"]) for r in requests] == [
        ("Persetujuan 2026-B1 (draf v4)", "draf versi 4"),
        ("Persetujuan 2026-B2 (draf v1)", "draf versi 1"),
    ]
    assert approval_requests([], ["36"]) == []


def test_a_superseded_or_decided_draft_is_not_asked():
    waiting = {"version": 2, "decision": None, "decided_by": None, "draft_path": "/d/v2.xlsx"}
    assert pending_problem(waiting, "2026-B1", 2) is None
    assert pending_problem(waiting, "2026-B1", 1) == (
        "draft v1 of 2026-B1 is obsolete: the latest draft is v2 (/d/v2.xlsx)"
    )
    decided = {**waiting, "decision": APPROVED, "decided_by": "ketua"}
    assert (
        pending_problem(decided, "2026-B1", 2) == "draft v2 of 2026-B1 was already decided: approved by ketua"
    )
    assert "no draft" in pending_problem(None, "2026-B1", 1)


def test_registry_earliest_month_comes_from_active_from(tmp_path):
    registry = tmp_path / "districts.csv"
    registry.write_text(
        "province_code,province_name,timezone,district_code,district_name,kind,active_from\n"
        "36,Banten,Asia/Jakarta,3601,Kabupaten Pandeglang,kabupaten,2024-03\n"
    )
    reg = load_registry(registry)
    with pytest.raises(PeriodRefused):
        check_period(Period(2024, 1), reg, date(2026, 11, 26))
    check_period(Period(2024, 2), reg, date(2026, 11, 26))


def test_cli_needs_an_approval_record_before_anything_is_sent(
    tmp_path, monkeypatch, capsys, smtp_server, warehouse_url
):
    root = set_up_drive(tmp_path / "drive")
    drop_two_months(root, "3603", 3)
    env = {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": warehouse_url,
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
        "REKAP_RECEIVED_AT_SOURCE": "mtime",
        "REKAP_REPORT_EMAILS": "ketua@bawaslu.local",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    ingest(Settings.from_env())

    assert main(["consolidate", "--period", "2026-B1"]) == 0
    out = capsys.readouterr().out
    assert "DRAF v1: not sent until approved" in out
    draft = root / "reports/draf/Laporan_Komprehensif_36_2026-B1_DRAF.xlsx"
    assert load_workbook(draft)["Ringkasan"]["A3"].value.startswith("DRAF")

    # no approval record: nothing is written FINAL or sent
    assert main(["consolidate", "--period", "2026-B1", "--deliver"]) == 1
    err = capsys.readouterr().err
    assert "is MENUNGGU, not approved: nothing sent" in err and len(err.strip().splitlines()) == 1
    assert smtp_server.messages == [] and not (root / "reports/Laporan_Komprehensif_36_2026-B1.xlsx").exists()

    assert main(["approve", "--period", "2026-B1", "--by", "Ketua Bawaslu Banten", "--reject"]) == 1
    assert "needs a reason" in capsys.readouterr().err
    assert main(["approve", "--period", "2026-B1", "--by", "Ketua Bawaslu Banten"]) == 0
    assert "draft v1: approved by Ketua Bawaslu Banten" in capsys.readouterr().out
    assert main(["approve", "--period", "2026-B1", "--by", "someone else"]) == 1
    assert "already decided" in capsys.readouterr().err

    assert main(["consolidate", "--period", "2026-B1", "--deliver"]) == 0
    assert "e-mailed to ketua@bawaslu.local" in capsys.readouterr().out
    assert len(smtp_server.messages) == 1
    _, recipients, message = smtp_server.messages[0]
    assert recipients == ["ketua@bawaslu.local"] and message["Subject"].endswith("(FINAL)")
    final = root / "reports/Laporan_Komprehensif_36_2026-B1.xlsx"
    ringkasan = load_workbook(final)["Ringkasan"]
    assert ringkasan["A3"].value.startswith("FINAL — disetujui oleh Ketua Bawaslu Banten")
    texts = [c.value for row in ringkasan.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Mengetahui," in texts and "Ketua Bawaslu Provinsi Banten" in texts

    # a correction: a new draft, which needs its own approval; the FINAL stays as it was
    final_bytes = final.read_bytes()
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    assert "DRAF v2" in capsys.readouterr().out
    assert final.read_bytes() == final_bytes
    assert main(["approve", "--period", "2026-B1", "--by", "x", "--version", "1"]) == 1
    assert "obsolete" in capsys.readouterr().err
    assert main(["consolidate", "--period", "2026-B1", "--deliver"]) == 1
    assert len(smtp_server.messages) == 1
    with engine_for(warehouse_url).connect() as conn:
        rows = conn.execute(
            text("SELECT version, decision, decided_by FROM report_approvals ORDER BY version")
        ).all()
    assert [tuple(r) for r in rows] == [(1, "approved", "Ketua Bawaslu Banten"), (2, None, None)]


@pytest.mark.parametrize("period", ["2031-B3", "2017-B6"])
def test_cli_refuses_a_future_or_too_early_period_before_any_work(tmp_path, monkeypatch, capsys, period):
    root = set_up_drive(tmp_path / "drive")
    monkeypatch.setenv("REKAP_SHARED_ROOT", str(root))
    monkeypatch.setenv("REKAP_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    monkeypatch.setenv("REKAP_PROVINCE", "36")
    assert main(["consolidate", "--period", period]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"rekap: periode {period}") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "w.sqlite").exists() and list((root / "reports").iterdir()) == []


def test_no_decision_in_time_sends_nothing_and_tells_the_operators(
    tmp_path, monkeypatch, smtp_server, warehouse_url
):
    """The Required Action's timeout: Airflow's HITL trigger resumes the task with an error event
    (error_type "timeout", its default when no option is preset); the draft is recorded as expired,
    the operators get one mail, leadership none, and nothing can be delivered for that draft."""
    from rekap.airflow.hitl import ReportApprovalOperator
    from rekap.consolidation.approval import EXPIRED

    root = set_up_drive(tmp_path / "drive")
    drop_two_months(root, "3603", 3)
    for k, v in {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": warehouse_url,
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
        "REKAP_RECEIVED_AT_SOURCE": "mtime",
        "REKAP_REPORT_EMAILS": "ketua@bawaslu.local",
        "REKAP_OPERATOR_EMAILS": "operator@bawaslu.local",
    }.items():
        monkeypatch.setenv(k, v)
    ingest(Settings.from_env())
    assert main(["consolidate", "--period", "2026-B1"]) == 0
    draft_path = root / "reports/draf/Laporan_Komprehensif_36_2026-B1_DRAF.xlsx"
    draft = {"province_code": "36", "period_id": "2026-B1", "version": 1, "report_path": str(draft_path)}

    task = ReportApprovalOperator(task_id="approve", draft=draft)
    timeout = {
        "error": "The timeout has passed, and the response has not yet been received.",
        "error_type": "timeout",
    }
    decision = task.execute_complete({}, timeout)

    assert decision["decision"] == EXPIRED and decision["period_id"] == "2026-B1"
    with engine_for(warehouse_url).connect() as conn:
        row = conn.execute(text("SELECT version, decision FROM report_approvals")).one()
    assert tuple(row) == (1, EXPIRED)
    assert [recipients for _, recipients, _ in smtp_server.messages] == [["operator@bawaslu.local"]]
    assert main(["consolidate", "--period", "2026-B1", "--deliver"]) == 1  # nothing to deliver
    assert (
        len(smtp_server.messages) == 1
        and not (root / "reports/Laporan_Komprehensif_36_2026-B1.xlsx").exists()
    )
