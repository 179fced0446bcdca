"""Timing a child process and its peak memory.

``run_child`` waits with ``os.wait4``, which hands back the child's own resource usage: its
``ru_maxrss`` is the peak resident set of the child (or of a descendant it waited for), so
every measured command has its own peak RSS, not the harness's. Airflow's long-running
processes are watched by ``TreeSampler`` instead, which reads the peak (VmHWM) of every process
of their trees from /proc once a second.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ChildRun:
    args: list[str]
    returncode: int
    seconds: float
    peak_rss_kib: int
    stdout: Path
    stderr: Path
    timed_out: bool = False

    def tail(self, lines: int = 3) -> str:
        """The last lines of its error output (else of its output): where a traceback says why."""
        text = self.stderr.read_text(errors="replace").strip() or self.stdout.read_text(errors="replace")
        return " / ".join(line.strip() for line in text.strip().splitlines()[-lines:])

    def check(self) -> ChildRun:
        """The run, or RuntimeError with the end of its output when it failed."""
        if self.timed_out:
            raise RuntimeError(f"{' '.join(self.args[-3:])} timed out after {self.seconds:.0f}s")
        if self.returncode != 0:
            raise RuntimeError(f"{' '.join(self.args[-3:])} exited {self.returncode}: {self.tail()}")
        return self


def run_child(
    args: list[str],
    env: dict[str, str],
    logs: Path,
    name: str,
    timeout: float = 3600,
    cwd: Path | None = None,
) -> ChildRun:
    """Run ``args`` to the end (killed after ``timeout``), output in ``logs/name.out|.err``."""
    logs.mkdir(parents=True, exist_ok=True)
    out, err = logs / f"{name}.out", logs / f"{name}.err"
    with out.open("wb") as fo, err.open("wb") as fe:
        start = time.perf_counter()
        proc = subprocess.Popen(
            args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, start_new_session=True
        )
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return ChildRun(args, proc.returncode, seconds, usage.ru_maxrss, out, err, expired.is_set())


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command may hold spaces and parentheses: fields start after the last ")"
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _peak_kib(pid: int) -> tuple[int, str] | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            status = fh.read()
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]), cmd
    return None


class TreeSampler:
    """The highest peak RSS seen in the process trees of ``roots()``, sampled every second."""

    def __init__(self, roots, interval: float = 1.0) -> None:
        self.roots = roots
        self.interval = interval
        self.peak_kib = 0
        self.peak_cmd = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def sample(self) -> None:
        children = _children_map()
        todo = list(self.roots())
        seen: set[int] = set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            todo.extend(children.get(pid, []))
            found = _peak_kib(pid)
            if found and found[0] > self.peak_kib:
                self.peak_kib, self.peak_cmd = found

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
