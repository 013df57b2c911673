"""Unifying namespaces: several Applications move into one namespace (the unify-namespace playbook)."""
