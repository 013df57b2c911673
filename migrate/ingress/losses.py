"""The loss report of ``translate-plugins``: what each untranslated feature did, why it is not
translated, every place that used it, and whether the user accepted losing it by name.

``Account`` gathers one feature's places; ``loss_text``/``note_text`` are the report lines
(also in the commit message); ``unaccepted`` is the refusal that names the exact
``--accept-loss`` flags to add.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..playbook import Finding, ReportEntry
from .translators import Feature, Outcome


@dataclass
class Account:
    """A feature as the report tells it: what it did, what became of it, every place it is used."""

    feature: Feature
    outcome: Outcome
    what: str
    places: list[tuple[str, int]] = field(default_factory=list)

    def where(self) -> str:
        return ", ".join(f"{f}:{n}" for f, n in self.places)

    def loss_text(self, accepted: bool) -> str:
        f = self.feature
        kind = "annotation" if f.kind == "annotation" else f"{f.kind}, {f.type}"
        value = _summary(f.value)
        return (f"{f.name} ({kind}), {'accepted' if accepted else 'NOT ACCEPTED'}: {self.what}"
                f"{f' [{value}]' if value else ''}; not translated: {self.outcome.why}; "
                f"used at {len(self.places)} place(s): {self.where()}")

    def note_text(self) -> str:
        return f"{self.feature.label}: nothing needed — {self.outcome.why} (at {self.where()})"


def _summary(value: Any) -> str:
    """Compact text of a plugin config or annotation value (scripts as their line count)."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_summary(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_summary(v) for v in value) + "]"
    if isinstance(value, str):
        lines = value.strip().splitlines()
        return f"<{len(lines)}-line script>" if len(lines) > 1 else value.strip()
    return json.dumps(value, ensure_ascii=False) if isinstance(value, bool) or value is None else str(value)


def entry(kind: str, message: str, account: Account, accepted: bool | None = None) -> ReportEntry:
    """A report entry about ``account``, at its definition (a plugin) or first use (an annotation); a loss
    says whether it is ``accepted``."""
    path, line = account.feature.defined or account.places[0]
    return ReportEntry(kind, message, path, line, subject=account.feature.name, accepted=accepted)


def unaccepted(losses: list[Account], accepted: set[str]) -> list[Finding]:
    """The refusal while some loss is not accepted, with the exact flags to add (empty: all accepted)."""
    names = sorted({a.feature.name for a in losses} - accepted)
    if not names:
        return []
    flags = " ".join(f"--accept-loss {n}" for n in names)
    return [Finding(f"{len(names)} loss(es) not accepted: {', '.join(names)} (see the loss report in the plan). "
                    f"Nothing is written until each is accepted by name: add {flags} "
                    f"(or --set accept_loss={','.join(names)})", settings=(f"accept_loss={','.join(names)}",))]
