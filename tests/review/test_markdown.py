"""The pull-request comment: the summary, fenced diffs, long ones collapsed, within GitHub's limit (review.markdown)."""

from __future__ import annotations

from migrate.engine.summary import md_code, md_text, of_plan
from migrate.review import GITHUB_LIMIT, pull_request_markdown


def test_the_comment_opens_with_the_summary_and_fences_each_diff(cb_result):
    text = pull_request_markdown(cb_result.plan, of_plan(cb_result.plan))
    assert text.startswith("## migrate: `consolidate-backend`\n\n**consolidate-backend: 4 steps would change 47 files")
    assert len(text) <= GITHUB_LIMIT
    assert "| 4/4 `retire-sources` | changes | 40 | +0 −2,079 | same objects |" in text
    assert text.count("```diff\n") + text.count("left out to fit GitHub's") == 4
    assert "<details><summary>Diff (3 file(s), +328 −0)</summary>" in text   # long diffs are collapsed
    assert "```diff\n--- a/applications/kustomization.yaml" in text            # a short one is not


def test_past_the_limit_the_largest_diffs_are_left_out_and_say_where_to_read_them(cb_result):
    plan = cb_result.plan
    full = pull_request_markdown(plan, of_plan(plan), limit=10**9)
    assert full.count("```diff\n") == 4
    text = pull_request_markdown(plan, of_plan(plan), limit=20_000)
    assert len(text) <= 20_000
    assert "left out to fit GitHub's 65,536-character comment limit: read it on the review page" in text
    assert "### Step 4/4 `retire-sources`" in text            # every step section stays
    assert "```diff\n--- a/applications/kustomization.yaml" in text   # the smallest diff stays


def test_losses_show_accepted_and_pending(dk_result):
    text = pull_request_markdown(dk_result.plan, of_plan(dk_result.plan))
    assert "> **Verification failed:** [losses-accepted] 5 loss(es) not accepted" in text
    assert "- ❌ pending `lumie-jwt` (bootstrap/kong/manifests/cluster-plugins.yaml:53)" in text


def test_names_and_messages_cannot_break_out_of_the_comment():
    assert md_text("</details><img src=x> `x` a|b") == "&lt;/details&gt;&lt;img src=x&gt; \\`x\\` a\\|b"
    assert md_code("a `b` c") == "``a `b` c``" and md_code("`x") == "`` `x ``"
