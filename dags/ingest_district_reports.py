"""
### Intake of district reports (ingest_district_reports)

Every 15 minutes (setting `REKAP_INGEST_SCHEDULE`) this DAG looks in the shared drive's
`inbox/<kode kab/kota>/` folders and takes every report file whose copy has finished.

* **scan** lists what is ready, what is still being copied (*waiting*) and files dropped in
  the wrong place (*unknown folder*: directly in `inbox/`, or in a folder that is not a
  district of this province). Those are left where they are; move them to the right folder.
  Symbolic links, names that are not valid UTF-8 and unreadable entries are flagged too and
  never followed or read. Without the drive's marker `.rekap-drive` (share not mounted, or
  `rekap drive init` never run) the scan fails at once and writes nothing.
* **process_batch** (up to `REKAP_INGEST_TASKS` boxes, default 4, each a batch of whole
  districts named by its codes, e.g. `3601–3674 (8 kab/kota, 16 berkas)`) reads each file,
  checks it with the Great Expectations rules, loads it into the warehouse, writes a feedback
  workbook to `feedback/<kode>/` and moves the file to `archive/<kode>/` (accepted) or
  `rejected/<kode>/` (rejected). Its log has one line per file with its district. A rejected
  file is a normal outcome, not a failure: the district reads why in its feedback file; a
  district whose folders cannot be used waits (its files are listed as *masalah drive*) and the
  others go on. A red box means warehouse trouble; it retries by itself (a drive that is not
  ready, or a wrong setting, fails at once instead), and a re-run never loads a file twice.
* **summarize** logs one table in Indonesian: the counts, then every file with its
  district, verdict (DITERIMA / DITERIMA DGN CATATAN / DITOLAK / FOLDER TIDAK DIKENAL ...)
  and the reason; the menu entry **Kelengkapan Laporan** shows the same per month.
  When **scan** fails (drive or warehouse), it is the only red box: the tasks after it are
  skipped, and its log starts with the cause in one line.
* **check_drive** is red when a district's folders could not be used (its files wait in the
  inbox; the log says which folder and what to fix), so the operators are e-mailed; the other
  districts' files were processed and published.
* **publish** marks the submissions Asset when anything was loaded, which triggers the
  consolidation of the affected period.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import dag, get_current_context, task
from rekap.airflow.dag_support import (
    TAGS,
    TASK_LOGGER,
    default_args,
    one_line_failure,
    settings,
    skip_when_upstream_failed,
    submissions_asset,
)
from rekap.settings import parse_time_settings

SUBMISSIONS = submissions_asset()
PARSED = parse_time_settings()
log = logging.getLogger(TASK_LOGGER)


@dag(
    dag_id="ingest_district_reports",
    schedule=PARSED.ingest_schedule,
    start_date=pendulum.datetime(2026, 1, 1, tz=PARSED.timezone),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[*TAGS, "intake"],
    doc_md=__doc__,
)
def ingest_district_reports():
    @task
    def scan() -> dict:
        """Which files are ready, per district; which wait; which are misplaced."""
        from rekap.drive import ensure_layout, log_safe
        from rekap.intake.flow import split_for_tasks
        from rekap.intake.scan import scan_inbox
        from rekap.warehouse import require_schema

        with one_line_failure("scan"):
            s = settings()
            root = s.require_shared_root()  # the drive's marker first: an unmounted share gets nothing
            require_schema(s.warehouse_url)  # created and migrated by `rekap db upgrade` only
            ensure_layout(root, sorted(s.registry.by_code))
            result = scan_inbox(s)
        for o in result.unknown:
            log.warning("FOLDER TIDAK DIKENAL: %s: %s", log_safe(o.inbox_path), log_safe(o.message))
        for o in result.waiting:
            log.info("menunggu (masih disalin): %s", log_safe(o.inbox_path))
        ready = sum(len(p) for p in result.ready.values())
        log.info("siap diproses: %d berkas dari %d kab/kota", ready, len(result.ready))
        return {
            "batches": split_for_tasks(result.ready, s.ingest_tasks),
            "left": [o.as_dict() for o in [*result.unknown, *result.waiting]],
        }

    @task
    def batches(scanned: dict) -> list[dict]:
        return scanned["batches"]

    @task(map_index_template="{{ batch_label }}")
    def process_batch(batch: dict[str, list[str]]) -> list[dict]:
        """Check, load, feed back and move the ready files of a batch of districts."""
        from rekap.drive import log_safe
        from rekap.intake.flow import process_districts
        from rekap.intake.run_log import VERDICTS, batch_label, quiet_great_expectations
        from rekap.warehouse import require_schema

        quiet_great_expectations()
        context = get_current_context()
        s = settings()
        context["batch_label"] = batch_label(batch, s.registry)  # names the mapped box
        with one_line_failure(f"process_batch {context['batch_label']}"):
            require_schema(s.warehouse_url)  # a cleared task may run long after its scan
            outcomes = process_districts(s, batch, context["run_id"])
        for o in outcomes:
            log.info(
                "%s %s: %s %s",
                o.district_code,
                VERDICTS.get(o.outcome, o.outcome),
                log_safe(o.file_name),
                log_safe(o.message or ""),
            )
        return [o.as_dict() for o in outcomes]

    @task(trigger_rule="all_done")
    def summarize(scanned: dict | None, processed: list[list[dict]] | None) -> dict:
        """The run in numbers, recorded in the warehouse and logged as one table for the operator."""
        from rekap.intake.outcomes import OUT_DRIVE_ERROR, FileOutcome
        from rekap.intake.outcomes import summarize as make_summary
        from rekap.intake.run_log import log_summary
        from rekap.intake.submissions import record_run

        skip_when_upstream_failed(scanned, "scan")
        context = get_current_context()
        outcomes = [FileOutcome(**o) for o in scanned["left"]]
        outcomes += [FileOutcome(**o) for batch in (processed or []) if batch for o in batch]
        summary = make_summary(outcomes)
        s = settings()
        started = context["dag_run"].start_date or pendulum.now("UTC")
        drive_errors = summary["counts"][OUT_DRIVE_ERROR]
        record_run(s, context["run_id"], "ingest", started, summary, "failed" if drive_errors else "success")
        log_summary(summary, s.registry)
        problems = sorted(
            {
                f"{o['district_code']}: {o['message']}"
                for o in summary["files"]
                if o["outcome"] == OUT_DRIVE_ERROR
            }
        )
        return {
            "counts": summary["counts"],
            "loaded": summary["loaded"],
            "periods": summary["periods"],
            "drive_problems": problems,
        }

    @task(outlets=[SUBMISSIONS])
    def publish(summary: dict, **context) -> None:
        """Only a run that loaded accepted files updates the Asset (and so triggers the
        consolidation of their periods); a run of rejections changes no figure."""
        from airflow.sdk.exceptions import AirflowSkipException

        if not summary["periods"]:
            raise AirflowSkipException("no accepted file loaded")
        context["outlet_events"][SUBMISSIONS].extra = {
            "loaded": summary["loaded"],
            "periods": summary["periods"],
        }

    @task(retries=0)
    def check_drive(summary: dict) -> None:
        """Red when a district's folders could not be used: its files wait in the inbox (the
        other districts' files were processed and published), and the operators are told."""
        if summary["drive_problems"]:
            raise RuntimeError(
                f"{len(summary['drive_problems'])} kab/kota menunggu (masalah drive): "
                + "; ".join(summary["drive_problems"])
                + " -- perbaiki foldernya; run berikutnya memproses berkasnya."
            )

    scanned = scan()
    processed = process_batch.expand(batch=batches(scanned))
    summary = summarize(scanned, processed)
    publish(summary)
    check_drive(summary)


ingest_district_reports()
