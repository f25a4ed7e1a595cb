"""A one-line progress report on stderr, so long runs show they are alive."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Rewrites one stderr line on a terminal; elsewhere prints a line at most every 5 s."""

    def __init__(self, total: int, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self._tty = self.stream.isatty()
        self._last = 0.0
        self._start = time.monotonic()

    def step(self, label: str) -> None:
        """Announce the task about to run."""
        self.done += 1
        if not self.enabled:
            return
        now = time.monotonic()
        text = f"[{self.done}/{self.total} {now - self._start:5.1f}s] {label}"
        if self._tty:
            self.stream.write("\r" + text[:110].ljust(110))
            self.stream.flush()
        elif now - self._last >= 5.0:
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last = now

    def note(self, text: str) -> None:
        """A message that must not be overwritten."""
        if self.enabled:
            self.stream.write(("\r" if self._tty else "") + text + "\n")
            self.stream.flush()

    def finish(self) -> None:
        """Clear the progress line."""
        if self.enabled and self._tty:
            self.stream.write("\r" + " " * 110 + "\r")
            self.stream.flush()
