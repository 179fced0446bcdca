"""Delivery of the leadership workbook, and e-mail to operators (failures, rejections).

The FINAL workbook is in ``reports/`` on the shared drive; it is e-mailed only after a
recorded approval (rekap.consolidation.approval). Mail goes through Airflow's SMTP provider (``SmtpHook``)
with the connection ``REKAP_SMTP_CONN_ID`` (default ``smtp_default``), so it behaves as Airflow
users expect: edited and tested in the UI, from a secrets backend, or from the environment as
``AIRFLOW_CONN_SMTP_DEFAULT=smtp://user:pass@host:587?from_email=...`` (what the CLI uses).
Extras are the provider's: ``from_email``, ``disable_ssl``, ``disable_tls``, ``timeout``...
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rekap.settings import Settings

log = logging.getLogger(__name__)
DEFAULT_SENDER = "rekap@bawaslu.local"


class NoSmtpConnection(LookupError):
    """The SMTP connection is not configured (mail is optional: the drive always has the file)."""


def _html(body: str) -> str:
    """The provider sends HTML: the plain Indonesian text, escaped, line breaks kept."""
    return f'<pre style="font-family: sans-serif; white-space: pre-wrap">{html.escape(body)}</pre>'


def smtp_configured(conn_id: str) -> bool:
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    try:
        SmtpHook.get_connection(conn_id)
    except Exception:  # AirflowNotFoundException (task) or a lookup error (CLI)
        return False
    return True


def send_email(
    conn_id: str,
    recipients: list[str] | tuple[str, ...],
    subject: str,
    body: str,
    attachment: Path | None = None,
) -> None:
    """One message through the SMTP provider's hook; NoSmtpConnection when it is not set up."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    if not smtp_configured(conn_id):
        raise NoSmtpConnection(f"no SMTP connection {conn_id!r}")
    hook = SmtpHook(smtp_conn_id=conn_id)
    with hook:
        hook.send_email_smtp(
            to=list(recipients),
            subject=subject,
            html_content=_html(body),
            from_email=hook.from_email or hook.smtp_user or DEFAULT_SENDER,
            files=[str(attachment)] if attachment is not None else None,
        )


def _percent(value: Any) -> str:
    return "-" if value is None else f"{100 * float(value):.1f}%".replace(".", ",")


def report_email(
    province_name: str,
    period_label: str,
    province: dict[str, Any],
    districts: list[dict[str, Any]],
    approval: Any = None,
) -> tuple[str, str]:
    """Subject and a short Indonesian summary for leadership (``approval``: rekap.consolidation.approval.Approval)."""
    subject = f"Laporan Komprehensif {province_name} {period_label} (FINAL)"
    counts: dict[str, int] = {}
    for d in districts:
        counts[d["status"]] = counts.get(d["status"], 0) + 1
    not_reported = [d["district_name"] for d in districts if d["status"] == "TIDAK MELAPOR"]
    top = [
        f"{d['rank']}. {d['district_name']} ({float(d['score']):.1f})".replace(".", ",", 1)
        for d in districts[:3]
    ]
    lines = [
        "Yth. Pimpinan Bawaslu Provinsi,",
        "",
        f"Terlampir Laporan Komprehensif {province_name} periode {period_label} (FINAL).",
        *(
            [f"Disetujui oleh {approval.approved_by} pada {approval.approved_at:%d/%m/%Y %H:%M %Z}."]
            if approval is not None
            else []
        ),
        "",
        f"- Kab/kota melapor: {province.get('districts_reported', 0)} dari {province.get('districts_total', 0)}",
        f"- Tingkat pelaporan: {_percent(province.get('reporting_rate'))}; tepat waktu: "
        f"{_percent(province.get('on_time_rate'))}",
        f"- Kepatuhan pleno mingguan: {_percent(province.get('pleno_compliance'))}",
        f"- Kegiatan pencegahan: {province.get('prevention_count', 0)} kegiatan, "
        f"{province.get('prevention_participants', 0)} peserta",
        f"- Status: BAIK {counts.get('BAIK', 0)}, CUKUP {counts.get('CUKUP', 0)}, KURANG {counts.get('KURANG', 0)}, "
        f"TIDAK MELAPOR {counts.get('TIDAK MELAPOR', 0)}",
        f"- Peringkat teratas: {'; '.join(top) if top else '-'}",
    ]
    if not_reported:
        lines.append(f"- Belum melapor: {', '.join(not_reported)}")
    lines += ["", "Pesan ini dikirim otomatis oleh rekap."]
    return subject, "\n".join(lines)


def deliver_report(settings: Settings, period_id: str, report_path: str | Path, approval: Any = None) -> str:
    """E-mail the FINAL workbook to leadership when SMTP and recipients are configured."""
    from rekap.consolidation.metrics import read_district_mart, read_province_mart
    from rekap.periods import parse_period

    def message(conn) -> tuple[str, str]:
        return report_email(
            settings.registry.province_name(settings.province_code),
            parse_period(period_id).label_id,
            read_province_mart(conn, settings.province_code, period_id) or {},
            read_district_mart(conn, settings.province_code, period_id),
            approval,
        )

    return _send_workbook(settings, Path(report_path), "leadership workbook", message)


def _send_workbook(
    settings: Settings, path: Path, what: str, message: Callable[[Any], tuple[str, str]]
) -> str:
    """The FINAL workbook at ``path`` e-mailed to REKAP_REPORT_EMAILS with the subject and body
    ``message`` reads from the warehouse; what happened, in one line (no recipients or no SMTP
    connection: nothing sent, said so)."""
    from rekap.warehouse import transaction

    if not path.is_file():
        raise FileNotFoundError(f"the {what} {path} is missing; re-run the consolidation")
    where = f"workbook in {path}"
    if not settings.report_emails:
        return f"{where}; no e-mail (REKAP_REPORT_EMAILS is empty)"
    if not smtp_configured(settings.smtp_conn_id):
        return f"{where}; no e-mail (no SMTP connection {settings.smtp_conn_id!r})"
    with transaction(settings.warehouse_url) as conn:
        subject, body = message(conn)
    try:
        send_email(settings.smtp_conn_id, settings.report_emails, subject, body, path)
    except NoSmtpConnection as exc:
        return f"{where}; no e-mail ({exc})"
    return f"{where}; e-mailed to {', '.join(settings.report_emails)}"


def national_report_email(period_label: str, data: Any, approval: Any = None) -> tuple[str, str]:
    """Subject and a short Indonesian summary of the national report (``data``:
    rekap.consolidation.report_data.NationalData)."""
    from rekap.consolidation.report_data import NATIONAL_STATUS_COLUMNS

    t = data.total
    subject = f"Laporan Komprehensif Nasional {period_label} (FINAL)"
    top = [
        f"{p['rank']}. {p['province_name']} ({float(p['average_score']):.1f})".replace(".", ",", 1)
        for p in data.provinces[:3]
    ]
    lines = [
        "Yth. Pimpinan Bawaslu Republik Indonesia,",
        "",
        f"Terlampir Laporan Komprehensif Nasional periode {period_label} ({len(data.provinces)} provinsi, FINAL).",
        *(
            [f"Disetujui oleh {approval.approved_by} pada {approval.approved_at:%d/%m/%Y %H:%M %Z}."]
            if approval is not None
            else []
        ),
        "",
        f"- Kab/kota melapor: {t.get('districts_reported') or 0} dari {t.get('districts_total') or 0}",
        f"- Tingkat pelaporan: {_percent(t.get('reporting_rate'))}; tepat waktu: {_percent(t.get('on_time_rate'))}",
        f"- Kepatuhan pleno mingguan: {_percent(t.get('pleno_compliance'))}",
        f"- Kegiatan pencegahan: {t.get('prevention_count') or 0} kegiatan, "
        f"{t.get('prevention_participants') or 0} peserta",
        "- Status kab/kota: " + ", ".join(f"{s} {t.get(c) or 0}" for s, c in NATIONAL_STATUS_COLUMNS.items()),
        f"- Provinsi teratas: {'; '.join(top) if top else '-'}",
        "",
        "Kab/kota yang perlu perhatian: lembar Perlu Perhatian.",
        "",
        "Pesan ini dikirim otomatis oleh rekap.",
    ]
    return subject, "\n".join(lines)


def deliver_national_report(
    settings: Settings, period_id: str, report_path: str | Path, approval: Any = None
) -> str:
    """E-mail the FINAL national workbook to leadership when SMTP and recipients are configured."""
    from datetime import datetime

    from rekap.consolidation.report_data import load_national_data
    from rekap.periods import parse_period

    def message(conn) -> tuple[str, str]:
        period = parse_period(period_id)
        data = load_national_data(conn, period, datetime.now(settings.timezone))
        return national_report_email(period.label_id, data, approval)

    return _send_workbook(settings, Path(report_path), "national workbook", message)


def finalize_and_deliver(settings: Settings, scope: str, period: Any, approval: Any) -> tuple[Path, str]:
    """After a recorded approval: the report of ``scope`` (a province code with ``settings``
    narrowed to it, or ``NASIONAL``) written FINAL, then e-mailed; the FINAL's path and what
    happened to the mail. What the approval DAG's deliver task and ``rekap consolidate
    --deliver`` both do."""
    from rekap.consolidation.approval import NATIONAL
    from rekap.consolidation.consolidate import finalize_national, finalize_period

    if scope == NATIONAL:
        final = finalize_national(settings, period, approval)
        return final, deliver_national_report(settings, period.period_id, final, approval)
    final = finalize_period(settings, period, approval)
    return final, deliver_report(settings, period.period_id, final, approval)


def task_log_url(
    base_url: str,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int | None = None,
    try_number: int | None = None,
) -> str:
    """The task's log page in the Airflow 3 UI (the shape of Airflow's own ``ti.log_url``)."""
    from urllib.parse import quote

    mapped = f"/mapped/{map_index}" if map_index is not None and map_index >= 0 else ""
    attempt = f"?try_number={try_number}" if try_number else ""
    return (
        f"{base_url.rstrip('/')}/dags/{dag_id}/runs/{quote(run_id, safe='')}/tasks/{task_id}{mapped}{attempt}"
    )


def failure_email(context: dict[str, Any], ui_base_url: str = "") -> tuple[str, str]:
    """Subject and body for the operators; the body links to the failed task's log
    (``REKAP_UI_BASE_URL``, else the URL Airflow builds from its ``[api] base_url``)."""
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    run_id = context.get("run_id") or getattr(ti, "run_id", "?")
    error = context.get("exception")
    if ui_base_url:
        log_url = task_log_url(
            ui_base_url,
            dag_id,
            run_id,
            task_id,
            getattr(ti, "map_index", None),
            getattr(ti, "try_number", None),
        )
    else:
        try:
            log_url = getattr(ti, "log_url", None)
        except Exception:  # a property that needs Airflow's configuration
            log_url = None
    subject = f"[rekap] GAGAL: {dag_id}.{task_id}"
    body = "\n".join(
        [
            f"Tugas {task_id} pada DAG {dag_id} gagal (run {run_id}).",
            f"Galat: {error!r}" if error else "Galat: lihat log tugas.",
            f"Log tugas: {log_url}"
            if log_url
            else "Log tugas: buka Airflow UI (atur REKAP_UI_BASE_URL untuk tautan).",
            "",
            "Buka log tugas ini, perbaiki penyebabnya, lalu jalankan ulang (Clear).",
        ]
    )
    return subject, body


def overdue_email(context: dict[str, Any], hours: float) -> tuple[str, str]:
    """The consolidation has not finished in time (an Airflow deadline alert)."""
    dag_run = context.get("dag_run") or {}
    conf = dag_run.get("conf") or {}
    period = conf.get("period") or dag_run.get("data_interval_start") or "?"
    deadline = (context.get("deadline") or {}).get("deadline_time", "?")
    subject = f"[rekap] TERLAMBAT: konsolidasi {period} belum selesai"
    body = "\n".join(
        [
            f"Run {dag_run.get('run_id', '?')} DAG {dag_run.get('dag_id', 'consolidate_bimonthly')} belum selesai "
            f"{hours:g} jam setelah masuk antrean (batas: {deadline}).",
            "",
            "Buka Airflow UI, periksa tugas yang masih berjalan atau gagal, perbaiki penyebabnya, lalu jalankan "
            "ulang periode tersebut (Trigger DAG dengan parameter period).",
        ]
    )
    return subject, body


def decision_email(period_id: str, decision: dict[str, Any], draft_path: str) -> tuple[str, str]:
    """A draft was rejected, or nobody decided in time: nothing went to leadership."""
    from rekap.consolidation.approval import EXPIRED, NATIONAL

    version = decision.get("version")
    national = decision.get("province_code") == NATIONAL
    report, full = (
        ("laporan nasional", "laporan komprehensif nasional")
        if national
        else ("laporan", "laporan komprehensif")
    )
    if decision.get("decision") == EXPIRED:
        subject = f"[rekap] TIDAK DIKIRIM: {report} {period_id} v{version} tidak diputuskan tepat waktu"
        lines = [
            f"Draf {full} {period_id} (versi {version}) tidak disetujui maupun ditolak dalam"
            " batas waktu; laporan TIDAK dikirim ke pimpinan.",
            f"Draf: {draft_path}",
            "",
            "Minta penyetuju memeriksa draf, lalu jalankan ulang periode ini (Trigger DAG dengan parameter"
            " period) agar permintaan persetujuan muncul lagi di Required Actions.",
        ]
    else:
        subject = f"[rekap] DITOLAK: {report} {period_id} v{version} oleh {decision.get('decided_by') or '-'}"
        lines = [
            f"Draf {full} {period_id} (versi {version}) DITOLAK oleh"
            f" {decision.get('decided_by') or '-'}; laporan TIDAK dikirim ke pimpinan.",
            f"Alasan: {decision.get('reason') or '-'}",
            f"Draf: {draft_path}",
            "",
            "Perbaiki sesuai alasan (mis. minta kab/kota mengirim laporan perbaikan), lalu jalankan ulang"
            " periode ini: draf baru akan diminta persetujuannya lagi.",
        ]
    return subject, "\n".join(lines)


def notify_operators(settings: Settings, subject: str, body: str) -> bool:
    """E-mail the operator list; returns True when a mail went out."""
    if not settings.operator_emails:
        return False
    try:
        send_email(settings.smtp_conn_id, settings.operator_emails, subject, body)
    except NoSmtpConnection:
        log.warning("no SMTP connection %s; not e-mailed: %s", settings.smtp_conn_id, subject)
        return False
    return True


def notify_operators_of_failure(settings: Settings, context: dict[str, Any]) -> bool:
    """Returns True when a mail went out."""
    return notify_operators(settings, *failure_email(context, settings.ui_base_url))
