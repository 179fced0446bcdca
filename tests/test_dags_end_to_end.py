"""The intake DAG end to end (the consolidation DAG: tests/test_approval_dag.py), with Airflow (`airflow dags test`) on a test drive.

One Airflow home (SQLite metadata) for the module; the warehouse is SQLite here and the
PostgreSQL variant runs the same flow against the real server."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import upgraded
from rekap.dev.airflow_local import airflow_env, migrate, run_airflow
from rekap.warehouse import engine_for
from sqlalchemy import text
from workbooks import drop_two_months, pleno_row, set_up_drive, write_report

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow")
    migrate(airflow_env(home), home / "migrate.log")
    return home


def make_drive(root):
    set_up_drive(root)
    for code, members in (("3601", 5), ("3603", 3)):
        drop_two_months(root, code, members)
    write_report(root / "inbox/3602/salah.xlsx", district="3604", pleno=[pleno_row(1, date(2026, 1, 5))])
    (root / "inbox/3604/catatan.docx").write_bytes(b"PK\x03\x04 not a workbook")  # a district: rejected
    (root / "inbox/3699").mkdir(parents=True)
    (root / "inbox/3699/lost.xlsx").write_bytes(b"x")  # no such district: left for the operator


@pytest.mark.parametrize("warehouse", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_ingest_then_consolidate_through_airflow(tmp_path, airflow_home, warehouse, request):
    url = (
        f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        if warehouse == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    root = tmp_path / "drive"
    make_drive(root)
    env = airflow_env(
        airflow_home,
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": url,
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
        },
    )
    log = tmp_path / "airflow.log"
    upgraded(url)  # the set-up step: the DAGs refuse a warehouse without the schema
    result = run_airflow(["dags", "test", "ingest_district_reports"], env, log)
    output = log.read_text()
    assert result.returncode == 0, output[-5000:]
    # the summary task names the counts and the files
    assert "RINGKASAN INTAKE" in output
    assert (
        "diterima 0 | dengan catatan 4 | ditolak 2 | duplikat 0 | dilanjutkan 0 | menunggu 0 | "
        "folder tidak dikenal 1" in output
    )
    assert "FOLDER TIDAK DIKENAL: " in output and "inbox/3699/lost.xlsx" in output
    assert (root / "inbox/3699/lost.xlsx").is_file()
    # the loaded files announce their period to the consolidation through the Asset
    assert "'periods': ['2026-B1']" in output

    engine = engine_for(url)
    with engine.connect() as conn:
        statuses = conn.execute(
            text("SELECT district_code, status FROM submissions ORDER BY district_code, file_name")
        ).all()
    assert [tuple(s) for s in statuses] == [
        ("3601", "accepted_with_issues"),
        ("3601", "accepted_with_issues"),
        ("3602", "rejected"),
        ("3603", "accepted_with_issues"),
        ("3603", "accepted_with_issues"),
        ("3604", "rejected"),
    ]
    assert sorted(p.name for p in (root / "archive/3601").iterdir() if not p.name.startswith(".")) == [
        "Laporan_3601_2026-01.xlsx",
        "Laporan_3601_2026-02.xlsx",
    ]
    assert (root / "rejected/3602/salah.xlsx").is_file() and (root / "rejected/3604/catatan.docx").is_file()
    assert not any((root / "inbox/3601").glob("*.xlsx"))
    assert len(list((root / "feedback").rglob("Umpan_Balik_*.xlsx"))) == 6
    # The consolidation through Airflow, with its approval step, is tests/test_approval_dag.py.
