"""SIGINT/SIGTERM during training.

Until the first chunk of this process has run there is nothing new to save, and the process may
sit for minutes inside XLA's compiler, where Python signal handlers cannot run: so the signals
keep their default action and stop the process at once. Once `arm()` is called (after the first
chunk), SIGINT/SIGTERM ask the loop to finish the current chunk, checkpoint and stop; a second
SIGINT interrupts at once (the previous checkpoint stays valid).
"""

from __future__ import annotations

import signal
import sys
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict = {}
        self._main = threading.current_thread() is threading.main_thread()
        self._armed = False

    def __enter__(self) -> StopSignals:
        if self._main:
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, signal.SIG_DFL)
        return self

    def arm(self) -> None:
        """From now on a signal stops the run after the current chunk, with a checkpoint."""
        if self._main and not self._armed:
            for signum in SIGNALS:
                signal.signal(signum, self._handle)
            self._armed = True

    def _handle(self, signum: int, frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signum = signum
        name = signal.Signals(signum).name
        print(f"\n{name}: saving a checkpoint after this chunk, then stopping", file=sys.stderr)

    def follow(self, signum: int | None) -> None:
        """Stop as well when another process of a multi-process job received `signum`."""
        if signum is not None and self.signum is None:
            self.signum = signum
            name = signal.Signals(signum).name
            print(f"\nanother process got {name}: checkpoint, then stop", file=sys.stderr)

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
