"""The safe point: a SIGTERM or Ctrl-C that arrives while a step lands is acted on once it has landed —
even when the signal reaches another thread of the process (a render worker), as it may."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from migrate.engine.safepoint import signals_deferred


def _interrupt(_number, _frame):
    raise KeyboardInterrupt


@pytest.mark.parametrize("sender", ["main", "thread"])
def test_a_signal_inside_waits_for_the_end_then_interrupts(sender):
    """A thread started before (a render worker: it does not block any signal) is where the kernel may
    deliver the signal; the step still finishes first."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    go, done = threading.Event(), threading.Event()

    def worker():
        go.wait(5)
        if sender == "thread":
            os.kill(os.getpid(), signal.SIGTERM)
        done.wait(5)

    running = threading.Thread(target=worker)
    running.start()
    landed = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with signals_deferred():
                if sender == "main":
                    os.kill(os.getpid(), signal.SIGTERM)
                go.set()
                for _ in range(200):          # bytecodes run: a handler would have fired by now
                    time.sleep(0.001)
                landed.append(True)
        assert landed == [True]
        assert signal.getsignal(signal.SIGTERM) is _interrupt      # the run's own handler is back
    finally:
        go.set()
        done.set()
        running.join()
        signal.signal(signal.SIGTERM, previous)


def test_without_a_signal_nothing_happens():
    with signals_deferred():
        pass
