"""What an operator reads in the Airflow task logs: one Indonesian table per intake run.

Formats the dict ``outcomes.summarize`` returns (district + name, file, verdict, reason) and
writes it through the task logger, so it lands in order inside the task's main log group
instead of after Airflow's own lines, as ``print`` output does. Lines stay short: the log
view cuts long lines at its right edge, so a long reason wraps onto continuation lines.
"""

from __future__ import annotations

import logging
import textwrap
from typing import Any

from rekap.drive import log_safe
from rekap.intake.outcomes import OUT_ACCEPTED, OUTCOMES
from rekap.registry import Registry

# The task logger of Airflow 3: what it writes is the task's log, in order.
TASK_LOGGER = "airflow.task"
GX_NOISY_LOGGERS = ("great_expectations._docs_decorators",)

VERDICTS = {
    "accepted": "DITERIMA",
    "accepted_with_issues": "DITERIMA DGN CATATAN",
    "rejected": "DITOLAK",
    "duplicate": "DUPLIKAT",
    "repaired": "DILANJUTKAN",
    "waiting": "MENUNGGU",
    "unknown_folder": "FOLDER TIDAK DIKENAL",
    "busy": "SEDANG DIPROSES",
}
COUNT_LABELS = {
    "accepted": "diterima",
    "accepted_with_issues": "dengan catatan",
    "rejected": "ditolak",
    "duplicate": "duplikat",
    "repaired": "dilanjutkan",
    "waiting": "menunggu",
    "unknown_folder": "folder tidak dikenal",
    "busy": "sedang diproses",
}
# Reasons for the outcomes that intake describes for the operator (in English today): the
# operator's table says what to do in Indonesian; a rejection's own reason is already so.
REASONS = {
    "accepted": "",
    "waiting": "berkas masih berubah (sedang disalin); diambil pada run berikutnya",
    "unknown_folder": "di luar folder kab/kota provinsi ini: pindahkan ke inbox/<kode>/ yang benar",
    "busy": "run lain sedang memproses kab/kota ini; diambil pada run berikutnya",
    "repaired": "pemuatan run sebelumnya yang terputus diselesaikan",
}
REASON_WIDTH = 60


def quiet_great_expectations() -> None:
    """GX logs one INFO line per registered function at import ("Skipping registering
    function ..."): hundreds of lines that bury the task's own log."""
    for name in GX_NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def district_label(code: str | None, registry: Registry | None) -> str:
    """``3672 Kota Cilegon``; the bare code when the registry does not know it."""
    if not code:
        return "-"
    district = registry.get(code) if registry is not None else None
    return f"{code} {district.district_name}" if district else code


def batch_label(batch: dict[str, list[str]], registry: Registry | None) -> str:
    """The name of one intake task in the grid: ``3672 Kota Cilegon`` for one district,
    ``3601–3674 (8 kab/kota, 16 berkas)`` for several."""
    codes = sorted(batch)
    files = sum(len(p) for p in batch.values())
    if len(codes) == 1:
        return f"{district_label(codes[0], registry)} ({files} berkas)"
    return f"{codes[0]}–{codes[-1]} ({len(codes)} kab/kota, {files} berkas)"


def counts_line(summary: dict[str, Any]) -> str:
    counts = summary["counts"]
    return " | ".join(f"{label} {counts.get(key, 0)}" for key, label in COUNT_LABELS.items())


def summary_table(summary: dict[str, Any], registry: Registry | None = None) -> list[str]:
    """The run as an Indonesian table: counts, then one row per file (district, file,
    verdict, reason), rejections first because those need a district to act."""
    order = {k: n for n, k in enumerate(("rejected", "unknown_folder", "accepted_with_issues", "duplicate"))}
    files = sorted(
        summary["files"],
        key=lambda f: (order.get(f["outcome"], 9), f.get("district_code") or "", f["file_name"]),
    )
    rows = [
        (
            district_label(f.get("district_code"), registry),
            f["file_name"],
            VERDICTS.get(f["outcome"], f["outcome"]),
            _reason(f),
        )
        for f in files
    ]
    heads = ("Kab/Kota", "Berkas", "Hasil", "Alasan / tindakan")
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(heads[:3])]
    lines = [
        f"RINGKASAN INTAKE: {len(files)} berkas",
        counts_line(summary),
        _row(heads, widths),
        _row((*("-" * w for w in widths), "-" * len(heads[3])), widths),
    ]
    for district, file_name, verdict, reason in rows:
        wrapped = textwrap.wrap(reason, REASON_WIDTH) or [""]
        lines.append(_row((district, file_name, verdict, wrapped[0]), widths))
        indent = " " * (sum(widths) + 3 * 3)
        lines.extend(f"{indent}{more}" for more in wrapped[1:])
    if not files:
        lines.append("(tidak ada berkas di inbox)")
    return lines


def _reason(f: dict[str, Any]) -> str:
    outcome = f["outcome"]
    if outcome == "accepted_with_issues":
        return f"{f.get('issues', 0)} catatan per baris: lihat berkas umpan balik"
    if outcome in REASONS:
        where = f" ({inbox_relative(f['inbox_path'])})" if outcome == "unknown_folder" else ""
        return REASONS[outcome] + where
    return " ".join((f.get("message") or "").split())  # rejections and duplicates: already Indonesian


def inbox_relative(path: str) -> str:
    """``inbox/3699/lost.xlsx`` out of the full path on the drive: what the operator looks for."""
    _, sep, tail = path.rpartition("/inbox/")
    return f"inbox/{tail}" if sep else path


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    columns = " | ".join(c.ljust(w) for c, w in zip(cells[:3], widths, strict=True))
    return f"{columns} | {cells[3]}" if cells[3] else columns.rstrip()


def log_summary(
    summary: dict[str, Any], registry: Registry | None = None, logger: logging.Logger | None = None
) -> None:
    """The table through the task logger, one record per line (each line gets its own
    timestamp in the log view and none is cut off by a long neighbour)."""
    logger = logger or logging.getLogger(TASK_LOGGER)
    for line in summary_table(summary, registry):
        logger.info("%s", line)


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The run for the log: one line of counts, then one line per file (names escaped, so a
    newline or control character in a file name cannot break or forge a line)."""
    c = summary["counts"]
    head = (
        f"accepted {c['accepted']} | with issues {c['accepted_with_issues']} | rejected {c['rejected']} | "
        f"duplicate {c['duplicate']} | repaired {c['repaired']} | waiting {c['waiting']} | "
        f"unknown folder {c['unknown_folder']} | busy {c['busy']}"
    )
    # the newer outcomes only when they happened, so the usual line stays as operators know it
    extra = [f"{k.replace('_', ' ')} {c[k]}" for k in OUTCOMES[8:] if c.get(k)]
    lines = [" | ".join([head, *extra])]
    for f in summary["files"]:
        where = f" -> {log_safe(f['stored_path'])}" if f.get("stored_path") else ""
        why = f" ({log_safe(f['message'])})" if f.get("message") and f["outcome"] != OUT_ACCEPTED else ""
        lines.append(
            f"  [{f['outcome']}] {log_safe(f['district_code']) or '-'} {log_safe(f['file_name'])}{where}{why}"
        )
    return lines
