"""SIGINT/SIGTERM during training: finish the current chunk, checkpoint, stop."""

from __future__ import annotations

import signal
import sys
import threading


class StopSignals:
    """While active, SIGINT/SIGTERM ask the loop to checkpoint and stop after the current chunk;
    a second SIGINT interrupts at once (the previous checkpoint stays valid)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signum = signum
        name = signal.Signals(signum).name
        print(f"\n{name}: saving a checkpoint after this chunk, then stopping", file=sys.stderr)

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
