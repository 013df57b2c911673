"""Read-only parses and the inventory's records kept between runs, one pack each per repository (roundtrip.pack).

Each "run" is a fresh Python process on a real git repository: the second run on the same files parses
none of them and reads no records again (the same records); a changed file is parsed again (and only it); the pack's documents are the parser's, lines
included; a text that may hold a secret is never in it; an untracked path leaves it; a damaged pack is
read as none; ``MIGRATE_PARSE_CACHE=0`` writes none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from migrate.roundtrip.pack import FILE
from migrate.testing import make_repo

RUN = """
import json, sys
import migrate.roundtrip.readonly as readonly
parsed = []
fast = readonly.parse_fast
readonly.parse_fast = lambda text: (parsed.append(text), fast(text))[1]
import migrate.inventory.inventory as module
read = []
mentions = module._read_mentions
module._read_mentions = lambda found, path, *rest: (read.append(path), mentions(found, path, *rest))[1]
from migrate.inventory import Inventory
from migrate.repo.tracked import Tree
inv = Inventory.load(Tree.from_repo(sys.argv[1]))
records = sorted(repr(r) for kind in (inv.manifests, inv.path_mentions, inv.address_mentions, inv.values_files)
                 for r in kind)
def lines(node):
    if isinstance(node, dict):
        return [node.lc.line, [(k, node.lc.data[k], lines(v)) for k, v in node.items()]]
    if isinstance(node, list):
        return [node.lc.line, [(node.lc.data[i], lines(v)) for i, v in enumerate(node)]]
    return [type(node).__name__, node]
docs = {path: [lines(d) for d in inv.docs(path)] for path in sorted(inv._docs)}
print(json.dumps({"parsed": len(parsed), "docs": docs, "read": sorted(read), "records": records}))
"""

FILES = {
    "apps/kustomization.yaml": "resources:\n- web.yaml\n",
    "apps/web.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: 'quoted'\n  b: |\n    block\n",
    "web/values.yaml": "image:\n  tag: '1.2'\nreplicas: 2\nlist:\n- {x: 1}\n- [a, b]\n",
    "web/secret-values.yaml": "db:\n  password: hunter2-pack-secret\n",
}


def run(root, **env) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUN, str(root)], capture_output=True, text=True,
                          env={**os.environ, **env}, check=True)
    return json.loads(proc.stdout)


@pytest.fixture
def root(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


def test_a_second_run_parses_only_what_may_hold_a_secret(root):
    first, second = run(root), run(root)
    assert first["parsed"] == len(FILES)
    assert second["parsed"] == 1                       # web/secret-values.yaml: never kept
    assert second["docs"] == first["docs"]             # the same documents, values, types and lines
    assert first["read"] == sorted(p for p in FILES if "kustomization" not in p)
    assert second["read"] == ["web/secret-values.yaml"] and second["records"] == first["records"]
    assert b"hunter2-pack-secret" not in (root / ".git/migrate/parse-cache" / FILE).read_bytes()


def test_a_changed_file_is_parsed_again_and_only_it(root):
    run(root)
    (root / "web/values.yaml").write_text("image:\n  tag: '1.3'\n")
    again = run(root)
    assert again["parsed"] == 2                         # the changed file and the secret one
    assert again["read"] == ["web/secret-values.yaml", "web/values.yaml"]
    assert again["docs"]["web/values.yaml"][0][1][0][2][1][0][2] == ["SingleQuotedScalarString", "1.3"]


def test_an_untracked_path_leaves_the_pack(root):
    run(root)
    subprocess.run(["git", "rm", "-q", "web/values.yaml"], cwd=root, check=True)
    run(root)
    assert b"web/values.yaml" not in (root / ".git/migrate/parse-cache" / FILE).read_bytes()


def test_a_damaged_pack_is_read_as_none(root):
    run(root)
    (root / ".git/migrate/parse-cache" / FILE).write_bytes(b"\x80\x05garbage")
    assert run(root)["parsed"] == len(FILES)
    assert run(root)["parsed"] == 1                     # and rewritten whole


def test_no_pack_without_the_parse_cache(root):
    run(root, MIGRATE_PARSE_CACHE="0")
    assert not (root / ".git/migrate/parse-cache" / FILE).exists()
    assert run(root, MIGRATE_PARSE_CACHE="0")["parsed"] == len(FILES)
