"""What the operator reads in Airflow: the intake's logs and its failures, with real Airflow
(`airflow dags test`, SQLite metadata) on a real drive.

* the summary table is logged through the task logger, so it sits in the task's main log
  group (between Airflow's "Pre Execute" and "Post Execute" groups), in Indonesian;
* mapped boxes are named by their districts ("3601 Kabupaten Pandeglang (2 berkas)");
* a district whose folder cannot be used holds only its own files back: check_drive is red;
* a scan that cannot reach the drive is ONE failed task, at once (no retries), its cause in
  one line first in its log; the summary task after it skips instead of raising.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from rekap.dev.airflow_local import airflow_env, migrate, run_airflow
from rekap.warehouse import upgrade
from workbooks import drop_two_months, pleno_row, set_up_drive, write_report

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

DAG = "ingest_district_reports"


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow")
    migrate(airflow_env(home), home / "migrate.log")
    return home


def run_ingest(home, tmp_path, shared_root):
    upgrade(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")  # what `rekap db upgrade` does at set-up
    env = airflow_env(
        home,
        {
            "REKAP_SHARED_ROOT": str(shared_root),
            "REKAP_WAREHOUSE_URL": f"sqlite:///{tmp_path / 'warehouse.sqlite'}",
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
            "REKAP_TASK_RETRIES": "2",  # the production default: a drive that is not ready must not use them
        },
    )
    log = tmp_path / "airflow.log"
    result = run_airflow(["dags", "test", DAG], env, log)
    return result, log.read_text()


def task_sections(output: str) -> dict[str, list[str]]:
    """The log lines of each task instance in `dags test` output, by "task_id[map_index]"."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        if "[DAG TEST] starting task_id=" in line:
            task_id = line.split("task_id=")[1].split()[0]
            map_index = line.split("map_index=")[1].split()[0]
            current = task_id if map_index == "-1" else f"{task_id}[{map_index}]"
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return sections


def main_group(lines: list[str]) -> list[str]:
    """The lines between the end of "Pre Execute" and the start of "Post Execute": what the
    UI shows unfolded."""
    start = max(i for i, line in enumerate(lines) if "::endgroup::" in line and i < _post(lines))
    return lines[start + 1 : _post(lines)]


def _post(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if "::group::Post Execute" in line)


def task_states(home) -> dict[tuple[str, int], tuple[str, str | None, int]]:
    """The task instances of the latest run (the module's tests share one Airflow home)."""
    with sqlite3.connect(home / "airflow.db") as db:
        rows = db.execute(
            "SELECT task_id, map_index, state, rendered_map_index, try_number FROM task_instance"
            " WHERE run_id = (SELECT run_id FROM dag_run ORDER BY id DESC LIMIT 1)"
        ).fetchall()
    return {(t, m): (s, r, n) for t, m, s, r, n in rows}


def test_the_summary_table_is_in_the_main_log_group(airflow_home, tmp_path):
    root = set_up_drive(tmp_path / "drive")
    drop_two_months(root, "3601", 5)
    (root / "inbox/3672").mkdir(parents=True, exist_ok=True)
    (root / "inbox/3672/catatan.docx").write_bytes(b"PK\x03\x04 not a workbook")
    write_report(root / "inbox/lepas.xlsx", district="3603", pleno=[pleno_row(1, date(2026, 1, 5))])

    result, output = run_ingest(airflow_home, tmp_path, root)
    assert result.returncode == 0, output[-5000:]
    sections = task_sections(output)
    summary = [line for line in main_group(sections["summarize"]) if "[airflow.task]" in line]
    text = "\n".join(summary)
    assert "RINGKASAN INTAKE: 4 berkas" in summary[0]
    assert (
        "diterima 0 | dengan catatan 2 | ditolak 1 | duplikat 0 | dilanjutkan 0 | menunggu 0 | "
        "folder tidak dikenal 1 | sedang diproses 0" in text
    )
    rows = [line for line in summary if " | " in line and "diterima 0" not in line]
    # header, rule, then rejections first: the district that must act leads the table
    assert "Kab/Kota" in rows[0] and "Alasan / tindakan" in rows[0]
    assert "3672 Kota Cilegon" in rows[2] and "catatan.docx" in rows[2] and "DITOLAK" in rows[2]
    assert "Format berkas .docx tidak diterima" in rows[2]
    assert "lepas.xlsx" in rows[3] and "FOLDER TIDAK DIKENAL" in rows[3] and "inbox/lepas.xlsx" in text
    assert sum("3601 Kabupaten Pandeglang" in r and "DITERIMA DGN CATATAN" in r for r in rows) == 2
    # nothing of it after Airflow's "Done. Returned value" (where print output used to land)
    post = "\n".join(sections["summarize"][_post(sections["summarize"]) :])
    assert "RINGKASAN" not in post and "DITOLAK" not in post
    assert not any("Skipping registering function" in line for line in output.splitlines())

    states = task_states(airflow_home)
    mapped = sorted(r for (t, _), (_, r, _) in states.items() if t == "process_batch")
    assert mapped == ["3601 Kabupaten Pandeglang (2 berkas)", "3672 Kota Cilegon (1 berkas)"]


def test_a_scan_without_the_drive_is_one_red_box_at_once(airflow_home, tmp_path):
    missing = tmp_path / "not-mounted"
    _, output = run_ingest(airflow_home, tmp_path, missing)
    sections = task_sections(output)
    states = task_states(airflow_home)
    failed = [key for key, (state, _, _) in states.items() if state == "failed"]
    assert failed == [("scan", -1)], states
    assert states[("scan", -1)][2] == 1  # one try although retries=2: retrying cannot mount a drive
    assert states[("summarize", -1)][0] == "skipped"  # not a second red box with a TypeError
    assert states[("publish", -1)][0] == "skipped"
    assert {states[(t, -1)][0] for t in ("batches", "process_batch")} == {"upstream_failed"}
    assert states[("check_drive", -1)][0] in ("skipped", "upstream_failed")

    # the cause, in one line, is the first thing the scan's own code logs
    first = next(line for line in main_group(sections["scan"]) if "[airflow.task]" in line)
    assert f"scan GAGAL: REKAP_SHARED_ROOT {missing} is not a folder: mount the shared drive" in first
    assert "TypeError" not in output
    assert "scan gagal: lihat log tugas scan" in "\n".join(sections["summarize"])


def test_a_district_whose_folder_cannot_be_used_is_one_red_box_after_the_others_are_published(
    airflow_home, tmp_path
):
    """Its files wait; the other districts' files are loaded and published; check_drive is the
    red box (once: retrying cannot fix a folder) and names the district and the folder."""
    root = set_up_drive(tmp_path / "drive")
    drop_two_months(root, "3601", 5)
    drop_two_months(root, "3604", 5)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "feedback/3604").rmdir()
    (root / "feedback/3604").symlink_to(elsewhere)  # never written through
    result, output = run_ingest(airflow_home, tmp_path, root)
    assert result.returncode != 0
    states = task_states(airflow_home)
    failed = sorted(key for key, (state, _, _) in states.items() if state == "failed")
    assert failed == [("check_drive", -1)], states
    assert states[("check_drive", -1)][2] == 1
    assert states[("publish", -1)][0] == "success"  # 3601's months go on to the consolidation
    assert {s for (t, _), (s, _, _) in states.items() if t == "process_batch"} == {"success"}
    assert sorted(p.name for p in (root / "archive/3601").glob("*.xlsx")) == [
        "Laporan_3601_2026-01.xlsx",
        "Laporan_3601_2026-02.xlsx",
    ]
    assert len(list((root / "inbox/3604").glob("*.xlsx"))) == 2 and not any(elsewhere.iterdir())
    log = "\n".join(task_sections(output)["check_drive"])
    assert "1 kab/kota menunggu (masalah drive): 3604:" in log and "feedback/3604" in log
