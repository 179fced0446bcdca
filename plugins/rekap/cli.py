"""``rekap``: the command line for districts, operators and tests.

Every command reads its settings from the environment (see ``rekap.settings``). A wrong
setting or bad argument ends with one clear line and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rekap.consolidation.approval import NATIONAL, ApprovalError, PeriodRefused
from rekap.registry import District, RegistryError, load_registry
from rekap.report.model import REJECTED, Report
from rekap.settings import Settings, SettingsError
from rekap.warehouse import WarehouseError

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
    from rekap.report.template import template_filename, write_all_templates, write_template

    settings = Settings.from_env()
    year, month = _parse_month(args.month)
    if args.all:
        # One per district of this deployment's province, into a folder the operator sends out.
        folder = Path(args.output) if args.output else Path(f"Templat_{year:04d}-{month:02d}")
        paths = write_all_templates(folder, settings.registry, year, month, settings.deadline_day)
        print(f"{len(paths)} templates for {year:04d}-{month:02d} written to {folder}")
        return EXIT_OK
    if not args.district:
        raise UsageError("give --district CODE, or --all for every district of the province")
    registry = load_registry(settings.registry_path)
    district = registry.get(args.district.replace(".", ""))
    if district is None:
        raise UsageError(f"district {args.district} is not in the registry")
    out = Path(args.output) if args.output else Path(template_filename(district.district_code, year, month))
    write_template(out, district, year, month, settings.deadline_day)
    print(out)
    return EXIT_OK


def _validate_registry(settings: Settings):
    """A district checking its own file may be in any province of the registry unless the
    deployment's province is set explicitly."""
    if settings.province_set:
        return settings.registry
    return load_registry(settings.registry_path)


def cmd_validate(args: argparse.Namespace) -> int:
    from rekap.report.check import check_file

    settings = Settings.from_env()
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    folder = args.district.replace(".", "") if args.district else None
    registry = _validate_registry(settings)
    report = check_file(path, registry, folder_district=folder, limits=settings.limits())
    if args.json:
        print(json.dumps(report_json(report), ensure_ascii=False))
    else:
        code = report.identity.district_code if report.identity else folder
        print(report_text(report, registry.get(code) if code else None, settings.deadline_day))
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


def report_text(
    report: Report, district: District | None = None, deadline_day: int = Settings.deadline_day
) -> str:
    """The verdict in Indonesian, in the words of the feedback workbook (rekap.intake.feedback)."""
    from rekap.intake.feedback import Timing, issue_line, verdict_lines, what_to_do

    timing = Timing(deadline_day)  # not submitted yet: no received time, no lateness
    width = max(len(label) for label, _ in verdict_lines(report, district, timing))
    lines = [f"{label.ljust(width)} : {text}" for label, text in verdict_lines(report, district, timing)]
    for warning in report.warnings:
        lines.append(f"Peringatan: {warning}")
    if report.issues:
        lines.append(f"Catatan ({len(report.issues)}):")
        lines.extend(f"  - {issue_line(issue)}" for issue in report.issues)
    lines.append(f"Apa yang harus dilakukan: {what_to_do(report, district, timing)}")
    return "\n".join(lines)


def cmd_db(args: argparse.Namespace) -> int:
    """``db upgrade`` is the only command that creates a warehouse; ``db rebuild`` creates or
    upgrades one and fills it from the shared drive's archive/."""
    from rekap.warehouse import upgrade

    settings = Settings.from_env()
    if args.action == "upgrade":
        applied = upgrade(settings.warehouse_url)
        print(f"applied: {', '.join(applied)}" if applied else "warehouse is up to date")
        return EXIT_OK
    from rekap.intake.rebuild import rebuild, summary_lines

    _ = settings.registry
    settings.require_shared_root()
    print("\n".join(summary_lines(rebuild(settings, force=args.force))))
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    from rekap.intake.flow import ingest
    from rekap.intake.outcomes import OUT_DRIVE_ERROR
    from rekap.intake.run_log import summary_lines

    settings = Settings.from_env()
    _ = settings.registry  # a wrong province is named before anything else
    settings.require_shared_root()
    summary = ingest(settings)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        print("\n".join(summary_lines(summary)))
    problems = sorted({f["message"] for f in summary["files"] if f["outcome"] == OUT_DRIVE_ERROR})
    if problems:  # the other districts were processed; the operator must fix the drive
        more = f" (and {len(problems) - 1} more drive problem(s) above)" if len(problems) > 1 else ""
        print(f"rekap: {problems[0]}{more}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_drive_init(args: argparse.Namespace) -> int:
    from rekap.drive import init_drive

    settings = Settings.from_env()
    codes = sorted(settings.registry.by_code)  # a wrong province is named before anything is created
    created = init_drive(settings.shared_root, codes)
    root = settings.shared_root
    if created:
        print(f"shared drive {root} set up for {len(codes)} districts: created {len(created)} entries")
        for path in created:
            print(f"  {path.relative_to(root)}")
    else:
        print(f"shared drive {root} is already set up ({len(codes)} districts)")
    return EXIT_OK


def _period(text: str):
    from rekap.periods import parse_period

    try:
        return parse_period(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def cmd_consolidate(args: argparse.Namespace) -> int:
    from rekap.consolidation.consolidate import consolidate_national, consolidate_period, consolidate_served

    settings = Settings.from_env()
    _ = settings.registry
    settings.require_shared_root()
    period = _period(args.period)
    national_only = _is_national(settings, args.province)
    provinces = () if national_only else _chosen_provinces(settings, args.province)
    if args.deliver:
        if national_only:
            return _deliver_approved_national(settings, period)
        return max(_deliver_approved(settings.for_province(p), period) for p in provinces)
    several = len(settings.provinces) > 1
    if args.province is None:  # every served province, then the national report
        served = consolidate_served(settings, period)
        results, national = served.provinces, served.national
    else:  # one province (then the national report, which reads it), or the national one alone
        results = [consolidate_period(settings.for_province(p), period) for p in provinces]
        national = consolidate_national(settings, period)
    for result in results:  # one workbook per province
        code = result.data.province_code
        if several:
            print(f"== provinsi {code} {settings.registry.province_name(code)}")
        for line in result.readiness.lines():
            print(line)
        print("\n".join(result.score_table()))
        print(f"laporan komprehensif: {result.report_path}")
        if result.previous_version:
            print(f"previous version kept as {result.previous_version}")
        _print_state(result.state, result.version, period.period_id, code if several else None)
    if national is not None:
        print(f"mart nasional {period.period_id}: {national.provinces} provinsi")
        print(f"laporan komprehensif nasional: {national.report_path}")
        if national.previous_version:
            print(f"previous version kept as {national.previous_version}")
        _print_state(national.state, national.version, period.period_id, NATIONAL)
    return EXIT_OK


def _print_state(state: str, version: int | None, period_id: str, which: str | None) -> None:
    if version:
        scope = f" --province {which}" if which else ""
        print(
            f"{state} v{version}: not sent until approved"
            f" (rekap approve --period {period_id}{scope} --by NAME, then rekap consolidate"
            f" --period {period_id}{scope} --deliver)"
        )
    else:
        print(f"{state}: the period is still open; this report is never sent")


def _is_national(settings: Settings, chosen: str | None) -> bool:
    """``--province NASIONAL``: the national report, which exists when several provinces are served."""
    if chosen is None or chosen.strip().upper() != NATIONAL:
        return False
    if len(settings.provinces) < 2:
        raise UsageError(
            f"--province {NATIONAL}: the national report needs several provinces served"
            f" (REKAP_PROVINCE serves {', '.join(settings.provinces)})"
        )
    return True


def _chosen_provinces(settings: Settings, chosen: str | None) -> tuple[str, ...]:
    """``--province``: one of the served provinces; without it, every served province."""
    if chosen is None:
        return settings.provinces
    return (settings.for_province(chosen.strip()).province_code,)


def _deliver_approved(settings: Settings, period) -> int:
    """``--deliver``: the latest draft, once approved, written FINAL and sent (the same path as
    the DAG's deliver task; no new consolidation, so what was approved is what is sent)."""
    from rekap.consolidation.delivery import finalize_and_deliver

    final, outcome = finalize_and_deliver(
        settings, settings.province_code, period, _recorded_approval(settings, settings.province_code, period)
    )
    print(f"laporan komprehensif (FINAL): {final}")
    print(outcome)
    return EXIT_OK


def _deliver_approved_national(settings: Settings, period) -> int:
    """``--province NASIONAL --deliver``: the same for the national report."""
    from rekap.consolidation.delivery import finalize_and_deliver

    final, outcome = finalize_and_deliver(
        settings, NATIONAL, period, _recorded_approval(settings, NATIONAL, period)
    )
    print(f"laporan komprehensif nasional (FINAL): {final}")
    print(outcome)
    return EXIT_OK


def _recorded_approval(settings: Settings, scope: str, period):
    """The approval recorded for the scope's latest draft (refused, one line, when there is none)."""
    from rekap.consolidation.approval import Approval, approved_draft
    from rekap.warehouse import require_schema, transaction

    require_schema(settings.warehouse_url)
    with transaction(settings.warehouse_url) as conn:
        draft = approved_draft(conn, scope, period.period_id)
    return Approval(draft["version"], draft["decided_by"], draft["decided_at"].astimezone(settings.timezone))


def cmd_approve(args: argparse.Namespace) -> int:
    """Record an approval (or, with --reject, a rejection) of the period's latest draft."""
    from datetime import UTC, datetime

    from rekap.consolidation.approval import APPROVED, REJECTED, record_decision
    from rekap.warehouse import require_schema

    settings = Settings.from_env()
    if _is_national(settings, args.province):
        scope = NATIONAL
    elif args.province:
        settings = settings.for_province(args.province.strip())
        scope = settings.province_code
    elif len(settings.provinces) > 1:
        raise UsageError(
            f"give --province: this deployment serves {', '.join(settings.provinces)}"
            f" (and the national report, --province {NATIONAL})"
        )
    else:
        scope = settings.province_code
    period = _period(args.period)
    require_schema(settings.warehouse_url)
    row = record_decision(
        settings.warehouse_url,
        scope,
        period.period_id,
        args.version,
        REJECTED if args.reject else APPROVED,
        args.by,
        datetime.now(UTC),
        args.reason,
    )
    print(f"{period.period_id} draft v{row['version']}: {row['decision']} by {row['decided_by']}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from datetime import datetime

    from rekap.consolidation.completeness import default_period, load_completeness, status_lines
    from rekap.periods import parse_period

    settings = Settings.from_env()
    now = datetime.now(settings.timezone)
    try:
        period = parse_period(args.period) if args.period else default_period(now.date())
        if args.province:
            settings.for_province(args.province)  # not served: one line, before the warehouse
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    print("\n".join(status_lines(load_completeness(settings, period, now, args.province))))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from rekap.dev.demo import run_demo

    return run_demo(Path(args.dir))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rekap", description="Bawaslu reporting pipeline")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("template", help="write the blank district report workbook")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--district", help="district code, e.g. 3603 or 36.03")
    which.add_argument("--all", action="store_true", help="one template per district of the province")
    p.add_argument("--month", required=True, help="reporting month, e.g. 2026-01")
    p.add_argument(
        "-o",
        "--output",
        help="output file (default Laporan_<code>_<YYYY-MM>.xlsx); with --all a folder "
        "(default Templat_<YYYY-MM>)",
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("validate", help="check a report file before submitting it")
    p.add_argument("file")
    p.add_argument("--district", help="the district whose folder the file goes to (identity check)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("db", help="warehouse: create/upgrade it, or rebuild it from archive/")
    p.add_argument(
        "action",
        choices=["upgrade", "rebuild"],
        help="upgrade: create the warehouse or apply pending migrations (the set-up step); rebuild: load"
        " every file of archive/ into an empty warehouse",
    )
    p.add_argument(
        "--force", action="store_true", help="rebuild into a non-empty warehouse (adds what it lacks)"
    )
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("drive", help="the shared drive: set it up (marker file and folders)")
    p.add_argument(
        "action",
        choices=["init"],
        help="create the marker .rekap-drive and the folders of every district (idempotent)",
    )
    p.set_defaults(func=cmd_drive_init)

    p = sub.add_parser("ingest", help="take ready files from the shared drive's inbox (what the DAG does)")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "consolidate", help="compute a period's marts and leadership workbook (what the DAG does)"
    )
    p.add_argument("--period", required=True, help="consolidation period, e.g. 2026-B1")
    p.add_argument(
        "--deliver",
        action="store_true",
        help="write the approved latest draft FINAL and e-mail it (needs rekap approve first)",
    )
    p.add_argument(
        "--province",
        help=f"only this served province, e.g. 94, or {NATIONAL} for the national report only"
        " (default: every one served, then the national report)",
    )
    p.set_defaults(func=cmd_consolidate)

    p = sub.add_parser("approve", help="record the approval (or rejection) of a period's latest draft")
    p.add_argument("--period", required=True, help="consolidation period, e.g. 2026-B1")
    p.add_argument("--by", required=True, help="who decides (name of the ketua or coordinator)")
    p.add_argument("--version", type=int, help="the draft version decided on (default: the latest)")
    p.add_argument("--reject", action="store_true", help="reject instead of approve (needs --reason)")
    p.add_argument("--reason", help="why (required with --reject)")
    p.add_argument(
        "--province",
        help=f"whose report, e.g. 94, or {NATIONAL} (needed when several provinces are served)",
    )
    p.set_defaults(func=cmd_approve)
    p = sub.add_parser("status", help="which district reported which month of a period (Kelengkapan Laporan)")
    p.add_argument(
        "--period", help="consolidation period, e.g. 2026-B1 (default: the one being collected now)"
    )
    p.add_argument("--province", help="only this served province, e.g. 36 (default: all served, grouped)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("demo", help="generate a demo shared drive and run the real DAGs on it")
    p.add_argument("--dir", default="data/demo", help="where the demo lives (wiped first)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        return args.func(args)
    except (UsageError, SettingsError, RegistryError, WarehouseError, PeriodRefused, ApprovalError) as exc:
        print(f"rekap: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
