"""DAG integrity, with real Airflow: every DAG parses, carries its docs, tags, owner and
default args, and stays cheap to parse (no pandas or GX at import time).

Airflow runs in a subprocess with a temporary AIRFLOW_HOME, so the test process and the
developer's own Airflow stay untouched."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rekap.dev.airflow_local import PROJECT_ROOT, airflow_env

pytestmark = pytest.mark.airflow

PROBE = textwrap.dedent(
    """
    import json, sys, time
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.encoders import coerce_to_core_timetable
    t0 = time.perf_counter()
    bag = DagBag(dag_folder=sys.argv[1])
    elapsed = time.perf_counter() - t0
    out = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "seconds": elapsed,
           "heavy_modules": sorted(m for m in ("pandas", "great_expectations", "openpyxl", "python_calamine")
                                   if m in sys.modules), "dags": {}}
    for dag_id, dag in bag.dags.items():
        tasks = {}
        for t in dag.tasks:
            tasks[t.task_id] = {"owner": t.owner, "retries": t.retries,
                                "callback": bool(t.on_failure_callback),
                                "outlets": [[o.name, o.uri] for o in t.outlets]}
        # the timetable as the scheduler stores it for the UI (DagModel.timetable_summary/_description)
        core = coerce_to_core_timetable(dag.timetable)
        condition = getattr(core, "asset_condition", None)
        schedule = {"summary": core.summary, "description": core.description,
                    "assets": [[a.name, a.uri] for _k, a in condition.iter_assets()] if condition else []}
        out["dags"][dag_id] = {"tags": sorted(dag.tags), "doc_md": dag.doc_md or "",
                               "max_active_runs": dag.max_active_runs, "catchup": dag.catchup,
                               "timetable": type(dag.timetable).__name__, "tasks": tasks,
                               "params": sorted(dag.params.keys()), "schedule": schedule,
                               "assets": sorted(o.uri for o in getattr(condition, "objects", [condition]) if hasattr(o, "uri")),
                               "deadlines": [(type(d.reference).__name__, d.interval.total_seconds(),
                                              d.callback.path) for d in (dag.deadline or [])]}
    print("RESULT" + json.dumps(out))
    """
)


def parse_dags(home: Path, settings: dict[str, str]) -> dict:
    env = airflow_env(home, settings)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(PROJECT_ROOT / "dags")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(line[len("RESULT") :])


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow_home")
    return parse_dags(home, {"REKAP_CONSOLIDATION_DEADLINE_HOURS": "2"})  # the production default


def test_a_wrong_parse_time_setting_is_a_one_line_import_error(tmp_path):
    """REKAP_DEADLINE_DAY=31 used to crash the timetable with a ValueError; Settings refuses it."""
    errors = parse_dags(tmp_path, {"REKAP_DEADLINE_DAY": "31"})["import_errors"]
    assert {Path(p).name for p in errors} == {
        "approve_laporan.py",
        "consolidate_bimonthly.py",
        "ingest_district_reports.py",
    }
    for error in errors.values():
        last = error.strip().splitlines()[-1]
        assert last == "rekap.settings.SettingsError: REKAP_DEADLINE_DAY must be between 1 and 28, not 31", (
            error
        )


def test_every_dag_file_imports_without_errors(parsed):
    assert parsed["import_errors"] == {}
    assert set(parsed["dags"]) == {"ingest_district_reports", "consolidate_bimonthly", "approve_laporan"}
    dag_files = {p.stem for p in (PROJECT_ROOT / "dags").glob("*.py")}
    assert dag_files == set(parsed["dags"]), "one DAG per file, named after it"


def test_dags_are_cheap_to_parse(parsed):
    assert parsed["heavy_modules"] == []
    assert parsed["seconds"] < 10


def test_every_dag_is_documented_tagged_and_shares_default_args(parsed):
    for dag_id, dag in parsed["dags"].items():
        assert "rekap" in dag["tags"], dag_id
        assert len(dag["doc_md"]) > 300, dag_id
        assert dag["catchup"] is False, dag_id
        if dag_id == "approve_laporan":
            # drafts of every period of a year (and their corrections) can wait side by side
            assert dag["max_active_runs"] >= 12, dag["max_active_runs"]
        else:
            assert dag["max_active_runs"] == 1, dag_id  # quick runs, one at a time
        for task_id, task in dag["tasks"].items():
            assert task["owner"] == "sekretariat-bawaslu-provinsi", (dag_id, task_id)
            # the approval records one human decision: a retry would ask again for nothing; the
            # drive check reports a folder an operator must fix: a retry would only repeat it
            assert (
                task["retries"] >= (0 if task_id in ("approve", "check_drive") else 1) and task["callback"]
            ), (
                dag_id,
                task_id,
            )


def test_consolidation_schedule_is_the_period_timetable_or_the_asset(parsed):
    dag = parsed["dags"]["consolidate_bimonthly"]
    assert dag["timetable"] == "AssetOrTimeSchedule"
    assert dag["params"] == ["period"]


def test_consolidation_announces_drafts_and_the_approval_dag_listens(parsed):
    """The wait for a decision is a run of its own (approve_laporan), started by the draft the
    consolidation announces: a draft waiting for approval cannot hold the next consolidation."""
    consolidation, approval = parsed["dags"]["consolidate_bimonthly"], parsed["dags"]["approve_laporan"]
    assert "approve" not in consolidation["tasks"] and "deliver" not in consolidation["tasks"]
    assert [uri for _name, uri in consolidation["tasks"]["request_approval"]["outlets"]] == [
        "rekap://reports/drafts"
    ]
    assert approval["timetable"] == "AssetTriggeredTimetable"
    assert approval["assets"] == ["rekap://reports/drafts"]
    assert set(approval["tasks"]) == {"drafts_to_approve", "approve", "deliver"}
    assert approval["params"] == ["period"]
    assert approval["deadlines"] == []  # waiting up to the approval timeout is its normal state


def test_the_dags_list_names_the_consolidations_schedule_in_words(parsed):
    """Airflow 3.3's Dags list shows a single Asset's name (its URI only when unnamed) in the
    Schedule column, and the timetable's summary/description where no Asset event is known."""
    schedule = parsed["dags"]["consolidate_bimonthly"]["schedule"]
    asset = ["Laporan kab/kota dimuat ke gudang data", "rekap://warehouse/submissions"]
    assert schedule["assets"] == [asset]
    assert schedule["summary"] == "Asset or 06:00 WIB, hari setelah batas laporan bulan ke-2 periode"
    assert "pukul 06:00 WIB tanggal 6 bulan berikutnya" in schedule["description"]
    # the ingest DAG updates the very same Asset (same name and URI), or nothing would trigger
    assert parsed["dags"]["ingest_district_reports"]["tasks"]["publish"]["outlets"] == [asset]


def test_consolidation_alerts_operators_when_it_runs_late(parsed):
    assert parsed["dags"]["consolidate_bimonthly"]["deadlines"] == [
        ["DagRunQueuedAtDeadline", 2 * 3600.0, "rekap.airflow.dag_support.notify_consolidation_overdue"]
    ]


PLUGIN_FILES_PROBE = textwrap.dedent(
    """
    import json, sys
    from airflow._shared.module_loading import find_path_from_directory  # what the plugin loader uses
    print("RESULT" + json.dumps(sorted(p for p in find_path_from_directory(sys.argv[1], ".airflowignore")
                                       if p.endswith(".py"))))
    """
)


def plugin_files(home: Path, folder: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PLUGIN_FILES_PROBE, str(folder)],
        env=airflow_env(home, {}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line, result.stdout[-3000:] + result.stderr[-3000:]
    return [str(Path(p).relative_to(folder)) for p in json.loads(line[len("RESULT") :])]


def test_plugin_folder_ignores_the_package(tmp_path):
    """Airflow imports every .py under plugins/ as a plugin unless told not to: with the
    .airflowignore it finds only the plugin file, without it the package's modules too."""
    assert plugin_files(tmp_path / "home", PROJECT_ROOT / "plugins") == ["rekap_airflow_plugin.py"]
    bare = tmp_path / "plugins"
    shutil.copytree(
        PROJECT_ROOT / "plugins", bare, ignore=shutil.ignore_patterns(".airflowignore", "*.egg-info")
    )
    assert "rekap/settings.py" in plugin_files(tmp_path / "home", bare)
