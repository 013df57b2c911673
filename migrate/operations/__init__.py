"""The generic operations and checks any playbook can compose.

Operations: ``set-value`` (one key of a YAML file, quoting kept), ``edit-kustomization-resources``
(entries of a kustomization's ``resources:``, comments kept sensible), ``remove-paths`` (files
and folders). Checks: ``unchanged`` (paths byte-identical to before the run), ``not-synced``
(Applications no root reaches). Each module registers its units on import.
"""

from . import checks, kustomization_resources, remove_paths, set_value  # noqa: F401  (they register)
