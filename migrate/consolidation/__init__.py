"""Consolidation: merge several service Applications into one (the consolidate-backend playbook).

``selection`` finds the merged Applications by name and says where each of their things goes
in the target; the merge rules are small pure functions over values data — ``parts`` (the
vocabulary, identical and max), ``env`` (env, envFrom, secrets, vault paths), ``resources``
(ports, resources summed with ``quantities``, probes, image), ``ingress`` (every route once) —
combined per key by ``values``; ``target`` writes the target's files in the style of its
sources. ``operations`` (create-target, register-target, retire-sources), ``rewrite``
(rewrite-consumers) and ``checks`` (routes, env and vault paths preserved) are the units the
playbook composes; importing this package registers them.
"""

from . import checks, operations, rewrite  # noqa: F401  (they register their units)
