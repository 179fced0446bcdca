"""One consolidation of a two-month period: readiness, data quality, marts, workbook.

``consolidate_served`` is what the ``consolidate_bimonthly`` DAG's main task and ``rekap
consolidate`` both run: ``consolidate_period`` once per served province
(``Settings.for_province``; each province has its own marts, workbook and approval), then the
national report from their marts. A province's warehouse writes (both marts, the run record,
its data-quality results when it is consolidated alone) are one transaction, and the workbook
is written to a hidden partial file first and put in place only after the commit: a run that
fails leaves that province's warehouse rows and ``reports/`` as they were. With several
provinces the period-completeness check runs in a second process meanwhile and its results
are recorded after the reports (``PeriodCheck``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from rekap.consolidation.approval import (
    DRAF,
    FINAL,
    NATIONAL,
    Approval,
    approved_draft,
    check_period,
    mark_delivered,
    period_deadline,
    record_draft,
    report_state,
)
from rekap.consolidation.metrics import ScoreWeights, compute_marts, compute_national_mart, ensure_calendar
from rekap.periods import Period
from rekap.report import vocab
from rekap.settings import Settings
from rekap.warehouse import insert_dq_results, insert_run, require_schema, transaction

log = logging.getLogger(__name__)

REPORTS = "reports"
DRAFTS = "draf"  # reports/draf/: DRAF and SEMENTARA workbooks, never the FINAL one leadership gets


@dataclass
class Readiness:
    period_id: str
    expected: int  # district-months
    received: int
    missing: list[dict[str, Any]] = field(default_factory=list)  # district_code, district_name, year, month

    def lines(self) -> list[str]:
        head = f"{self.period_id}: {self.received}/{self.expected} laporan bulanan masuk"
        return [head] + [
            f"  belum masuk: {m['district_code']} {m['district_name']} {vocab.month_name(m['month'])} {m['year']}"
            for m in self.missing
        ]


@dataclass
class ConsolidationResult:
    period_id: str
    report_path: Path
    previous_version: Path | None
    readiness: Readiness
    districts: list[dict[str, Any]]
    province: dict[str, Any]
    state: str = DRAF
    version: int | None = None  # the draft's version, waiting for approval (DRAF only)
    data: Any = None  # the rekap.consolidation.report_data.LeadershipData the workbook was written from

    def approval_request(self) -> tuple[str, str]:
        """Subject and Markdown body of the Required Action: headline figures, what needs the
        chair, and where the draft is."""
        from rekap.consolidation.report_data import attention

        p = self.province
        period = self.data.period if self.data is not None else None
        label = period.label_id if period else self.period_id

        def pct(value: Any) -> str:
            return "-" if value is None else f"{100 * float(value):.1f}%".replace(".", ",")

        counts = {s: sum(1 for d in self.districts if d.get("status") == s) for s in STATUS_ORDER}
        lines = [
            f"**Laporan Komprehensif {label} ({self.period_id}), draf versi {self.version}** — menunggu persetujuan.",
            "",
            f"* Kab/kota melapor: {p.get('districts_reported', 0)} dari {p.get('districts_total', 0)}"
            f" (tingkat pelaporan {pct(p.get('reporting_rate'))}, tepat waktu {pct(p.get('on_time_rate'))})",
            f"* Kepatuhan pleno mingguan: {pct(p.get('pleno_compliance'))}; kegiatan pencegahan:"
            f" {p.get('prevention_count', 0)} ({p.get('prevention_participants', 0)} peserta)",
            "* Status: " + ", ".join(f"{s} {n}" for s, n in counts.items()),
            "",
            "**Perlu perhatian:**",
        ]
        items = attention(self.data) if self.data is not None else []
        lines += [f"* {i.district_name} ({i.district_code}) — {i.topic}: {i.detail}" for i in items[:40]]
        if len(items) > 40:
            lines.append(f"* … dan {len(items) - 40} lainnya (lembar Ringkasan)")
        if not items:
            lines.append("* tidak ada")
        lines += [
            "",
            f"Draf: `{self.report_path}`",
            "",
            "**Setujui**: laporan ditulis FINAL (nama dan waktu persetujuan tercantum) dan dikirim ke pimpinan."
            " **Tolak**: tidak ada yang dikirim; isi alasan agar operator tahu apa yang diperbaiki.",
        ]
        subject = f"Persetujuan Laporan Komprehensif {label} (draf v{self.version})"
        return subject, "\n".join(lines)

    def score_table(self) -> list[str]:
        lines = [f"{'#':>3}  {'kode':4}  {'kab/kota':28} {'skor':>6}  status"]
        for d in self.districts:
            lines.append(
                f"{d['rank']:>3}  {d['district_code']:4}  {d['district_name'][:28]:28} {d['score']:6.1f}  {d['status']}"
            )
        return lines


def readiness_rows(conn: Connection, settings: Settings, period: Period) -> list[dict[str, Any]]:
    """One row per registered district and month of the period: is an accepted report in?"""
    (first_year, first_month), (last_year, last_month) = period.months[0], period.months[-1]
    received = {
        tuple(row)
        for row in conn.execute(
            text(
                "SELECT DISTINCT district_code, year, month FROM submissions WHERE status <> 'rejected'"
                " AND year * 100 + month BETWEEN :first AND :last"
            ),
            {"first": first_year * 100 + first_month, "last": last_year * 100 + last_month},
        )
    }
    return [
        {
            "district_code": d.district_code,
            "district_name": d.district_name,
            "year": year,
            "month": month,
            "received": int((d.district_code, year, month) in received),
        }
        for d in settings.registry.districts
        for year, month in period.months
    ]


def check_readiness(settings: Settings, period: Period) -> Readiness:
    """Which reports of the period are still missing (read-only; never fails for them)."""
    with transaction(settings.warehouse_url) as conn:
        rows = readiness_rows(conn, settings, period)
    missing = [r for r in rows if not r["received"]]
    return Readiness(period.period_id, len(rows), len(rows) - len(missing), missing)


def period_quality(rows: list[dict[str, Any]]):
    """The period-completeness GX suite over the readiness rows."""
    from rekap.report.validation import run_suite

    return run_suite("period_completeness", _check_frame(rows), ["district_code", "year", "month"])


def period_check_input(settings: Settings, rows: list[dict[str, Any]]) -> tuple[list[dict], dict[str, str]]:
    """What the check of several provinces needs, plain enough to send to another process: the
    readiness rows' columns the suite reads and each district's province."""
    return _check_frame(rows), {d.district_code: d.province_code for d in settings.registry.districts}


def _check_frame(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: r[k] for k in ("district_code", "year", "month", "received")} for r in rows]


def period_quality_by_province(frame: list[dict[str, Any]], province_of: dict[str, str]) -> dict[str, Any]:
    """The period-completeness suite over ``frame`` in one GX run, answered per province as if
    each had been checked alone (runs in the check's own process, see ``consolidate_served``)."""
    from rekap.intake.run_log import quiet_great_expectations
    from rekap.report.validation import run_suite_by_scope

    quiet_great_expectations()
    return run_suite_by_scope(
        "period_completeness",
        frame,
        ["district_code", "year", "month"],
        lambda row: province_of[str(row["district_code"])],
    )


def missing_details(missing: list[dict[str, Any]]) -> str | None:
    """The missing district-months as the period check's result records them."""
    return ", ".join(f"{m['district_code']}/{m['year']}-{m['month']:02d}" for m in missing) or None


class PeriodCheck:
    """The period-completeness GX check of every served province, run in a second process
    while the provinces are consolidated: importing GX alone takes ~2 s, which a national
    consolidation would otherwise spend before its first province. Its results are recorded
    after the provinces' reports (``record``), under each province's run, in one transaction.
    Read before the provinces' own transactions: a report arriving meanwhile shows in the
    next consolidation's results, as the readiness each province lists does.

    The second process is a plain ``python -c`` (not multiprocessing: a Celery worker's task
    process is a daemon, which may not have multiprocessing children), exchanging pickles
    through files. If it cannot start, fails or takes longer than ``TIMEOUT`` seconds, the
    check runs here instead: the helper process never decides the run."""

    TIMEOUT = 600.0
    _CODE = (
        "import sys; from rekap.consolidation.consolidate import run_period_check_files;"
        " run_period_check_files(sys.argv[1], sys.argv[2])"
    )

    def __init__(self, settings: Settings, period: Period):
        import pickle
        import subprocess
        import sys
        import tempfile

        with transaction(settings.warehouse_url) as conn:
            rows = readiness_rows(conn, settings, period)
        self._input = period_check_input(settings, rows)
        self._folder = tempfile.TemporaryDirectory(prefix="rekap-period-check-")
        folder = Path(self._folder.name)
        self._out, self._log = folder / "answer.pickle", folder / "stderr.txt"
        (folder / "input.pickle").write_bytes(pickle.dumps(self._input))
        env = dict(os.environ)  # the package's own folder first: Airflow may have put it on sys.path only
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            with self._log.open("wb") as stderr:
                self._process: subprocess.Popen | None = subprocess.Popen(
                    [sys.executable, "-c", self._CODE, str(folder / "input.pickle"), str(self._out)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    env=env,
                )
        except OSError as exc:
            log.warning("period check: no second process (%s); checking in this one", exc)
            self._process = None

    def answer(self) -> dict[str, Any]:
        """Per province: (summaries, failures), from the second process or, failing that, here."""
        import pickle
        import subprocess

        if self._process is not None:
            try:
                code = self._process.wait(timeout=self.TIMEOUT)
            except subprocess.TimeoutExpired:
                self._stop()
                log.warning("period check: no answer after %.0f s; checking in this process", self.TIMEOUT)
            else:
                if code == 0 and self._out.exists():
                    return pickle.loads(self._out.read_bytes())
                tail = self._log.read_text(errors="replace")[-2000:]
                log.warning(
                    "period check: the second process ended with %s; checking in this one\n%s", code, tail
                )
        return period_quality_by_province(*self._input)

    def record(
        self, settings: Settings, period: Period, runs: list[tuple[str, str, Readiness]], now: datetime
    ) -> None:
        """Each province's results under its run: ``runs`` = (province, run id, readiness)."""
        answer = self.answer()
        with transaction(settings.warehouse_url) as conn:
            for province, run_id, readiness in runs:
                summaries, _failures = answer[province]
                details = missing_details(readiness.missing)
                insert_dq_results(conn, run_id, summaries, now, details, scope=period.period_id)

    def _stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def close(self) -> None:
        """Stops the second process if it still runs (a province failed) and removes its files."""
        self._stop()
        self._folder.cleanup()


def run_period_check_files(input_path: str, output_path: str) -> None:
    """The second process of PeriodCheck: the check of the pickled input, pickled to
    ``output_path`` (written whole, then renamed: a killed process leaves no half answer)."""
    import pickle

    answer = period_quality_by_province(*pickle.loads(Path(input_path).read_bytes()))
    partial = Path(f"{output_path}.partial")
    partial.write_bytes(pickle.dumps(answer))
    os.replace(partial, output_path)


@dataclass
class ServedResult:
    provinces: list[ConsolidationResult]
    national: NationalResult | None


def consolidate_served(
    settings: Settings, period: Period, run_id: str | None = None, now: datetime | None = None
) -> ServedResult:
    """Every served province's report of the period (``consolidate_period`` each), then, when
    several are served, the national one: what the DAG's consolidate task and ``rekap
    consolidate`` run. With several provinces the period check runs beside them (PeriodCheck)."""
    now = now or datetime.now(UTC)
    base = run_id or f"cli__consolidate__{period.period_id}__{now:%Y%m%dT%H%M%S%f}"
    if len(settings.provinces) == 1:
        return ServedResult([consolidate_period(settings, period, run_id=base, now=now)], None)
    check = PeriodCheck(settings, period)
    try:
        results, runs = [], []
        for one in settings.per_province():
            run = f"{base}__{one.province_code}"
            result = consolidate_period(one, period, run_id=run, now=now, check_quality=False)
            results.append(result)
            runs.append((one.province_code, run, result.readiness))
        check.record(settings, period, runs, now)  # before the national step, which may fail alone
    finally:
        check.close()
    # after every province's marts: the national report is computed from them
    national = consolidate_national(settings, period, run_id=base, now=now)
    return ServedResult(results, national)


STATUS_ORDER = ("BAIK", "CUKUP", "KURANG", "TIDAK MELAPOR")


def report_path_for(settings: Settings, period: Period, state: str = FINAL, scope: str | None = None) -> Path:
    """FINAL in ``reports/`` (what leadership opens); DRAF and SEMENTARA in ``reports/draf/``, so a
    new draft never replaces an approved report. ``scope``: the province's report by default,
    ``NATIONAL`` for the national one."""
    from rekap.consolidation.report_sheets import leadership_filename

    folder = settings.shared_root / REPORTS
    if state != FINAL:
        folder = folder / DRAFTS
    return folder / leadership_filename(scope or settings.province_code, period.period_id, state)


def _leadership_data(conn: Connection, settings: Settings, period: Period, now_local: datetime):
    """What the leadership workbook shows, as consolidation and finalisation both load it."""
    from rekap.consolidation.report_data import load_leadership_data

    return load_leadership_data(
        conn,
        settings.province_code,
        settings.registry.province_name(settings.province_code),
        period,
        now_local,
        settings.prevention_forms(),
    )


def consolidate_period(
    settings: Settings,
    period: Period,
    run_id: str | None = None,
    now: datetime | None = None,
    weights: ScoreWeights | None = None,
    check_quality: bool = True,
) -> ConsolidationResult:
    """``check_quality``: run the period-completeness check in this transaction; False when
    the caller checks every served province at once (``consolidate_served``)."""
    from rekap.consolidation.leadership_workbook import write_leadership_workbook
    from rekap.consolidation.report_sheets import keep_previous_version

    now = now or datetime.now(UTC)
    # Refused before any work: a typo'd or future period must not produce a report at all.
    check_period(period, settings.registry, settings.today(now))
    run_id = run_id or f"cli__consolidate__{period.period_id}__{now:%Y%m%dT%H%M%S%f}"
    weights = weights or ScoreWeights(*settings.score_weights)
    from rekap.drive import drive_folder

    root = settings.require_shared_root()  # first: a drive without its marker gets nothing written
    require_schema(settings.warehouse_url)  # only `rekap db upgrade` creates or migrates it
    zone = settings.timezone
    state = report_state(period, settings.deadline_day, zone, now)
    final = report_path_for(settings, period, state)
    # never created or written through a symlink (reports/, and reports/draf/ for drafts)
    drive_folder(root, *final.parent.relative_to(root).parts)
    partial = final.with_name(f".{final.stem}.{os.getpid()}.partial.xlsx")
    partial.unlink(missing_ok=True)  # a leftover, or a planted link: removed, not written through
    version = None
    try:
        with transaction(settings.warehouse_url) as conn:
            ensure_calendar(conn, period)
            rows = readiness_rows(conn, settings, period)
            missing = [r for r in rows if not r["received"]]
            if check_quality:
                summaries, _failures = period_quality(rows)
                insert_dq_results(
                    conn, run_id, summaries, now, missing_details(missing), scope=period.period_id
                )
            compute_marts(
                conn, settings.registry.districts, settings.province_code, period, now, str(final), weights
            )
            data = _leadership_data(conn, settings, period, now.astimezone(zone))
            data.state = state
            data.deadline = period_deadline(period, settings.deadline_day, zone)
            data.weights = tuple(weights.params().values())
            write_leadership_workbook(data, partial)
            if state == DRAF:
                version = record_draft(
                    conn, settings.province_code, period.period_id, str(final), now, run_id
                )
            summary = {"period_id": period.period_id, "missing_reports": len(missing)}
            insert_run(conn, run_id, "consolidate", now, summary, "success")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    previous = keep_previous_version(final, now.astimezone(zone))
    os.replace(partial, final)
    readiness = Readiness(period.period_id, len(rows), len(rows) - len(missing), missing)
    return ConsolidationResult(
        period.period_id, final, previous, readiness, data.districts, data.province, state, version, data
    )


def consolidate_national(
    settings: Settings, period: Period, run_id: str | None = None, now: datetime | None = None
) -> NationalResult | None:
    """The national mart and the national workbook of the period, from the served provinces'
    marts: run after every served province was consolidated. None when one province is served
    (there is nothing to roll up). Like a province's report: DRAF (a new version waiting for the
    national approvers) once the period's last deadline has passed, SEMENTARA before; one
    transaction, the workbook put in place after the commit. Separate from the provinces': their
    reports stand even if this fails."""
    from rekap.consolidation.national_workbook import write_national_workbook
    from rekap.consolidation.report_sheets import keep_previous_version
    from rekap.drive import drive_folder

    if len(settings.provinces) < 2:
        return None
    now = now or datetime.now(UTC)
    run_id = f"{run_id or f'cli__consolidate__{period.period_id}__{now:%Y%m%dT%H%M%S%f}'}__{NATIONAL}"
    root = settings.require_shared_root()
    require_schema(settings.warehouse_url)
    zone = settings.timezone  # the zone whose day ends last: the period is over everywhere
    state = report_state(period, settings.deadline_day, zone, now)
    final = report_path_for(settings, period, state, NATIONAL)
    drive_folder(root, *final.parent.relative_to(root).parts)
    partial = final.with_name(f".{final.stem}.{os.getpid()}.partial.xlsx")
    partial.unlink(missing_ok=True)
    version = None
    try:
        with transaction(settings.warehouse_url) as conn:
            compute_national_mart(conn, settings.provinces, period, now)
            data = _national_data(conn, settings, period, now.astimezone(zone))
            data.state = state
            write_national_workbook(data, partial)
            if state == DRAF:
                version = record_draft(conn, NATIONAL, period.period_id, str(final), now, run_id)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    previous = keep_previous_version(final, now.astimezone(zone))
    os.replace(partial, final)
    return NationalResult(period.period_id, final, previous, state, version, data)


def _national_data(conn: Connection, settings: Settings, period: Period, now_local: datetime):
    """What the national workbook shows, as consolidation and finalisation both load it."""
    from rekap.consolidation.report_data import load_national_data

    data = load_national_data(conn, period, now_local)
    data.deadline = period_deadline(period, settings.deadline_day, settings.timezone)
    data.weights = tuple(ScoreWeights(*settings.score_weights).params().values())
    return data


@dataclass
class NationalResult:
    period_id: str
    report_path: Path
    previous_version: Path | None
    state: str
    version: int | None  # the draft's version, waiting for approval (DRAF only)
    data: Any  # the rekap.consolidation.report_data.NationalData the workbook was written from

    @property
    def provinces(self) -> int:
        return len(self.data.provinces)

    def announcement(self) -> dict[str, Any]:
        """What the consolidation DAG announces for this report, as for a province's: the
        drafts Asset's extra (the approval request) when it is a DRAF."""
        subject, body = self.approval_request() if self.version else ("", "")
        t = self.data.total
        return {
            "province_code": NATIONAL,
            "period_id": self.period_id,
            "state": self.state,
            "version": self.version,
            "report_path": str(self.report_path),
            "missing": (t.get("reports_expected") or 0) - (t.get("reports_received") or 0),
            "districts": t.get("districts_total") or 0,
            "subject": subject,
            "body": body,
        }

    def approval_request(self) -> tuple[str, str]:
        """Subject and Markdown body of the national approvers' Required Action: the nation's
        figures, the provinces at both ends of the ranking, who needs attention, where the draft is."""
        from rekap.consolidation.report_data import NATIONAL_STATUS_COLUMNS

        t, label = self.data.total, self.data.period.label_id

        def pct(value: Any) -> str:
            return "-" if value is None else f"{100 * float(value):.1f}%".replace(".", ",")

        def score(value: Any) -> str:
            return "-" if value is None else f"{float(value):.1f}".replace(".", ",")

        ranked = self.data.provinces
        lines = [
            f"**Laporan Komprehensif Nasional {label} ({self.period_id}), draf versi {self.version}**"
            f" — {len(ranked)} provinsi, menunggu persetujuan.",
            "",
            f"* Kab/kota melapor: {t.get('districts_reported') or 0} dari {t.get('districts_total') or 0}"
            f" (tingkat pelaporan {pct(t.get('reporting_rate'))}, tepat waktu {pct(t.get('on_time_rate'))})",
            f"* Kepatuhan pleno mingguan: {pct(t.get('pleno_compliance'))}; kegiatan pencegahan:"
            f" {t.get('prevention_count') or 0} ({t.get('prevention_participants') or 0} peserta)",
            f"* Rata-rata skor kab/kota: {score(t.get('average_score'))}",
            "* Status kab/kota: "
            + ", ".join(f"{s} {t.get(c) or 0}" for s, c in NATIONAL_STATUS_COLUMNS.items()),
            "",
            "**Peringkat provinsi (rata-rata skor):**",
        ]
        shown = ranked if len(ranked) <= 6 else [*ranked[:3], None, *ranked[-3:]]
        for p in shown:
            if p is None:
                lines.append("* …")
            else:
                lines.append(
                    f"* {p['rank']}. {p['province_name']} ({p['province_code']}): {score(p['average_score'])}"
                )
        lines += [
            "",
            f"**Perlu perhatian:** {t.get('districts_kurang') or 0} kab/kota KURANG,"
            f" {t.get('districts_tidak_melapor') or 0} TIDAK MELAPOR (lembar Perlu Perhatian).",
            "",
            f"Draf: `{self.report_path}`",
            "",
            "**Setujui**: laporan nasional ditulis FINAL (nama dan waktu persetujuan tercantum) dan dikirim."
            " **Tolak**: tidak ada yang dikirim; isi alasan agar operator tahu apa yang diperbaiki.",
        ]
        subject = f"Persetujuan Laporan Komprehensif Nasional {label} (draf v{self.version})"
        return subject, "\n".join(lines)


def finalize_period(
    settings: Settings, period: Period, approval: Approval, now: datetime | None = None
) -> Path:
    """Write the approved draft as FINAL in ``reports/`` (the previous FINAL kept aside) and
    record it; refused unless ``approval`` is the recorded approval of the latest draft."""
    from rekap.consolidation.leadership_workbook import write_leadership_workbook
    from rekap.consolidation.report_sheets import keep_previous_version

    now = now or datetime.now(UTC)
    zone = settings.timezone
    final = report_path_for(settings, period, FINAL)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.stem}.{os.getpid()}.partial.xlsx")
    try:
        with transaction(settings.warehouse_url) as conn:
            _check_approval(conn, settings.province_code, period, approval)
            data = _leadership_data(conn, settings, period, now.astimezone(zone))
            data.state, data.approval = FINAL, approval
            data.deadline = period_deadline(period, settings.deadline_day, zone)
            data.weights = tuple(ScoreWeights(*settings.score_weights).params().values())
            write_leadership_workbook(data, partial)
            mark_delivered(conn, settings.province_code, period.period_id, approval.version, str(final), now)
            conn.execute(
                text(
                    "UPDATE mart_province_period SET report_path=:r WHERE province_code=:c AND period_id=:p"
                ),
                {"r": str(final), "c": settings.province_code, "p": period.period_id},
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    keep_previous_version(final, now.astimezone(zone))
    os.replace(partial, final)
    return final


def _check_approval(conn: Connection, scope: str, period: Period, approval: Approval) -> None:
    """``approval`` is the recorded approval of the scope's latest draft of the period, or the
    FINAL is refused (one line)."""
    from rekap.consolidation.approval import ApprovalError

    draft = approved_draft(conn, scope, period.period_id)
    if draft["version"] != approval.version:
        raise ApprovalError(
            f"approval of draft v{approval.version} of {period.period_id} is obsolete: the latest draft"
            f" is v{draft['version']} and needs its own approval"
        )


def finalize_national(
    settings: Settings, period: Period, approval: Approval, now: datetime | None = None
) -> Path:
    """Write the approved national draft as FINAL in ``reports/`` (the previous FINAL kept aside)
    and record it; refused unless ``approval`` is the recorded approval of the latest national draft."""
    from rekap.consolidation.national_workbook import write_national_workbook
    from rekap.consolidation.report_sheets import keep_previous_version

    now = now or datetime.now(UTC)
    zone = settings.timezone
    final = report_path_for(settings, period, FINAL, NATIONAL)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.stem}.{os.getpid()}.partial.xlsx")
    try:
        with transaction(settings.warehouse_url) as conn:
            _check_approval(conn, NATIONAL, period, approval)
            data = _national_data(conn, settings, period, now.astimezone(zone))
            data.state, data.approval = FINAL, approval
            write_national_workbook(data, partial)
            mark_delivered(conn, NATIONAL, period.period_id, approval.version, str(final), now)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    keep_previous_version(final, now.astimezone(zone))
    os.replace(partial, final)
    return final


def periods_for_run(
    settings: Settings,
    param: str | None,
    asset_events: Any,
    data_interval_start: datetime | None,
) -> list[str]:
    """Which periods one DAG run consolidates.

    An explicit ``period`` parameter wins. A run triggered by the intake's Asset takes the
    periods of the loaded files (carried in the event's extra), plus the following period
    when it was already consolidated, since its score_change compares against the corrected
    one. A scheduled run takes the period of its data interval."""
    from rekap.periods import parse_period, period_of

    if param:
        return [parse_period(param).period_id]
    touched: set[str] = set()
    for events in (asset_events or {}).values():
        for event in events:
            extra = (
                getattr(event, "extra", None)
                or (event.get("extra") if isinstance(event, dict) else None)
                or {}
            )
            touched.update(extra.get("periods", []))
    if touched:
        result = set(touched)
        require_schema(settings.warehouse_url)
        with transaction(settings.warehouse_url) as conn:
            for period_id in touched:
                following = period_of(parse_period(period_id).end_exclusive)
                for code in settings.provinces:  # consolidated for any served province
                    done = conn.execute(
                        text("SELECT 1 FROM mart_province_period WHERE period_id=:p AND province_code=:c"),
                        {"p": following.period_id, "c": code},
                    ).first()
                    if done:
                        result.add(following.period_id)
                        break
        return sorted(result)
    if data_interval_start is not None:
        local = data_interval_start.astimezone(settings.timezone).date()
        return [period_of(local).period_id]
    return []
