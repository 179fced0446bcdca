"""Kill -9 an ingest mid-run, at chosen points and at random moments; the re-run must
converge to the warehouse and folders of an uninterrupted run.

The child process is the real ``rekap ingest``; only the kill point is added, by wrapping
one intake function in the child so that it SIGKILLs its own process on the Nth call. A kill
point is ``module.function`` under rekap.intake, the module where the caller looks it up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import upgraded
from rekap.warehouse import engine_for
from sqlalchemy import text
from workbooks import kelembagaan_row, pencegahan_row, pleno_row, set_up_drive, write_report

pytestmark = pytest.mark.slow
WIB = ZoneInfo("Asia/Jakarta")

CHILD = textwrap.dedent(
    """
    import importlib, os, signal, sys
    point, nth = sys.argv[1], int(sys.argv[2])
    calls = {"n": 0}
    if point != "none":
        module_name, name = point.rsplit(".", 1)
        module = importlib.import_module(f"rekap.intake.{module_name}")
        original = getattr(module, name)
        def killer(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == nth:
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*args, **kwargs)
        setattr(module, name, killer)
    from rekap.cli import main
    sys.exit(main(["ingest"]))
    """
)


def make_drive(root: Path) -> None:
    set_up_drive(root)
    n = 0
    for code in ("3601", "3603", "3671"):
        for month, name in ((1, "Januari"), (2, "Februari")):
            n += 1
            path = write_report(
                root / "inbox" / code / f"Laporan_{code}_{month}.xlsx",
                district=code,
                month=name,
                pleno=[
                    pleno_row(i, date(2026, month, 1 + 7 * i), hadir=5 - (i % 3), ba=f"B{i}")
                    for i in range(4)
                ],
                pencegahan=[pencegahan_row(1, date(2026, month, 9), peserta="banyak" if n % 2 else 30)],
                kelembagaan=[kelembagaan_row()],
            )
            ts = datetime(2026, month + 1, 2 + n, tzinfo=WIB).timestamp()
            os.utime(path, (ts, ts))
    # a correction and a rejected file
    fix = write_report(
        root / "inbox/3603/Laporan_3603_1_revisi.xlsx",
        district="3603",
        pleno=[pleno_row(1, date(2026, 1, 5), ba="B9")],
    )
    ts = datetime(2026, 2, 20, tzinfo=WIB).timestamp()
    os.utime(fix, (ts, ts))
    write_report(root / "inbox/3601/keliru.xlsx", district="3602", pleno=[pleno_row(1, date(2026, 1, 5))])


def env_for(root: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": url,
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
        }
    )
    return env


def run_child(root: Path, url: str, point: str = "none", nth: int = 1) -> int:
    return subprocess.run(
        [sys.executable, "-c", CHILD, point, str(nth)],
        env=env_for(root, url),
        capture_output=True,
        timeout=300,
        check=False,
    ).returncode


def state(root: Path, url: str) -> dict:
    """Everything that must match, without times that differ between runs."""
    with engine_for(url).connect() as conn:
        subs = conn.execute(
            text(
                "SELECT sha256, file_name, district_code, year, month, status, is_current, received_on_time,"
                " stored_path, superseded_by IS NOT NULL AS sup FROM submissions ORDER BY sha256"
            )
        ).all()
        counts = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("pleno_records", "pencegahan_records", "kelembagaan_records", "row_issues")
        }
    files = {
        top: sorted(
            str(p.relative_to(root / top))
            for p in (root / top).rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        for top in ("inbox", "archive", "rejected")
    }
    feedback = {d.name: len(list(d.glob("*.xlsx"))) for d in (root / "feedback").iterdir()}
    return {
        # sorted, not by sha256: openpyxl stamps the creation time into each file's bytes
        "submissions": sorted(
            (
                s.file_name,
                s.district_code,
                s.year,
                s.month,
                s.status,
                s.is_current,
                s.received_on_time,
                Path(s.stored_path).relative_to(root).as_posix(),
                bool(s.sup),
            )
            for s in subs
        ),
        "counts": counts,
        "files": files,
        "feedback": feedback,
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    base = tmp_path_factory.mktemp("reference")
    make_drive(base / "drive")
    url = upgraded(f"sqlite:///{base / 'w.sqlite'}")
    assert run_child(base / "drive", url) == 0
    return state(base / "drive", url)


KILL_POINTS = [
    ("flow.scan_inbox", 1),  # before anything is loaded
    ("flow.insert_submission_row", 1),  # inside the chunk's transaction, its first file
    ("flow.insert_submission_row", 4),  # inside the chunk's transaction, a later file
    ("flow.insert_records", 1),  # inside the chunk's transaction, every submission written
    ("flow.supersede", 3),  # inside the chunk's transaction, after the records
    ("flow._write_feedback", 1),  # committed, no feedback yet, still in the inbox
    ("flow._write_feedback", 5),
    ("flow.move_into_place", 1),  # committed and fed back, not moved
    ("flow.move_into_place", 6),
]


@pytest.mark.parametrize(("point", "nth"), KILL_POINTS)
def test_killed_run_converges(tmp_path, reference, point, nth):
    root = tmp_path / "drive"
    make_drive(root)
    url = upgraded(f"sqlite:///{tmp_path / 'w.sqlite'}")
    code = run_child(root, url, point, nth)
    assert code == -signal.SIGKILL, f"the child was not killed at {point}#{nth} (exit {code})"
    assert run_child(root, url) == 0
    assert state(root, url) == reference
    assert run_child(root, url) == 0  # and a further run changes nothing
    assert state(root, url) == reference


@pytest.mark.postgres
def test_killed_run_converges_on_postgres(tmp_path, reference, postgres_url):
    root = tmp_path / "drive"
    make_drive(root)
    upgraded(postgres_url)
    for point, nth in (("flow.insert_submission_row", 2), ("flow.move_into_place", 3)):
        assert run_child(root, postgres_url, point, nth) == -signal.SIGKILL
    assert run_child(root, postgres_url) == 0
    assert state(root, postgres_url) == reference


def test_killed_at_random_moments_converges(tmp_path, reference):
    """Plain SIGKILL from outside at several moments of a real run."""
    root = tmp_path / "drive"
    make_drive(root)
    url = upgraded(f"sqlite:///{tmp_path / 'w.sqlite'}")
    for delay in (1.0, 3.5, 4.5, 5.5):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, "none", "0"],
            env=env_for(root, url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert run_child(root, url) == 0
    assert state(root, url) == reference


def test_two_runs_at_once_do_not_double_load(tmp_path, reference):
    root = tmp_path / "drive"
    make_drive(root)
    url = upgraded(f"sqlite:///{tmp_path / 'w.sqlite'}")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, "none", "0"],
            env=env_for(root, url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-2000:]
    assert run_child(root, url) == 0  # picks up whatever a busy district left
    assert state(root, url) == reference
    shutil.rmtree(root)
