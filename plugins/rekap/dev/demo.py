"""The demo shared drive: Banten, January–February 2026, as districts would fill it.

Mostly good reports from the template, and the situations an operator meets:
one district that misses February, one late file, a correction that supersedes an earlier
file, a file dropped in the wrong district's folder, incomplete rows, a file with a title
row and dates typed as text, a file dropped directly into inbox/, and a Word document.
File modification times are set to when each file "arrived", and the demo runs with
REKAP_RECEIVED_AT_SOURCE=mtime (the setting for importing an old archive).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook

from rekap.registry import District, Registry
from rekap.report import vocab

DEMO_PROVINCE = "36"
DEMO_MONTHS = ((2026, 1), (2026, 2))
PLACES = (
    "Kec. Cikupa",
    "Kec. Balaraja",
    "Kec. Curug",
    "Kec. Kresek",
    "Kec. Legok",
    "Kec. Pasar Kemis",
    "Aula Kantor",
)
TARGETS = (
    "Pemilih pemula",
    "Tokoh masyarakat",
    "Pengawas partisipatif",
    "Media lokal",
    "Organisasi kepemudaan",
)
PROGRAMS = {
    "Akuntabilitas Keuangan": "Rekonsiliasi laporan keuangan",
    "Pelayanan Informasi Hukum dan PPID": "Layanan informasi publik daring",
    "Pengolahan Data": "Digitalisasi arsip pengawasan",
    "Literasi Demokrasi": "Kelas literasi demokrasi",
    "Tata Kelola dan Manajemen Kelembagaan": "Penyusunan SOP pleno",
    "Kinerja Kelembagaan": "Evaluasi kinerja bulanan",
}


@dataclass
class DemoFile:
    path: Path
    arrived: datetime
    story: str


def _mondays(year: int, month: int) -> list[date]:
    d = date(year, month, 1)
    d += timedelta(days=(7 - d.weekday()) % 7)
    out = []
    while d.month == month:
        out.append(d)
        d += timedelta(days=7)
    return out


# Tahapan as districts fill it: a stage, Non Tahapan, or left empty.
DEMO_STAGES = (None, vocab.NON_STAGE, "Pencalonan", "Pemutakhiran Data Pemilih")


def report_rows(rng: random.Random, year: int, month: int, members: int, quality: float):
    """Pleno, pencegahan and kelembagaan rows for one month, keyed by field name (vocab); lower
    quality = more gaps."""
    pleno = []
    for n, monday in enumerate(_mondays(year, month), start=1):
        if rng.random() > 0.25 + quality * 0.75:
            continue  # a week without pleno
        hadir = members if rng.random() < 0.8 else max(1, members // 2)
        notulen = (
            f"https://drive.bawaslu.example/notulen/{year}{month:02d}{n}"
            if rng.random() < quality
            else "Tidak"
        )
        pleno.append(
            {
                "no": n,
                "date": monday,
                "pleno_type": "Rutin",
                "minutes_number": f"{n:03d}/BA/PL.01/{month:02d}/{year}",
                "attendance": hadir,
                "agenda": "Evaluasi pengawasan tahapan",
                "decision": "Menetapkan rencana pengawasan pekan berikutnya",
                "minutes": notulen,
            }
        )
    if rng.random() < 0.5:
        day = date(year, month, 20)
        pleno.append(
            {
                "no": len(pleno) + 1,
                "date": day,
                "pleno_type": "Khusus",
                "minutes_number": f"{len(pleno) + 1:03d}/BA/PL.02/{month:02d}/{year}",
                "attendance": members,
                "agenda": "Penanganan laporan masyarakat",
                "decision": "Laporan diregistrasi",
                "minutes": "Ada",
            }
        )
    pencegahan = []
    for n in range(1, rng.randint(3, 7)):
        day = date(year, month, rng.randint(2, 27))
        kind = rng.choice(vocab.ACTIVITY_TYPES[:10])
        bukti = f"https://drive.bawaslu.example/bukti/{year}{month:02d}{n}" if rng.random() < quality else "-"
        location, target, participants = rng.choice(PLACES), rng.choice(TARGETS), rng.randint(15, 120)
        pencegahan.append(
            {
                "no": n,
                "date": day,
                "activity_type": kind,
                # Tahapan on some rows only: the column is optional (report-format.md).
                "stage": DEMO_STAGES[n % len(DEMO_STAGES)],
                "activity_name": f"{kind} pengawasan partisipatif {n}",
                "location": location,
                "target_group": target,
                # A letter or an appeal often has no participants: left empty or "-".
                "participants": ("-" if n % 2 else None)
                if kind in vocab.NO_PARTICIPANTS_ACTIVITIES
                else participants,
                "result": "Kegiatan terlaksana",
                "evidence": bukti,
            }
        )
    # The two Jenis of the national form added in issue 13 (fixed, so the random draws above
    # and the figures they give stay as they were).
    for kind, stage, participants in (
        ("Naskah Dinas", "Pemutakhiran Data Pemilih", "-"),
        ("Partisipasi Masyarakat", vocab.NON_STAGE, 30),
    ):
        n = len(pencegahan) + 1
        pencegahan.append(
            {
                "no": n,
                "date": date(year, month, 14 + n),
                "activity_type": kind,
                "stage": stage,
                "activity_name": f"{kind} {vocab.month_name(month)}",
                "location": PLACES[0],
                "target_group": TARGETS[0],
                "participants": participants,
                "result": "Kegiatan terlaksana",
                "evidence": f"https://drive.bawaslu.example/bukti/{year}{month:02d}{n}",
            }
        )
    kelembagaan = []
    for aspect, program in rng.sample(sorted(PROGRAMS.items()), 3):
        progress = min(100, 30 * month + rng.randint(0, 40))
        kelembagaan.append(
            {
                "aspect": aspect,
                "program": program,
                "target": "Tuntas akhir tahun",
                "progress": progress,
                "output": "Dokumen",
                "evidence": "https://drive.bawaslu.example/k",
            }
        )
    return pleno, pencegahan, kelembagaan


def fill_template(
    path: Path,
    district: District,
    year: int,
    month: int,
    members: int,
    pleno,
    pencegahan,
    kelembagaan,
    claimed_code: str | None = None,
) -> Path:
    """A report made the proper way: the template, filled in from its first data row."""
    from rekap.report.template import write_template

    write_template(path, district, year, month)
    wb = load_workbook(path)
    ident = wb["Identitas"]
    for row in ident.iter_rows(min_col=1, max_col=2):
        key = str(row[0].value or "").strip().rstrip(" *")  # required keys are marked "*"
        if key == "Jumlah Anggota":
            row[1].value = members
        elif key == "Disusun Oleh":
            row[1].value = "Operator Sekretariat"
        elif key == "Kode Kab/Kota" and claimed_code:
            row[1].value = claimed_code
    for kind, rows in (
        (vocab.PLENO, pleno),
        (vocab.PENCEGAHAN, pencegahan),
        (vocab.KELEMBAGAAN, kelembagaan),
    ):
        ws = wb[vocab.SHEET_NAMES[kind]]
        first = _first_data_row(ws)
        for i, row in enumerate(rows):
            for j, value in enumerate(in_columns(kind, row), start=1):
                ws.cell(row=first + i, column=j, value=value)
    wb.save(path)
    return path


def in_columns(kind: str, row: dict) -> list:
    """A row keyed by field name, in the template's column order (vocab.SHEET_FIELDS)."""
    return [row.get(f.name) for f in vocab.SHEET_FIELDS[kind]]


def _first_data_row(ws) -> int:
    """Below the template's header and its greyed example row."""
    for r in range(1, 16):
        if str(ws.cell(row=r, column=1).value or "").strip() == vocab.EXAMPLE_MARKER:
            return r + 1
    for r in range(1, 16):
        if ws.cell(row=r, column=1).value in ("No", "Aspek"):
            return r + 1
    raise ValueError(f"no header row in {ws.title}")


def messy_report(
    path: Path, district: District, year: int, month: int, members: int, pleno, pencegahan
) -> Path:
    """Made without the template: a title row, dates typed as text, headers spelled freely."""
    wb = Workbook()
    ws = wb.active
    ws.title = "IDENTITAS"
    for key, value in (
        ("Kode Kab/Kota :", district.dotted_code),
        ("Nama Kab/Kota", district.district_name),
        ("Bulan", vocab.month_name(month).upper()),
        ("Tahun", str(year)),
        ("Jumlah Anggota", members),
    ):
        ws.append([key, value])
    p = wb.create_sheet("pleno")
    p.append([f"REKAP RAPAT PLENO {district.district_name.upper()} {vocab.month_name(month).upper()} {year}"])
    p.merge_cells("A1:I1")
    p.append(
        [
            "NO",
            "Tanggal (dd/mm/yyyy)",
            "Jenis  Pleno",
            "No. Berita Acara",
            "Jumlah\nHadir",
            "Agenda",
            "Keputusan",
            "Notulen",
            "Keterangan",
        ]
    )
    for row in pleno:
        row = {
            **row,
            "date": row["date"].strftime("%d/%m/%Y"),
            "pleno_type": "rutin mingguan" if row["pleno_type"] == "Rutin" else row["pleno_type"],
        }
        p.append(in_columns(vocab.PLENO, row))
    c = wb.create_sheet("Pencegahan")
    c.append(
        [
            "No",
            "Tanggal",
            "Jenis Kegiatan",
            "Nama Kegiatan",
            "Lokasi",
            "Sasaran",
            "Jumlah Peserta",
            "Hasil",
            "Bukti Dukung",
            "Keterangan",
            "Dokumentasi Foto",
        ]
    )
    for row in pencegahan:
        day = row["date"]
        row = {
            **row,
            "date": f"{day.day} {vocab.month_name(day.month)} {day.year}",
            "participants": f"{row['participants']} orang"
            if isinstance(row["participants"], int)
            else row["participants"],
        }
        # Made before Tahapan existed: no such column (it is optional).
        c.append(
            [row.get(f.name) for f in vocab.SHEET_FIELDS[vocab.PENCEGAHAN] if f.name != "stage"] + [None]
        )
    wb.save(path)
    return path


def generate_demo_drive(root: Path, registry: Registry, seed: int = 2026) -> list[DemoFile]:
    """Sets the drive up (``rekap drive init``'s marker and folders), then writes inbox files
    for every Banten district and both months; returns what it made."""
    from rekap.drive import init_drive

    rng = random.Random(seed)
    districts = registry.in_province(DEMO_PROVINCE)
    root.mkdir(parents=True, exist_ok=True)
    init_drive(root, [d.district_code for d in districts])
    zone = ZoneInfo(districts[0].timezone)
    inbox = root / "inbox"
    made: list[DemoFile] = []

    def arrival(year: int, month: int, day: int, hour: int = 10) -> datetime:
        y, m = (year, month + 1) if month < 12 else (year + 1, 1)
        return datetime(y, m, day, hour, rng.randint(0, 59), tzinfo=zone)

    missing_february = districts[5].district_code  # Kota Tangerang? whichever is 6th
    late_district = districts[2].district_code
    corrected_district = districts[1].district_code
    messy_district = districts[3].district_code
    for d in districts:
        folder = inbox / d.district_code
        folder.mkdir(parents=True, exist_ok=True)
        members = 5 if d.kind == "kabupaten" else 5 if rng.random() < 0.5 else 3
        quality = (
            0.95 if d.district_code not in (districts[4].district_code, districts[7].district_code) else 0.6
        )
        for year, month in DEMO_MONTHS:
            if d.district_code == missing_february and month == 2:
                continue
            pleno, pencegahan, kelembagaan = report_rows(rng, year, month, members, quality)
            name = f"Laporan_{d.district_code}_{year}-{month:02d}.xlsx"
            story = "good report from the template"
            if quality < 0.9:
                # incomplete rows: a missing Keputusan and an unreadable count
                pleno[0]["decision"] = None
                pencegahan[0]["participants"] = "banyak"
                story = "report with incomplete rows"
            if d.district_code == messy_district and month == 1:
                path = messy_report(
                    folder / f"laporan januari {d.district_name.lower()}.xlsx",
                    d,
                    year,
                    month,
                    members,
                    pleno,
                    pencegahan,
                )
                made.append(
                    DemoFile(
                        path, arrival(year, month, 2), "made without the template: title row, text dates"
                    )
                )
                continue
            path = fill_template(folder / name, d, year, month, members, pleno, pencegahan, kelembagaan)
            day = 9 if (d.district_code == late_district and month == 1) else rng.randint(1, 5)
            made.append(
                DemoFile(path, arrival(year, month, day), "late: after the 5th" if day > 5 else story)
            )
            if d.district_code == corrected_district and month == 1:
                pleno2 = [dict(r) for r in pleno]
                pleno2.append(
                    {
                        "no": len(pleno2) + 1,
                        "date": date(2026, 1, 30),
                        "pleno_type": "Rutin",
                        "minutes_number": "099/BA/PL.01/01/2026",
                        "attendance": members,
                        "agenda": "Pleno susulan",
                        "decision": "Disetujui",
                        "minutes": "Ada",
                        "remarks": "koreksi",
                    }
                )
                path2 = fill_template(
                    folder / f"Laporan_{d.district_code}_{year}-{month:02d}_revisi.xlsx",
                    d,
                    year,
                    month,
                    members,
                    pleno2,
                    pencegahan,
                    kelembagaan,
                )
                made.append(
                    DemoFile(
                        path2, arrival(year, month, 7, 15), "correction: supersedes the first January file"
                    )
                )
    # a district reporting for its neighbour: rejected
    wrong = districts[0]
    neighbour = districts[1]
    pleno, pencegahan, kelembagaan = report_rows(rng, 2026, 2, 5, 0.95)
    path = fill_template(
        inbox / wrong.district_code / "Laporan_Februari_titipan.xlsx",
        wrong,
        2026,
        2,
        5,
        pleno,
        pencegahan,
        kelembagaan,
        claimed_code=neighbour.district_code,
    )
    made.append(DemoFile(path, arrival(2026, 2, 3), f"claims district {neighbour.district_code}: rejected"))
    # a PDF scan saved with a spreadsheet name is rejected with "save as .xlsx"
    scan = inbox / districts[6].district_code / "scan_laporan_februari.xlsx"
    scan.write_bytes(b"%PDF-1.4\n% scanned report\n")
    made.append(DemoFile(scan, arrival(2026, 2, 4), "a PDF renamed to .xlsx: rejected"))
    # misplaced: directly in the inbox
    stray = fill_template(
        inbox / "laporan_tanpa_folder.xlsx", districts[7], 2026, 2, 5, *report_rows(rng, 2026, 2, 5, 0.9)
    )
    made.append(DemoFile(stray, arrival(2026, 2, 5), "dropped directly in inbox/: left for the operator"))
    for f in made:
        ts = f.arrived.timestamp()
        os.utime(f.path, (ts, ts))
    return made


def run_demo(base: Path) -> int:
    """``make demo``: a fresh demo drive, the real DAGs through ``airflow dags test`` on the
    embedded default (SQLite warehouse and metadata), then where everything is."""
    import json
    import shutil

    from sqlalchemy import text

    from rekap.dev.airflow_local import (
        AirflowProcess,
        airflow_env,
        answer_required_action,
        api_token,
        free_port,
        migrate,
        run_airflow,
        secrets_env,
        simple_auth_env,
        wait_for_health,
        wait_for_required_action,
    )
    from rekap.registry import load_registry
    from rekap.warehouse import transaction, upgrade

    base = base.resolve()
    if base.exists():
        shutil.rmtree(base)
    root = base / "shared"
    warehouse_url = f"sqlite:///{base / 'warehouse.sqlite'}"
    made = generate_demo_drive(root, load_registry())
    print(f"Demo shared drive: {root} ({len(made)} files dropped in inbox/)")
    for f in made:
        print(f"  {f.path.relative_to(root)}: {f.story}")
    log = base / "airflow.log"
    port = free_port()
    approver, password = "ketua", "demo-ketua-approves"
    env = airflow_env(
        base / "airflow",
        {
            **secrets_env(),
            **simple_auth_env(base / "airflow", {approver: password}),
            "AIRFLOW__API__PORT": str(port),
            "REKAP_APPROVERS": approver,
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": warehouse_url,
            "REKAP_PROVINCE": DEMO_PROVINCE,
            "REKAP_RECEIVED_AT_SOURCE": "mtime",  # the files' times say when they "arrived"
            "REKAP_STABLE_SECONDS": "0",
        },
    )
    print("Preparing the warehouse (rekap db upgrade) and Airflow (metadata DB in SQLite)...")
    upgrade(warehouse_url)  # the DAGs never create a warehouse: the set-up step does
    migrate(env, log)
    args = ["dags", "test", "ingest_district_reports"]
    print(f"Running DAG ingest_district_reports (airflow {' '.join(args)}) ...")
    if run_airflow(args, env, log).returncode != 0:
        print(f"DAG ingest_district_reports failed: see {log}")
        return 1
    # The consolidation ends with the DRAF announced on the drafts Asset; the approval DAG asks the
    # chair (a Required Action): the demo starts the API server and approves as the demo's ketua
    # through the same REST API the UI uses. `dags test` cannot replay the scheduler's Asset
    # trigger, so the approval run is started with the period (it reads the Asset's event).
    args = ["dags", "test", "consolidate_bimonthly", "2026-03-06T06:00:00+07:00"]
    print(f"Running DAG consolidate_bimonthly (airflow {' '.join(args)}) ...")
    if run_airflow(args, env, base / "consolidate.log").returncode != 0:
        print(f"DAG consolidate_bimonthly failed: see {base / 'consolidate.log'}")
        return 1
    args = ["dags", "test", "approve_laporan", "-c", '{"period": "2026-B1"}']
    print(f"Running DAG approve_laporan (airflow {' '.join(args)}) ...")
    api = AirflowProcess(
        "api-server", ["api-server", "--host", "127.0.0.1", "--port", str(port)], env, base / "api.log"
    )
    run = AirflowProcess("approve", args, env, base / "approve.log")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, [api], timeout=300)
        token = api_token(url, approver, password)
        detail = wait_for_required_action(url, token, "approve_laporan", timeout=900, watch=run)
        print(f"  Required Action: {detail['subject']} -> approved by {approver} (demo)")
        answer_required_action(url, token, detail, "Setujui", {"alasan": ""})
        run.popen.wait(timeout=900)
    finally:
        run.stop()
        api.stop()
    if run.popen.returncode != 0:
        print(f"DAG approve_laporan failed: see {base / 'approve.log'}")
        return 1
    with transaction(warehouse_url) as conn:
        runs = conn.execute(
            text("SELECT summary FROM runs WHERE run_kind='ingest' ORDER BY started_at")
        ).all()
        districts = conn.execute(
            text(
                "SELECT rank, district_code, district_name, score, status FROM mart_district_period"
                " WHERE period_id='2026-B1' ORDER BY rank, district_code"
            )
        ).all()
        report = conn.execute(
            text("SELECT report_path FROM mart_province_period WHERE period_id='2026-B1'")
        ).scalar_one_or_none()
    from rekap.intake.run_log import summary_lines

    print("\nIntake (ingest_district_reports):")
    for line in summary_lines(json.loads(runs[-1].summary)):
        print(f"  {line}")
    print("\nSkor kab/kota 2026-B1 (Januari – Februari 2026):")
    for d in districts:
        print(f"  {d.rank:>2}. {d.district_code} {d.district_name:<28} {d.score:6.1f}  {d.status}")
    print("\nOutputs:")
    print(f"  leadership workbook : {report}")
    print(f"  feedback to districts: {root / 'feedback'}/<kode>/")
    print(f"  archived / rejected  : {root / 'archive'}/, {root / 'rejected'}/")
    print(f"  warehouse (SQLite)   : {warehouse_url}")
    print(f"  Airflow log          : {log}")
    return 0
