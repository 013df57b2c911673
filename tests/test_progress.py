"""Progress bars: nothing unless the CLI asked for them on a terminal; one display for nested loops."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from migrate import progress


def test_off_unless_a_terminal_and_not_json(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    progress.show_on_terminal()
    assert not progress._state["on"]
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    progress.show_on_terminal(json_output=True)
    assert not progress._state["on"]
    progress.show_on_terminal()
    assert progress._state["on"]
    progress._state["on"] = False


def test_nested_loops_share_one_display_and_threads_may_advance(monkeypatch):
    monkeypatch.setitem(progress._state, "on", True)
    with progress.counting("outer", progress.MIN_ITEMS) as outer:
        live = progress._state["live"]
        with progress.counting("inner", progress.MIN_ITEMS * 2) as inner, ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: inner(), range(progress.MIN_ITEMS * 2)))
            assert progress._state["live"] is live and len(live.tasks) == 2
        outer(progress.MIN_ITEMS)
        assert len(live.tasks) == 1
    assert progress._state["live"] is None and progress._state["depth"] == 0


def test_a_short_loop_shows_nothing(monkeypatch):
    monkeypatch.setitem(progress._state, "on", True)
    with progress.counting("few", progress.MIN_ITEMS - 1) as advance:
        advance()
        assert progress._state["live"] is None

