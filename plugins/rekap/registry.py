"""The district registry: which districts exist, their province and time zone.

The registry is configuration the deploying office maintains (a CSV), not code. The copy
shipped in ``rekap/data/districts.csv`` (all 38 provinces, 514 kabupaten/kota; source and
licence in ``rekap/data/NOTICE.md``) is the default; ``REKAP_REGISTRY`` points elsewhere.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

# Bawaslu Kabupaten/Kota became permanent bodies with UU 7/2017; no report predates 2018.
DEFAULT_FIRST_MONTH = (2018, 1)
# The time zone of the pilot province (Banten, WIB): the fallback where no registry row says.
DEFAULT_TIMEZONE = "Asia/Jakarta"
REQUIRED_COLUMNS = (
    "province_code",
    "province_name",
    "timezone",
    "district_code",
    "district_name",
    "kind",
)


class RegistryError(ValueError):
    """The registry file is missing or malformed."""


@dataclass(frozen=True)
class District:
    province_code: str
    province_name: str
    timezone: str
    district_code: str
    district_name: str
    kind: str  # kabupaten | kota
    # First reporting month "YYYY-MM" (optional registry column); districts created later,
    # e.g. a new kabupaten, cannot report for months before they existed.
    active_from: str | None = None

    @property
    def first_month(self) -> tuple[int, int]:
        if self.active_from:
            year, month = self.active_from.split("-")
            return int(year), int(month)
        return DEFAULT_FIRST_MONTH

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def dotted_code(self) -> str:
        """``3603`` -> ``36.03``, the way the code is printed on paper."""
        return f"{self.district_code[:2]}.{self.district_code[2:]}"


@dataclass(frozen=True)
class Registry:
    districts: tuple[District, ...]

    @cached_property
    def by_code(self) -> dict[str, District]:
        return {d.district_code: d for d in self.districts}

    def get(self, district_code: str) -> District | None:
        return self.by_code.get(district_code)

    def province_codes(self) -> list[str]:
        return sorted({d.province_code for d in self.districts})

    def in_province(self, province_code: str) -> list[District]:
        return [d for d in self.districts if d.province_code == province_code]

    def province_name(self, province_code: str) -> str:
        for d in self.districts:
            if d.province_code == province_code:
                return d.province_name
        raise RegistryError(f"province {province_code} is not in the registry")

    def province_timezone(self, province_code: str) -> ZoneInfo:
        for d in self.districts:
            if d.province_code == province_code:
                return d.zone
        raise RegistryError(f"province {province_code} is not in the registry")

    def for_province(self, province_code: str) -> Registry:
        """The registry as a one-province deployment sees it: only that province's districts."""
        return self.for_provinces((province_code,))

    def for_provinces(self, province_codes: tuple[str, ...] | list[str]) -> Registry:
        """The registry as a deployment sees it: the districts of the provinces it serves
        (others are unknown to it)."""
        unknown = [p for p in province_codes if not self.in_province(p)]
        if unknown:
            raise RegistryError(
                f"province {', '.join(map(repr, unknown))} is not in the registry (known: "
                f"{', '.join(self.province_codes())}); set REKAP_PROVINCE to one of those, a list, or all"
            )
        wanted = set(province_codes)
        return Registry(tuple(d for d in self.districts if d.province_code in wanted))

    def latest_timezone(self) -> ZoneInfo:
        """Of the zones of these districts, the one whose day ends last (WIB before WITA and
        WIT): a time of day there comes after the same local time everywhere else, so a
        schedule anchored in it runs after every province's deadline."""
        moment = datetime.now(UTC)  # Indonesia has no daylight saving: any moment gives the order
        zones = {d.timezone for d in self.districts} or {DEFAULT_TIMEZONE}
        return min((ZoneInfo(z) for z in sorted(zones)), key=lambda z: moment.astimezone(z).utcoffset())


def default_registry_path() -> Path:
    return Path(str(resources.files("rekap") / "data" / "districts.csv"))


def load_registry(path: str | Path | None = None) -> Registry:
    path = Path(path) if path else default_registry_path()
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise RegistryError(f"registry {path} lacks columns: {', '.join(missing)}")
            rows = list(reader)
    except FileNotFoundError as exc:
        raise RegistryError(f"registry file {path} does not exist (check REKAP_REGISTRY)") from exc
    districts = []
    for n, row in enumerate(rows, start=2):
        code = (row["district_code"] or "").strip()
        if not (len(code) == 4 and code.isdigit()):
            raise RegistryError(f"registry {path} line {n}: district_code {code!r} is not 4 digits")
        try:
            ZoneInfo(row["timezone"].strip())
        except Exception as exc:
            raise RegistryError(f"registry {path} line {n}: unknown time zone {row['timezone']!r}") from exc
        districts.append(
            District(
                province_code=row["province_code"].strip(),
                province_name=row["province_name"].strip(),
                timezone=row["timezone"].strip(),
                district_code=code,
                district_name=row["district_name"].strip(),
                kind=row["kind"].strip(),
                active_from=_active_from(row.get("active_from"), path, n),
            )
        )
    return Registry(tuple(districts))


def _active_from(value: str | None, path: Path, line: int) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    parts = value.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        raise RegistryError(f"registry {path} line {line}: active_from {value!r} is not YYYY-MM")
    return value
