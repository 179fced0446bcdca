"""Failures that retrying cannot fix, and how the DAG glue reports them.

Airflow retries a failed task (``dag_support.default_args``): right for a warehouse that is
briefly unreachable, wrong for a drive that is not mounted or a wrong setting, where retries
only delay the red box by minutes and send the same e-mail again. Code that detects such a
state raises one of these; ``dag_support.one_line_failure`` turns it into Airflow's
fail-without-retry exception with the one-line message at the top of the task log.
"""

from __future__ import annotations

from rekap.settings import SettingsError

# SettingsError: a wrong setting stays wrong on the next try; so does a drive that is not mounted,
# has no marker or has a folder that is a link (rekap.drive.DriveError is one of them).
NOT_RETRYABLE: tuple[type[BaseException], ...] = (SettingsError,)


def is_retryable(exc: BaseException) -> bool:
    return not isinstance(exc, NOT_RETRYABLE)


def one_line(exc: BaseException) -> str:
    """The first line of the message, or the exception's name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
