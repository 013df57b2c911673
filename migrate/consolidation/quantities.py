"""Kubernetes resource quantities (``250m``, ``1.5``, ``512Mi``, ``1G``): parse, add, render.

``parse_quantity`` reads a quantity as an exact number of base units (cores for cpu, bytes
for memory) and ``render_quantity`` writes one back canonically: cpu as whole cores (``2``)
or millicores (``1250m``); everything else with the largest binary suffix that divides it
exactly (``12032Mi``, ``6Gi``), else the largest decimal one (``1500M``), else plain.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ..errors import MigrateError

_BINARY = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}
_DECIMAL = {"m": Fraction(1, 1000), "": 1, "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12,
            "P": 10 ** 15, "E": 10 ** 18}
_QUANTITY = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E))?$")


def parse_quantity(value: object) -> Fraction:
    """``value`` (``"250m"``, ``"1Gi"``, ``2``, ``"1e3"``) in base units; MigrateError if it is not a quantity."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MigrateError(f"{value!r} is not a resource quantity")
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise MigrateError(f"{value!r} is not a resource quantity")
    number, exponent, suffix = match.groups()
    amount = Fraction(number)
    if exponent:
        return amount * Fraction(10) ** int(exponent[1:])
    return amount * (_BINARY.get(suffix) or _DECIMAL[suffix or ""])


def render_quantity(amount: Fraction, resource: str) -> str:
    """The canonical text of ``amount`` base units of ``resource`` (see module doc)."""
    if resource == "cpu":
        return _render_cpu(amount)
    for suffixes in (_BINARY, {k: v for k, v in _DECIMAL.items() if k not in ("", "m")}):
        for suffix, size in sorted(suffixes.items(), key=lambda item: item[1], reverse=True):
            if amount >= size and amount % size == 0:
                return f"{amount // size}{suffix}"
    return _plain(amount)


def _render_cpu(amount: Fraction) -> str:
    if amount.denominator == 1:
        return str(amount.numerator)
    millis = amount * 1000
    return f"{millis.numerator}m" if millis.denominator == 1 else _plain(amount)


def _plain(amount: Fraction) -> str:
    if amount.denominator == 1:
        return str(amount.numerator)
    return f"{float(amount):g}"


def add_quantities(values: list[object], resource: str) -> str:
    """The sum of ``values`` (quantities of ``resource``), rendered canonically."""
    return render_quantity(sum((parse_quantity(v) for v in values), Fraction(0)), resource)
