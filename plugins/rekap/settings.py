"""Every setting of rekap, in one place (documented in the README).

The CLI reads them from the environment; the DAGs from the environment or, when set,
Airflow Variables of the same name (see ``Settings.from_airflow``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rekap.registry import Registry, RegistryError, load_registry

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
    "REKAP_UI_BASE_URL",
)
# score = 100 × Σ weight × rate, in the order of metrics.md's formula:
# reporting, on time, pleno compliance, record completeness, documented prevention.
DEFAULT_SCORE_WEIGHTS = (0.20, 0.10, 0.30, 0.20, 0.20)
DEFAULT_PROVINCE = "36"  # Banten, the pilot province
DEFAULT_DATA_DIR = Path("data")


class SettingsError(ValueError):
    """A wrong setting: the message is one line that says what to fix."""


@dataclass(frozen=True)
class Settings:
    shared_root: Path
    warehouse_url: str
    province_code: str
    registry_path: Path | None
    received_at_source: str = "first_seen"
    stable_seconds: float = 60.0
    deadline_day: int = 5
    max_file_mb: float = 20.0
    max_rows: int = 5000
    report_emails: tuple[str, ...] = ()
    operator_emails: tuple[str, ...] = ()
    smtp_conn_id: str = "smtp_default"
    score_weights: tuple[float, ...] = DEFAULT_SCORE_WEIGHTS
    ui_base_url: str = ""  # the Airflow UI as operators reach it, for links in e-mails
    _registry: list = field(default_factory=list, repr=False, compare=False)

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
            province_code=get("REKAP_PROVINCE", DEFAULT_PROVINCE),
            registry_path=Path(get("REKAP_REGISTRY")) if get("REKAP_REGISTRY") else None,
            received_at_source=source,
            stable_seconds=_number("REKAP_STABLE_SECONDS", get("REKAP_STABLE_SECONDS", "60"), 0, 86400),
            deadline_day=int(_number("REKAP_DEADLINE_DAY", get("REKAP_DEADLINE_DAY", "5"), 1, 28)),
            max_file_mb=_number("REKAP_MAX_FILE_MB", get("REKAP_MAX_FILE_MB", "20"), 0.001, 1024),
            max_rows=int(_number("REKAP_MAX_ROWS", get("REKAP_MAX_ROWS", "5000"), 1, 1_000_000)),
            report_emails=_emails(get("REKAP_REPORT_EMAILS")),
            operator_emails=_emails(get("REKAP_OPERATOR_EMAILS")),
            smtp_conn_id=get("REKAP_SMTP_CONN_ID", "smtp_default"),
            score_weights=parse_score_weights(get("REKAP_SCORE_WEIGHTS")),
            ui_base_url=_base_url(get("REKAP_UI_BASE_URL")),
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
        """The districts of this deployment's province (others are unknown to it)."""
        if not self._registry:
            try:
                self._registry.append(load_registry(self.registry_path).for_province(self.province_code))
            except RegistryError as exc:
                raise SettingsError(str(exc)) from exc
        return self._registry[0]

    @property
    def timezone(self) -> ZoneInfo:
        return self.registry.province_timezone(self.province_code)

    def today(self, now: datetime | None = None) -> date:
        """Today's date in the province's time zone."""
        now = now or datetime.now(tz=self.timezone)
        return now.astimezone(self.timezone).date()

    def limits(self):
        from rekap.workbook import Limits

        return Limits(max_file_bytes=int(self.max_file_mb * 1024 * 1024), max_rows_per_sheet=self.max_rows)

    def require_shared_root(self) -> Path:
        if not self.shared_root.is_dir():
            raise SettingsError(
                f"REKAP_SHARED_ROOT {self.shared_root} is not a folder: mount the shared drive or fix the setting"
            )
        return self.shared_root


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
