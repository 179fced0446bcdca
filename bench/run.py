"""``make bench``: how fast rekap takes a national drive, against the targets of issue 15.

One run, the same files for every pipeline:

1. a national drive from the project's own generator (``rekap.dev.bench_drive``): every
   district of the shipped registry (514) × 12 months of 2025, a share with row issues, a few
   rejections;
2. the floor and the naive pipeline (``bench.baselines``) over its inbox files, then
   ``rekap ingest`` all-in on a fresh SQLite warehouse, then a no-op re-run;
3. ``rekap consolidate`` of every period (514 districts, one workbook per province);
4. the import time of each DAG file, each in a fresh process;
5. one month of the drive (514 reports) through the real ``ingest_district_reports`` DAG on
   a local Airflow (LocalExecutor, one worker per core);
6. the peak RSS of every process above.

It writes bench/RESULTS.md (table, machine, versions, date), prints the table, and exits 1
when a target is missed (2 when a measure could not be taken). Targets are ratios where the
machine's speed would otherwise decide (the machine is shared and noisy); absolute times are
reported beside them.

    python -m bench.run [--quick] [--results PATH] [--work DIR] [--keep] [--dag-timeout S]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PLUGINS = PROJECT_ROOT / "plugins"
# The code measured is this tree's, whatever the virtualenv's editable install points to.
if str(PLUGINS) not in sys.path:
    sys.path.insert(0, str(PLUGINS))

FULL_MONTHS = [(2025, m) for m in range(1, 13)]
QUICK_MONTHS = FULL_MONTHS[:2]  # one consolidation period
# A quick run: the first district of three small provinces, one per time zone (Banten WIB,
# Gorontalo WITA, Maluku Utara WIT), serving only those provinces (24 districts), where a full
# run serves all 514.
QUICK_PROVINCES = ("36", "75", "82")

# The targets of issue 15.
INGEST_VS_NAIVE = 3.0  # rekap ingest at least this many times faster per file than naive
INGEST_VS_FLOOR = 3.0  # ... and at most this many times slower than the floor
DAG_MONTH_SECONDS = 300.0
CONSOLIDATE_SECONDS = 5.0
NOOP_SECONDS = 2.0
DAG_IMPORT_SECONDS = 0.5
PEAK_RSS_KIB = 1024 * 1024  # 1 GiB

EXIT_MET, EXIT_MISSED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass
class Row:
    measure: str
    value: str = "not measured"
    target: str = "—"
    met: bool | None = None  # None: reported only (no target)
    notes: str = ""
    error: bool = False

    def mark(self) -> str:
        if self.error:
            return "ERROR"
        return {None: "", True: "yes", False: "**NO**"}[self.met]


@dataclass
class Bench:
    quick: bool
    work: Path
    dag_timeout: float
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)
    served: str = "all"  # REKAP_PROVINCE of every measured command
    rows: dict[str, Row] = field(default_factory=dict)
    rss: list[tuple[int, str]] = field(default_factory=list)  # (peak KiB, which process)
    files: list[str] = field(default_factory=list)  # the inbox files every pipeline takes
    facts: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.logs = self.work / "logs"
        self.drive = self.work / "drive"
        self.dag_drive = self.work / "dag-drive"
        self.warehouse_url = f"sqlite:///{self.work / 'warehouse.sqlite'}"

    # --- running things -------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a measured command: the national deployment on the bench drive."""
        env = dict(os.environ)
        env.update(
            {
                "REKAP_SHARED_ROOT": str(self.drive),
                "REKAP_WAREHOUSE_URL": self.warehouse_url,
                "REKAP_PROVINCE": self.served,
                "REKAP_STABLE_SECONDS": "0",
                "REKAP_RECEIVED_AT_SOURCE": "mtime",  # the files' times say when they arrived
            }
        )
        env.update(extra)
        return env

    def child(self, name: str, args: list[str], env: dict[str, str] | None = None, timeout: float = 3600):
        from bench.measure import run_child

        run = run_child(args, env or self.env(), self.logs, name, timeout=timeout, cwd=PROJECT_ROOT)
        self.rss.append((run.peak_rss_kib, name))
        return run

    def rekap(self, name: str, *args: str, timeout: float = 3600):
        return self.child(name, [sys.executable, "-m", "rekap.cli", *args], timeout=timeout)

    def measure(self, key: str, fn: Callable[[Row], None], needs: tuple[str, ...] = ()) -> None:
        """Run one measure into its row; an exception is the row's error, never the run's end.
        A measure whose prerequisite (``needs``) failed is not run."""
        row = self.rows[key]
        print(f"[bench] {row.measure} ...", flush=True)
        missing = [self.rows[k].measure for k in needs if self.rows[k].error]
        try:
            if missing:
                raise RuntimeError(f"not run: needs {'; '.join(missing)}")
            fn(row)
        except Exception as exc:
            row.value, row.met, row.error = "error", False, True
            row.notes = f"{type(exc).__name__}: {str(exc).strip()[-400:]}".replace("\n", " ").replace(
                "|", "/"
            )
        print(f"[bench]   {row.value}  {row.notes[:160]}", flush=True)

    # --- the measures ---------------------------------------------------------------------

    def generate(self, row: Row) -> None:
        from rekap.dev.bench_drive import generate_bench_drive
        from rekap.drive import init_drive
        from rekap.registry import Registry, load_registry

        registry = load_registry()
        districts = registry.districts
        if self.quick:
            registry = registry.for_provinces(QUICK_PROVINCES)
            districts = tuple(registry.in_province(p)[0] for p in QUICK_PROVINCES)
            self.served = ",".join(QUICK_PROVINCES)
        months = QUICK_MONTHS if self.quick else FULL_MONTHS
        start = time.perf_counter()
        drive = generate_bench_drive(self.drive, Registry(tuple(districts)), months)
        seconds = time.perf_counter() - start
        # the DAG's month: the first month's files, copied before the intake moves them
        first = months[0]
        self.dag_drive.mkdir()
        init_drive(self.dag_drive, [d.district_code for d in registry.districts])
        for f in drive.files:
            if f.district_code and (f.year, f.month) == first:
                target = self.dag_drive / f.path.relative_to(self.drive)
                shutil.copy2(f.path, target)
        self.files = sorted(str(f.path) for f in drive.files if f.district_code)
        (self.work / "files.txt").write_text("\n".join(self.files) + "\n")
        counts = drive.counts()
        provinces = len({d.province_code for d in districts})
        self.facts.update(
            districts=len(districts),
            provinces=provinces,
            months=months,
            counts=counts,
            prototypes=drive.prototypes,
            served=len(registry.districts),
            served_provinces=len(registry.province_codes()),
        )
        row.value = f"{len(self.files):,} files in {seconds:.1f} s"
        row.notes = (
            f"{len(districts)} districts of {provinces} provinces × {len(months)} months, "
            f"{drive.prototypes} distinct workbooks, each stamped with every district's identity"
        )

    def baseline(self, pipeline: str, row: Row) -> None:
        out = self.work / pipeline
        run = self.child(
            pipeline,
            [sys.executable, "-m", "bench.baselines", pipeline, str(self.work / "files.txt"), str(out)],
        ).check()
        result = json.loads(run.stdout.read_text().strip().splitlines()[-1])
        ms = run.seconds * 1000 / result["files"]
        self.facts[pipeline] = ms
        row.value = f"{ms:.1f} ms/file"
        row.notes = (
            f"{run.seconds:.1f} s for {result['files']:,} files, process start and imports included "
            f"(loop alone {result['loop_seconds'] * 1000 / result['files']:.1f} ms/file); "
            f"{result['rejected']} unreadable; peak RSS {mib(run.peak_rss_kib)}"
        )

    def ingest(self, row: Row) -> None:
        self.rekap("db-upgrade", "db", "upgrade").check()
        run = self.rekap("ingest", "ingest", "--json").check()
        summary = json.loads(run.stdout.read_text())
        counts = {k: v for k, v in summary["counts"].items() if v}
        self.facts["intake"] = counts
        ms = run.seconds * 1000 / len(self.files)
        self.facts["ingest"] = ms
        row.value = f"{ms:.1f} ms/file"
        taken = sum(counts.get(k, 0) for k in ("accepted", "accepted_with_issues", "rejected", "duplicate"))
        row.notes = (
            f"{run.seconds:.1f} s for {len(self.files):,} files ({taken:,} processed: "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            + f"); peak RSS {mib(run.peak_rss_kib)}"
        )
        if taken != len(self.files):
            raise RuntimeError(f"the intake processed {taken} of {len(self.files)} files: {counts}")
        # only the drive's deliberate rejections: a report whose identity did not match its
        # folder would mean the generator (or the intake) is wrong, and the figures with it
        made = self.facts["counts"]
        meant = made.get("wrong_district", 0) + made.get("word_doc", 0)
        if counts.get("rejected", 0) != meant:
            raise RuntimeError(
                f"the intake rejected {counts.get('rejected', 0)} files; the drive has {meant} rejections"
            )

    def ratio(self, row: Row, slower: str, faster: str, vs: str) -> None:
        if slower not in self.facts or faster not in self.facts:
            raise RuntimeError("a pipeline above was not measured")
        value = self.facts[slower] / self.facts[faster]
        row.value = f"{value:.2f}×"
        if vs == "naive":  # rekap must be this much faster than naive
            row.met = value >= INGEST_VS_NAIVE
            row.notes = f"naive {self.facts['naive']:.1f} / rekap {self.facts['ingest']:.1f} ms per file"
        else:  # rekap may be at most this much slower than the floor
            row.met = value <= INGEST_VS_FLOOR
            row.notes = f"rekap {self.facts['ingest']:.1f} / floor {self.facts['floor']:.1f} ms per file"

    def noop(self, row: Row) -> None:
        run = self.rekap("ingest-noop", "ingest", "--json").check()
        summary = json.loads(run.stdout.read_text())
        counts = {k: v for k, v in summary["counts"].items() if v}
        row.value = f"{run.seconds:.2f} s"
        row.met = run.seconds < NOOP_SECONDS
        row.notes = (
            f"nothing new: {', '.join(f'{k} {v}' for k, v in counts.items()) or 'no file'}; "
            f"peak RSS {mib(run.peak_rss_kib)}"
        )
        if summary["loaded"]:
            raise RuntimeError(f"the re-run loaded {summary['loaded']} files")

    def consolidate(self, row: Row) -> None:
        from rekap.periods import period_containing_month

        periods = sorted({period_containing_month(y, m).period_id for y, m in self.facts["months"]})
        times = []
        for period in periods:
            run = self.rekap(f"consolidate-{period}", "consolidate", "--period", period).check()
            times.append((run.seconds, period, run.peak_rss_kib))
        worst = max(times)
        row.value = f"{worst[0]:.2f} s (slowest of {len(times)})"
        row.met = worst[0] < CONSOLIDATE_SECONDS
        row.notes = (
            f"{self.facts['served']} districts served, {self.facts['served_provinces']} provinces: "
            + ", ".join(f"{p} {s:.2f} s" for s, p, _ in times)
            + f"; peak RSS {mib(max(r for _, _, r in times))}"
        )

    def dag_import(self, path: Path, row: Row) -> None:
        from rekap.dev.airflow_local import airflow_env

        home = Path(tempfile.mkdtemp(prefix="home-", dir=self.work))
        env = airflow_env(home, self.env())
        run = self.child(
            f"import-{path.stem}", [sys.executable, "-c", IMPORT_PROBE, str(path)], env=env, timeout=600
        ).check()
        line = next((x for x in run.stdout.read_text().splitlines() if x.startswith("RESULT")), None)
        if line is None:
            raise RuntimeError(f"no result from the import probe: {run.tail()}")
        result = json.loads(line[len("RESULT") :])
        if result["errors"]:
            raise RuntimeError(f"import error: {result['errors']}")
        row.value = f"{result['seconds']:.3f} s"
        row.met = result["seconds"] < DAG_IMPORT_SECONDS
        row.notes = (
            f"Airflow's parse time of the file (DagBag, as `airflow dags report`); the process with "
            f"Airflow's own imports took {run.seconds:.1f} s; peak RSS {mib(run.peak_rss_kib)}"
        )

    def dag_month(self, row: Row) -> None:
        from bench.dag_month import run_dag_month

        result = run_dag_month(
            self.dag_drive,
            f"sqlite:///{self.work / 'dag-warehouse.sqlite'}",
            self.work / "dag",
            self.cores,
            self.dag_timeout,
            self.served,
        )
        self.rss.append((result.peak_rss_kib, f"Airflow: {result.peak_cmd[:80]}"))
        how = f"LocalExecutor, parallelism {self.cores}; start-up before the trigger {result.startup_seconds:.0f} s"
        if result.mapped_median_seconds is not None:
            how = (
                f"{result.mapped_task}: {result.mapped_done} of {result.mapped_total} mapped tasks done, "
                f"median {result.mapped_median_seconds:.1f} s each; {how}"
            )
        if result.state == "timeout":
            row.value = f"> {result.seconds / 60:.1f} min (stopped)"
            row.met = False
            pace = (
                f"; at that pace the month would take ≈ {result.seconds * result.files / result.processed / 60:.0f} min"
                if result.processed
                else ""
            )
            row.notes = (
                f"{result.processed} of {result.files} files processed when stopped at the timeout "
                f"({self.dag_timeout:.0f} s){pace}; {how}"
            )
            return
        if result.state != "success":
            raise RuntimeError(
                f"the DAG run {result.state} ({result.processed} of {result.files} files); see {result.logs}"
            )
        row.value = f"{result.seconds:.0f} s ({result.seconds / 60:.1f} min)"
        row.met = result.seconds <= DAG_MONTH_SECONDS
        row.notes = f"{result.files} files ({result.processed} processed), queued to finished; {how}"

    def peak_rss(self, row: Row) -> None:
        if not self.rss:
            raise RuntimeError("no process was measured")
        kib, which = max(self.rss)
        row.value = mib(kib)
        row.met = kib < PEAK_RSS_KIB
        row.notes = f"highest of {len(self.rss)} measured processes: {which}"


IMPORT_PROBE = textwrap.dedent(
    """
    import json, sys
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1])
    stats = bag.dagbag_stats
    print("RESULT" + json.dumps({
        "seconds": stats[0].duration.total_seconds() if stats else None,
        "errors": {k: str(v)[-600:] for k, v in bag.import_errors.items()},
    }))
    """
)


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def dag_files() -> list[Path]:
    return sorted((PROJECT_ROOT / "dags").glob("*.py"))


def plan(bench: Bench) -> list[tuple[str, Row, Callable[[Row], None], tuple[str, ...]]]:
    """Every row of the table, in order: its key, the measure that fills it, and the rows it
    needs measured first."""
    size = "small drive, quick" if bench.quick else "national drive"
    drive = ("generate",)
    steps = [
        ("generate", Row(f"Drive generated ({size})"), bench.generate, ()),
        (
            "floor",
            Row("Floor: python-calamine reads every sheet + minimal openpyxl feedback"),
            lambda r: bench.baseline("floor", r),
            drive,
        ),
        (
            "naive",
            Row("Naive: pandas.read_excel + DataFrame.to_sql (SQLite) + feedback"),
            lambda r: bench.baseline("naive", r),
            drive,
        ),
        ("ingest", Row("`rekap ingest` all-in (fresh SQLite warehouse)"), bench.ingest, drive),
        (
            "vs_naive",
            Row("rekap ingest faster than naive (per file)", target=f"≥ {INGEST_VS_NAIVE:g}×"),
            lambda r: bench.ratio(r, "naive", "ingest", "naive"),
            ("naive", "ingest"),
        ),
        (
            "vs_floor",
            Row("rekap ingest slower than the floor (per file)", target=f"≤ {INGEST_VS_FLOOR:g}×"),
            lambda r: bench.ratio(r, "ingest", "floor", "floor"),
            ("floor", "ingest"),
        ),
        (
            "noop",
            Row("No-op re-run of `rekap ingest`", target=f"< {NOOP_SECONDS:g} s"),
            bench.noop,
            ("ingest",),
        ),
        (
            "consolidate",
            Row(
                "`rekap consolidate` of one period, "
                + ("the served provinces" if bench.quick else "514 districts"),
                target=f"< {CONSOLIDATE_SECONDS:g} s",
            ),
            bench.consolidate,
            ("ingest",),
        ),
    ]
    for path in dag_files():
        steps.append(
            (
                f"import:{path.name}",
                Row(f"Import of dags/{path.name}", target=f"< {DAG_IMPORT_SECONDS:g} s"),
                lambda r, p=path: bench.dag_import(p, r),
                (),
            )
        )
    steps += [
        (
            "dag_month",
            Row(
                f"A month ({'small drive' if bench.quick else '514 reports'}) through the real "
                "ingest_district_reports DAG",
                target=f"≤ {DAG_MONTH_SECONDS / 60:g} min",
            ),
            bench.dag_month,
            drive,
        ),
        ("peak_rss", Row("Peak RSS of any process", target="< 1 GiB"), bench.peak_rss, ()),
    ]
    return steps


# --- the report ---------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model, mem = "unknown", "unknown"
    with contextlib.suppress(OSError, StopIteration):
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    try:
        kib = int(
            next(
                x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {"cpu": model, "cores": str(os.cpu_count()), "ram": mem, "os": platform.platform()}


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (
        "apache-airflow",
        "great-expectations",
        "pandas",
        "SQLAlchemy",
        "openpyxl",
        "python-calamine",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" with local changes" if dirty else "")


def describe_drive(facts: dict) -> str:
    if "counts" not in facts:
        return "The drive was not generated."
    c = facts["counts"]
    months = facts["months"]
    span = f"{months[0][0]}-{months[0][1]:02d} … {months[-1][0]}-{months[-1][1]:02d}"
    text = (
        f"{facts['districts']} districts of {facts['provinces']} provinces × {len(months)} months ({span}): "
        f"{c.get('clean', 0):,} reports from the template, {c.get('issues', 0):,} with incomplete rows, "
        f"{c.get('messy', 0):,} made without the template, {c.get('correction', 0):,} corrections, "
        f"{c.get('wrong_district', 0):,} in a neighbour's folder and {c.get('word_doc', 0):,} Word "
        "documents renamed .xlsx (both rejected), and 1 file directly in `inbox/` (left for the operator)."
    )
    if "intake" in facts:
        text += (
            " What the intake made of them: "
            + ", ".join(f"{k} {v:,}" for k, v in facts["intake"].items())
            + "."
        )
    return text


METHOD = """\
## How each figure is taken

- **Same files for every pipeline.** The drive comes from the project's generator
  (`plugins/rekap/dev/bench_drive.py`, built on the demo's `report_rows`, `fill_template` and
  `messy_report`), deterministic for its seed: real templates (six sheets with drop-downs and
  styles, ~18 KB), which every openpyxl-based reader pays for. Floor and naive read the inbox
  files first (they move nothing), then `rekap ingest` takes them.
- **Per file, all-in.** Each pipeline is one process over all files: its wall time, from start to
  exit (interpreter start and imports included), divided by the number of files. The floor and
  naive loops alone are in the notes. Floor: `CalamineWorkbook.from_path` and `to_python()` of every
  sheet, a 3-row openpyxl feedback workbook. Naive: `pandas.read_excel(sheet_name=None,
  header=None)` (openpyxl, pandas' default engine), every sheet's first 16 columns appended with
  `DataFrame.to_sql` into a fresh SQLite file through SQLAlchemy, one transaction per file, and the
  same feedback. `rekap ingest`: `rekap db upgrade` on a fresh SQLite file, then `rekap ingest`
  with `REKAP_PROVINCE=all`, `REKAP_STABLE_SECONDS=0`, `REKAP_RECEIVED_AT_SOURCE=mtime`
  (everything: read, GX validation, load, feedback and highlighted copies, moves, run log).
- **No-op re-run**: `rekap ingest` again on the same drive, which has nothing new (only the
  file left in `inbox/` itself); wall time of the command.
- **Consolidation**: `rekap consolidate --period P` for every period of the drive's months, as
  the national deployment runs it (every province's marts and leadership workbook, then the
  national mart); wall time of each command, the slowest against the target.
- **DAG import**: each DAG file in a fresh process (temporary `AIRFLOW_HOME`, the national
  settings), parsed with Airflow's `DagBag`; the figure is Airflow's own parse time of the file
  (`dagbag_stats`, what `airflow dags report` and the DAG processor show), which excludes
  importing Airflow itself.
- **A month through the DAG**: a real scheduler, as operators run it — `make airflow`'s set-up
  (SQLite metadata, LocalExecutor with parallelism = the machine's cores, API server, scheduler
  and DAG processor as separate processes) on a copy of the drive's first month (every
  district's report of that month, with its corrections and rejections) and a fresh SQLite
  warehouse. The DAG is unpaused and triggered once through the REST API (its cron is set not to
  come round, the other DAGs stay paused); the figure is the run's duration as the UI shows it,
  queued to finished. `airflow dags test` would run the mapped tasks one after the other in one
  process, which is not what operators see. A run past the timeout is stopped and reported as
  missed with how many files it had taken.
- **Peak RSS**: every command above is waited for with `wait4`, whose `ru_maxrss` is that
  process's peak (its children's included); Airflow's processes and their task processes are
  sampled from `/proc` (VmHWM) once a second. The table gives the highest.
- **Ratios are the targets**, because the machine is shared: absolute times move with the load
  (the load average before and after the run is given below).
"""


def write_results(
    bench: Bench, path: Path, started: datetime, seconds: float, load: tuple, interrupted: str | None = None
) -> str:
    rows = list(bench.rows.values())
    errors = [r.measure for r in rows if r.error]
    missed = [r.measure for r in rows if r.met is False and not r.error]
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` ({'quick run, `--quick`' if bench.quick else 'full run'}), "
        f"{started:%Y-%m-%d %H:%M} UTC, commit {commit()}; the run took {seconds / 60:.1f} min.",
        *(
            ["", f"**Interrupted** during: {interrupted}; the rows from there on were not measured."]
            if interrupted
            else []
        ),
        "",
        "Drive: " + describe_drive(bench.facts),
        "",
        "| Measure | Value | Target | Met | Notes |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r.measure} | {r.value} | {r.target} | {r.mark()} | {r.notes} |")
    lines += [
        "",
        ("Targets missed: " + "; ".join(missed) + ".") if missed else "All targets measured were met.",
        *(["", "Not measured (see the notes): " + "; ".join(errors) + "."] if errors else []),
        "",
        "## Machine",
        "",
    ]
    m = machine()
    lines += [
        f"- CPU: {m['cpu']}, {m['cores']} cores",
        f"- RAM: {m['ram']}",
        f"- OS: {m['os']}",
        f"- Load average (1 min) before / after the run: {load[0]:.2f} / {load[1]:.2f}",
        "",
        "## Versions",
        "",
    ]
    lines += [f"- {name} {version}" for name, version in versions().items()]
    lines += ["", METHOD]
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def clean_environment() -> None:
    """Measured commands see only the bench's settings, and this tree's code first."""
    for name in list(os.environ):
        if name.startswith(("REKAP_", "AIRFLOW_", "AIRFLOW__")):
            del os.environ[name]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(PLUGINS), str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    os.environ["PYTHONWARNINGS"] = "ignore::DeprecationWarning"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a small drive ({len(QUICK_PROVINCES)} districts × {len(QUICK_MONTHS)} months) for development",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="where to write the results (default bench/RESULTS.md; quick: data/bench/RESULTS-quick.md)",
    )
    parser.add_argument("--work", type=Path, help="working folder (default: a new temporary folder)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the working folder (drive, logs, warehouse)"
    )
    parser.add_argument(
        "--dag-timeout",
        type=float,
        help="stop the DAG run after this many seconds and report it missed (default 1200; quick 300)",
    )
    args = parser.parse_args(argv)
    clean_environment()
    work = (args.work or Path(tempfile.mkdtemp(prefix="rekap-bench-"))).resolve()
    if args.work and work.exists() and any(work.iterdir()):
        parser.error(f"{work} is not empty: give an empty or new folder")
    work.mkdir(parents=True, exist_ok=True)
    # a quick run never overwrites the committed results of a full one
    results = args.results or PROJECT_ROOT / (
        "data/bench/RESULTS-quick.md" if args.quick else "bench/RESULTS.md"
    )
    bench = Bench(args.quick, work, args.dag_timeout or (300.0 if args.quick else 1200.0))
    started, load_before, t0 = datetime.now(UTC), os.getloadavg()[0], time.perf_counter()
    print(f"[bench] working in {work}", flush=True)
    steps = plan(bench)
    bench.rows = {key: row for key, row, _, _ in steps}

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    # SIGTERM as Ctrl-C: the measure under way stops its processes (Airflow's too) on the way out
    signal.signal(signal.SIGTERM, on_sigterm)
    interrupted = None
    try:
        for key, row, fn, needs in steps:
            interrupted = row.measure
            bench.measure(key, fn, needs)
        interrupted = None
    except KeyboardInterrupt:
        # a partial run never replaces the results of a whole one
        results = PROJECT_ROOT / "data" / "bench" / "RESULTS-interrupted.md"
        print(f"\n[bench] interrupted during: {interrupted}", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        text = write_results(
            bench, results, started, time.perf_counter() - t0, (load_before, os.getloadavg()[0]), interrupted
        )
        if args.keep:
            print(f"[bench] kept {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(text.split("\n## Machine")[0])
    print(f"\nwritten to {results}")
    if interrupted:
        return EXIT_INTERRUPTED
    errors = [r.measure for r in bench.rows.values() if r.error]
    missed = [r.measure for r in bench.rows.values() if r.met is False and not r.error]
    if errors:
        print(f"[bench] could not measure: {'; '.join(errors)} (logs: rerun with --keep)", file=sys.stderr)
        return EXIT_ERROR
    if missed:
        print(f"[bench] targets missed: {'; '.join(missed)}", file=sys.stderr)
        return EXIT_MISSED
    print("[bench] all targets met")
    return EXIT_MET


if __name__ == "__main__":
    sys.exit(main())
