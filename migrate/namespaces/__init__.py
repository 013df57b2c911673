"""Unifying namespaces: several Applications move into one namespace (the unify-namespace playbook).

``plan`` finds what decides each Application's namespace (its destination, the kustomize and Helm
namespaces of the files its render reads, manifests, namespace-qualified names) and every address of
its Services in the repository, refusing what would collide in the new namespace; ``operations`` is
the ``move-namespace`` operation and its intent checks (no old address left; each object rendered again,
equal but for its namespace and addresses). Importing this package registers them.
"""

from . import operations  # noqa: F401  (it registers its units)
