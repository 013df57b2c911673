"""Format-preserving YAML, knowing nothing of Kubernetes: load, edit in place, write minimal changes.

A file is cut into documents (``framing``), each body parsed by ruamel.yaml in round-trip
mode with the layout of every block recorded (``styles``); edits happen on the nodes
(``comments``: ``set_scalar``, ``insert``, ``remove`` keep comments where they belong); the
documents are re-emitted block by block as they were written (``emitter``) and the change is
applied to the original text as a minimal patch (``patch``), so untouched lines keep their
bytes. ``document`` ties it together (``YamlFile``, ``load``), ``cache`` keeps parses on disk,
``nodes`` reads loaded nodes safely (``plain``, ``line_of``, ``dig``...) and ``fresh`` writes
new files in the style of existing ones.
"""

from .comments import insert, remove, set_scalar, substitute
from .document import YamlFile, is_yaml_path, load
from .nodes import Tagged, line_of, plain
from .readonly import read_docs

__all__ = ["YamlFile", "Tagged", "insert", "is_yaml_path", "line_of", "load", "plain", "read_docs", "remove", "set_scalar", "substitute"]
