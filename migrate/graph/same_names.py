"""Two Applications (or ApplicationSets) of one namespace and name: Argo CD keeps one object per name, so
when both are applied one is synced over the other (``same-name``, suspect). Not a collision: roots each
applied by hand (alternatives: one per cluster), what alternative roots make, and a copy in a file
nothing deploys."""

from __future__ import annotations

from collections import defaultdict

from .store import RESOLVED, SUSPECT, GraphStore


def same_names(b: GraphStore) -> None:
    """Two Applications (ApplicationSets) of one namespace and name: Argo CD would sync one over the
    other — when both are applied; one in a file nothing deploys is a copy, not a collision."""
    view = b.view
    sets = [(s, "ApplicationSet", "applicationset") for s in b.inv.application_sets]
    parents: dict[str, set[str]] = defaultdict(set)
    for parent, kids in view.children.items():
        for kid in kids:
            if kid.id != parent:
                parents[kid.id].add(parent)

    def roots_of(node: str) -> set[str]:
        """The roots that reach ``node``."""
        seen, stack, found = set(), [node], set()
        while stack:
            here = stack.pop()
            if here not in seen:
                seen.add(here)
                found |= {here} & view.roots.keys()
                stack += parents.get(here, ())
        return found
    for item, kind, prefix in [*((a, "Application", "application") for a in view.apps.values()), *sets]:
        if item.same_name_as is None:
            continue
        first = f"{prefix}:{item.namespace}/{item.name}"
        if item.id in view.roots and first in view.roots:
            # both applied by hand (``kubectl apply -f root-$ENV.yaml``): alternatives, one per cluster
            b.edge(item.id, first, "same-name", item.file, item.line, RESOLVED,
                        f"alternative roots: each is applied by hand, so no cluster gets both "
                        f"(also defined in {item.same_name_as})")
        elif _alternatives(roots_of(item.id), roots_of(first)):
            b.edge(item.id, first, "same-name", item.file, item.line, RESOLVED,
                        f"made under alternative roots (same-named, each applied by hand), so no cluster gets "
                        f"both (also defined in {item.same_name_as})")
        elif (item.id in view.synced) != (first in view.synced):
            applied, copy = ((item.file, item.same_name_as) if item.id in view.synced
                             else (item.same_name_as, item.file))
            b.edge(item.id, first, "same-name", item.file, item.line, RESOLVED,
                        f"{kind} {item.namespace}/{item.name} is also defined in {copy}, which nothing deploys: "
                        f"only the one in {applied} is applied")
        else:
            b.edge(item.id, first, "same-name", item.file, item.line, SUSPECT,
                        f"{kind} {item.namespace}/{item.name} is also defined in {item.same_name_as}: Argo CD "
                        "would sync one over the other; rename one of them")


def _alternatives(these: set[str], those: set[str]) -> bool:
    """Whether two sets of roots are alternatives: no root in both, and each root of one has a same-named
    root in the other (``kind:namespace/name`` alike but for the ``@file`` a second one of a name keeps)."""
    base = lambda ids: {i.partition("@")[0] for i in ids}     # noqa: E731
    return bool(these and those) and not these & those and base(these) == base(those)
