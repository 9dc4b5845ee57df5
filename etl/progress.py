"""Progress of a long run: a live line on a terminal, plain periodic lines otherwise (cron)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr, every: float = 10.0) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.interactive = stream.isatty()
        self.every = 0.2 if self.interactive else every
        self.started = self.last = time.monotonic()
        self.done = 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._print(now)

    def finish(self) -> None:
        if self.total and (self.interactive or self.done):
            self._print(time.monotonic(), final=True)

    def _print(self, now: float, final: bool = False) -> None:
        elapsed = max(now - self.started, 1e-9)
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        rate = self.done / elapsed
        line = f"{self.label}: {self.done:,}/{self.total:,}{share}, {rate:,.0f}/s"
        if self.total and rate and not final and self.done < self.total:
            line += f", ETA {_duration((self.total - self.done) / rate)}"
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"
