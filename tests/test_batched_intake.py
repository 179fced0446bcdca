"""Intake in batches (issues 14 item 5 and 15): many districts' files checked in one GX run per
record kind and loaded in one transaction per chunk must give exactly what checking and loading
each file alone gives: the same issues on the same rows and cells, the same cell readings, the
same GX counts per district, and the same warehouse."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rekap.dev.demo import generate_demo_drive
from rekap.intake import flow
from rekap.intake.flow import chunk_districts, ingest, split_for_tasks
from rekap.registry import load_registry
from rekap.report.check import check_files
from rekap.settings import Settings
from rekap.warehouse import engine_for
from sqlalchemy import text
from workbooks import pleno_row, set_up_drive, write_report

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 20, tzinfo=UTC)


def _cells(report) -> list:
    """Every record cell as the loader stores it (its reading and whether it counts)."""
    return [
        (kind, record.row, name, cell.readable, cell.value, cell.text)
        for kind, records in sorted(report.records.items())
        for record in records
        for name, cell in sorted(record.cells.items())
    ]


def _issues(report) -> list:
    return [asdict(issue) for issue in report.issues]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[tuple[Path, str | None]]:
    """The demo drive (every situation of the demo, two months of a province) and the messy
    fixtures (title rows, text dates, formulas, .ods, rejections)."""
    root = tmp_path_factory.mktemp("batched") / "drive"
    generate_demo_drive(root, load_registry())
    found = [(p, p.parent.name) for p in sorted((root / "inbox").rglob("*")) if p.is_file()]
    found += [(p, None) for p in sorted(FIXTURES.glob("*.xls*")) + sorted(FIXTURES.glob("*.ods"))]
    assert len(found) > 20
    return found


def test_batched_validation_reports_what_one_file_at_a_time_reports(files):
    registry = load_registry()
    batched, _ = check_files(files, registry, NOW)
    alone = [check_files([f], registry, NOW)[0][0] for f in files]
    assert sum(len(r.issues) for r in batched) > 10  # the demo has rows with problems
    for together, single in zip(batched, alone, strict=True):
        assert (together.status, together.rejection) == (single.status, single.rejection), single.path
        assert _issues(together) == _issues(single), single.path
        assert _cells(together) == _cells(single), single.path


def test_gx_results_per_district_are_those_of_checking_the_district_alone(files):
    registry = load_registry()
    by_district = [f for f in files if f[1] is not None]
    _, together = check_files(by_district, registry, NOW)
    alone = []
    for code in sorted({d for _, d in by_district}):
        _, results = check_files([f for f in by_district if f[1] == code], registry, NOW)
        alone += results
    assert len({r.scope for r in together}) >= 8  # every district of the demo has rows checked
    assert sorted(map(repr, together)) == sorted(map(repr, alone))
    assert any(not r.success for r in together)


def test_split_for_tasks_keeps_districts_whole_and_in_code_order():
    ready = {f"{3600 + i}": [f"f{i}_{n}" for n in range(1 + i % 3)] for i in range(1, 12)}
    for tasks in (1, 2, 3, 4, 11, 40):
        batches = split_for_tasks(ready, tasks)
        assert len(batches) == min(tasks, len(ready))
        assert [c for b in batches for c in b] == sorted(ready)  # whole districts, consecutive codes
        assert {c: p for b in batches for c, p in b.items()} == ready
        sizes = [sum(len(p) for p in b.values()) for b in batches]
        assert max(sizes) - min(sizes) <= 2 * max(len(p) for p in ready.values()), sizes
    assert split_for_tasks({}, 4) == []


def test_chunks_hold_whole_districts():
    ready = {"3601": ["a"] * 3, "3602": ["b"] * 5, "3603": ["c"], "3604": ["d"] * 2}
    assert [list(c) for c in chunk_districts(ready, 4)] == [["3601"], ["3602"], ["3603", "3604"]]
    assert [list(c) for c in chunk_districts(ready, 100)] == [["3601", "3602", "3603", "3604"]]


def _warehouse_state(url: str, root: Path) -> dict:
    with engine_for(url).connect() as conn:
        subs = conn.execute(
            text(
                "SELECT file_name, district_code, year, month, status, is_current, received_on_time,"
                " stored_path, feedback_path, superseded_by IS NOT NULL FROM submissions"
            )
        ).all()
        counts = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("pleno_records", "pencegahan_records", "kelembagaan_records", "row_issues")
        }
        dq = conn.execute(
            text(
                "SELECT scope, suite, expectation, column_name, rule, success, element_count, unexpected_count"
                " FROM dq_results ORDER BY 1, 2, 3, 4, 5"
            )
        ).all()
    rel = lambda p: None if p is None else Path(p).relative_to(root).parent.as_posix()  # noqa: E731
    return {
        "submissions": sorted((*s[:7], rel(s[7]), rel(s[8]), s[9]) for s in subs),
        "counts": counts,
        "dq": [tuple(r) for r in dq],
        "files": sorted(str(p.relative_to(root)) for p in root.rglob("*.xls*") if "feedback" not in p.parts),
        "feedback": sorted(p.parent.name for p in (root / "feedback").rglob("*.xlsx")),
    }


def _ingest(tmp_path: Path, name: str, source: Path, monkeypatch, files_per_check: int) -> dict:
    root = tmp_path / name
    shutil.copytree(source, root, symlinks=True)
    url = f"sqlite:///{tmp_path / f'{name}.sqlite'}"
    from conftest import upgraded

    upgraded(url)
    settings = Settings.from_mapping(
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": url,
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
            "REKAP_RECEIVED_AT_SOURCE": "mtime",
        }
    )
    monkeypatch.setattr(flow, "FILES_PER_CHECK", files_per_check)
    summary = ingest(settings, run_id="t", now=NOW)
    assert summary["counts"]["drive_error"] == 0
    return _warehouse_state(url, root)


def test_small_chunks_and_one_big_chunk_load_the_same_warehouse(tmp_path, monkeypatch):
    """The demo drive, plus the same bytes twice (in two districts, and twice in one) and the
    same rejected bytes twice: chunks of 2 files and one chunk of everything agree."""
    source = tmp_path / "source"
    generate_demo_drive(source, load_registry())
    good = next((source / "inbox/3601").glob("*.xlsx"))
    shutil.copy2(good, source / "inbox/3601/salinan.xlsx")
    shutil.copy2(good, source / "inbox/3602/dari_3601.xlsx")
    bad = write_report(
        source / "inbox/3603/keliru.xlsx", district="3604", pleno=[pleno_row(1, date(2026, 1, 5))]
    )
    shutil.copy2(bad, source / "inbox/3603/keliru_lagi.xlsx")
    small = _ingest(tmp_path, "small", source, monkeypatch, 2)
    big = _ingest(tmp_path, "big", source, monkeypatch, 10_000)
    assert small == big
    statuses = [s[4] for s in big["submissions"]]
    assert statuses.count("rejected") >= 4  # both copies of the wrong-district file, each checked afresh
    assert "archive/3601" in {s[7] for s in big["submissions"]}


def _banten(tmp_path: Path, root: Path) -> Settings:
    """Banten's deployment on ``root`` with a fresh SQLite warehouse."""
    from conftest import upgraded

    url = upgraded(f"sqlite:///{tmp_path / 'w.sqlite'}")
    settings = Settings.from_mapping(
        {
            "REKAP_SHARED_ROOT": str(root),
            "REKAP_WAREHOUSE_URL": url,
            "REKAP_PROVINCE": "36",
            "REKAP_STABLE_SECONDS": "0",
        }
    )
    return settings


def test_a_drive_problem_in_one_district_of_a_chunk_stops_only_that_district(tmp_path):
    root = set_up_drive(tmp_path / "drive")
    for code in ("3601", "3602", "3603"):
        write_report(root / f"inbox/{code}/Laporan_{code}.xlsx", district=code)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(root / "feedback/3602")
    (root / "feedback/3602").symlink_to(elsewhere)  # never written through
    settings = _banten(tmp_path, root)
    summary = ingest(settings, run_id="t", now=NOW)
    by_code = {f["district_code"]: f for f in summary["files"]}
    for code in ("3601", "3603"):  # processed: checked, fed back and moved out of the inbox
        assert by_code[code]["outcome"] in ("accepted", "accepted_with_issues", "rejected"), by_code[code]
        assert not (root / f"inbox/{code}/Laporan_{code}.xlsx").exists()
    assert by_code["3602"]["outcome"] == "drive_error"
    assert "feedback/3602" in by_code["3602"]["message"]
    assert (root / "inbox/3602/Laporan_3602.xlsx").exists()
    assert not any(elsewhere.iterdir())


def test_a_file_gone_between_its_check_and_the_commit_is_flagged_and_the_chunk_loads(tmp_path, monkeypatch):
    """Moved away by the district while the chunk was being checked: flagged ``gone``, and the
    other files of the chunk are committed as usual (the chunk's transaction is not refused)."""
    import rekap.report.check as check

    root = set_up_drive(tmp_path / "drive")
    for code in ("3601", "3602", "3603"):
        write_report(root / f"inbox/{code}/Laporan_{code}.xlsx", district=code)
    original = check.check_files

    def check_then_move(*args, **kwargs):
        result = original(*args, **kwargs)
        (root / "inbox/3602/Laporan_3602.xlsx").rename(tmp_path / "taken_back.xlsx")
        return result

    monkeypatch.setattr(check, "check_files", check_then_move)
    settings = _banten(tmp_path, root)
    url = settings.warehouse_url
    summary = ingest(settings, run_id="t", now=NOW)
    by_code = {f["district_code"]: f["outcome"] for f in summary["files"]}
    assert by_code["3602"] == "gone"
    for code in ("3601", "3603"):
        assert by_code[code] in ("accepted", "accepted_with_issues", "rejected"), by_code
        assert not (root / f"inbox/{code}/Laporan_{code}.xlsx").exists()
    with engine_for(url).connect() as conn:
        loaded = sorted(r[0] for r in conn.execute(text("SELECT district_code FROM submissions")))
    assert loaded == ["3601", "3603"]


def test_reading_the_bytes_already_read_gives_what_reading_the_file_gives(files):
    """The intake hands the checker the bytes it hashed (issue 15: read each file once);
    every file of the demo and the messy fixtures, rejections included, reads the same."""
    registry = load_registry()
    from_disk, _ = check_files(files, registry, NOW)
    from_bytes, _ = check_files(files, registry, NOW, contents=[path.read_bytes() for path, _ in files])
    assert {r.rejection_code for r in from_disk} >= {"wrong_format", "encrypted"}
    for given, read in zip(from_bytes, from_disk, strict=True):
        assert (given.status, given.rejection_code, given.rejection) == (
            read.status,
            read.rejection_code,
            read.rejection,
        )
        assert _issues(given) == _issues(read), read.path
        assert _cells(given) == _cells(read), read.path


def test_the_intake_loads_the_bytes_it_hashed(tmp_path, monkeypatch):
    """A district saving its file again while the run reads it: what is loaded is what was
    hashed (the submission's sha256 and its rows are the same version of the file)."""
    import hashlib

    root = set_up_drive(tmp_path / "drive")
    path = root / "inbox/3603/Laporan_3603.xlsx"
    rows = [pleno_row(0, date(2026, 1, 5)), pleno_row(1, date(2026, 1, 12), jenis="-")]  # an issue:
    # the highlighted copy is made too
    write_report(path, pleno=rows)
    first = path.read_bytes()
    later = tmp_path / "later.xlsx"
    write_report(later, pleno=[pleno_row(i, date(2026, 1, 5 + 7 * i)) for i in range(4)])
    original = flow.read_and_hash

    def hash_then_save_again(p, keep_up_to):
        result = original(p, keep_up_to)
        if Path(p) == path:
            shutil.copy(later, path)  # the district saves its four-row version meanwhile
        return result

    monkeypatch.setattr(flow, "read_and_hash", hash_then_save_again)
    settings = _banten(tmp_path, root)
    url = settings.warehouse_url
    ingest(settings, run_id="t", now=NOW)
    with engine_for(url).connect() as conn:
        (sha,) = conn.execute(text("SELECT sha256 FROM submissions")).one()
        loaded = conn.execute(text("SELECT COUNT(*) FROM pleno_records")).scalar()
    assert sha == hashlib.sha256(first).hexdigest()
    assert loaded == 2  # the hashed version's rows, not the four of the file on disk now
    (copy,) = (root / "feedback/3603").glob("Ditandai_*.xlsx")  # and the copy marks that version
    from openpyxl import load_workbook

    pleno = load_workbook(copy)["Pleno"]
    assert [c.value for c in pleno["C"]][1:] == ["Rutin", "-"]
    assert pleno["C3"].comment is not None
