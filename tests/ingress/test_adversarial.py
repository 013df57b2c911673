"""drop-kong on repositories that differ from the example (real git repos, through the CLI):
Kong annotations outside Ingresses, values layouts the inventory does not read as routes, and
plugin settings whose Kong default differs from Traefik's.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner
from ruamel.yaml import YAML

from migrate.cli import main

LOSSES = ["konghq.com/connect-timeout", "konghq.com/read-timeout", "lumie-jwt", "lumie-jwt-claims",
          "upload-size-limit"]
DEV = "applications/lumie/develop/manifests"


def cli(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)])


def accept(*names: str) -> list[str]:
    return [arg for name in [*LOSSES, *names] for arg in ("--accept-loss", name)]


def edit(repo: Path, path: str, old: str, new: str, append: str = "") -> None:
    """Replace ``old`` by ``new`` in a file (and append ``append``), then commit."""
    file = repo / path
    source = file.read_text()
    assert old in source
    file.write_text(source.replace(old, new, 1) + append)
    subprocess.run(["git", "commit", "-qam", f"edit {path}"], cwd=repo, check=True)


def docs(repo: Path, path: str) -> list[dict]:
    return [d for d in YAML(typ="safe").load_all((repo / path).read_text()) if d]


SERVICE = "kind: Service\nmetadata:\n  name: auth-svc\n"
DEV_CORS = """---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: dev-cors
plugin: cors
config:
  origins: [https://dev.lumie.kr]
"""


# --- Kong annotations on a Service ------------------------------------------------------------------
def test_kong_annotations_on_a_service_are_losses_to_accept_and_leave_the_service(example_repo):
    edit(example_repo, f"{DEV}/auth-svc.yaml", SERVICE + "  annotations:\n",  # the example's timeouts follow
         SERVICE + "  annotations:\n    konghq.com/plugins: dev-cors\n    konghq.com/protocol: https\n",
         DEV_CORS)
    refused = cli(example_repo, "run", "drop-kong", "--yes", *accept())
    assert refused.exit_code == 1
    assert "add --accept-loss dev-cors --accept-loss konghq.com/protocol " in refused.output
    plan = json.loads(cli(example_repo, "plan", "drop-kong", "--json", *accept()).output)["plan"]
    losses = {e["message"].split(" ")[0]: e["message"] for e in plan["steps"][1]["report"] if e["kind"] == "loss"}
    assert "Traefik attaches Middlewares to Ingresses" in losses["dev-cors"]
    assert f"used at 1 place(s): {DEV}/auth-svc.yaml:50" in losses["dev-cors"]   # the Service's annotation
    assert f"{DEV}/auth-svc.yaml:51" in losses["konghq.com/protocol"]
    done = cli(example_repo, "run", "drop-kong", "--yes", *accept("dev-cors", "konghq.com/protocol"))
    assert done.exit_code == 0, done.output
    service = next(d for d in docs(example_repo, f"{DEV}/auth-svc.yaml") if d["kind"] == "Service")
    assert not [k for k in service["metadata"].get("annotations") or {} if k.startswith("konghq.com/")]


# --- values layouts of other charts ------------------------------------------------------------------
def test_an_ingress_name_map_of_values_is_switched_and_translated_like_any_ingress(example_repo):
    """app-template's ``ingress.<name>`` shape: its class switches, its plugin and annotation are accounted
    (lumie-jwt, and strip-path: the app has nowhere to hold a Middleware — losses to accept by name), nothing
    is left behind and no refusal the user cannot act on."""
    vso = "bootstrap/vault/vso-values.yaml"
    edit(example_repo, vso, "\n", "\n", "ingress:\n  main:\n    className: kong\n    annotations:\n"
         "      konghq.com/plugins: lumie-jwt\n      konghq.com/strip-path: 'true'\n    hosts:\n"
         "    - host: vso.lumie.kr\n      paths:\n      - path: /vso\n")
    line = (example_repo / vso).read_text().splitlines().index("      konghq.com/strip-path: 'true'") + 1
    plan = json.loads(cli(example_repo, "plan", "drop-kong", "--json", *accept()).output)["plan"]
    losses = [e["message"] for e in plan["steps"][1]["report"] if e["kind"] == "loss"]
    assert any(m.startswith("lumie-jwt") and vso in m for m in losses)
    assert any(m.startswith("konghq.com/strip-path") and f"used at 1 place(s): {vso}:{line}" in m for m in losses)
    done = cli(example_repo, "run", "drop-kong", "--yes", *accept("konghq.com/strip-path"))
    assert done.exit_code == 0, done.output
    main = next(d for d in docs(example_repo, vso) if "ingress" in d)["ingress"]["main"]
    assert (main["className"], main["annotations"]) == ("traefik", {})


# --- cors defaults -------------------------------------------------------------------------------------
def test_a_kong_cors_plugin_without_headers_keeps_allowing_the_requested_headers(example_repo):
    edit(example_repo, f"{DEV}/ingress.yaml", 'konghq.com/strip-path: "true"\n',
         'konghq.com/strip-path: "true"\n    konghq.com/plugins: dev-cors\n', DEV_CORS.replace("---", "\n---"))
    result = cli(example_repo, "run", "drop-kong", "--yes", *accept())
    assert result.exit_code == 0, result.output
    made = docs(example_repo, f"{DEV}/traefik-middlewares.yaml")
    headers = next(d for d in made if d["metadata"]["name"] == "dev-cors")["spec"]["headers"]
    assert headers["accessControlAllowHeaders"] == ["*"]


# --- Kong upstream timeouts ---------------------------------------------------------------------------
def test_kong_timeouts_on_a_service_become_a_servers_transport_the_service_names(example_repo):
    grpc = "applications/lumie/backend/tenant-svc/manifests/grpc-service.yaml"
    edit(example_repo, grpc, "  labels:\n", "  annotations:\n    konghq.com/read-timeout: \"60000\"\n"
         "    konghq.com/connect-timeout: \"5000\"\n    konghq.com/write-timeout: \"60000\"\n  labels:\n")
    refused = cli(example_repo, "run", "drop-kong", "--yes", *accept())
    assert refused.exit_code == 1 and "add --accept-loss konghq.com/write-timeout" in refused.output
    done = cli(example_repo, "run", "drop-kong", "--yes", *accept("konghq.com/write-timeout"))
    assert done.exit_code == 0, done.output
    service = docs(example_repo, grpc)[0]
    assert service["metadata"]["annotations"] == {
        "traefik.ingress.kubernetes.io/service.serverstransport": "lumie-tenant-tenant-svc-grpc-timeouts@kubernetescrd"}
    made = docs(example_repo, "applications/lumie/backend/tenant-svc/manifests/traefik-middlewares.yaml")
    transport = next(d for d in made if d["kind"] == "ServersTransport")
    assert (transport["metadata"], transport["spec"]) == (
        {"name": "tenant-svc-grpc-timeouts", "namespace": "lumie-tenant"},
        {"forwardingTimeouts": {"responseHeaderTimeout": "60s", "dialTimeout": "5s"}})
