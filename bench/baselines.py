"""The two yardsticks ``rekap ingest`` is measured against, on the same files (issue 15):

* ``floor``: python-calamine reads every sheet of each file, and a minimal openpyxl feedback
  workbook is written: the least any intake that reads the files and answers the district does.
* ``naive``: ``pandas.read_excel`` of every sheet, ``DataFrame.to_sql`` into a fresh SQLite file
  (one transaction per file), and the same minimal feedback: the pipeline one writes first.

Each runs in its own process (``python -m bench.baselines floor|naive FILE_LIST OUT_DIR``) so
its wall time, imports included, and its peak RSS are measured like ``rekap ingest``'s. A file
that cannot be read (a Word document renamed .xlsx) gets a "rejected" feedback workbook.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

WIDTH = 16  # the naive loader keeps a sheet's first 16 columns: every table has the same shape


def feedback(out: Path, source: Path, status: str, rows: dict[str, int]) -> None:
    """A minimal feedback workbook: which file, its status, rows read per sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Umpan Balik"
    ws.append(["Berkas", source.name])
    ws.append(["Status", status])
    for sheet, count in rows.items():
        ws.append([sheet, count])
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def floor(files: list[Path], out: Path) -> int:
    from python_calamine import CalamineWorkbook

    rejected = 0
    for path in files:
        rows: dict[str, int] = {}
        try:
            wb = CalamineWorkbook.from_path(str(path))
            for name in wb.sheet_names:
                rows[name] = len(wb.get_sheet_by_name(name).to_python())
            status = "diterima"
        except Exception:
            status, rejected = "ditolak", rejected + 1
        feedback(out / path.parent.name / f"Umpan_Balik_{path.stem}.xlsx", path, status, rows)
    return rejected


def naive(files: list[Path], out: Path) -> int:
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{out / 'naive.sqlite'}")
    columns = [f"c{i}" for i in range(WIDTH)]
    rejected = 0
    for path in files:
        rows: dict[str, int] = {}
        try:
            # openpyxl is pandas 3.1's default engine for .xlsx (named here to silence the
            # warning that the default will change)
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
            with engine.begin() as conn:
                for name, frame in sheets.items():
                    frame = frame.reindex(columns=range(WIDTH)).astype("string")
                    frame.columns = columns
                    frame.insert(0, "source_file", str(path))
                    frame.to_sql(f"raw_{name.lower()}", conn, if_exists="append", index=False)
                    rows[name] = len(frame)
            status = "diterima"
        except Exception:
            status, rejected = "ditolak", rejected + 1
        feedback(out / path.parent.name / f"Umpan_Balik_{path.stem}.xlsx", path, status, rows)
    engine.dispose()
    return rejected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baselines")
    parser.add_argument("pipeline", choices=["floor", "naive"])
    parser.add_argument("file_list", type=Path, help="a text file, one path per line")
    parser.add_argument("out", type=Path, help="folder for the feedback (and the naive SQLite)")
    args = parser.parse_args(argv)
    files = [Path(line) for line in args.file_list.read_text().splitlines() if line.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rejected = (floor if args.pipeline == "floor" else naive)(files, args.out)
    loop = time.perf_counter() - start
    print(json.dumps({"files": len(files), "rejected": rejected, "loop_seconds": loop}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
