"""Kubernetes resource quantities: parse, add, render (consolidation.quantities)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from migrate.consolidation.quantities import (
    add_quantities,
    parse_quantity,
    render_quantity,
)
from migrate.errors import MigrateError


# --- quantities --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, amount", [("250m", Fraction(1, 4)), ("2", 2), ("0.5", Fraction(1, 2)),
                                          ("512Mi", 512 * 2 ** 20), ("1Gi", 2 ** 30), ("1G", 10 ** 9),
                                          ("1e3", 1000), (3, 3)])
def test_parse_quantity(text, amount):
    assert parse_quantity(text) == amount


@pytest.mark.parametrize("bad", ["lots", "1Zi", "", True, None])
def test_parse_quantity_refuses_what_is_not_a_quantity(bad):
    with pytest.raises(MigrateError):
        parse_quantity(bad)


def test_quantities_are_summed_and_rendered_canonically():
    assert add_quantities(["150m", "200m", "0.1", "1"], "cpu") == "1450m"
    assert add_quantities(["500m", "1500m"], "cpu") == "2"
    assert add_quantities(["768Mi", "256Mi", "1Gi"], "memory") == "2Gi"
    assert add_quantities(["1Gi", "512Mi"], "memory") == "1536Mi"
    assert add_quantities(["1G", "500M"], "memory") == "1500M"
    assert render_quantity(Fraction(1536870912), "memory") == "1536870912"
    assert render_quantity(Fraction(1, 3), "cpu") == "0.333333"
