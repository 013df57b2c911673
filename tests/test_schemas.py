"""Every ``--json`` output validates against its shipped JSON Schema (``migrate/schemas/<name>.schema.json``).

The outputs are the real ones: the CLI (click's CliRunner on ``migrate.cli.main``) on a copy of the example
repository, one command after the other (plan, a refused plan, graph, doctor, render, list, then run, status,
rollback), and two errors. Beyond validation, a *strict* copy of the schemas (every object schema that lists
properties closed with ``unevaluatedProperties: false``) checks that every key the code prints is one the schema
lists, at every depth: a key added to a ``to_dict`` without the schema knowing it fails here.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

import migrate.schemas
from migrate.cli import main
from migrate.schemas import SCHEMA_VERSION, schema

FOLDER = Path(migrate.schemas.__file__).parent
BASE = "https://migrate.dev/schemas/"
OUTPUT_SCHEMAS = {"plan", "run", "rollback", "status", "graph", "dangling", "doctor", "render", "list", "error"}
IDENTITY = {"GIT_AUTHOR_NAME": "Migrate Test", "GIT_AUTHOR_EMAIL": "test@migrate.invalid",
            "GIT_COMMITTER_NAME": "Migrate Test", "GIT_COMMITTER_EMAIL": "test@migrate.invalid"}


@dataclass(frozen=True)
class Case:
    """One command line, in the order they run on the one repository: its schema and exit code."""

    name: str
    schema: str
    args: tuple[str, ...]
    exit_code: int = 0


CASES = [
    Case("list", "list", ("list", "--json")),
    Case("plan", "plan", ("plan", "consolidate-backend", "--json")),
    Case("plan-refused", "plan", ("plan", "drop-kong", "--json"), 1),          # a loss to accept (--accept-loss)
    Case("graph", "graph", ("graph", "--json")),
    Case("graph-focus", "graph", ("graph", "--format", "json", "--focus", "exam-svc")),
    Case("dangling", "dangling", ("graph", "--dangling", "--json"), 1),       # the example has problems
    Case("doctor", "doctor", ("doctor", "--json"), 1),                        # ...and a file that does not parse
    Case("render", "render", ("render", "exam-svc", "--json")),
    Case("render-remote-chart", "render", ("render", "argocd", "--json")),    # a part that does not render
    Case("run", "run", ("run", "consolidate-backend", "--yes", "--json")),
    Case("run-again", "run", ("run", "consolidate-backend", "--yes", "--json")),   # already applied: names the run
    Case("report", "run", ("report", "consolidate-backend", "--json")),       # the applied run, read back
    Case("status", "status", ("status", "--json")),
    Case("rollback", "rollback", ("rollback", "consolidate-backend", "--yes", "--json")),
    Case("status-rolled-back", "status", ("status", "--json")),
    Case("error-usage", "error", ("plan", "no-such-playbook", "--json"), 2),
]
ERROR_OUTSIDE_A_REPO = Case("error-not-a-repo", "error", ("status", "--json"), 1)
ALL_CASES = [*CASES, ERROR_OUTSIDE_A_REPO]


@dataclass(frozen=True)
class Output:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def data(self) -> Any:
        return json.loads(self.stdout)


def cli(*args: str) -> Output:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return Output(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def outputs(example_repo_master, tmp_path_factory) -> dict[str, Output]:
    """Every case's output, run once, in order, on one copy of the example repository."""
    repo = tmp_path_factory.mktemp("schemas") / "lumie-infra"
    shutil.copytree(example_repo_master, repo, symlinks=True)
    outside = tmp_path_factory.mktemp("not-a-repo")
    with pytest.MonkeyPatch.context() as patch:
        for var, value in IDENTITY.items():
            patch.setenv(var, value)
        found = {case.name: cli(*case.args, "--repo", str(repo)) for case in CASES}
        found[ERROR_OUTSIDE_A_REPO.name] = cli(*ERROR_OUTSIDE_A_REPO.args, "--repo", str(outside))
    return found


# --- the schemas -------------------------------------------------------------------------------------
def shipped() -> dict[str, dict]:
    """name -> schema of every ``*.schema.json`` in migrate/schemas/, read from the files."""
    return {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(FOLDER.glob("*.schema.json"))}


def registry(schemas: dict[str, dict]) -> Registry:
    """The schemas by their ``$id``, so that ``plan.schema.json#/$defs/...`` resolves among them."""
    return Registry().with_resources((s["$id"], DRAFT202012.create_resource(s)) for s in schemas.values())


def validator(name: str, schemas: dict[str, dict] | None = None) -> Draft202012Validator:
    """A validator of schema ``name`` (format checking off: Draft202012Validator's default)."""
    schemas = schemas if schemas is not None else shipped()
    return Draft202012Validator(schemas[name], registry=registry(schemas))


_SCHEMA_MAPS = ("$defs", "properties", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames")


def strict(node: Any) -> Any:
    """``node`` (a schema) with every object schema that lists its properties closed
    (``unevaluatedProperties: false``; properties of ``$ref``/``allOf``... beside them count as listed)."""
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for key in _SCHEMA_MAPS:
        if key in out:
            out[key] = {name: strict(sub) for name, sub in out[key].items()}
    for key in _SCHEMA_LISTS:
        if key in out:
            out[key] = [strict(sub) for sub in out[key]]
    for key in _SCHEMA_ONE:
        if key in out:
            out[key] = strict(out[key])
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["unevaluatedProperties"] = False
    return out


def strict_schemas() -> dict[str, dict]:
    """Every shipped schema, strict (same ``$id``s: their ``$ref``s resolve among the strict ones)."""
    return {name: strict(found) for name, found in shipped().items()}


def problems(check: Draft202012Validator, data: Any) -> list[str]:
    """Every error, at its JSON path, as its most relevant cause (into anyOf branches)."""
    return [f"{e.json_path}: {best_match([e]).message[:300]}"
            for e in sorted(check.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))]


def refs(node: Any) -> list[str]:
    """Every ``$ref`` of a schema."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_every_json_output_has_a_shipped_schema():
    assert OUTPUT_SCHEMAS <= set(shipped())
    assert {case.schema for case in ALL_CASES} == OUTPUT_SCHEMAS


@pytest.mark.parametrize("name", sorted(shipped()))
def test_a_shipped_schema_is_a_valid_draft_2020_12_schema(name):
    found = shipped()[name]
    Draft202012Validator.check_schema(found)
    assert found["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert found["$id"] == f"{BASE}{name}.schema.json"
    assert found["title"].strip() and found["description"].strip()
    assert schema(name) == found     # what migrate.schemas.schema() loads from the package
    resolver = registry(shipped()).resolver(base_uri=found["$id"])
    for ref in refs(found):
        resolver.lookup(ref)         # raises when a $ref names nothing (another file, a $defs entry)


def test_an_object_output_schema_requires_version_1():
    for name, found in shipped().items():
        if name == "list":
            assert found["type"] == "array"     # `migrate list --json` prints an array: no version
            continue
        top = found if "properties" in found and "version" in found["properties"] else \
            registry(shipped()).resolver(base_uri=found["$id"]).lookup(found["$ref"]).contents
        version = top["properties"]["version"]
        assert (version["type"], version["const"]) == ("integer", SCHEMA_VERSION), name
        assert "version" in top["required"]


def test_the_strict_copy_is_valid_and_closes_the_object_schemas_that_list_properties():
    for found in strict_schemas().values():
        Draft202012Validator.check_schema(found)
    assert strict_schemas()["plan"]["$defs"]["step"]["unevaluatedProperties"] is False
    assert "unevaluatedProperties" not in strict_schemas()["graph"]["$defs"]["countsByKind"]


# --- the real outputs --------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_the_output_validates_against_its_schema(outputs, case):
    out = outputs[case.name]
    assert out.exit_code == case.exit_code, out.stderr[-2000:]
    data = out.data
    if isinstance(data, dict):
        assert data["version"] == 1 == SCHEMA_VERSION
        assert next(iter(data)) == "version"
    assert problems(validator(case.schema), data) == []


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_every_key_of_the_output_is_one_its_schema_lists(outputs, case):
    assert problems(validator(case.schema, strict_schemas()), outputs[case.name].data) == []


def test_the_outputs_show_what_the_schemas_describe(outputs):
    """The cases reach the shapes that matter: a refusal, a resumed/already applied run, reverts, errors."""
    plan, refused, run, again = (outputs[n].data for n in ("plan", "plan-refused", "run", "run-again"))
    assert plan["dry_run"] and plan["plan"]["ok"] and plan["plan"]["error"] is None
    steps = plan["plan"]["steps"]
    assert {f["status"] for s in steps for f in s["files"]} == {"A", "M", "D"}
    assert {o["change"] for s in steps for o in s["objects"] or []} == {"added", "removed", "changed"}
    assert not refused["plan"]["ok"] and refused["plan"]["error"]["message"]
    assert any(e["kind"] == "loss" and e["subject"] for s in refused["plan"]["steps"] for e in s["report"])
    assert not run["dry_run"] and run["run_id"] and run["commits"]
    assert again["already_applied"] and again["plan"]["already_applied"]["run_id"] == run["run_id"]
    assert outputs["rollback"].data["reverts"] and outputs["status-rolled-back"].data["runs"][-1]["reverts"]
    assert outputs["graph-focus"].data["focus"] and outputs["render-remote-chart"].data["unrendered"]
    assert outputs["error-usage"].data["error"]["kind"] == "usage"
    assert outputs["error-not-a-repo"].data["exit_code"] == 1


def test_a_key_the_schema_does_not_list_fails_only_the_strict_check(outputs):
    """Forward compatible (an unknown key is allowed), yet the strict check names it, at any depth."""
    for where in (lambda d: d, lambda d: d["plan"], lambda d: d["plan"]["steps"][0],
                  lambda d: d["plan"]["steps"][0]["files"][0], lambda d: d["plan"]["steps"][0]["report"][0],
                  lambda d: next(o for s in d["plan"]["steps"] for o in s["objects"] or [])):
        data = copy.deepcopy(outputs["plan"].data)
        where(data)["a_new_key"] = 1
        assert problems(validator("plan"), data) == []
        found = problems(validator("plan", strict_schemas()), data)
        assert found and "a_new_key" in " ".join(found)


def _set(path: str, value: Any) -> Callable[[Any], None]:
    """Set the value at ``path`` (keys and list indexes, dotted; ``-`` deletes the last key)."""
    def change(data: Any) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if isinstance(data, list) else data[key]
        if value == "-":
            del data[last]
        else:
            data[int(last) if isinstance(data, list) else last] = value
    return change


def _first_object(change: str) -> Callable[[Any], None]:
    def mutate(data: Any) -> None:
        next(o for s in data["plan"]["steps"] for o in s["objects"] or [])["change"] = change
    return mutate


@pytest.mark.parametrize("case, mutate", [
    ("plan", _set("version", 2)),
    ("plan", _set("dry_run", False)),                      # plan never applies
    ("plan", _set("plan.steps.0.files.0.status", "R")),
    ("plan", _first_object("moved")),
    ("plan", _set("plan.steps.0.diff", "-")),              # a required key missing
    ("plan", _set("plan.steps.0.diff_sha256", "abc")),
    ("plan", _set("plan.steps.0.graph.new", None)),
    ("plan", _set("plan.error", "refused")),
    ("plan-refused", _set("plan.error.line", "12")),
    ("run", _set("commits.0.sha", "not-a-sha")),
    ("status", _set("runs.0.state", "done")),
    ("rollback", _set("run.steps.0.date", None)),
    ("graph", _set("problems.0.kind", "broken")),
    ("graph", _set("nodes.0.synced", "yes")),
    ("dangling", _set("unsynced_applications.0.id", 3)),
    ("doctor", _set("files.0.status", "bad")),
    ("render", _set("objects.0.via", "jsonnet")),
    ("list", _set("0.parameters.0.type", "tuple")),
    ("error-usage", _set("error.kind", None)),
    ("error-usage", _set("exit_code", "2")),
], ids=lambda v: v if isinstance(v, str) else "")
def test_the_schema_rejects_what_the_code_never_prints(outputs, case, mutate):
    data = copy.deepcopy(outputs[case].data)
    schema_name = next(c.schema for c in ALL_CASES if c.name == case)
    mutate(data)
    assert problems(validator(schema_name), data) != []
