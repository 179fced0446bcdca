"""``rekap``: the command line for districts, operators and tests.

Every command reads its settings from the environment (see ``rekap.settings``). A wrong
setting or bad argument ends with one clear line and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rekap import vocab
from rekap.model import ACCEPTED, REJECTED, STATUS_LABELS, Report
from rekap.registry import RegistryError, load_registry
from rekap.settings import Settings, SettingsError

EXIT_OK, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2


class UsageError(Exception):
    pass


def _parse_month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in text.split("-"))
        if not 1 <= month <= 12:
            raise ValueError
    except ValueError as exc:
        raise UsageError(f"--month must look like 2026-01, not {text!r}") from exc
    return year, month


def cmd_template(args: argparse.Namespace) -> int:
    from rekap.template import template_filename, write_template

    settings = Settings.from_env()
    registry = load_registry(settings.registry_path)
    district = registry.get(args.district.replace(".", ""))
    if district is None:
        raise UsageError(f"district {args.district} is not in the registry")
    year, month = _parse_month(args.month)
    out = Path(args.output) if args.output else Path(template_filename(district.district_code, year, month))
    write_template(out, district, year, month)
    print(out)
    return EXIT_OK


def _validate_registry(settings: Settings):
    """A district checking its own file may be in any province of the registry unless the
    deployment's province is set explicitly."""
    if os.environ.get("REKAP_PROVINCE"):
        return settings.registry
    return load_registry(settings.registry_path)


def cmd_validate(args: argparse.Namespace) -> int:
    from rekap.check import check_file

    settings = Settings.from_env()
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    folder = args.district.replace(".", "") if args.district else None
    report = check_file(path, _validate_registry(settings), folder_district=folder, limits=settings.limits())
    if args.json:
        print(json.dumps(report_json(report), ensure_ascii=False))
    else:
        print(report_text(report))
    return EXIT_REJECTED if report.status == REJECTED else EXIT_OK


def report_json(report: Report) -> dict:
    identity = report.identity
    return {
        "status": report.status,
        "reason": report.rejection,
        "district_code": identity.district_code if identity else None,
        "year": identity.year if identity else None,
        "month": identity.month if identity else None,
        "records": report.record_counts(),
        "issues": [issue.as_dict() for issue in report.issues],
    }


def report_text(report: Report) -> str:
    """The verdict in Indonesian, as a district reads it."""
    lines = [f"Berkas : {report.file_name}", f"Status : {STATUS_LABELS[report.status]}"]
    if report.identity:
        ident = report.identity
        lines.append(f"Kab/Kota {ident.district_code}, {vocab.month_name(ident.month)} {ident.year}")
    if report.rejection:
        lines.append(f"Alasan : {report.rejection}")
        return "\n".join(lines)
    counts = report.record_counts()
    lines.append(
        f"Baris  : Pleno {counts['pleno']}, Pencegahan {counts['pencegahan']}, Kelembagaan {counts['kelembagaan']}"
    )
    for warning in report.warnings:
        lines.append(f"Peringatan: {warning}")
    if report.status == ACCEPTED:
        lines.append("Tidak ada catatan. Laporan siap dikirim.")
    else:
        lines.append(f"Catatan ({len(report.issues)}), perbaiki lalu kirim ulang:")
        for issue in report.issues:
            value = f" [{issue.value}]" if issue.value is not None else ""
            lines.append(f"  - {issue.sheet} baris {issue.row}, kolom {issue.column}{value}: {issue.problem}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rekap", description="Bawaslu reporting pipeline")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("template", help="write the blank district report workbook")
    p.add_argument("--district", required=True, help="district code, e.g. 3603 or 36.03")
    p.add_argument("--month", required=True, help="reporting month, e.g. 2026-01")
    p.add_argument("-o", "--output", help="output file (default Laporan_<code>_<YYYY-MM>.xlsx)")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("validate", help="check a report file before submitting it")
    p.add_argument("file")
    p.add_argument("--district", help="the district whose folder the file goes to (identity check)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        return args.func(args)
    except (UsageError, SettingsError, RegistryError) as exc:
        print(f"rekap: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
