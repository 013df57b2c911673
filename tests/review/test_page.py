"""The review page as a file: self-contained, every step, hunk and graph in it (review.page, review.diffview)."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.engine.summary import of_plan
from migrate.review import review_page
from migrate.review.diffview import parse, split_html, unified_html
from tests.fixtures.engine import SECRET


DIFF = """--- a/x.yaml
+++ b/x.yaml
@@ -1,3 +1,3 @@
 a: 1
-url: http://exam-svc.lumie-exam.svc:8080
+url: http://lumie-backend.lumie-backend.svc:8080
 c: <3
--- /dev/null
+++ b/new.yaml
@@ -0,0 +1 @@
+new: true
"""


def test_diff_is_parsed_with_line_numbers_and_changed_words_marked():
    files = parse(DIFF)
    assert [(f.path, f.status, f.added, f.removed) for f in files] == [("x.yaml", "M", 1, 1), ("new.yaml", "A", 1, 0)]
    lines = files[0].hunks[0].lines
    assert [(line.kind, line.old, line.new) for line in lines] == [(" ", 1, 1), ("-", 2, None), ("+", None, 2),
                                                                 (" ", 3, 3)]
    unified = unified_html(files[0])
    assert "//<mark>exam-svc.lumie-exam.svc</mark>:8080" in unified
    assert "//<mark>lumie-backend.lumie-backend.svc</mark>:8080" in unified
    assert "c: &lt;3" in unified                                     # escaped
    split = split_html(files[0])
    assert split.count("<tr>") == 3                                  # the -/+ pair shares one row


@pytest.fixture(scope="module")
def page(cb_result) -> str:
    return review_page(cb_result.plan, of_plan(cb_result.plan))


def test_page_is_self_contained(page):
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_page_has_every_step_every_hunk_and_both_graphs(page, cb_result):
    for step in cb_result.plan.steps:
        assert f'id="step-{step.index}"' in page
    hunks = sum(s.display_diff.count("\n@@ ") + s.display_diff.startswith("@@") for s in cb_result.plan.steps)
    assert page.count('<tr class="hunk">') == 2 * hunks            # unified and side by side
    assert "Checks passed: yaml-parses" in page and "Objects (what Argo CD would apply differently" in page
    if shutil.which("dot"):
        assert page.count("<svg") == 2 and "after the run" in page and "before the run" in page
        after, before = page.split('class="panel after"')[1].split('class="panel before"')
        assert "lumie&#45;backend" in after and "lumie&#45;backend" not in before   # Graphviz writes - as &#45;


def test_page_says_when_graphviz_is_absent(cb_result, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    page = review_page(cb_result.plan, of_plan(cb_result.plan))
    assert "<svg" not in page and "Graphviz is not installed" in page


def test_secret_values_are_redacted_on_the_page(repo, tmp_path):
    out = tmp_path / "review.html"
    result = CliRunner().invoke(main, ["plan", "retire-api", "--repo", str(repo), "--html", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert SECRET not in text and "&lt;redacted&gt;" in text


def test_html_into_a_missing_folder_is_a_usage_error(planned_example, tmp_path):
    result = CliRunner().invoke(main, ["plan", "consolidate-backend", "--repo", str(planned_example),
                                       "--html", str(tmp_path / "no" / "page.html")])
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz is not installed")
def test_graph_svg_and_html(planned_example):
    svg = CliRunner().invoke(main, ["graph", "--format", "svg", "--repo", str(planned_example)])
    assert svg.exit_code == 0 and svg.stdout.startswith("<svg") and "tenant&#45;svc" in svg.stdout
    focus = CliRunner().invoke(main, ["graph", "--format", "svg", "--focus", "exam-svc", "--repo", str(planned_example)])
    assert focus.exit_code == 0 and "service:lumie&#45;exam/exam&#45;svc" in focus.stdout
    html = CliRunner().invoke(main, ["graph", "--format", "html", "--repo", str(planned_example)])
    assert html.exit_code == 0 and html.stdout.startswith("<!DOCTYPE html>") and "<svg" in html.stdout
    assert html.stdout.count("<tr><td>") >= 36                    # every Application listed
