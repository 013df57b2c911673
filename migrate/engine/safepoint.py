"""A safe point for the signals that end a run: a step lands or is refused whole, then Ctrl-C or SIGTERM act."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM received inside are acted on when it ends (as Ctrl-C). Handlers, not a signal
    mask: a process-wide signal reaches whichever thread does not block it (a render worker), and Python
    runs its handler in the main thread all the same."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, _frame: pending.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if pending:
        raise KeyboardInterrupt
