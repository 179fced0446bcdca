"""The warehouse is never created by accident, bytes rejected once may come back, and runs
started at once do not collide (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import upgraded
from openpyxl import load_workbook
from rekap.cli import main
from rekap.intake.flow import ingest
from rekap.warehouse import WarehouseError, engine_for, migrations, require_schema, transaction, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from test_intake import good_report, make_settings, rows
from workbooks import pleno_row, set_up_drive, write_report


def feedback_note(folder: Path) -> list[str]:
    """The Keterangan/Status texts of every feedback workbook of a district, newest last."""
    texts = []
    for path in sorted(folder.glob("*.xlsx"), key=lambda p: p.stat().st_mtime_ns):
        ws = load_workbook(path)["Ringkasan"]
        texts.append(" | ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None))
    return texts


# --- defect 3: only an accepted load makes later copies duplicates ------------------------


def test_a_report_rejected_in_the_wrong_folder_is_accepted_in_the_right_one(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    settings = make_settings(root, warehouse_url)
    good_report(root / "inbox/3601/Laporan_3603.xlsx", district="3603")  # dropped in 3601's folder
    assert ingest(settings)["counts"]["rejected"] == 1
    shutil.copy2(root / "rejected/3601/Laporan_3603.xlsx", root / "inbox/3603/Laporan_3603.xlsx")

    summary = ingest(settings)

    assert summary["counts"]["accepted"] == 1 and summary["counts"]["duplicate"] == 0
    subs = rows(
        warehouse_url, "SELECT sha256, district_code, status, is_current FROM submissions ORDER BY 1, 2"
    )
    assert len({s.sha256 for s in subs}) == 1  # the same bytes...
    assert [(s.district_code, s.status, s.is_current) for s in subs] == [
        ("3601", "rejected", 0),  # ...the rejection stays as history
        ("3603", "accepted", 1),
    ]
    assert rows(warehouse_url, "SELECT COUNT(*) FROM pleno_records")[0][0] == 4
    assert (root / "archive/3603/Laporan_3603.xlsx").is_file()


def test_bytes_rejected_for_a_limit_are_accepted_once_it_is_raised(tmp_path, warehouse_url):
    root = tmp_path / "drive"
    path = good_report(root / "inbox/3603/Laporan.xlsx")
    keep = path.read_bytes()
    assert ingest(make_settings(root, warehouse_url, REKAP_MAX_ROWS="2"))["counts"]["rejected"] == 1
    path.write_bytes(keep)  # the same file, the same name, after the operator raised the limit

    summary = ingest(make_settings(root, warehouse_url))

    assert summary["counts"]["accepted"] == 1
    statuses = rows(warehouse_url, "SELECT status FROM submissions ORDER BY submission_id")
    assert [s[0] for s in statuses] == ["rejected", "accepted"]
    assert (root / "rejected/3603/Laporan.xlsx").is_file() and (root / "archive/3603/Laporan.xlsx").is_file()


def test_a_copy_of_accepted_bytes_is_a_duplicate_of_the_accepted_one(tmp_path, warehouse_url):
    """Rejected, then accepted, then sent a third time: a duplicate, and its feedback names the
    accepted file and month, never the rejected one."""
    root = tmp_path / "drive"
    settings = make_settings(root, warehouse_url)
    good_report(root / "inbox/3601/salah_folder.xlsx", district="3603")
    ingest(settings)
    shutil.copy2(root / "rejected/3601/salah_folder.xlsx", root / "inbox/3603/benar.xlsx")
    ingest(settings)
    shutil.copy2(root / "archive/3603/benar.xlsx", root / "inbox/3603/lagi.xlsx")

    summary = ingest(settings)

    assert summary["counts"]["duplicate"] == 1 and summary["loaded"] == 0
    note = next(f["message"] for f in summary["files"] if f["outcome"] == "duplicate")
    assert "'benar.xlsx' yang sudah diterima sebagai laporan Januari 2026" in note
    assert "salah_folder" not in note
    assert rows(warehouse_url, "SELECT COUNT(*) FROM submissions")[0][0] == 2
    assert (root / "archive/3603/lagi.xlsx").is_file()
    last = feedback_note(root / "feedback/3603")[-1]
    assert "TIDAK DIMUAT ULANG" in last and "sudah diterima" in last


def test_an_interrupted_rejection_is_finished_not_rejected_again(tmp_path, warehouse_url):
    """The state a crash between commit and move leaves for a rejected file."""
    root = tmp_path / "drive"
    settings = make_settings(root, warehouse_url)
    path = write_report(
        root / "inbox/3601/keliru.xlsx", district="3602", pleno=[pleno_row(1, date(2026, 1, 5))]
    )
    keep = path.read_bytes()
    ingest(settings)
    (root / "rejected/3601/keliru.xlsx").unlink()
    for f in (root / "feedback/3601").iterdir():
        f.unlink()
    path.write_bytes(keep)

    summary = ingest(settings)

    assert summary["counts"]["repaired"] == 1 and summary["counts"]["rejected"] == 0
    assert (root / "rejected/3601/keliru.xlsx").is_file() and not path.exists()
    assert len(list((root / "feedback/3601").iterdir())) == 1
    assert rows(warehouse_url, "SELECT COUNT(*) FROM submissions")[0][0] == 1


def test_the_index_allows_rejected_repeats_but_never_two_accepted(warehouse_url):
    """What keeps two concurrent runs from loading the same accepted bytes twice."""
    insert = text(
        "INSERT INTO submissions (sha256, file_name, size_bytes, district_code, received_at, loaded_at, status,"
        " inbox_path, stored_path) VALUES ('abc', 'f.xlsx', 1, '3603', :t, :t, :st, 'i', 's')"
    )
    now = "2026-02-03 09:00:00+00:00"
    for status in ("rejected", "rejected", "accepted"):
        with transaction(warehouse_url) as conn:
            conn.execute(insert, {"t": now, "st": status})
    for status in ("accepted", "accepted_with_issues"):
        with pytest.raises(WarehouseError) as caught, transaction(warehouse_url) as conn:
            conn.execute(insert, {"t": now, "st": status})
        assert isinstance(caught.value.__cause__, IntegrityError)
        # a data error is not blamed on the URL or the server
        assert "check REKAP_WAREHOUSE_URL" not in str(caught.value)
    assert rows(warehouse_url, "SELECT COUNT(*) FROM submissions")[0][0] == 3


def test_migration_0003_keeps_existing_submissions_and_ids(tmp_path, request):
    """An existing warehouse upgraded in place: rows, ids and the id sequence survive."""
    for url in (f"sqlite:///{tmp_path / 'old.sqlite'}", request.getfixturevalue("postgres_url")):
        upgrade(url, until="0002_marts")
        with transaction(url) as conn:
            for sha in ("a", "b"):
                conn.execute(
                    text(
                        "INSERT INTO submissions (sha256, file_name, size_bytes, district_code, received_at,"
                        " loaded_at, status, inbox_path, stored_path) VALUES (:h, 'f', 1, '3603',"
                        " '2026-02-03 09:00:00+00:00', '2026-02-03 09:00:00+00:00', 'accepted', 'i', 's')"
                    ),
                    {"h": sha},
                )
            conn.execute(text("DELETE FROM submissions WHERE sha256='b'"))  # id 2 used once
        assert upgrade(url, until="0003_rejected_bytes_may_return") == ["0003_rejected_bytes_may_return"]
        with transaction(url) as conn:
            new_id = conn.execute(
                text(
                    "INSERT INTO submissions (sha256, file_name, size_bytes, district_code, received_at, loaded_at,"
                    " status, inbox_path, stored_path) VALUES ('a', 'f', 1, '3603', '2026-02-03 09:00:00+00:00',"
                    " '2026-02-03 09:00:00+00:00', 'rejected', 'i', 's') RETURNING submission_id"
                )
            ).scalar_one()
        assert rows(url, "SELECT submission_id, sha256 FROM submissions ORDER BY 1") == [
            (1, "a"),
            (new_id, "a"),
        ]
        assert new_id == 3  # never reuses an id


# --- defect 7: only `rekap db upgrade` creates a warehouse --------------------------------


def cli_env(monkeypatch, root: Path, url: str) -> None:
    for k, v in {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": url,
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
    }.items():
        monkeypatch.setenv(k, v)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


def test_a_mistyped_sqlite_url_creates_nothing(tmp_path, monkeypatch, capsys):
    root = set_up_drive(tmp_path / "drive")
    good_report(root / "inbox/3603/Laporan.xlsx")
    typo = tmp_path / "typo" / "w.sqlite"
    cli_env(monkeypatch, root, f"sqlite:///{typo}")

    for argv in (["ingest"], ["consolidate", "--period", "2026-B1"]):
        assert main(argv) == 1
        err = one_error_line(capsys)
        assert "does not exist" in err and "rekap db upgrade" in err
        assert "check REKAP_WAREHOUSE_URL and that the database is running" not in err
    assert not typo.parent.exists()  # no file, not even its folder
    assert (root / "inbox/3603/Laporan.xlsx").is_file()  # nothing archived into nowhere

    assert main(["db", "upgrade"]) == 0
    assert typo.is_file()
    assert main(["ingest"]) == 0
    assert (root / "archive/3603/Laporan.xlsx").is_file()


def test_the_default_relative_url_from_another_folder_is_refused(tmp_path, monkeypatch, capsys):
    upgraded(f"sqlite:///{tmp_path / 'project/data/warehouse.sqlite'}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    set_up_drive(tmp_path / "drive")
    monkeypatch.chdir(elsewhere)
    cli_env(monkeypatch, tmp_path / "drive", "sqlite:///./data/warehouse.sqlite")
    assert main(["ingest"]) == 1
    err = one_error_line(capsys)
    assert f"does not exist ({elsewhere / 'data/warehouse.sqlite'})" in err
    assert not (elsewhere / "data").exists()


def test_a_database_without_the_schema_or_behind_is_refused(tmp_path, monkeypatch, capsys, postgres_url):
    set_up_drive(tmp_path / "drive")
    cli_env(monkeypatch, tmp_path / "drive", postgres_url)
    assert main(["ingest"]) == 1
    assert "has no rekap schema: run `rekap db upgrade`" in one_error_line(capsys)
    with engine_for(postgres_url).connect() as conn:
        assert (
            conn.execute(text("SELECT COUNT(*) FROM pg_tables WHERE schemaname='public'")).scalar_one() == 0
        )

    upgrade(postgres_url, until="0002_marts")
    assert main(["consolidate", "--period", "2026-B1"]) == 1
    err = one_error_line(capsys)
    assert "is behind (not applied: 0003_rejected_bytes_may_return" in err and "run `rekap db upgrade`" in err

    assert main(["db", "upgrade"]) == 0
    assert "applied: 0003_rejected_bytes_may_return" in capsys.readouterr().out
    require_schema(postgres_url)
    assert main(["ingest"]) == 0


def test_migrations_are_numbered_without_gaps_or_twins():
    """Branches merged with their own numbers must be renumbered: require_schema and
    upgrade order by name, and a gap is where a migration was lost."""
    numbers = [int(v[:4]) for v, _ in migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


def test_migration_0007_keeps_old_issues_with_no_cell(empty_warehouse_url):
    """Issues loaded before row_issues had a cell keep NULL there (the workbook shows their row);
    issues loaded after it carry the address, as in the district's feedback."""
    url = empty_warehouse_url
    upgrade(url, until="0006_prevention_form")
    old_issue = (
        "INSERT INTO row_issues (submission_id, issue_no, sheet, excel_row, column_name, value, problem, rule)"
        " VALUES (1, 1, 'Pleno', 7, 'Keputusan', NULL, 'Keputusan wajib diisi.', 'not_null')"
    )
    with transaction(url) as conn:
        conn.execute(text(old_issue))
    assert upgrade(url, until="0007_row_issue_cell") == ["0007_row_issue_cell"]
    with transaction(url) as conn:
        assert conn.execute(text("SELECT excel_row, cell, problem FROM row_issues")).one() == (
            7,
            None,
            "Keputusan wajib diisi.",
        )


def test_a_connection_problem_says_check_the_url(tmp_path):
    with pytest.raises(WarehouseError) as caught:
        require_schema("postgresql+psycopg://nobody@127.0.0.1:1/none")
    message = str(caught.value)
    assert "(check REKAP_WAREHOUSE_URL and that the database is running)" in message
    assert "\n" not in message


# --- defect 9: runs started at once ------------------------------------------------------

CHILD = """
import sys
from rekap.cli import main
sys.exit(main(["db", "upgrade"]) or main(["ingest"]))
"""


@pytest.mark.postgres
def test_five_runs_started_at_once_on_a_fresh_postgres(tmp_path, postgres_url):
    root = set_up_drive(tmp_path / "drive")
    for code in ("3601", "3602", "3603", "3604", "3671"):
        good_report(root / f"inbox/{code}/Laporan_{code}.xlsx", district=code)
        good_report(root / f"inbox/{code}/Laporan_{code}_feb.xlsx", district=code, month="Februari")
    write_report(root / "inbox/3601/keliru.xlsx", district="3602", pleno=[pleno_row(1, date(2026, 1, 5))])
    env = {
        **os.environ,
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": postgres_url,
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(5)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0 and not err.strip(), err.decode()[-3000:]
    # a district one run held while another wanted it stays for the next run
    settings = make_settings(root, postgres_url)
    ingest(settings)

    assert not [p for p in (root / "inbox").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert rows(postgres_url, "SELECT version FROM schema_migrations ORDER BY 1") == [
        (v,) for v, _ in migrations()
    ]
    subs = rows(postgres_url, "SELECT sha256, status FROM submissions")
    assert len(subs) == 11 and len({s.sha256 for s in subs}) == 11  # nothing loaded twice
    assert rows(postgres_url, "SELECT COUNT(*) FROM pleno_records")[0][0] == 10 * 4
    assert rows(postgres_url, "SELECT COUNT(*) FROM districts")[0][0] == len(settings.registry.districts)
