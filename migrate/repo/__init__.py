"""The repository: the files git tracks (with in-memory edits), git reads and writes, diffs.

``tracked.Tree`` is what everything reads (a working tree or a commit, plus edits not yet
written); ``paths`` normalises repo paths (none leaves the repository); ``files`` indexes a
tree's paths and knows Helm templates; ``git`` reads and writes the repository (and refuses
unsafe writes); ``diffs`` makes THE unified diff that steps are hashed by, ``redact`` hides
Secret values from what is shown; ``history`` reads the git log per Application; ``doctor``
checks that every YAML file survives a load/dump round trip.
"""

from .paths import join, normpath
from .tracked import Tree

__all__ = ["Tree", "join", "normpath"]
