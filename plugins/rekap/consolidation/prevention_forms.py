"""Which national prevention form (Bentuk, Bawaslu RI's Form Pencegahan) each Jenis Kegiatan
belongs to (report-format.md "Pencegahan").

The mapping is configuration, not code: ``rekap/data/prevention_forms.csv`` ships the default
of report-format.md; a province that maps differently edits a copy and points
``REKAP_PREVENTION_FORMS`` at it (read by ``rekap.settings``)."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

# The eight national forms, in the order of the national form.
FORMS = (
    "Identifikasi Kerawanan",
    "Pendidikan",
    "Partisipasi Masyarakat",
    "Kerja Sama",
    "Imbauan",
    "Publikasi",
    "Naskah Dinas",
    "Kegiatan Lainnya",
)
OTHER_FORM = "Kegiatan Lainnya"


class PreventionFormsError(ValueError):
    """The mapping file is missing or malformed; the message is one line."""


def default_path() -> Path:
    return Path(str(resources.files("rekap") / "data" / "prevention_forms.csv"))


def load_prevention_forms(path: str | Path | None = None) -> dict[str, str]:
    """Jenis Kegiatan -> Bentuk, checked against the eight national forms."""
    path = Path(path) if path else default_path()
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise PreventionFormsError(f"prevention forms file {path} does not exist") from exc
    mapping: dict[str, str] = {}
    for n, row in enumerate(rows, start=2):
        jenis = (row.get("jenis_kegiatan") or "").strip()
        bentuk = (row.get("bentuk") or "").strip()
        if not jenis or bentuk not in FORMS:
            raise PreventionFormsError(
                f"{path} line {n}: needs jenis_kegiatan and a bentuk among {', '.join(FORMS)}"
            )
        mapping[jenis] = bentuk
    return mapping


def form_of(mapping: dict[str, str], jenis: str) -> str:
    """An activity type the mapping does not know counts as Kegiatan Lainnya."""
    return mapping.get(jenis, OTHER_FORM)
