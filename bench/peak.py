"""A process's peak memory, for the benchmarks that run their measured part in a fresh process."""

from __future__ import annotations

from pathlib import Path


def peak_mb() -> float:
    """This process's peak resident memory since it started its program. (Not `ru_maxrss`: Linux
    carries it over an exec, so a child of a large parent would report the parent's peak.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc/self/status: peak memory is measured on Linux only")
