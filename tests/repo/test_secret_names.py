"""Secrets, wider: values under names that look secret (``*PASSWORD*``, ``*TOKEN*``, ``*SECRET*``,
``*KEY*``… — ``MIGRATE_SECRET_NAMES``) are redacted in every output, and the parse cache keeps no file
that may hold one. A planted value is searched in everything the tool printed or wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from migrate.cli import main
from migrate.repo.redact import REDACTED, looks_secret, redact_pair

PLANTED = "plantedS3cretValue42"


def test_names_that_look_secret_and_names_that_only_name_a_secret():
    for name in ("API_TOKEN", "DB_PASSWORD", "clientSecret", "AWS_SECRET_ACCESS_KEY", "privateKey"):
        assert looks_secret(name), name
    for name in ("DB_HOST", "key", "secretName", "existingSecret", "secretKeyRef", "tokenRef"):
        assert not looks_secret(name), name


def test_env_entries_keys_and_flow_entries_are_masked_in_both_sides_of_a_diff():
    before = f"env:\n- name: API_TOKEN\n  value: old-{PLANTED}\n- {{name: GH_TOKEN, value: {PLANTED}}}\npassword: {PLANTED}\n"
    after = before.replace(f"old-{PLANTED}", f"new-{PLANTED}")
    old, new = redact_pair(before, after)
    assert PLANTED not in old + new
    assert "  value: <redacted: changed>\n" in new and f"password: {REDACTED}\n" in new
    assert "secretName: web-tls\n" == redact_pair(None, "secretName: web-tls\n")[1]


def test_a_planted_token_appears_in_nothing_the_tool_writes(example_repo, tmp_path):
    """The consolidation merges the services' env: an API token planted in one of them is never printed
    (dry run, --json, --snapshot-dir, the commits' messages) and never pickled in the parse cache."""
    values = example_repo / "applications/lumie/backend/exam-svc/common-values.yaml"
    text = values.read_text()
    values.write_text(text.replace("  - name: DB_HOST\n", f"  - name: GRADER_API_TOKEN\n    value: {PLANTED}\n"
                                                          "  - name: DB_HOST\n", 1))
    subprocess.run(["git", "commit", "-qam", "exam-svc: grader token"], cwd=example_repo, check=True)
    runner = CliRunner()
    outputs = [runner.invoke(main, ["plan", "consolidate-backend", "--repo", str(example_repo),
                                    "--snapshot-dir", str(tmp_path / "snap")]).output,
               runner.invoke(main, ["plan", "consolidate-backend", "--repo", str(example_repo), "--json"]).output]
    json.loads(outputs[1])
    applied = runner.invoke(main, ["run", "consolidate-backend", "--repo", str(example_repo), "--yes"])
    assert applied.exit_code == 0, applied.output
    outputs.append(applied.output)
    outputs.append(subprocess.run(["git", "log", "--format=%B", "-5"], cwd=example_repo, capture_output=True,
                                  text=True).stdout)
    outputs += [p.read_text() for p in (tmp_path / "snap").rglob("*") if p.is_file()]
    assert outputs[0] and all(PLANTED not in out for out in outputs)
    cache = example_repo / ".git" / "migrate" / "parse-cache"
    subprocess.run([sys.executable, "-m", "migrate", "doctor", "--repo", str(example_repo)], capture_output=True)
    pickles = [p for p in cache.rglob("*") if p.is_file()]
    assert pickles and all(PLANTED.encode() not in p.read_bytes() for p in pickles)


def test_cache_clear_removes_the_parse_cache(example_repo, tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    subprocess.run([sys.executable, "-m", "migrate", "doctor", "--repo", str(example_repo)], capture_output=True)
    cache = Path(example_repo) / ".git" / "migrate" / "parse-cache"
    assert any(cache.rglob("*"))
    result = runner.invoke(main, ["cache", "clear", "--repo", str(example_repo)])
    assert result.exit_code == 0 and result.output.startswith("removed ")
    assert not cache.exists()
