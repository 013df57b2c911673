"""retire-sources: before/after on a small repository."""

from __future__ import annotations

from migrate.testing import assert_operation, run_operation
from tests.fixtures.consolidation import FILES, OPTIONS

CREATE = dict(OPTIONS, image_tag="1a2b3c4d", env={})


def created(files: dict[str, str] = FILES) -> dict[str, str]:
    """The fixture plus what create-target adds."""
    result, _ = run_operation("create-target", files, **CREATE)
    return {**files, **result.changes}


# --- retire-sources -----------------------------------------------------------------------------------------
def test_retire_sources_removes_the_merged_folders():
    files = created()
    gone = {p: None for p in files if p.startswith(("apps/tenant/", "apps/auth/"))}
    result = assert_operation("retire-sources", files, gone, **OPTIONS)
    assert result.details == ["remove apps/tenant/ (4 file(s))", "remove apps/auth/ (3 file(s))"]
    assert_operation("retire-sources", files, {}, enabled=False, **OPTIONS)


def test_retire_sources_keeps_a_folder_something_else_uses():
    files = created()
    files["apps/tenant/extra/argocd.yaml"] = files["apps/worker/argocd.yaml"].replace("grading-svc", "extra")
    result = assert_operation("retire-sources", files, {p: None for p in files if p.startswith("apps/auth/")} |
                              {"apps/tenant/argocd.yaml": None}, **OPTIONS)
    assert [(e.kind, e.message) for e in result.report] == [
        ("note", "apps/tenant kept: it also holds what extra uses")]
