"""Delivery of the leadership workbook, and e-mail to operators when a run fails.

The workbook is always in ``reports/`` on the shared drive (written by the consolidation).
E-mail goes out only when an SMTP connection is configured: the Airflow connection
``REKAP_SMTP_CONN_ID`` (default ``smtp_default``; also readable from the environment as
``AIRFLOW_CONN_SMTP_DEFAULT=smtp://user:pass@host:587``, which is what the CLI uses).
Connection extras follow Airflow's SMTP provider: ``from_email``, ``disable_ssl``,
``disable_tls``, ``timeout``.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from rekap.settings import Settings

log = logging.getLogger(__name__)
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    login: str | None = None
    password: str | None = None
    use_ssl: bool = True
    starttls: bool = True
    sender: str = "rekap@bawaslu.local"
    timeout: float = 30.0

    @classmethod
    def from_parts(
        cls, host: str, port: int | None, login: str | None, password: str | None, extra: dict[str, Any]
    ) -> SmtpConfig:
        def flag(name: str) -> bool:
            return str(extra.get(name, "false")).lower() in ("1", "true", "yes")

        use_ssl = not flag("disable_ssl")
        return cls(
            host=host,
            port=int(port or (465 if use_ssl else 587)),
            login=login or None,
            password=password or None,
            use_ssl=use_ssl,
            starttls=not flag("disable_tls"),
            sender=str(extra.get("from_email") or login or cls.sender),
            timeout=float(extra.get("timeout", 30)),
        )

    @classmethod
    def from_uri(cls, uri: str) -> SmtpConfig:
        """``smtp://user:pass@host:port?from_email=...&disable_ssl=true`` (Airflow's form)."""
        parts = urlsplit(uri)
        extra = dict(parse_qsl(parts.query))
        if "__extra__" in extra:
            extra = json.loads(extra["__extra__"])
        return cls.from_parts(
            parts.hostname or "localhost",
            parts.port,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            extra,
        )


def smtp_config(conn_id: str) -> SmtpConfig | None:
    """The SMTP connection, from Airflow when running in a task, else from the environment."""
    try:
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
        return SmtpConfig.from_parts(conn.host, conn.port, conn.login, conn.password, conn.extra_dejson or {})
    except Exception:  # not in a task, or no such connection
        pass
    uri = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    return SmtpConfig.from_uri(uri) if uri else None


def send_email(
    config: SmtpConfig,
    recipients: list[str] | tuple[str, ...],
    subject: str,
    body: str,
    attachment: Path | None = None,
) -> None:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(
            attachment.read_bytes(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment.name
        )
    if config.use_ssl:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with client:
        if not config.use_ssl and config.starttls:
            client.starttls(context=ssl.create_default_context())
        if config.login:
            client.login(config.login, config.password or "")
        client.send_message(message)


def _percent(value: Any) -> str:
    return "-" if value is None else f"{100 * float(value):.1f}%".replace(".", ",")


def report_email(
    province_name: str, period_label: str, province: dict[str, Any], districts: list[dict[str, Any]]
) -> tuple[str, str]:
    """Subject and a short Indonesian summary for leadership."""
    subject = f"Laporan Komprehensif {province_name} {period_label}"
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
        f"Terlampir Laporan Komprehensif {province_name} periode {period_label}.",
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


def deliver_report(settings: Settings, period_id: str, report_path: str | Path) -> str:
    """E-mail the workbook to leadership when SMTP and recipients are configured."""
    from rekap.metrics import read_district_mart, read_province_mart
    from rekap.periods import parse_period
    from rekap.warehouse import transaction

    path = Path(report_path)
    if not path.is_file():
        raise FileNotFoundError(f"the leadership workbook {path} is missing; re-run the consolidation")
    where = f"workbook in {path}"
    if not settings.report_emails:
        return f"{where}; no e-mail (REKAP_REPORT_EMAILS is empty)"
    config = smtp_config(settings.smtp_conn_id)
    if config is None:
        return f"{where}; no e-mail (no SMTP connection {settings.smtp_conn_id!r})"
    period = parse_period(period_id)
    with transaction(settings.warehouse_url) as conn:
        province = read_province_mart(conn, settings.province_code, period_id) or {}
        districts = read_district_mart(conn, settings.province_code, period_id)
    subject, body = report_email(
        settings.registry.province_name(settings.province_code), period.label_id, province, districts
    )
    send_email(config, settings.report_emails, subject, body, path)
    return f"{where}; e-mailed to {', '.join(settings.report_emails)}"


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


def notify_operators(settings: Settings, subject: str, body: str) -> bool:
    """E-mail the operator list; returns True when a mail went out."""
    if not settings.operator_emails:
        return False
    config = smtp_config(settings.smtp_conn_id)
    if config is None:
        log.warning("no SMTP connection %s; not e-mailed: %s", settings.smtp_conn_id, subject)
        return False
    send_email(config, settings.operator_emails, subject, body)
    return True


def notify_operators_of_failure(settings: Settings, context: dict[str, Any]) -> bool:
    """Returns True when a mail went out."""
    return notify_operators(settings, *failure_email(context, settings.ui_base_url))
