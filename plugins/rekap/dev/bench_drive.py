"""A shared drive of any size for the benchmark (``make bench``): every district of a registry,
any months, as districts fill it, deterministic for a seed.

The reports come from the demo's generator (``rekap.dev.demo``: ``report_rows``,
``fill_template``, ``messy_report``), so they are the files districts make: the template
filled in, a share with row issues, a few made without the template, corrections, a report
dropped in a neighbour's folder and a Word document saved as .xlsx (both rejected).

Writing ~6,200 workbooks with openpyxl would take a quarter of an hour (~150 ms each), so each
distinct content (kind of report, time zone, month, variant) is written once, for a placeholder
district, and every district's file is that workbook with the placeholder's code and name
replaced by the district's in the sheet XML (~2 ms a file). The identity cells therefore match
the folder exactly as a real template would, and the reader sees a real workbook.
"""

from __future__ import annotations

import io
import os
import random
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from rekap.dev.demo import fill_template, messy_report, report_rows
from rekap.drive import init_drive
from rekap.registry import District, Registry
from rekap.report import vocab
from rekap.report.template import template_filename

# What each prototype is made for, and what a file of that kind says in the run summary.
CLEAN, ISSUES, MESSY, CORRECTION, WRONG_DISTRICT, WORD_DOC, STRAY = (
    "clean",
    "issues",
    "messy",
    "correction",
    "wrong_district",
    "word_doc",
    "stray",
)
CLEAN_VARIANTS = 2  # content variants of a good report per zone and month (members 5 and 3)

# The placeholder district of every prototype: strings found nowhere else in a workbook.
_CODE = "Q9Q9"
_NAME = "Kabupaten Qzxqbench"


@dataclass(frozen=True)
class Shares:
    """How often each situation occurs, per district-month (deterministic for the seed)."""

    issues: float = 0.15  # incomplete rows: accepted with issues
    messy: float = 0.03  # made without the template (title row, dates as text)
    correction: float = 0.01  # a second, corrected file for the month (supersedes the first)
    wrong_district: float = 0.005  # a file of this district dropped in a neighbour's folder: rejected
    word_doc: float = 0.003  # a Word document renamed .xlsx: rejected
    late: float = 0.08  # arrives after the deadline


@dataclass(frozen=True)
class DriveFile:
    path: Path
    district_code: str  # the folder it lies in ("" directly in inbox/)
    year: int
    month: int
    kind: str
    arrived: datetime


@dataclass
class BenchDrive:
    root: Path
    files: list[DriveFile] = field(default_factory=list)
    prototypes: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out


_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fixed_time(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
    fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
    return fixed


def _placeholder(zone: str) -> District:
    return District("99", "Bench", zone, _CODE, _NAME, "kabupaten")


def _replacements(district: District) -> list[tuple[bytes, bytes]]:
    """Placeholder strings -> the district's, as they appear in the sheet XML (escaped)."""
    ph = _placeholder(district.timezone)
    pairs = [
        (ph.dotted_code, district.dotted_code),
        (ph.district_code, district.district_code),
        (ph.district_name.upper(), district.district_name.upper()),
        (ph.district_name.lower(), district.district_name.lower()),
        (ph.district_name, district.district_name),
    ]
    return [(escape(a).encode(), escape(b).encode()) for a, b in pairs]


class _Prototypes:
    """Each distinct workbook, written once with the demo's generator and kept in memory as its
    zip entries."""

    def __init__(self, scratch: Path, seed: int) -> None:
        self.scratch = scratch
        self.seed = seed
        self.cache: dict[tuple, list[tuple[zipfile.ZipInfo, bytes]]] = {}

    def get(self, kind: str, zone: str, year: int, month: int, variant: int = 0):
        key = (kind, zone if kind != MESSY else "", year, month, variant)
        if key not in self.cache:
            self.cache[key] = self._build(*key)
        return self.cache[key]

    def _build(self, kind: str, zone: str, year: int, month: int, variant: int):
        # One rng per prototype: the same key always gives the same workbook.
        rng = random.Random(f"{self.seed}:{kind}:{zone}:{year}-{month}:{variant}")
        district = _placeholder(zone or "Asia/Jakarta")
        members = 5 if variant % 2 == 0 else 3
        quality = 0.6 if kind == ISSUES else 0.95
        pleno, pencegahan, kelembagaan = report_rows(rng, year, month, members, quality)
        path = self.scratch / f"{len(self.cache)}.xlsx"
        if kind == ISSUES:  # as the demo's: a missing Keputusan and an unreadable count
            pleno[0]["decision"] = None
            pencegahan[0]["participants"] = "banyak"
        if kind == CORRECTION:
            pleno.append(
                {
                    "no": len(pleno) + 1,
                    "date": date(year, month, 28),
                    "pleno_type": "Rutin",
                    "minutes_number": f"099/BA/PL.01/{month:02d}/{year}",
                    "attendance": members,
                    "agenda": "Pleno susulan",
                    "decision": "Disetujui",
                    "minutes": "Ada",
                    "remarks": "koreksi",
                }
            )
        if kind == MESSY:
            messy_report(path, district, year, month, members, pleno, pencegahan)
        else:
            fill_template(path, district, year, month, members, pleno, pencegahan, kelembagaan)
        with zipfile.ZipFile(path) as zf:
            entries = [(_fixed_time(info), zf.read(info)) for info in zf.infolist()]
        path.unlink()
        # openpyxl stamps the workbook with the time it was saved: fixed, so a seed gives the
        # same bytes (and the same sha256 the intake recognises) on every run
        return [(info, _CORE_TIMES.sub(rb"\g<1>2025-01-01T00:00:00Z\g<2>", data)) for info, data in entries]


def _stamp(entries, district: District, out: Path) -> None:
    """The prototype as ``district``'s workbook: its code and name in every sheet."""
    pairs = _replacements(district)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            if info.filename.startswith("xl/") and info.filename.endswith(".xml"):
                for old, new in pairs:
                    data = data.replace(old, new)
                if b"Q9Q9" in data or b"Q9.Q9" in data or b"qzxqbench" in data.lower():
                    raise AssertionError(f"placeholder left in {info.filename} of {out}")
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def word_document(text: str) -> bytes:
    """A minimal .docx (a zip, like an .xlsx, but a Word document): what a district gets when it
    renames its Word report to .xlsx."""
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p></w:body></w:document>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("[Content_Types].xml", types), ("word/document.xml", body)):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _arrival(rng: random.Random, district: District, year: int, month: int, late: bool) -> datetime:
    """When the file came in: the first days of the next month, or after the deadline."""
    y, m = (year, month + 1) if month < 12 else (year + 1, 1)
    day = rng.randint(7, 20) if late else rng.randint(1, 5)
    return datetime(y, m, day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=district.zone)


def generate_bench_drive(
    root: Path,
    registry: Registry,
    months: list[tuple[int, int]],
    seed: int = 2025,
    shares: Shares | None = None,
) -> BenchDrive:
    """``rekap drive init`` for every district of ``registry``, then one report per district and
    month in its ``inbox/<kode>/`` (plus the occasional correction, neighbour's file and Word
    document) and one file directly in ``inbox/`` (left for the operator). File times are the
    arrival times (run the intake with ``REKAP_RECEIVED_AT_SOURCE=mtime``)."""
    shares = shares or Shares()
    root.mkdir(parents=True, exist_ok=True)
    districts = list(registry.districts)
    init_drive(root, [d.district_code for d in districts])
    inbox = root / "inbox"
    rng = random.Random(seed)
    drive = BenchDrive(root)
    with tempfile.TemporaryDirectory(prefix="rekap-bench-proto-") as scratch:
        protos = _Prototypes(Path(scratch), seed)

        def add(path: Path, folder: str, year: int, month: int, kind: str, arrived: datetime) -> None:
            ts = arrived.timestamp()
            os.utime(path, (ts, ts))
            drive.files.append(DriveFile(path, folder, year, month, kind, arrived))

        own: dict[tuple[str, int, int], tuple[str, int]] = {}  # each district-month's own workbook

        def neighbours_file(i: int, d: District, year: int, month: int, arrived: datetime) -> None:
            """This district's report in the next district's folder: a clean variant other than
            its own, so the bytes are new and the intake reads (and rejects) it."""
            neighbour = districts[(i + 1) % len(districts)]
            name = f"Laporan_{d.district_code}_{year}-{month:02d}_titipan.xlsx"
            path = inbox / neighbour.district_code / name
            kind, variant = own.get((d.district_code, year, month), (CLEAN, -1))
            other = (variant + 1) % CLEAN_VARIANTS if kind == CLEAN else 0
            _stamp(protos.get(CLEAN, d.timezone, year, month, other), d, path)
            add(path, neighbour.district_code, year, month, WRONG_DISTRICT, arrived)

        def word_file(d: District, year: int, month: int, arrived: datetime) -> None:
            path = (
                inbox
                / d.district_code
                / f"laporan_{vocab.month_name(month).lower()}_{d.district_code}_word.xlsx"
            )
            path.write_bytes(word_document(f"Laporan {d.district_name} {vocab.month_name(month)} {year}"))
            add(path, d.district_code, year, month, WORD_DOC, arrived)

        for year, month in months:
            for i, d in enumerate(districts):
                if d.first_month > (year, month):
                    continue
                folder = inbox / d.district_code
                draw = rng.random()
                variant = rng.randrange(CLEAN_VARIANTS)
                late = rng.random() < shares.late
                arrived = _arrival(rng, d, year, month, late)
                if draw < shares.messy:
                    kind = MESSY
                    name = f"laporan {vocab.month_name(month).lower()} {d.district_name.lower()}.xlsx"
                    entries = protos.get(MESSY, d.timezone, year, month)
                else:
                    kind = ISSUES if draw < shares.messy + shares.issues else CLEAN
                    name = template_filename(d.district_code, year, month)
                    entries = protos.get(kind, d.timezone, year, month, variant if kind == CLEAN else 0)
                _stamp(entries, d, folder / name)
                own[(d.district_code, year, month)] = (kind, variant)
                add(folder / name, d.district_code, year, month, kind, arrived)
                if rng.random() < shares.correction:
                    path = folder / f"Laporan_{d.district_code}_{year}-{month:02d}_revisi.xlsx"
                    _stamp(protos.get(CORRECTION, d.timezone, year, month), d, path)
                    add(path, d.district_code, year, month, CORRECTION, arrived + timedelta(days=2))
                if rng.random() < shares.wrong_district:
                    neighbours_file(i, d, year, month, arrived)
                if rng.random() < shares.word_doc:
                    word_file(d, year, month, arrived)
        # a small drive still has one of each rejection
        d, (year, month) = districts[-1], months[-1]
        arrived = _arrival(rng, d, year, month, False)
        if not any(f.kind == WRONG_DISTRICT for f in drive.files):
            neighbours_file(len(districts) - 1, d, year, month, arrived)
        if not any(f.kind == WORD_DOC for f in drive.files):
            word_file(d, year, month, arrived)
        # one report dropped directly in inbox/: never read, listed for the operator every run
        d = districts[0]
        year, month = months[0]
        path = inbox / f"laporan_tanpa_folder_{d.district_code}.xlsx"
        _stamp(protos.get(CLEAN, d.timezone, year, month, 0), d, path)
        add(path, "", year, month, STRAY, _arrival(rng, d, year, month, False))
        drive.prototypes = len(protos.cache)
    return drive
