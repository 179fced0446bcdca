"""The "Kelengkapan Laporan" page inside the Airflow UI: a FastAPI app that Airflow's API server
mounts under ``/rekap`` (registered by ``plugins/rekap_airflow_plugin.py``).

Read-only, from the warehouse and the shared drive, never from Airflow's metadata DB. Every
route requires Airflow's own login (the JWT the UI keeps in its ``_token`` cookie, or a bearer
token) and read access to the intake DAG, whose outcomes this page shows; anonymous callers get
401/403 from Airflow's security dependency. Downloads are by id, never by a path from the
request, and only files under the drive's ``feedback/`` and ``reports/`` folders are served.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from rekap.consolidation import completeness as kl
from rekap.periods import Period, parse_period
from rekap.registry import RegistryError
from rekap.settings import Settings, SettingsError
from rekap.warehouse import WarehouseError

INGEST_DAG_ID = "ingest_district_reports"
URL_PREFIX = "/rekap"
PAGE = "kelengkapan"
ALL = "semua"  # ?provinsi=semua: every served province's districts, grouped by province
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# DHIS2's reporting-rate colours: green on time, yellow late, red missing; purple for a
# rejection nobody has replaced yet, grey for what is not due.
COLOURS = {
    kl.ON_TIME: "#a5d6a7",
    kl.LATE: "#ffe082",
    kl.REJECTED: "#ce93d8",
    kl.MISSING: "#ef9a9a",
    kl.NOT_DUE: "#eeeeee",
    kl.NOT_EXPECTED: "#fafafa",
}


def api_settings() -> Settings:
    """Settings as the API server sees them: the environment, then Airflow Variables."""

    def variable_get(name: str) -> str | None:
        try:
            from airflow.models import Variable

            return Variable.get(name, default_var=None)
        except Exception:  # outside Airflow (tests of the page alone), or no metadata DB
            return None

    return Settings.from_airflow(variable_get)


def safe_file(root: Path, folder: str, stored: str | None) -> Path | None:
    """``stored`` when it is an existing file inside ``root/folder`` (symlinks resolved), else None."""
    if not stored:
        return None
    base = (root / folder).resolve()
    try:
        path = Path(stored).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return path if path.is_relative_to(base) and path.is_file() else None


def _airflow_login_required():
    """Airflow's read access to the intake DAG (authentication included)."""
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return Depends(requires_access_dag("GET", param_dag_id=INGEST_DAG_ID))


def create_app(settings_loader=api_settings, now=None, require_login: bool = True) -> FastAPI:
    """``require_login=False`` only for rendering the page in unit tests without Airflow."""
    dependencies = [_airflow_login_required()] if require_login else []
    app = FastAPI(
        title="rekap: Kelengkapan Laporan", dependencies=dependencies, docs_url=None, redoc_url=None
    )

    def clock(settings: Settings) -> datetime:
        return now() if now else datetime.now(settings.timezone)

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/{PAGE}")

    @app.get(f"/{PAGE}", response_class=HTMLResponse)
    def page(request: Request, periode: str | None = None, provinsi: str | None = None) -> HTMLResponse:
        try:
            settings = settings_loader()
            today = clock(settings)
            default = kl.default_period(today.date())
            period = parse_period(periode) if periode else default
            if provinsi and provinsi != ALL and provinsi not in settings.provinces:
                return HTMLResponse(_error_page(_not_served(provinsi, settings)), status_code=400)
            # several provinces and no choice: the overview per province, not 514 rows at once
            choice = provinsi or (None if len(settings.provinces) > 1 else ALL)
            one = choice if choice not in (None, ALL) else None
            data = kl.load_completeness(settings, period, today, one)
            offered = kl.offered_periods(settings, default)
        except ValueError as exc:  # a period typed by hand; SettingsError is a ValueError too
            status = 400 if not isinstance(exc, SettingsError) else 503
            return HTMLResponse(_error_page(str(exc)), status_code=status)
        except (WarehouseError, RegistryError) as exc:
            return HTMLResponse(_error_page(str(exc)), status_code=503)
        base = request.scope.get("root_path", "")
        return HTMLResponse(render_page(data, settings, offered, today, base, choice))

    @app.get("/unduh/umpan-balik/{submission_id}")
    def feedback_file(submission_id: int) -> FileResponse:
        settings = settings_loader()
        stored = _one_value(
            settings, "SELECT feedback_path FROM submissions WHERE submission_id = :i", {"i": submission_id}
        )
        return _send(safe_file(settings.shared_root, "feedback", stored))

    @app.get("/unduh/laporan/{period_id}")
    def leadership_file(period_id: str, provinsi: str | None = None) -> FileResponse:
        settings = settings_loader()
        try:
            period = parse_period(period_id)
            # one workbook per province: which one, when the deployment serves several
            province = settings.for_province(provinsi).province_code if provinsi else settings.province_code
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        stored = _one_value(
            settings,
            "SELECT report_path FROM mart_province_period WHERE province_code = :p AND period_id = :i",
            {"p": province, "i": period.period_id},
        )
        return _send(safe_file(settings.shared_root, "reports", stored))

    return app


def _one_value(settings: Settings, sql: str, params: dict[str, Any]) -> str | None:
    from sqlalchemy import text

    from rekap.warehouse import transaction

    try:
        with transaction(settings.warehouse_url) as conn:
            return conn.execute(text(sql), params).scalar_one_or_none()
    except WarehouseError as exc:
        raise HTTPException(503, str(exc)) from None


def _send(path: Path | None) -> FileResponse:
    if path is None:
        raise HTTPException(404, "Berkas tidak ada di shared drive (dipindah atau dihapus?).")
    return FileResponse(path, media_type=XLSX, filename=path.name)


# --- the page ---------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, "Segoe UI", Roboto, sans-serif; margin: 16px 20px; color: #1a1a1a; font-size: 14px; }
h1 { font-size: 20px; margin: 0 0 4px 0; } h2 { font-size: 16px; margin: 22px 0 6px 0; }
.sub { color: #555; margin-bottom: 12px; }
form { margin: 8px 0 12px 0; } select, button { font-size: 14px; padding: 4px 8px; }
.counts { display: flex; gap: 10px; flex-wrap: wrap; margin: 8px 0; }
.count { border: 1px solid #ccc; border-radius: 6px; padding: 6px 12px; min-width: 110px; }
.count b { display: block; font-size: 20px; }
table { border-collapse: collapse; margin-top: 4px; }
th, td { border: 1px solid #bbb; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
tr.province th { background: #dde6f5; font-size: 15px; padding-top: 8px; }
td.cell { min-width: 170px; }
.status { font-weight: 600; }
.note { display: inline-block; margin-top: 2px; font-size: 12px; background: #fff3; border: 1px solid #8886;
        border-radius: 4px; padding: 0 4px; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 6px; border: 1px solid #aaa; border-radius: 4px; }
.muted { color: #666; font-size: 12px; }
.error { background: #ffebee; border: 1px solid #e57373; padding: 10px; }
a { color: #0b57d0; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


def _not_served(code: str, settings: Settings) -> str:
    return f"provinsi {code} tidak dilayani di sini; pilih salah satu: {', '.join(settings.provinces)}."


def _error_page(message: str) -> str:
    return _page(
        "Kelengkapan Laporan",
        "<h1>Kelengkapan Laporan</h1>"
        f'<p class="error">Data belum dapat ditampilkan: {_e(message)}</p>'
        "<p>Hubungi admin teknis bila pesan ini tetap muncul.</p>",
    )


def _time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return f"{moment:%d/%m/%Y %H:%M} {moment.tzname() or ''}".strip()


def _relative(settings: Settings, path: str) -> str:
    try:
        return str(Path(path).relative_to(settings.shared_root))
    except ValueError:
        return path


def render_page(
    data: kl.Completeness,
    settings: Settings,
    offered: list[Period],
    now: datetime,
    base: str,
    choice: str | None = ALL,
) -> str:
    """The whole page as HTML: period and province pickers, counts, legend, the per-province
    overview, the matrix grouped by province, rejections, inbox, workbook. ``choice``: a province
    code, ``ALL`` (every district, grouped), or None (the overview only, for several provinces)."""
    period = data.period
    names = {d.district_code: d.district_name for d in data.districts}
    several = len(settings.provinces) > 1
    groups = data.by_province()
    office = (
        f"Bawaslu Provinsi {groups[0].districts[0].province_name}"
        if len(groups) == 1
        else f"{len(groups)} provinsi"
    )
    options = "".join(
        f'<option value="{p.period_id}"{" selected" if p == period else ""}>{p.period_id} ({_e(p.label_id)})</option>'
        for p in offered
    )
    t = data.totals()
    counts = [
        ("Laporan masuk", f"{t['melapor']} dari {t['wajib']}"),
        ("Tepat waktu", t[kl.ON_TIME]),
        ("Terlambat", t[kl.LATE]),
        ("Ditolak, belum diganti", t[kl.REJECTED]),
        ("Belum masuk", t[kl.MISSING]),
        ("Dengan catatan", t["dengan_catatan"]),
    ]
    parts = [
        f"<h1>Kelengkapan Laporan — {_e(office)}</h1>",
        f'<div class="sub">Periode <b>{period.period_id}</b> ({_e(period.label_id)}). '
        f"Batas kirim: tanggal {settings.deadline_day} bulan berikutnya. Data per {_e(_time(now))}.</div>",
        f'<form method="get" action="{_e(base)}/{PAGE}"><label for="periode">Pilih periode: </label>'
        f'<select id="periode" name="periode">{options}</select> '
        + (_province_select(settings, choice) if several else "")
        + '<button type="submit">Tampilkan</button></form>',
        '<div class="counts">'
        + "".join(f'<div class="count">{_e(label)}<b>{_e(value)}</b></div>' for label, value in counts)
        + "</div>",
        '<div class="legend">Keterangan: '
        + "".join(
            f'<span style="background:{COLOURS[s]}">{_e(kl.LABELS[s])}</span>'
            for s in (kl.ON_TIME, kl.LATE, kl.REJECTED, kl.MISSING, kl.NOT_DUE)
        )
        + '<span style="background:#fff">⚠ n catatan = diterima dengan catatan per baris</span></div>',
    ]
    if len(groups) > 1:
        parts.append(_province_table(groups, base, period))
    if choice is None and len(groups) > 1:
        parts.append(
            '<p id="choose-province">Pilih provinsi (atau <i>Semua provinsi</i>) di atas untuk melihat '
            "rincian per kabupaten/kota.</p>"
        )
    else:
        parts.append(_matrix_html(data, groups, base))
    parts.append("<h2>Berkas ditolak</h2>")
    if data.rejections:
        parts.append(
            '<table id="rejections"><thead><tr><th>Kab/Kota</th><th>Berkas</th><th>Bulan</th><th>Masuk</th>'
            "<th>Alasan penolakan</th><th>Sudah ada pengganti?</th><th>Umpan balik</th></tr></thead><tbody>"
        )
        for r in data.rejections:
            month = kl.month_label(r.year, r.month) + (
                " (menurut waktu kirim)" if r.month_from_arrival else ""
            )
            parts.append(
                f"<tr><td>{r.district_code} {_e(names.get(r.district_code, ''))}</td><td>{_e(r.file_name)}</td>"
                f"<td>{_e(month)}</td><td>{_e(_time(r.received_at))}</td><td>{_e(r.reason)}</td>"
                f"<td>{'Ya' if r.replaced else '<b>Belum</b>'}</td>"
                f'<td><a href="{_e(base)}/unduh/umpan-balik/{r.submission_id}" download>unduh</a></td></tr>'
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p>Tidak ada berkas ditolak untuk periode ini.</p>")
    parts.append("<h2>Berkas tertahan di inbox</h2>")
    if data.left_in_inbox:
        parts.append(
            '<p class="muted">Menurut run intake terakhir. Pindahkan berkas ke folder <code>inbox/&lt;kode&gt;/</code> '
            "yang benar; berkas yang masih disalin diambil otomatis pada run berikutnya.</p>"
            '<table id="inbox"><thead><tr><th>Berkas di shared drive</th><th>Keadaan</th></tr></thead><tbody>'
        )
        for f in data.left_in_inbox:
            parts.append(
                f"<tr><td><code>{_e(_relative(settings, f.path))}</code></td>"
                f"<td>{_e(kl.LEFT_IN_INBOX[f.outcome])}</td></tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p>Tidak ada berkas yang tertahan.</p>")
    parts.append("<h2>Laporan Komprehensif (untuk pimpinan)</h2>")
    if data.leadership_workbook:
        # one workbook per province: name it when the deployment serves several
        which = f"?provinsi={groups[0].districts[0].province_code}" if several else ""
        parts.append(
            f'<p><a id="leadership" href="{_e(base)}/unduh/laporan/{period.period_id}{which}" download>'
            f"Unduh {_e(Path(data.leadership_workbook).name)}</a></p>"
        )
    elif len(groups) > 1:
        parts.append("<p>Satu laporan per provinsi: pilih provinsi di atas untuk mengunduhnya.</p>")
    else:
        parts.append(
            "<p>Belum dibuat untuk periode ini: konsolidasi berjalan otomatis sehari setelah batas kirim "
            "bulan terakhir periode (DAG <code>consolidate_bimonthly</code>).</p>"
        )
    parts.append(
        '<p class="muted">Sumber: gudang data rekap dan shared drive, dibaca saat halaman dibuka. '
        "Tepat waktu/terlambat menurut berkas pertama yang diterima (koreksi tidak membuat terlambat).</p>"
    )
    return _page(f"Kelengkapan Laporan {period.period_id}", "".join(parts))


def _province_select(settings: Settings, choice: str | None) -> str:
    registry = settings.registry
    options = [("", "Ringkasan per provinsi"), (ALL, "Semua provinsi (rinci)")] + [
        (code, f"{code} {registry.province_name(code)}") for code in sorted(settings.provinces)
    ]
    return (
        '<label for="provinsi">Provinsi: </label><select id="provinsi" name="provinsi">'
        + "".join(
            f'<option value="{_e(v)}"{" selected" if v == (choice or "") else ""}>{_e(label)}</option>'
            for v, label in options
        )
        + "</select> "
    )


def _province_table(groups: list[kl.Completeness], base: str, period: Period) -> str:
    """One row per province: reports in per month and in total, by status, a link to its matrix."""
    months = period.months
    out = [
        "<h2>Ringkasan per provinsi</h2>",
        '<table id="provinces"><thead><tr><th>Provinsi</th>'
        + "".join(f"<th>{_e(kl.month_label(y, m))}</th>" for y, m in months)
        + "<th>Tepat waktu</th><th>Terlambat</th><th>Ditolak, belum diganti</th><th>Belum masuk</th>"
        "<th>Dengan catatan</th><th></th></tr></thead><tbody>",
    ]
    for g in groups:
        d, t, per_month = g.districts[0], g.totals(), g.month_counts()
        out.append(
            f'<tr id="prov-{d.province_code}"><th>{d.province_code} {_e(d.province_name)}</th>'
            + "".join(f"<td>{per_month[ym]['melapor']} dari {per_month[ym]['wajib']}</td>" for ym in months)
            + f"<td>{t[kl.ON_TIME]}</td><td>{t[kl.LATE]}</td><td>{t[kl.REJECTED]}</td><td>{t[kl.MISSING]}</td>"
            f"<td>{t['dengan_catatan']}</td>"
            f'<td><a href="{_e(base)}/{PAGE}?periode={period.period_id}&amp;provinsi={d.province_code}">'
            "rincian</a></td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _matrix_html(data: kl.Completeness, groups: list[kl.Completeness], base: str) -> str:
    """Districts × months; with several provinces, each under a heading row with its counts."""
    months = data.period.months
    out = [
        "<h2>Laporan per kabupaten/kota dan bulan</h2>",
        '<table id="matrix"><thead><tr><th>Kab/Kota</th>'
        + "".join(f"<th>{_e(kl.month_label(y, m))}</th>" for y, m in months)
        + "<th>Melapor</th></tr></thead><tbody>",
    ]
    for g in groups:
        if len(groups) > 1:
            code = g.districts[0].province_code
            out.append(
                f'<tr class="province" id="grp-{code}"><th colspan="{len(months) + 2}">'
                f"{_e(kl.province_heading(g))}</th></tr>"
            )
        for d in g.districts:
            row = [f"<tr><th>{d.district_code} {_e(d.district_name)}</th>"]
            for y, m in months:
                row.append(_cell_html(data.cell(d.district_code, y, m), base))
            row.append(f"<td>{data.district_reported(d.district_code)} dari {len(months)}</td></tr>")
            out.append("".join(row))
    month_counts, t = data.month_counts(), data.totals()
    out.append(
        "</tbody><tfoot><tr><th>Jumlah melapor</th>"
        + "".join(f"<th>{month_counts[ym]['melapor']} dari {month_counts[ym]['wajib']}</th>" for ym in months)
        + f"<th>{t['melapor']} dari {t['wajib']}</th></tr></tfoot></table>"
    )
    return "".join(out)


def _cell_html(c: kl.Cell, base: str) -> str:
    lines = [f'<span class="status">{_e(kl.LABELS[c.status])}</span>']
    if c.status == kl.ON_TIME and c.received_at:
        lines.append(f"masuk {c.received_at:%d/%m/%Y}")
    elif c.status == kl.LATE and c.received_at:
        lines.append(f"{c.days_late} hari (masuk {c.received_at:%d/%m/%Y})")
    elif c.status == kl.REJECTED and c.received_at:
        lines.append(f"dikirim {c.received_at:%d/%m/%Y}")
    elif c.status in (kl.MISSING, kl.NOT_DUE) and c.deadline:
        lines.append(f"batas {c.deadline:%d/%m/%Y}")
    if c.with_issues:
        lines.append(f'<span class="note">⚠ {c.issue_count} catatan</span>')
    if c.corrections:
        lines.append(f"{c.corrections} kali dikoreksi")
    if c.submission_id is not None:
        lines.append(f'<a href="{_e(base)}/unduh/umpan-balik/{c.submission_id}" download>umpan balik</a>')
    return (
        f'<td class="cell" id="sel-{c.district_code}-{c.year}-{c.month:02d}" data-status="{c.status}" '
        f'style="background:{COLOURS[c.status]}">' + "<br>".join(lines) + "</td>"
    )


app = create_app()
