"""drop-kong on the example repository (real git repos, through the CLI): refusals, the loss
report, the three verified commits, the intents re-checked independently on the result (also
before and after consolidate-backend), and rollback.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from migrate import engine
from migrate.cli import main
from migrate.engine.ledger import parse_trailers
from migrate.graph import build_graph
from migrate.inventory import Inventory
from migrate.repo.git import open_repo
from migrate.repo.tracked import Tree

LOSSES = ["konghq.com/connect-timeout", "konghq.com/read-timeout", "lumie-jwt", "lumie-jwt-claims",
          "upload-size-limit"]
ACCEPT = [arg for name in LOSSES for arg in ("--accept-loss", name)]
KONG_GROUP = "configuration.konghq.com"
MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"


def cli(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)])


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


# --- refusals and the loss report -------------------------------------------------------------------
def test_refuses_with_the_exact_flags_until_each_loss_is_accepted(example_repo):
    start = head(example_repo)
    result = cli(example_repo, "run", "drop-kong", "--yes")
    assert result.exit_code == 1
    assert ("Nothing is written until each is accepted by name: add " + " ".join(ACCEPT)) in result.output
    assert head(example_repo) == start and git(example_repo, "status", "--porcelain") == ""
    partly = cli(example_repo, "run", "drop-kong", "--yes", *ACCEPT[:-2])
    assert partly.exit_code == 1 and "add --accept-loss upload-size-limit " in partly.output
    assert head(example_repo) == start


def test_an_unknown_component_is_a_usage_error(example_repo):
    result = cli(example_repo, "plan", "drop-kong", "--set", "component=nginx")
    assert result.exit_code == 2 and "unknown component 'nginx'" in result.output


def test_accept_loss_needs_a_playbook_with_that_parameter(example_repo):
    result = cli(example_repo, "plan", "consolidate-backend", "--accept-loss", "lumie-jwt")
    assert result.exit_code == 2 and "no such option: --accept-loss (playbook 'consolidate-backend' has no " \
        "parameter with that flag; its flags: none" in result.output


def test_plan_json_lists_each_loss_with_where_it_is_defined(example_repo):
    result = cli(example_repo, "plan", "drop-kong", "--json")
    assert result.exit_code == 1
    plan = json.loads(result.output)["plan"]
    assert plan["error"]["check"] == "losses-accepted"
    losses = {e["message"].split(" ")[0]: (e["path"], e["line"]) for e in plan["steps"][1]["report"]
              if e["kind"] == "loss"}
    assert losses == {"lumie-jwt": ("bootstrap/kong/manifests/cluster-plugins.yaml", 53),
                      "lumie-jwt-claims": ("bootstrap/kong/manifests/cluster-plugins.yaml", 71),
                      "upload-size-limit": ("bootstrap/minio/manifests/upload-proxy-ingress.yaml", 3),
                      "konghq.com/read-timeout": ("bootstrap/zot/helm-values.yaml", 17),
                      "konghq.com/connect-timeout": ("bootstrap/zot/helm-values.yaml", 18)}



def test_the_example_traps_of_real_repositories_are_translated_not_lost(example_repo):
    """Kong timeouts on a Service manifest (develop), an app-template ``ingress.main`` values block
    (lumie-docs) and a www redirect whose Lua keeps host and path in locals with a ``nil`` body: each is
    translated, none is a loss or a refusal."""
    plan = json.loads(cli(example_repo, "plan", "drop-kong", "--json", *ACCEPT).output)["plan"]
    report = [e for step in plan["steps"] for e in step["report"]]
    translated = {line.split(": ", 1)[0]: line for line in plan["steps"][1]["details"]}
    dev, docs = "applications/lumie/develop/manifests/auth-svc.yaml", "applications/lumie/docs/values.yaml"
    www = "applications/lumie/frontend/manifests/www-redirect.yaml"
    assert "lumie-dev-auth-svc-timeouts@kubernetescrd (ServersTransport" in translated[f"{dev}:51"]
    assert "(stripPrefix)" in translated[f"{docs}:19"] and "(headers)" in translated[f"{docs}:20"]
    assert "lumie-frontend-www-redirect@kubernetescrd (redirectRegex)" in translated[f"{www}:24"]
    assert not [e for e in report if e["kind"] == "loss" and e["path"] in (dev, docs, www)]
    assert f"{docs}:17: ingress class kong -> traefik" in plan["steps"][0]["details"]

# --- the run, checked independently ----------------------------------------------------------------
def run_drop_kong(repo: Path) -> list[str]:
    """Apply drop-kong with every loss accepted; the three step commits, oldest first."""
    start = head(repo)
    result = cli(repo, "run", "drop-kong", "--yes", *ACCEPT)
    assert result.exit_code == 0, result.output
    commits = git(repo, "rev-list", "--reverse", f"{start}..HEAD").split()
    assert len(commits) == 3
    return commits


def run_consolidate(repo: Path) -> None:
    result = cli(repo, "run", "consolidate-backend", "--yes")
    assert result.exit_code == 0, result.output


def synced_view(repo: Path):
    inv = Inventory.load(Tree.from_repo(repo))
    graph = build_graph(inv)
    return inv, graph, lambda path: graph.is_synced(graph.node_for_path(path))


def failures(repo: Path) -> set[tuple]:
    """Dangling and suspect references made in synced files."""
    return {p.key for p in build_graph(Inventory.load(Tree.from_repo(repo))).failures()}


def routes(repo: Path) -> set[tuple]:
    inv, _, synced = synced_view(repo)
    return {(r.host, r.path, r.namespace, r.service, str(r.port)) for r in inv.routes if synced(r.file)}


def kong_cors(repo: Path) -> dict:
    docs = YAML(typ="safe").load_all((repo / "bootstrap/kong/manifests/cluster-plugins.yaml").read_text())
    return next(d["config"] for d in docs if d["metadata"]["name"] == "lumie-cors")


def assert_kong_gone_and_traffic_kept(repo: Path, routes_before: set[tuple]) -> None:
    """What drop-kong promises, read from the result with the inventory and plain YAML."""
    inv, graph, synced = synced_view(repo)
    assert "kong" not in graph.synced_applications()
    for route in (r for r in inv.routes if synced(r.file)):
        assert route.class_name == "traefik", route
        assert not [k for k, _ in route.annotations if k.startswith("konghq.com/")], route
    assert not [o for o in inv.objects if synced(o.file) and o.group == KONG_GROUP]
    assert routes(repo) == routes_before
    middlewares = {(p.namespace, p.name): p for p in inv.attachables if p.kind == "Middleware" and synced(p.file)}
    specs = {key: _spec(repo, p) for key, p in middlewares.items()}
    checked, made = 0, set(subprocess.run(["git", "log", "--format=", "--name-only", "--grep", "Migrate-Playbook: drop-kong"],
                              cwd=repo, capture_output=True, text=True, check=True).stdout.split())
    for route in (r for r in inv.routes if synced(r.file)):
        for ref in route.attached(MIDDLEWARES):
            found = [key for key in specs if f"{key[0]}-{key[1]}@kubernetescrd" == ref]
            assert found, (route, ref)
            if middlewares[found[0]].file in made:     # one drop-kong wrote (a Traefik route's own stays as it was)
                _assert_matches_plugin(repo, specs[found[0]], route)
                checked += 1
    assert checked >= 3


def _spec(repo: Path, plugin) -> dict:
    docs = YAML(typ="safe").load_all((repo / plugin.file).read_text())
    return next(d["spec"] for d in docs if d and d.get("kind") == "Middleware" and d["metadata"]["name"] == plugin.name)


def _assert_matches_plugin(repo: Path, spec: dict, route) -> None:
    """A Middleware does what the Kong plugin it replaced did."""
    kind, settings = next(iter(spec.items()))
    if kind == "headers":
        cors = kong_cors(repo)
        assert (settings["accessControlAllowOriginList"], settings["accessControlAllowMethods"],
                settings["accessControlAllowHeaders"], settings["accessControlExposeHeaders"],
                settings["accessControlAllowCredentials"], settings["accessControlMaxAge"]) == (
            cors["origins"], cors["methods"], cors["headers"], cors["exposed_headers"], cors["credentials"],
            cors["max_age"])
    elif kind == "stripPrefix":
        assert route.path in settings["prefixes"]
    elif kind == "redirectScheme":
        assert settings == {"scheme": "https", "permanent": True}
    else:
        assert kind == "redirectRegex"
        python_regex = settings["regex"]
        replacement = settings["replacement"].replace("${1}", r"\1")
        assert re.sub(python_regex, replacement, "https://www.lumie.kr/login?next=/a") == "https://lumie.kr/login?next=/a"
        assert re.sub(python_regex, replacement, "https://lumie.kr/login") == "https://lumie.kr/login"


@pytest.mark.parametrize("order", ["alone", "after-consolidate-backend", "before-consolidate-backend"])
def test_drop_kong_moves_traffic_to_traefik_in_three_verified_commits(example_repo, order):
    if order == "after-consolidate-backend":
        run_consolidate(example_repo)
    start, routes_before = head(example_repo), routes(example_repo)
    problems_before = failures(example_repo)
    commits = run_drop_kong(example_repo)

    git_repo = open_repo(example_repo)
    names = [parse_trailers(git_repo.commit(sha).message)["Migrate-Step"][0] for sha in commits]
    assert names == ["1/3 switch-ingress-class", "2/3 translate-plugins", "3/3 unregister-component"]
    for sha in commits:
        trailer = parse_trailers(git_repo.commit(sha).message)["Migrate-Diff-Sha256"][0]
        assert engine.verify_commit(git_repo, sha, trailer) == trailer
    message = git_repo.commit(commits[1]).message
    for name in LOSSES:
        assert re.search(rf"^\[loss\] \S+: {re.escape(name)} \([^)]*\), accepted: .* used at \d+ place\(s\): ",
                         message, re.M), name
    assert git(example_repo, "diff", "--stat", start, "HEAD", "--", "bootstrap/kong") == ""
    assert "kong/argocd.yaml" not in (example_repo / "bootstrap/kustomization.yaml").read_text()

    assert_kong_gone_and_traffic_kept(example_repo, routes_before)
    assert failures(example_repo) <= problems_before
    if order == "before-consolidate-backend":
        routes_now = routes(example_repo)
        run_consolidate(example_repo)
        inv, _, synced = synced_view(example_repo)
        assert {(h, p) for h, p, *_ in routes(example_repo)} == {(h, p) for h, p, *_ in routes_now}
        for route in (r for r in inv.routes if synced(r.file)):
            assert route.class_name == "traefik" and not [k for k, _ in route.annotations if k.startswith("konghq")]
        assert failures(example_repo) <= problems_before


def test_the_independent_check_sees_kong_before_the_run(example_repo):
    with pytest.raises(AssertionError):
        assert_kong_gone_and_traffic_kept(example_repo, routes(example_repo))


def test_the_bootstrap_kustomization_keeps_its_comment_block_and_missing_newline(example_repo):
    before = (example_repo / "bootstrap/kustomization.yaml").read_text()
    run_drop_kong(example_repo)
    after = (example_repo / "bootstrap/kustomization.yaml").read_text()
    assert after == before.rsplit("\n", 1)[0] and not after.endswith("\n")


def test_rollback_restores_every_byte(example_repo):
    start = head(example_repo)
    run_drop_kong(example_repo)
    result = cli(example_repo, "rollback", "drop-kong", "--yes")
    assert result.exit_code == 0, result.output
    assert git(example_repo, "diff", start, "HEAD") == "" and git(example_repo, "status", "--porcelain") == ""
    assert len(git(example_repo, "rev-list", f"{start}..HEAD").split()) == 6


def test_rolling_back_an_earlier_run_first_names_the_later_run_to_roll_back(example_repo):
    start = head(example_repo)
    assert cli(example_repo, "run", "consolidate-backend", "--yes").exit_code == 0
    run_drop_kong(example_repo)
    before = head(example_repo)
    refused = cli(example_repo, "rollback", "consolidate-backend", "--yes")
    drop_kong_run = next(r.run.run_id for r in engine.status(example_repo) if r.run.playbook == "drop-kong")
    assert refused.exit_code == 1 and f"migrate rollback {drop_kong_run}" in refused.output
    assert head(example_repo) == before and git(example_repo, "status", "--porcelain") == ""
    assert cli(example_repo, "rollback", drop_kong_run, "--yes").exit_code == 0
    assert cli(example_repo, "rollback", "consolidate-backend", "--yes").exit_code == 0
    assert git(example_repo, "diff", start, "HEAD") == ""
