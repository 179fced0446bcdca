"""Every setting of rekap, in one place (documented in the README): the only reader of ``REKAP_*``.

The CLI reads them from the environment; the DAGs from the environment or, when set,
Airflow Variables of the same name (see ``Settings.from_airflow``). What the DAG files need
while Airflow parses them comes from the environment only (``ParseTimeSettings``), with the
same checks. Where ``sql/`` and ``expectations/`` are is ``resource_dir``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import rekap
from rekap.registry import DEFAULT_TIMEZONE, Registry, RegistryError, load_registry

NAMES = (
    "REKAP_SHARED_ROOT",
    "REKAP_WAREHOUSE_URL",
    "REKAP_PROVINCE",
    "REKAP_REGISTRY",
    "REKAP_RECEIVED_AT_SOURCE",
    "REKAP_STABLE_SECONDS",
    "REKAP_DEADLINE_DAY",
    "REKAP_MAX_FILE_MB",
    "REKAP_MAX_ROWS",
    "REKAP_REPORT_EMAILS",
    "REKAP_OPERATOR_EMAILS",
    "REKAP_SMTP_CONN_ID",
    "REKAP_SCORE_WEIGHTS",
    "REKAP_APPROVERS",
    "REKAP_NATIONAL_APPROVERS",
    "REKAP_APPROVAL_TIMEOUT_HOURS",
    "REKAP_PREVENTION_FORMS",
    "REKAP_UI_BASE_URL",
    "REKAP_INGEST_TASKS",
)
# Read when Airflow parses the DAG files: environment only (Variables need the API server).
PARSE_TIME_NAMES = (
    "REKAP_PROVINCE",
    "REKAP_REGISTRY",
    "REKAP_DEADLINE_DAY",
    "REKAP_INGEST_SCHEDULE",
    "REKAP_TASK_RETRIES",
    "REKAP_CONSOLIDATION_DEADLINE_HOURS",
)
# Development only: the port of `make airflow`, the worker names of the distributed test.
DEV_NAMES = ("REKAP_AIRFLOW_PORT", "REKAP_AIRFLOW_HOSTNAME")
# The folders of SQL and GX suites, when they are not beside the package (see resource_dir).
RESOURCE_NAMES = {"sql": "REKAP_SQL_DIR", "expectations": "REKAP_EXPECTATIONS_DIR"}
# score = 100 × Σ weight × rate, in the order of metrics.md's formula:
# reporting, on time, pleno compliance, record completeness, documented prevention.
DEFAULT_SCORE_WEIGHTS = (0.20, 0.10, 0.30, 0.20, 0.20)
DEFAULT_PROVINCE = "36"  # Banten, the pilot province
ALL_PROVINCES = "all"  # REKAP_PROVINCE=all: every province of the registry (Bawaslu RI)
DEFAULT_DEADLINE_DAY = 5  # the report of month M is due by the end of this day of month M+1
MAX_DEADLINE_DAY = 28  # every month has the day, so a deadline never falls into the month after
DEFAULT_INGEST_SCHEDULE = "*/15 * * * *"
# Parallel intake tasks per run: the ready districts are split into this many batches, each one
# task process paying Python, GX and warehouse start-up once (set it to the workers' slots).
DEFAULT_INGEST_TASKS = 4
DEFAULT_DATA_DIR = Path("data")


class SettingsError(ValueError):
    """A wrong setting: the message is one line that says what to fix."""


@dataclass(frozen=True)
class Settings:
    shared_root: Path
    warehouse_url: str
    # REKAP_PROVINCE as given: province codes, or ("all",); resolved against the registry by
    # ``provinces`` (lazily, as the registry is: a bad code is one line where it is first needed).
    served: tuple[str, ...]
    registry_path: Path | None
    received_at_source: str = "first_seen"
    stable_seconds: float = 60.0
    deadline_day: int = DEFAULT_DEADLINE_DAY
    max_file_mb: float = 20.0
    max_rows: int = 5000
    report_emails: tuple[str, ...] = ()
    operator_emails: tuple[str, ...] = ()
    smtp_conn_id: str = "smtp_default"
    score_weights: tuple[float, ...] = DEFAULT_SCORE_WEIGHTS
    province_set: bool = False  # REKAP_PROVINCE given explicitly (not the default)
    # Airflow user names who may approve the laporan komprehensif (Required Actions); empty
    # means any user allowed to act on the DAG.
    approvers: tuple[str, ...] = ()
    # Who approves the national report (several provinces served): the national office's
    # users; REKAP_APPROVERS when not set.
    national_approvers: tuple[str, ...] = ()
    approval_timeout_hours: float = 72.0
    prevention_forms_path: Path | None = None  # Jenis Kegiatan -> Bentuk CSV; None: the shipped one
    ui_base_url: str = ""  # the Airflow UI as operators reach it, for links in e-mails
    ingest_tasks: int = DEFAULT_INGEST_TASKS
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        def get(name: str, default: str = "") -> str:
            return (env.get(name) or default).strip()

        root = Path(get("REKAP_SHARED_ROOT", str(DEFAULT_DATA_DIR / "shared"))).expanduser()
        url = get("REKAP_WAREHOUSE_URL") or f"sqlite:///{(DEFAULT_DATA_DIR / 'warehouse.sqlite').resolve()}"
        source = get("REKAP_RECEIVED_AT_SOURCE", "first_seen")
        if source not in ("first_seen", "mtime"):
            raise SettingsError(f"REKAP_RECEIVED_AT_SOURCE must be first_seen or mtime, not {source!r}")
        return cls(
            shared_root=root,
            warehouse_url=url,
            served=parse_provinces(get("REKAP_PROVINCE")),
            registry_path=Path(get("REKAP_REGISTRY")) if get("REKAP_REGISTRY") else None,
            received_at_source=source,
            stable_seconds=_number("REKAP_STABLE_SECONDS", get("REKAP_STABLE_SECONDS", "60"), 0, 86400),
            deadline_day=_deadline_day(get("REKAP_DEADLINE_DAY")),
            max_file_mb=_number("REKAP_MAX_FILE_MB", get("REKAP_MAX_FILE_MB", "20"), 0.001, 1024),
            max_rows=_whole("REKAP_MAX_ROWS", get("REKAP_MAX_ROWS", "5000"), 1, 1_000_000),
            report_emails=_emails(get("REKAP_REPORT_EMAILS")),
            operator_emails=_emails(get("REKAP_OPERATOR_EMAILS")),
            smtp_conn_id=get("REKAP_SMTP_CONN_ID", "smtp_default"),
            score_weights=parse_score_weights(get("REKAP_SCORE_WEIGHTS")),
            province_set=bool(get("REKAP_PROVINCE")),
            approvers=_approvers(get("REKAP_APPROVERS")),
            national_approvers=_national_approvers(get),
            approval_timeout_hours=_approval_timeout_hours(get("REKAP_APPROVAL_TIMEOUT_HOURS")),
            prevention_forms_path=Path(get("REKAP_PREVENTION_FORMS"))
            if get("REKAP_PREVENTION_FORMS")
            else None,
            ui_base_url=_base_url(get("REKAP_UI_BASE_URL")),
            ingest_tasks=_whole(
                "REKAP_INGEST_TASKS", get("REKAP_INGEST_TASKS", str(DEFAULT_INGEST_TASKS)), 1, 256
            ),
        )

    @classmethod
    def from_env(cls) -> Settings:
        return cls.from_mapping(os.environ)

    @classmethod
    def from_airflow(cls, variable_get: Callable[[str], str | None]) -> Settings:
        """Environment first, then an Airflow Variable of the same name."""
        merged = {}
        for name in NAMES:
            value = os.environ.get(name)
            if value is None:
                value = variable_get(name)
            if value is not None:
                merged[name] = value
        return cls.from_mapping(merged)

    @property
    def registry(self) -> Registry:
        """The districts of the provinces this deployment serves (others are unknown to it)."""
        if "registry" not in self._cache:
            try:
                full = load_registry(self.registry_path)
                codes = tuple(full.province_codes()) if self.served == (ALL_PROVINCES,) else self.served
                self._cache["registry"] = full.for_provinces(codes)
            except RegistryError as exc:
                raise SettingsError(str(exc)) from exc
            self._cache["provinces"] = codes
        return self._cache["registry"]

    @property
    def provinces(self) -> tuple[str, ...]:
        """The codes of the provinces served, in the order given (``all``: the registry's order)."""
        _ = self.registry
        return self._cache["provinces"]

    @property
    def province_code(self) -> str:
        """The one province of a one-province view; with several, per-province work goes
        through ``for_province`` (or ``per_province``), never a silently chosen one."""
        if len(self.provinces) != 1:
            raise SettingsError(
                f"this needs one province but REKAP_PROVINCE serves {len(self.provinces)}: "
                f"{', '.join(self.provinces)}"
            )
        return self.provinces[0]

    def for_province(self, province_code: str) -> Settings:
        """These settings narrowed to one served province: what consolidation, the leadership
        workbook, approval and delivery work with (one of each per province)."""
        if province_code not in self.provinces:
            raise SettingsError(
                f"province {province_code} is not served here (REKAP_PROVINCE: {', '.join(self.provinces)})"
            )
        one = replace(self, served=(province_code,), _cache={})
        one._cache["registry"] = Registry(tuple(self.registry.in_province(province_code)))
        one._cache["provinces"] = (province_code,)
        return one

    def per_province(self) -> list[Settings]:
        return [self.for_province(p) for p in self.provinces]

    @property
    def timezone(self) -> ZoneInfo:
        """The deployment's calendar zone: the province's own; with several provinces, the one
        whose day ends last (WIB before WITA and WIT), so 'today' and the schedule never run
        ahead of a province still in its day. District deadlines use each district's zone."""
        return self.registry.latest_timezone()

    def today(self, now: datetime | None = None) -> date:
        """Today's date in the deployment's time zone (see ``timezone``)."""
        now = now or datetime.now(tz=self.timezone)
        return now.astimezone(self.timezone).date()

    def prevention_forms(self) -> dict[str, str]:
        from rekap.consolidation.prevention_forms import PreventionFormsError, load_prevention_forms

        try:
            return load_prevention_forms(self.prevention_forms_path)
        except PreventionFormsError as exc:
            raise SettingsError(f"REKAP_PREVENTION_FORMS: {exc}") from exc

    def limits(self):
        from rekap.report.opening import Limits

        return Limits(max_file_bytes=int(self.max_file_mb * 1024 * 1024), max_rows_per_sheet=self.max_rows)

    def require_shared_root(self) -> Path:
        """The drive's root, once it is known to be the set-up drive (its marker is there):
        called before anything reads or writes the drive or the warehouse."""
        from rekap.drive import check_marker

        if not self.shared_root.is_dir():
            raise SettingsError(
                f"REKAP_SHARED_ROOT {self.shared_root} is not a folder: mount the shared drive or fix the setting"
            )
        return check_marker(self.shared_root)


@dataclass(frozen=True)
class ParseTimeSettings:
    """What the DAG files and the timetable need while Airflow parses them: from the
    environment only, checked as ``Settings`` checks them, so a wrong value is a one-line
    DAG import error instead of a crash deep in Airflow (or a silently different default)."""

    # from the registry: the province's zone, with several the one whose day ends last
    # (Settings.timezone): anchors the schedules, so consolidation runs after every deadline
    timezone: str = DEFAULT_TIMEZONE
    deadline_day: int = DEFAULT_DEADLINE_DAY
    ingest_schedule: str = DEFAULT_INGEST_SCHEDULE
    task_retries: int = 2
    consolidation_deadline_hours: float = 2.0
    approvers: tuple[str, ...] = ()  # Airflow user names asked to approve (Required Actions)
    approval_timeout_hours: float = 72.0
    national_approvers: tuple[str, ...] = ()  # ... asked to approve the national report (default: approvers)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> ParseTimeSettings:
        def get(name: str, default: str = "") -> str:
            return (env.get(name) or default).strip()

        return cls(
            timezone=_deployment_timezone(parse_provinces(get("REKAP_PROVINCE")), get("REKAP_REGISTRY")),
            deadline_day=_deadline_day(get("REKAP_DEADLINE_DAY")),
            ingest_schedule=get("REKAP_INGEST_SCHEDULE", DEFAULT_INGEST_SCHEDULE),
            task_retries=_whole("REKAP_TASK_RETRIES", get("REKAP_TASK_RETRIES", "2"), 0, 10),
            consolidation_deadline_hours=_number(
                "REKAP_CONSOLIDATION_DEADLINE_HOURS", get("REKAP_CONSOLIDATION_DEADLINE_HOURS", "2"), 0, 168
            ),
            approvers=_approvers(get("REKAP_APPROVERS")),
            approval_timeout_hours=_approval_timeout_hours(get("REKAP_APPROVAL_TIMEOUT_HOURS")),
            national_approvers=_national_approvers(get),
        )


def _approvers(value: str) -> tuple[str, ...]:
    """Airflow user names, comma- or semicolon-separated."""
    return tuple(n.strip() for n in value.replace(";", ",").split(",") if n.strip())


def _national_approvers(get: Callable[[str], str]) -> tuple[str, ...]:
    """REKAP_NATIONAL_APPROVERS, falling back to REKAP_APPROVERS when empty."""
    return _approvers(get("REKAP_NATIONAL_APPROVERS")) or _approvers(get("REKAP_APPROVERS"))


def _approval_timeout_hours(value: str) -> float:
    return _number("REKAP_APPROVAL_TIMEOUT_HOURS", value or "72", 0.001, 24 * 60)


def parse_time_settings() -> ParseTimeSettings:
    return ParseTimeSettings.from_mapping(os.environ)


def _deployment_timezone(served: tuple[str, ...], registry: str) -> str:
    try:
        full = load_registry(registry or None)
        codes = tuple(full.province_codes()) if served == (ALL_PROVINCES,) else served
        return full.for_provinces(codes).latest_timezone().key
    except RegistryError:
        # The DAGs still parse; their first task stops on the wrong setting with one clear line.
        return DEFAULT_TIMEZONE


def parse_provinces(text: str) -> tuple[str, ...]:
    """``REKAP_PROVINCE``: one code (``36``), a comma-separated list (``36,74,94``) or ``all``;
    empty means the pilot province. Whether the codes exist is the registry's to say."""
    text = text.strip()
    if not text:
        return (DEFAULT_PROVINCE,)
    if text.lower() == ALL_PROVINCES:
        return (ALL_PROVINCES,)
    codes = [c.strip() for c in text.split(",")]
    bad = [c for c in codes if not (len(c) == 2 and c.isdigit())]
    if bad:
        raise SettingsError(
            "REKAP_PROVINCE takes a province code (36), a comma-separated list (36,74,94) or all,"
            f" not {text!r}"
        )
    return tuple(dict.fromkeys(codes))  # a code given twice is served once


def resource_dir(name: str) -> Path:
    """``sql`` or ``expectations``: its setting (``REKAP_SQL_DIR``, ``REKAP_EXPECTATIONS_DIR``)
    when set, else the folder beside the package (a checkout, the image's /opt/rekap). An
    installed package without that tree points the setting at its copy."""
    setting = RESOURCE_NAMES[name]
    override = os.environ.get(setting, "").strip()
    path = Path(override).expanduser() if override else Path(rekap.__file__).resolve().parents[2] / name
    if not path.is_dir():
        raise SettingsError(f"{setting}: {path} is not a folder; point {setting} at the project's {name}/")
    return path


def local_airflow_port(default: int) -> int:
    """``REKAP_AIRFLOW_PORT``: the UI/API port of the local Airflow (``make airflow``)."""
    return _whole(
        "REKAP_AIRFLOW_PORT", os.environ.get("REKAP_AIRFLOW_PORT", "").strip() or str(default), 1, 65535
    )


def airflow_hostname() -> str:
    """``REKAP_AIRFLOW_HOSTNAME``: the name a local Airflow worker reports (empty: the machine's)."""
    return os.environ.get("REKAP_AIRFLOW_HOSTNAME", "").strip()


def check_deadline_day(day: int) -> int:
    """The rule of REKAP_DEADLINE_DAY, for values that do not come from text (the timetable)."""
    if not 1 <= day <= MAX_DEADLINE_DAY:
        raise SettingsError(f"REKAP_DEADLINE_DAY must be between 1 and {MAX_DEADLINE_DAY}, not {day}")
    return day


def _deadline_day(text: str) -> int:
    return _whole("REKAP_DEADLINE_DAY", text or str(DEFAULT_DEADLINE_DAY), 1, MAX_DEADLINE_DAY)


def _whole(name: str, text: str, low: int, high: int) -> int:
    return int(_number(name, text, low, high))


def _number(name: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, not {text!r}") from exc
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, not {text}")
    return value


def parse_score_weights(text: str | None) -> tuple[float, ...]:
    """``REKAP_SCORE_WEIGHTS=0.2,0.1,0.3,0.2,0.2``; empty means the default of metrics.md."""
    if not text or not text.strip():
        return DEFAULT_SCORE_WEIGHTS
    try:
        weights = tuple(float(p) for p in text.split(","))
    except ValueError:
        weights = ()
    if len(weights) != 5 or any(w < 0 for w in weights):
        raise SettingsError(
            "REKAP_SCORE_WEIGHTS needs five non-negative numbers: reporting,on_time,pleno,completeness,"
            f"documented (default 0.2,0.1,0.3,0.2,0.2), not {text!r}"
        )
    return weights


def _base_url(text: str) -> str:
    if text and not text.startswith(("http://", "https://")):
        raise SettingsError(f"REKAP_UI_BASE_URL must start with http:// or https://, not {text!r}")
    return text.rstrip("/")


def _emails(text: str) -> tuple[str, ...]:
    return tuple(e.strip() for e in text.replace(";", ",").split(",") if e.strip())
