"""The national laporan komprehensif (issue 14 items 3 and 4): written after the provinces when
several are served, agreeing with the district marts (recomputed here independently from
mart_district_period), printable at 514 districts (header repeated, one page wide, a page per
province), and approved like a province's report, by the national approvers only."""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from rekap.airflow.hitl import APPROVE, ReportApprovalOperator, with_approvers
from rekap.cli import main
from rekap.consolidation.approval import APPROVED, NATIONAL, Approval, approval_requests
from rekap.consolidation.consolidate import consolidate_national, consolidate_period
from rekap.consolidation.delivery import decision_email, finalize_and_deliver
from rekap.consolidation.national_workbook import NATION_LABEL, SHEETS
from rekap.consolidation.report_data import load_national_data
from rekap.intake.flow import ingest
from rekap.periods import parse_period
from rekap.registry import load_registry
from rekap.settings import ParseTimeSettings, Settings
from rekap.warehouse import engine_for, transaction
from sqlalchemy import text
from test_national_mart import STATUS_COLUMNS, deploy, drop_month, fill, recompute

WIB, WITA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar")
PERIOD = "2026-B1"
DRAFT = f"reports/draf/Laporan_Komprehensif_NASIONAL_{PERIOD}_DRAF.xlsx"
FINAL = f"reports/Laporan_Komprehensif_NASIONAL_{PERIOD}.xlsx"


def _fill_more(root) -> None:
    """The drops of test_national_mart, plus two more KURANG districts (one month, few plenos)."""
    fill(root)
    drop_month(root, "3601", 1, datetime(2026, 2, 3, 9, tzinfo=WIB), 1, 10)
    drop_month(root, "7402", 2, datetime(2026, 3, 8, 9, tzinfo=WITA), 2, 15)  # late too


def _rows(url: str, query: str) -> list[dict[str, Any]]:
    with engine_for(url).connect() as conn:
        return [dict(r) for r in conn.execute(text(query)).mappings()]


def _expected(url: str) -> dict[str, Any]:
    """What the workbook must show, from the mart_district_period rows alone."""
    districts = _rows(url, f"SELECT * FROM mart_district_period WHERE period_id='{PERIOD}'")
    provinces = recompute(districts, load_registry())
    steady = {code: round(p["average_score"], 9) for code, p in provinces.items()}
    for code, p in provinces.items():
        p["rank"] = 1 + sum(1 for other in steady.values() if other > steady[code])
    order = sorted(provinces, key=lambda c: (provinces[c]["rank"], c))
    nation = {
        key: sum(p[key] for p in provinces.values())
        for key in ("districts_total", "districts_reported", "prevention_count", "prevention_participants")
    }
    received = sum(d["reports_received"] for d in districts)
    nation["reporting_rate"] = received / sum(d["reports_expected"] for d in districts)
    nation["on_time_rate"] = sum(d["reports_on_time"] for d in districts) / sum(
        d["reports_expected"] for d in districts
    )
    nation["pleno_compliance"] = sum(d["weeks_with_pleno"] for d in districts) / sum(
        d["weeks_in_period"] for d in districts
    )
    nation["average_score"] = mean(d["score"] for d in districts)
    for status, column in STATUS_COLUMNS.items():
        nation[column] = sum(1 for d in districts if d["status"] == status)
    kurang = sorted(
        (d for d in districts if d["status"] == "KURANG"), key=lambda d: (d["score"], d["district_code"])
    )
    silent = sorted(
        (d for d in districts if d["status"] == "TIDAK MELAPOR"),
        key=lambda d: (d["province_code"], d["district_code"]),
    )
    return {"provinces": provinces, "order": order, "nation": nation, "kurang": kurang, "silent": silent}


def _table(ws, header_row: int) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=header_row + 1)]


RANKING_KEYS = (
    "rank",
    "province_code",
    "province_name",
    "average_score",
    "score_change",
    "districts_total",
    "districts_reported",
    "reporting_rate",
    "on_time_rate",
    "pleno_compliance",
    "prevention_count",
    "prevention_participants",
)


def _check_ranking(ws, want: dict[str, Any]) -> None:
    assert [c.value for c in ws[7]][:3] == ["Peringkat", "Kode", "Provinsi"]
    rows = [r for r in _table(ws, 7) if r[2]][: 1 + len(want["order"])]
    nation = dict(zip(RANKING_KEYS, rows[0], strict=False))
    assert nation["province_name"] == NATION_LABEL and nation["rank"] is None
    for key, value in want["nation"].items():
        if key in nation:
            assert nation[key] == pytest.approx(value, rel=1e-9), key
    assert [r[1] for r in rows[1:]] == want["order"]  # ranked by mean district score
    for row in rows[1:]:
        got = dict(zip(RANKING_KEYS, row, strict=False))
        p = want["provinces"][got["province_code"]]
        assert got["rank"] == p["rank"] and got["province_name"] == p["province_name"]
        for key in RANKING_KEYS[3:]:
            if key != "score_change":  # no earlier period consolidated: shown as –
                assert got[key] == pytest.approx(p[key], rel=1e-9), (got["province_code"], key)
        assert got["score_change"] == "–"
    assert ws.page_setup.fitToHeight == 1 and ws.print_title_rows == "$6:$7"  # the ranking on one page


def _check_status(ws, want: dict[str, Any]) -> None:
    assert [c.value for c in ws[6]][4:8] == ["BAIK", "CUKUP", "KURANG", "TIDAK MELAPOR"]
    rows = [r for r in _table(ws, 6) if r[2]][: 1 + len(want["order"])]
    columns = list(STATUS_COLUMNS.values())
    assert rows[0][2] == NATION_LABEL and rows[0][4:8] == [want["nation"][c] for c in columns]
    assert [r[1] for r in rows[1:]] == want["order"]
    for row in rows[1:]:
        p = want["provinces"][row[1]]
        attention = p["districts_kurang"] + p["districts_tidak_melapor"]
        assert row[3:9] == [p["districts_total"], *(p[c] for c in columns), attention]
        assert row[9] == pytest.approx(attention / p["districts_total"])
    assert ws.page_setup.fitToHeight == 1  # 38 provinces on one page, like the ranking


def _check_attention(ws, want: dict[str, Any], limit: int) -> None:
    """Part A: the lowest KURANG scores; part B: every silent district under its province's
    heading, each province from a new page, the header row repeated on every page."""
    assert [c.value for c in ws[6]][:3] == ["Provinsi", "Kode", "Kabupaten/Kota"]
    assert ws.print_title_rows == "$6:$6"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    part, part_a, part_b, headings, province_of_row = None, [], [], {}, {}
    b_row = None
    for number, row in enumerate(_table(ws, 6), start=7):
        first = row[0] or ""
        if first.startswith("A. "):
            part = "A"
        elif first.startswith("B. "):
            part, b_row = "B", number
        elif first.startswith("Provinsi "):
            code = first.split("(")[1].split(")")[0]
            headings[number] = code
        elif row[1] and len(str(row[1])) == 4:
            code = str(row[1])
            (part_a if part == "A" else part_b).append(code)
            province_of_row[number] = code[:2]
            if part == "B":
                assert code[:2] == list(headings.values())[-1], code  # under its province's heading
                # no figure for a district that did not report: one note says so
                assert row[3] == "TIDAK MELAPOR" and row[4].startswith("Tidak ada laporan diterima")
                assert row[5:11] == [None] * 6
    assert part_a == [d["district_code"] for d in want["kurang"][:limit]]
    assert part_b == [d["district_code"] for d in want["silent"]]
    assert list(headings.values()) == sorted({d["province_code"] for d in want["silent"]})
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    heading_rows = sorted(headings)
    # a break before part B, and before every province heading but the first (right after B's title)
    assert breaks == [b_row - 1, *(h - 1 for h in heading_rows[1:])]
    for brk in breaks[1:]:
        assert province_of_row[brk] != headings[brk + 1]  # the page ends where the province changes


def test_an_all_deployment_writes_the_national_workbook_agreeing_with_the_district_marts(
    tmp_path, warehouse_url, monkeypatch, capsys, smtp_server
):
    root = deploy(tmp_path, warehouse_url, "all", monkeypatch)
    monkeypatch.setenv("REKAP_REPORT_EMAILS", "ketua.ri@bawaslu.local")
    _fill_more(root)
    ingest(Settings.from_env())
    assert main(["consolidate", "--period", PERIOD]) == 0
    out = capsys.readouterr().out
    assert f"laporan komprehensif nasional: {root / DRAFT}" in out
    assert f"rekap approve --period {PERIOD} --province NASIONAL --by NAME" in out

    want = _expected(warehouse_url)
    assert len(want["kurang"]) >= 3 and len(want["silent"]) > 400  # the figures really differ
    book = load_workbook(root / DRAFT)
    assert book.sheetnames == list(SHEETS)
    for ws in book.worksheets:
        assert ws["A1"].value.startswith("LAPORAN KOMPREHENSIF NASIONAL"), ws.title
        assert "38 provinsi, 514 kab/kota" in ws["A2"].value and "Januari – Februari 2026" in ws["A2"].value
        assert ws["A3"].value.startswith("DRAF"), ws.title
        assert (
            int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "landscape"
        )
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert "&P" in ws.oddFooter.center.text and PERIOD in ws.oddFooter.left.text
        assert "Nasional" in ws.oddHeader.left.text and ws.oddHeader.right.text == "DRAF"
        assert ws.print_title_rows, ws.title
    _check_ranking(book["Peringkat Provinsi"], want)
    _check_status(book["Status per Provinsi"], want)
    _check_attention(book["Perlu Perhatian"], want, limit=20)

    # at most N KURANG in part A: the lowest, lowest first
    with transaction(warehouse_url) as conn:
        two = load_national_data(conn, parse_period(PERIOD), datetime.now(WIB), lowest_limit=2)
    assert [d["district_code"] for d in two.lowest] == [d["district_code"] for d in want["kurang"][:2]]

    # a draft of the national scope, waiting for its approvers; approved, it is written FINAL
    drafts = _rows(warehouse_url, "SELECT province_code, version, decision FROM report_approvals")
    assert {
        (d["province_code"], d["version"], d["decision"]) for d in drafts if d["province_code"] == NATIONAL
    } == {(NATIONAL, 1, None)}
    assert len(drafts) == 39  # 38 provinces and the national report
    assert main(["consolidate", "--period", PERIOD, "--province", NATIONAL, "--deliver"]) == 1
    assert "not approved: nothing sent" in capsys.readouterr().err
    assert main(["approve", "--period", PERIOD, "--province", "nasional", "--by", "Ketua Bawaslu RI"]) == 0
    assert main(["consolidate", "--period", PERIOD, "--province", NATIONAL, "--deliver"]) == 0
    assert "e-mailed to ketua.ri@bawaslu.local" in capsys.readouterr().out
    final = load_workbook(root / FINAL)
    ranking = final["Peringkat Provinsi"]
    assert ranking["A3"].value.startswith("FINAL — disetujui oleh Ketua Bawaslu RI")
    texts = [c.value for row in ranking.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Mengetahui," in texts and "Ketua Bawaslu Republik Indonesia" in texts
    _check_ranking(ranking, want)
    ((_, recipients, message),) = smtp_server.messages
    assert recipients == ["ketua.ri@bawaslu.local"]
    assert message["Subject"] == "Laporan Komprehensif Nasional Januari – Februari 2026 (FINAL)"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content() == (root / FINAL).read_bytes()
    row = _rows(
        warehouse_url, f"SELECT final_path, decided_by FROM report_approvals WHERE province_code='{NATIONAL}'"
    )
    assert row == [{"final_path": str(root / FINAL), "decided_by": "Ketua Bawaslu RI"}]


def test_the_national_draft_is_asked_of_the_national_approvers_and_approved_written_final(
    tmp_path, warehouse_url, monkeypatch
):
    """The approval DAG's path without the scheduler: the requests of the announced drafts
    (drafts_to_approve), the national one assigned to REKAP_NATIONAL_APPROVERS only (Airflow
    lets no one else answer: tests/test_national_approval_dag.py), the Required Action's answer
    recorded by the operator, and the deliver task's FINAL."""
    root = deploy(tmp_path, warehouse_url, "36,74,91", monkeypatch)
    fill(root)
    settings = Settings.from_env()
    ingest(settings)
    period = parse_period(PERIOD)
    now = datetime(2026, 3, 6, 0, tzinfo=UTC)
    provinces = [consolidate_period(one, period, now=now) for one in settings.per_province()]
    national = consolidate_national(settings, period, now=now)
    assert national is not None and national.version == 1 and national.report_path == root / DRAFT
    assert national.provinces == 3
    event = national.announcement()
    subject, body = event["subject"], event["body"]
    assert subject == "Persetujuan Laporan Komprehensif Nasional Januari – Februari 2026 (draf v1)"
    assert "3 provinsi" in body and str(root / DRAFT) in body and "Perlu perhatian:" in body
    extras = [
        {
            "province_code": p.data.province_code,
            "period_id": PERIOD,
            "version": p.version,
            "report_path": str(p.report_path),
        }
        for p in provinces
    ] + [event]

    parsed = ParseTimeSettings.from_mapping(
        {"REKAP_APPROVERS": "ketua", "REKAP_NATIONAL_APPROVERS": "ketua_ri, sekjen"}
    )
    requests = with_approvers(
        approval_requests(extras, settings.provinces), parsed.approvers, parsed.national_approvers
    )
    assigned = {r["draft"]["province_code"]: [u["id"] for u in r["assigned_users"]] for r in requests}
    assert assigned == {"36": ["ketua"], "74": ["ketua"], "91": ["ketua"], NATIONAL: ["ketua_ri", "sekjen"]}
    (request,) = [r for r in requests if r["draft"]["province_code"] == NATIONAL]

    task = ReportApprovalOperator(task_id="approve", **request)
    assert task.assigned_users == [{"id": "ketua_ri", "name": "ketua_ri"}, {"id": "sekjen", "name": "sekjen"}]
    answered = datetime(2026, 3, 7, 2, tzinfo=UTC)
    decision = task.execute_complete(
        {},
        {
            "chosen_options": [APPROVE],
            "responded_by_user": {"id": "ketua_ri", "name": "ketua_ri"},
            "responded_at": answered.isoformat(),
            "params_input": {"alasan": ""},
        },
    )
    assert (decision["decision"], decision["province_code"], decision["version"]) == (APPROVED, NATIONAL, 1)
    recorded = _rows(
        warehouse_url,
        "SELECT province_code, decision, decided_by FROM report_approvals WHERE decision IS NOT NULL",
    )
    assert recorded == [{"province_code": NATIONAL, "decision": APPROVED, "decided_by": "ketua_ri"}]

    approval = Approval(1, "ketua_ri", answered.astimezone(settings.timezone))
    final, outcome = finalize_and_deliver(settings, NATIONAL, period, approval)
    assert final == root / FINAL and "no e-mail" in outcome
    book = load_workbook(final)
    assert all(ws["A3"].value.startswith("FINAL — disetujui oleh ketua_ri") for ws in book.worksheets)
    assert not any((root / "reports").glob("Laporan_Komprehensif_3*.xlsx"))  # the provinces wait for theirs


def test_one_province_served_has_no_national_report_and_no_national_scope(
    tmp_path, sqlite_warehouse, monkeypatch
):
    root = deploy(tmp_path, sqlite_warehouse, "36", monkeypatch)
    fill(root)
    settings = Settings.from_env()
    ingest(settings)
    assert consolidate_national(settings, parse_period(PERIOD)) is None
    assert not (root / DRAFT).exists()
    national = {"province_code": NATIONAL, "period_id": PERIOD, "version": 1, "report_path": "x"}
    assert approval_requests([national], ["36"]) == []  # nobody is asked about what was not made
    assert [r["draft"]["province_code"] for r in approval_requests([national], ["36", "74"])] == [NATIONAL]
    assert main(["approve", "--period", PERIOD, "--province", NATIONAL, "--by", "x"]) == 1


def test_the_operators_are_told_which_report_was_rejected():
    rejected = {"province_code": NATIONAL, "version": 2, "decision": "rejected", "decided_by": "ketua_ri"}
    subject, body = decision_email(PERIOD, {**rejected, "reason": "angka Papua belum lengkap"}, "/d/x.xlsx")
    assert subject == f"[rekap] DITOLAK: laporan nasional {PERIOD} v2 oleh ketua_ri"
    assert body.startswith(f"Draf laporan komprehensif nasional {PERIOD} (versi 2) DITOLAK")
    subject, _ = decision_email(PERIOD, {**rejected, "province_code": "36"}, "/d/x.xlsx")
    assert subject == f"[rekap] DITOLAK: laporan {PERIOD} v2 oleh ketua_ri"  # a province's, as before


def test_the_national_approvers_default_to_the_approvers():
    assert ParseTimeSettings.from_mapping({"REKAP_APPROVERS": "ketua"}).national_approvers == ("ketua",)
    assert Settings.from_mapping({"REKAP_APPROVERS": "ketua;wakil"}).national_approvers == ("ketua", "wakil")
    both = {"REKAP_APPROVERS": "ketua", "REKAP_NATIONAL_APPROVERS": "ketua_ri"}
    assert ParseTimeSettings.from_mapping(both).national_approvers == ("ketua_ri",)
    assert Settings.from_mapping(both).national_approvers == ("ketua_ri",)
    assert ParseTimeSettings.from_mapping({}).national_approvers == ()  # any user of the DAG
