"""The vocabulary of the merge rules: union order, identical values (consolidation.parts)."""

from __future__ import annotations

from migrate.consolidation.parts import (
    MISSING,
    Part,
    Where,
    merge_identical,
    union_order,
)


def parts(*pairs) -> list[Part]:
    """``("svc", value), ...`` as Parts."""
    return [Part(Where(service, "v.yaml", n), value) for n, (service, value) in enumerate(pairs, start=1)]


# --- helpers ----------------------------------------------------------------------------------
def test_union_order_puts_late_keys_after_their_predecessor():
    assert union_order([["a", "b", "d"], ["a", "c", "d", "e"], ["x"]]) == ["a", "b", "c", "d", "e", "x"]


def test_identical_values_are_kept_once_and_differences_conflict():
    assert merge_identical("service", parts(("a", {"type": "ClusterIP"}), ("b", {"type": "ClusterIP"}))).value == \
        {"type": "ClusterIP"}
    merged = merge_identical("securityContext", parts(("a", {"runAsUser": 1000}), ("b", {"runAsUser": 0}),
                                                      ("c", MISSING)))
    assert merged.value is MISSING
    text = str(merged.conflicts[0])
    assert text.startswith('securityContext: {"runAsUser": 1000} in a (v.yaml:1); {"runAsUser": 0} in b (v.yaml:2);')
    assert "(not set) in c" in text
    assert merge_identical("x", parts(("a", True), ("b", 1))).conflicts  # true is not 1
