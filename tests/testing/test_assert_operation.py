"""migrate.testing: a mismatch is reported as a diff."""

from __future__ import annotations

import pytest

from migrate.testing import assert_operation


def test_assert_operation_reports_a_mismatch_as_a_diff():
    with pytest.raises(AssertionError, match=r"(?s)-a: 3.*\+a: 2"):
        assert_operation("set-value", {"v.yaml": "a: 1\n"}, {"v.yaml": "a: 3\n"}, file="v.yaml", key="a", value=2)
