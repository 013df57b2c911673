"""Progress of long loads (files parsed, Applications rendered, files checked), for a person at a terminal.

Library code wraps a loop in ``with counting("rendering Applications", total) as advance:`` and calls
``advance()`` per item; this costs nothing unless the CLI called ``show_on_terminal()`` (stderr is a
terminal and the command was not asked for ``--json``). Only loops of at least ``MIN_ITEMS`` items show a
bar, one rich display for the whole process (a loop inside another adds its own line to it), cleared when
the outer loop ends: piped output, CI logs and JSON never see it. ``advance`` may be called from threads.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

MIN_ITEMS = 200
_state: dict = {"on": False, "live": None, "depth": 0}


def show_on_terminal(json_output: bool = False) -> None:
    """Show progress bars from now on when stderr is a terminal and the output is not JSON."""
    _state["on"] = sys.stderr.isatty() and not json_output


def _nothing(_: int = 1) -> None:
    return None


@contextmanager
def counting(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """``advance(n=1)`` for a loop over ``total`` items; a bar on a terminal for long loops (module doc)."""
    if not _state["on"] or total < MIN_ITEMS:
        yield _nothing
        return
    if _state["live"] is None:
        _state["live"] = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        _state["live"].start()
    live = _state["live"]
    task = live.add_task(description, total=total)
    _state["depth"] += 1
    try:
        yield lambda n=1: live.advance(task, n)
    finally:
        _state["depth"] -= 1
        live.remove_task(task)
        if _state["depth"] == 0:
            live.stop()
            _state["live"] = None
