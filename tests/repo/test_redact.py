"""Redaction of Secret values in what the tool shows (repo.redact): kustomize secretGenerator literals."""

from __future__ import annotations

from migrate.repo.redact import redact_pair


def test_secret_generator_literals_are_redacted_and_config_map_literals_shown():
    text = ("secretGenerator:\n- name: gen\n  literals:\n  - password=HUNTER2\n- name: two\n"
            "  literals: [token=ABC, other=DEF]\nconfigMapGenerator:\n- name: cm\n  literals:\n  - mode=prod\n")
    before, after = redact_pair(text, text.replace("HUNTER2", "NEW"))
    assert "HUNTER2" not in before and "NEW" not in after and "ABC" not in after and "DEF" not in after
    assert "  - password=<redacted: changed>\n" in after and "[token=<redacted>, other=<redacted>]" in after
    assert "  - mode=prod\n" in after
