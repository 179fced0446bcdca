"""What every rekap DAG shares: default args, tags, settings from Variables, notifications.

Imported by the DAG files at parse time, so it stays cheap: no pandas, GX or SQLAlchemy
here; those are imported inside the tasks.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from rekap.intake.run_log import TASK_LOGGER
from rekap.settings import parse_time_settings

log = logging.getLogger(__name__)

OWNER = "sekretariat-bawaslu-provinsi"
TAGS = ["rekap"]

# Assets: the ingest DAG updates SUBMISSIONS_ASSET when it loaded anything; the
# consolidation listens to it to re-run periods that received corrections.
SUBMISSIONS_ASSET_URI = "rekap://warehouse/submissions"
# The consolidation updates DRAFTS_ASSET once per DRAF it wrote (extra: the approval request);
# the approval DAG listens to it, so a draft waiting for a decision never holds a consolidation.
DRAFTS_ASSET_URI = "rekap://reports/drafts"

# The name is what the Dags list shows in the consolidation's Schedule column (Airflow shows a
# single Asset's name, falling back to its URI); ASCII so any metadata database accepts it.
SUBMISSIONS_ASSET_NAME = "Laporan kab/kota dimuat ke gudang data"


def submissions_asset() -> Any:
    """The one Asset both DAGs name: same name and URI, or Airflow would see two assets."""
    from airflow.sdk import Asset

    return Asset(name=SUBMISSIONS_ASSET_NAME, uri=SUBMISSIONS_ASSET_URI)


def period_param(description: str) -> Any:
    """The optional ``period`` parameter of the trigger form, validated by the pattern
    ``rekap.periods.parse_period`` uses, so the form refuses what the tasks would refuse."""
    from airflow.sdk import Param

    from rekap.periods import PERIOD_ID_PATTERN

    return Param(None, type=["null", "string"], pattern=PERIOD_ID_PATTERN, description=description)


def default_args() -> dict[str, Any]:
    """Retries are for infrastructure (drive, warehouse); a district's bad file is an
    outcome, not a task failure, so it never burns a retry."""
    return {
        "owner": OWNER,
        "retries": parse_time_settings().task_retries,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": notify_failure,
    }


def settings():
    """Settings from the environment, then Airflow Variables of the same names."""
    from airflow.sdk import Variable

    from rekap.settings import Settings

    def variable_get(name: str) -> str | None:
        try:
            return Variable.get(name, default=None)
        except Exception:  # no API server reachable, e.g. in unit contexts
            return None

    return Settings.from_airflow(variable_get)


def consolidation_deadline():
    """An Airflow deadline alert: e-mail the operators when a consolidation run has not
    finished ``REKAP_CONSOLIDATION_DEADLINE_HOURS`` (default 2; 0 disables) after it was queued."""
    from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback

    hours = parse_time_settings().consolidation_deadline_hours
    if hours <= 0:
        return None  # disabled (0), e.g. under `airflow dags test`: see airflow_local.airflow_env
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(hours=hours),
        callback=SyncCallback(
            "rekap.airflow.dag_support.notify_consolidation_overdue", kwargs={"hours": hours}
        ),
        name="konsolidasi_terlambat",
    )


def notify_consolidation_overdue(context: dict[str, Any] | None = None, hours: float = 2.0, **_: Any) -> None:
    """The deadline alert's callback (runs on an executor, with the scheduler's context)."""
    from rekap.consolidation.delivery import notify_operators, overdue_email

    subject, body = overdue_email(context or {}, hours)
    log.warning("%s", subject)
    try:
        notify_operators(settings(), subject, body)
    except Exception:  # the alert is already in the log; a mail server problem must not hide it
        log.exception("could not send the overdue notification")


@contextlib.contextmanager
def one_line_failure(what: str) -> Iterator[None]:
    """Around a task's work: a failure's cause as ONE line at the top of the task log (before
    Airflow's traceback); a failure that retrying cannot fix (``rekap.airflow.failures``: the drive
    not ready, a wrong setting) fails at once, without retries and their repeated e-mails."""
    from rekap.airflow.failures import is_retryable, one_line

    try:
        yield
    except Exception as exc:
        cause = one_line(exc)
        logging.getLogger(TASK_LOGGER).error("%s GAGAL: %s", what, cause)
        if is_retryable(exc):
            raise
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"{what} gagal (tanpa percobaan ulang): {cause}") from None


def skip_when_upstream_failed(value: object, upstream: str) -> None:
    """A summary task (trigger rule all_done) whose input never came: skip, not a second red
    box with a TypeError; the failed upstream task already says what went wrong."""
    if value is None:
        from airflow.sdk.exceptions import AirflowSkipException

        raise AirflowSkipException(f"{upstream} gagal: lihat log tugas {upstream}")


def notify_failure(context: dict[str, Any]) -> None:
    """E-mail the operator list when a task fails for good (after its retries)."""
    from rekap.consolidation.delivery import notify_operators_of_failure

    try:
        notify_operators_of_failure(settings(), context)
    except Exception:  # a notifier must never hide the original failure
        log.exception("could not send the failure notification")
