"""The committed snapshots of drop-kong (snapshots/drop-kong/, regenerated with
`migrate example snapshots --out snapshots drop-kong`; tests/test_snapshots.py fails when they
drift) show a reviewer the whole change and the loss report."""

from __future__ import annotations

from pathlib import Path

from migrate.example.snapshots import PARAMETERS

FOLDER = Path(__file__).resolve().parents[2] / "snapshots" / "drop-kong"


def test_the_snapshot_report_holds_every_accepted_loss_and_what_needs_nothing():
    assert sorted(p.name for p in FOLDER.iterdir()) == [
        "01-switch-ingress-class.diff", "02-translate-plugins.diff", "03-unregister-component.diff", "report.md"]
    report = (FOLDER / "report.md").read_text()
    for name in PARAMETERS["drop-kong"]["accept_loss"].split(","):
        assert report.count(f": {name} (") == 1, name
    assert report.count("), accepted: ") == 5 and "NOT ACCEPTED" not in report
    assert 'konghq.com/preserve-host: "true": nothing needed' in report
