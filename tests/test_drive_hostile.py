"""A hostile or careless district, and a drive that is not what it seems (issue 9).

Every case is built for real by the test: undecodable names on bytes paths, dangling and
looping symlinks, symlinked lock files and folders, unwritable folders (checked by a real
unprivileged ``rekap ingest`` process: root ignores permissions), a missing marker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from rekap.cli import main
from rekap.drive import DRIVE_MARKER, NAME_MAX_BYTES, DriveError, fit_name, init_drive, log_safe
from rekap.intake.files import LOCK_NAME, clean_stale_scratch, move_into_place
from rekap.intake.flow import ingest, process_district
from rekap.intake.run_log import summary_lines
from rekap.intake.scan import LIST_CAP, scan_inbox
from rekap.settings import Settings
from rekap.warehouse import engine_for, upgrade
from sqlalchemy import text
from workbooks import pleno_row, set_up_drive, write_report

BANTEN = ["3601", "3602", "3603", "3604", "3671", "3672", "3673", "3674"]


def settings_for(root: Path, url: str) -> Settings:
    return Settings.from_mapping(
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": url,
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
        }
    )


def report(path: Path, district: str) -> Path:
    return write_report(path, district=district, pleno=[pleno_row(1, date(2026, 1, 5))])


def by_outcome(summary: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in summary["files"]:
        out.setdefault(f["outcome"], []).append(f)
    return out


def visible(folder: Path) -> list[Path]:
    """What a district or operator sees in a folder (the archive's manifest is hidden)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def submissions(url: str) -> list:
    with engine_for(url).connect() as conn:
        return conn.execute(text("SELECT district_code, file_name, stored_path FROM submissions")).all()


def use_env(monkeypatch, root: Path, url: str) -> None:
    for name, value in {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": url,
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)


# --- defect 6: an unmounted share is not an empty drive ----------------------------------


def test_without_the_marker_ingest_and_consolidate_write_nothing(
    tmp_path, warehouse_url, monkeypatch, capsys
):
    mount_point = tmp_path / "mnt"  # the share is not mounted: an empty folder
    mount_point.mkdir()
    use_env(monkeypatch, mount_point, warehouse_url)

    for argv in (["ingest"], ["consolidate", "--period", "2026-B1"]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and DRIVE_MARKER in err and "rekap drive init" in err
    assert list(mount_point.iterdir()) == []  # no inbox/ archive/ reports/ recreated on the local disk
    with engine_for(warehouse_url).connect() as conn:  # the warehouse is as `rekap db upgrade` left it
        for table in ("submissions", "runs", "inbox_sightings", "districts"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0, table

    # set up once (idempotent), then the same runs work
    assert main(["drive", "init"]) == 0
    first = capsys.readouterr().out
    assert "created" in first and DRIVE_MARKER in first
    assert main(["drive", "init"]) == 0
    assert "already set up" in capsys.readouterr().out
    assert (mount_point / DRIVE_MARKER).is_file()
    assert sorted(p.name for p in (mount_point / "archive").iterdir()) == BANTEN
    report(mount_point / "inbox/3603/Laporan.xlsx", "3603")
    assert main(["ingest"]) == 0
    assert (mount_point / "archive/3603/Laporan.xlsx").is_file()


def test_a_marker_that_is_a_symlink_or_a_symlinked_top_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "drive"
    root.mkdir()
    (outside / "marker").write_text("x")
    (root / DRIVE_MARKER).symlink_to(outside / "marker")
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    with pytest.raises(DriveError, match="not a regular file"):
        ingest(settings_for(root, url))
    (root / DRIVE_MARKER).unlink()

    (root / "archive").symlink_to(outside)
    with pytest.raises(DriveError, match="archive is a symbolic link"):
        init_drive(root, BANTEN)
    assert not os.path.lexists(root / DRIVE_MARKER)  # the marker comes last: still refused
    assert list(outside.iterdir()) == [outside / "marker"]  # nothing created through the link


# --- defect 4: one bad entry never stops the province ------------------------------------


def test_bad_names_and_broken_links_affect_only_themselves(tmp_path, warehouse_url):
    root = set_up_drive(tmp_path / "drive")
    report(root / "inbox/3603/Laporan.xlsx", "3603")
    bad = os.path.join(os.fsencode(root / "inbox/3601"), b"Laporan_\xff\xfe.xlsx")
    os.close(os.open(bad, os.O_CREAT | os.O_WRONLY, 0o644))
    os.mkdir(os.path.join(os.fsencode(root / "inbox"), b"kab_\xe9"))  # an unknown folder, Latin-1 name
    os.close(os.open(os.path.join(os.fsencode(root / "inbox"), b"kab_\xe9", b"x.xlsx"), os.O_CREAT, 0o644))
    (root / "inbox/3602/hilang.xlsx").symlink_to(tmp_path / "does-not-exist.xlsx")
    (root / "inbox/3602/putar.xlsx").symlink_to(root / "inbox/3602/putar.xlsx")  # ELOOP when followed
    (root / "inbox/3602/~$Laporan.xlsx").write_bytes(b"lock")
    (root / "inbox/3602/.~lock.Laporan.xlsx#").write_bytes(b"lock")

    summary = ingest(settings_for(root, warehouse_url))

    got = by_outcome(summary)
    assert [f["file_name"] for f in got["accepted"]] == ["Laporan.xlsx"]
    # a bad file name and a bad folder name: flagged as such, the folder not walked
    assert sorted(f["file_name"] for f in got["bad_name"]) == ["Laporan_\\xff\\xfe.xlsx", "kab_\\xe9"]
    assert all("UTF-8" in f["message"] and "rename" in f["message"] for f in got["bad_name"])
    assert "unknown_folder" not in got
    assert sorted(f["file_name"] for f in got["symlink"]) == ["hilang.xlsx", "putar.xlsx"]
    assert sorted(f["file_name"] for f in got["ignored"]) == [".~lock.Laporan.xlsx#", "~$Laporan.xlsx"]
    assert os.path.exists(bad) and os.path.islink(root / "inbox/3602/putar.xlsx")  # left in place
    # the summary can be stored, printed and sent as JSON
    json.dumps(summary, ensure_ascii=False).encode("utf-8")
    "\n".join(summary_lines(summary)).encode("utf-8")
    with engine_for(warehouse_url).connect() as conn:
        stored = json.loads(conn.execute(text("SELECT summary FROM runs")).scalar_one())
    assert stored["counts"]["bad_name"] == 2 and stored["counts"]["symlink"] == 2
    assert [s.file_name for s in submissions(warehouse_url)] == ["Laporan.xlsx"]


def test_a_file_that_vanishes_or_becomes_a_link_after_the_scan(tmp_path):
    root = set_up_drive(tmp_path / "drive")
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    settings = settings_for(root, url)
    report(root / "inbox/3603/a.xlsx", "3603")
    report(root / "inbox/3603/b.xlsx", "3603")
    keep = report(root / "inbox/3603/c.xlsx", "3603")
    from rekap.warehouse import upgrade

    upgrade(url)
    scan = scan_inbox(settings)
    assert len(scan.ready["3603"]) == 3
    (root / "inbox/3603/a.xlsx").unlink()
    target = tmp_path / "elsewhere.xlsx"
    shutil.move(root / "inbox/3603/b.xlsx", target)
    (root / "inbox/3603/b.xlsx").symlink_to(target)

    outcomes = {o.file_name: o for o in process_district(settings, "3603", scan.ready["3603"], "t")}

    assert outcomes["a.xlsx"].outcome == "gone" and outcomes["b.xlsx"].outcome == "symlink"
    assert outcomes["c.xlsx"].outcome == "accepted" and not keep.exists()
    assert target.is_file() and os.path.islink(root / "inbox/3603/b.xlsx")
    assert visible(root / "archive/3603") == [root / "archive/3603/c.xlsx"]


# --- defect 5: symlinks are never followed, read, moved or written through ---------------


def test_symlinks_in_the_inbox_are_flagged_never_followed(tmp_path, warehouse_url):
    root = set_up_drive(tmp_path / "drive")
    outside = tmp_path / "outside"
    outside.mkdir()
    real = report(outside / "real.xlsx", "3603")
    before = real.read_bytes()
    (root / "inbox/3603/Laporan.xlsx").symlink_to(real)  # a symlinked report
    (root / "inbox/3601" / LOCK_NAME).symlink_to(outside / "created-by-lock")  # a planted lock file
    report(root / "inbox/3601/Laporan_3601.xlsx", "3601")
    shutil.rmtree(root / "inbox/3602")
    (root / "inbox/3602").symlink_to("/usr/share")  # a whole server tree behind a district folder
    big = root / "inbox/9999"  # a real foreign tree: listed up to the cap, the rest counted
    (big / "sub").mkdir(parents=True)
    for i in range(LIST_CAP + 30):
        (big / "sub" / f"f{i:03}.xlsx").write_bytes(b"x")
    report(root / "inbox/3603/Laporan_asli.xlsx", "3603")

    summary = ingest(settings_for(root, warehouse_url))

    got = by_outcome(summary)
    assert sorted(f["file_name"] for f in got["symlink"]) == [".rekap.lock", "3602", "Laporan.xlsx"]
    # 3603 goes on; 3601's planted lock link is replaced by a real lock file, never followed
    assert sorted(f["file_name"] for f in got["accepted"]) == ["Laporan_3601.xlsx", "Laporan_asli.xlsx"]
    assert real.read_bytes() == before and not (root / "archive/3603/Laporan.xlsx").exists()
    assert os.path.islink(root / "inbox/3603/Laporan.xlsx")  # left for the operator, not moved
    assert not os.path.lexists(outside / "created-by-lock")  # nothing created where it pointed
    assert (root / "inbox/3601" / LOCK_NAME).is_file() and not (root / "inbox/3601" / LOCK_NAME).is_symlink()
    assert "drive_error" not in got
    # bounded: LIST_CAP files and one line counting the rest; nothing from /usr/share
    unknown = got["unknown_folder"]
    assert len(unknown) == LIST_CAP + 1 and "30 more entries not listed" in unknown[-1]["message"]
    assert not any("/usr/share" in f["inbox_path"] for f in summary["files"])
    assert len(json.dumps(summary)) < 100_000
    assert {s.district_code for s in submissions(warehouse_url)} == {"3601", "3603"}


def test_symlinked_drive_folders_are_never_written_through(tmp_path, warehouse_url, monkeypatch, capsys):
    root = set_up_drive(tmp_path / "drive")
    outside = tmp_path / "outside"
    outside.mkdir()
    for top, code in (("archive", "3601"), ("feedback", "3602")):
        (root / top / code).rmdir()
        (root / top / code).symlink_to(outside)
        report(root / "inbox" / code / f"Laporan_{code}.xlsx", code)
    report(root / "inbox/3603/Laporan_3603.xlsx", "3603")
    use_env(monkeypatch, root, warehouse_url)

    assert main(["ingest"]) == 1  # the operator must act: exit 1, one line on stderr
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "symbolic link" in err and "Traceback" not in out + err
    assert list(outside.iterdir()) == []
    for code in ("3601", "3602"):  # the files wait in the inbox; nothing loaded for them
        assert (root / "inbox" / code / f"Laporan_{code}.xlsx").is_file()
        assert f"[drive_error] {code} Laporan_{code}.xlsx" in out
    assert {s.district_code for s in submissions(warehouse_url)} == {"3603"}
    with engine_for(warehouse_url).connect() as conn:
        assert conn.execute(text("SELECT status FROM runs")).scalar_one() == "failed"

    # the consolidation refuses a symlinked reports/ too
    shutil.rmtree(root / "reports")
    (root / "reports").symlink_to(outside)
    assert main(["consolidate", "--period", "2026-B1"]) == 1
    assert "reports is a symbolic link" in capsys.readouterr().err
    assert list(outside.iterdir()) == []


# --- defect 10: names, permissions, leftovers, log lines ---------------------------------


def test_a_long_name_sent_twice_is_shortened_and_kept_unique(tmp_path, warehouse_url):
    root = set_up_drive(tmp_path / "drive")
    settings = settings_for(root, warehouse_url)
    name = "Laporan_bulanan_" + "é" * 114 + ".xlsx"  # 249 bytes: fits, but not with "_2" added
    assert len(name.encode()) == 249
    report(root / "inbox/3603" / name, "3603")
    ingest(settings)
    write_report(root / "inbox/3603" / name, district="3603", pleno=[pleno_row(2, date(2026, 1, 12))])
    summary = ingest(settings)

    assert summary["counts"]["accepted"] == 1
    stored = sorted(p.name for p in visible(root / "archive/3603"))
    assert len(stored) == 2 and len(set(stored)) == 2
    for n in stored:
        assert len(n.encode()) <= NAME_MAX_BYTES and n.endswith(".xlsx") and n.startswith("Laporan_bulanan_é")
    assert any(n.endswith("_2.xlsx") for n in stored)


def test_fit_name_cuts_on_characters_and_keeps_the_suffix():
    assert fit_name("Laporan.xlsx", "_2") == "Laporan_2.xlsx"
    cut = fit_name("ab" + "é" * 200 + ".xlsx", "_13")
    assert len(cut.encode()) <= NAME_MAX_BYTES and cut.endswith("é_13.xlsx")
    assert fit_name("x" * 300, limit=20) == "x" * 20  # no suffix: the name itself is cut
    weird = fit_name("a." + "b" * 300)  # a "suffix" too long to be one
    assert len(weird.encode()) <= NAME_MAX_BYTES and weird.startswith("a.b")


def test_control_characters_in_names_stay_inside_one_log_line(tmp_path):
    root = set_up_drive(tmp_path / "drive")
    name = "Lap\n  [accepted] 3601 palsu.xlsx\x1b[31m\u202e.xlsx"
    report(root / "inbox/3603" / name, "3603")
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    upgrade(url)
    summary = ingest(settings_for(root, url))
    lines = summary_lines(summary)
    assert len(lines) == 1 + len(summary["files"])
    assert not any(ch in "".join(lines) for ch in "\n\x1b\u202e")
    assert "Lap\\n  [accepted] 3601 palsu.xlsx\\x1b[31m\\u202e.xlsx" in lines[1]
    assert log_safe("ok é") == "ok é"


def test_stale_feedback_scratch_folders_are_cleaned(tmp_path):
    folder = tmp_path / "feedback"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = os.getppid()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    for pid in (dead.pid, alive, "old"):
        (folder / f".writing-{pid}").mkdir()
        (folder / f".writing-{pid}" / "half.xlsx").write_bytes(b"x")
    hour_ago = time.time() - 3600
    os.utime(folder / ".writing-old", (hour_ago, hour_ago))
    (folder / ".writing-link").symlink_to(outside)
    (folder / "Umpan_Balik.xlsx").write_bytes(b"x")

    removed = clean_stale_scratch(folder)

    assert sorted(removed) == sorted([f".writing-{dead.pid}", ".writing-old", ".writing-link"])
    assert sorted(p.name for p in folder.iterdir()) == sorted([f".writing-{alive}", "Umpan_Balik.xlsx"])
    assert (outside / "keep.txt").is_file()  # the link was removed, never followed


@pytest.mark.parametrize("other_file_system", [False, True])
def test_a_move_never_overwrites(tmp_path, other_file_system):
    base = Path(tempfile.mkdtemp(dir="/dev/shm")) if other_file_system else tmp_path
    try:
        root = set_up_drive(base / "drive")
        source = tmp_path / "inbox.xlsx"
        source.write_bytes(b"new")
        target = root / "archive/3603/Laporan.xlsx"
        target.write_bytes(b"archived")
        with pytest.raises(DriveError, match="never overwritten"):
            move_into_place(source, target)
        assert target.read_bytes() == b"archived" and source.read_bytes() == b"new"
        free = root / "archive/3603/Laporan_2.xlsx"
        move_into_place(source, free)
        assert free.read_bytes() == b"new" and not source.exists()
        assert [p.name for p in (root / "archive/3603").iterdir() if p.name.startswith(".")] == []
    finally:
        if other_file_system:
            shutil.rmtree(base)


# --- permissions: a real unprivileged rekap process (root ignores file modes) ------------

NOBODY = 65534


def run_unprivileged(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("running as root needs setpriv (util-linux) to test permissions honestly")
        prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "rekap.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def shared_base():
    """A folder an unprivileged process can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="rekap-perm-"))
    base.chmod(0o755)
    yield base
    for dirpath, dirnames, _ in os.walk(base):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    shutil.rmtree(base)


def give_to_nobody(path: Path) -> None:
    if os.geteuid() != 0:
        return
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, NOBODY, NOBODY)


def test_unreadable_file_and_unwritable_archive_are_one_line_each(shared_base):
    root = set_up_drive(shared_base / "drive")
    report(root / "inbox/3603/Laporan_3603.xlsx", "3603")
    secret = report(root / "inbox/3602/rahasia.xlsx", "3602")
    report(root / "inbox/3601/Laporan_3601.xlsx", "3601")
    (shared_base / "wh").mkdir()
    upgrade(f"sqlite:///{shared_base / 'wh' / 'w.sqlite'}")
    give_to_nobody(shared_base)
    secret.chmod(0o000)  # cannot be opened
    (root / "archive/3601").chmod(0o555)  # the district's archive is not writable
    env = {
        "REKAP_SHARED_ROOT": str(root),
        "REKAP_WAREHOUSE_URL": f"sqlite:///{shared_base / 'wh' / 'w.sqlite'}",
        "REKAP_PROVINCE": "36",
        "REKAP_STABLE_SECONDS": "0",
    }

    done = run_unprivileged(["ingest", "--json"], env)

    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "archive/3601 is not writable" in done.stderr and "stay in the inbox" in done.stderr
    got = by_outcome(json.loads(done.stdout))
    assert [f["file_name"] for f in got["accepted"]] == ["Laporan_3603.xlsx"]
    assert [f["file_name"] for f in got["unreadable"]] == ["rahasia.xlsx"]
    assert "Permission denied" in got["unreadable"][0]["message"]
    assert [f["file_name"] for f in got["drive_error"]] == ["Laporan_3601.xlsx"]
    assert (root / "inbox/3601/Laporan_3601.xlsx").is_file() and secret.exists()
    assert not (root / "archive/3601/Laporan_3601.xlsx").exists()

    # fixed by the operator: the next run takes the waiting file
    (root / "archive/3601").chmod(0o755)
    again = run_unprivileged(["ingest", "--json"], env)
    assert again.returncode == 0, again.stderr
    assert (root / "archive/3601/Laporan_3601.xlsx").is_file()
