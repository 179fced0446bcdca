"""`make airflow`'s environment fits a small machine and the province (issue: 32 idle workers,
UTC times, the deadline alert switched off for every local run)."""

from __future__ import annotations

from rekap.dev.local_stack import prepare


def test_the_local_stack_is_sized_to_the_machine_and_set_to_the_province(tmp_path, monkeypatch):
    monkeypatch.delenv("REKAP_CONSOLIDATION_DEADLINE_HOURS", raising=False)
    env, password = prepare(tmp_path, 18080, cores=2)
    assert env["AIRFLOW__CORE__PARALLELISM"] == "2"  # LocalExecutor workers: one per core
    assert env["AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES"] == "1"
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Jakarta"  # Banten, the demo province
    # the scheduler handles deadline alerts; only `airflow dags test` needs them off
    assert env["REKAP_CONSOLIDATION_DEADLINE_HOURS"] == "2"
    assert env["REKAP_UI_BASE_URL"] == "http://127.0.0.1:18080"
    # the login survives a restart
    assert prepare(tmp_path, 18080, cores=2)[1] == password
