"""The env of a container or of a chart's values: the variables, the secrets they read, the services they call."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..roundtrip.nodes import as_map, as_seq, dig, is_map, is_seq, key_line, text
from .addresses import find_service_addresses
from .records import Call, EnvVar, SecretUse, Workload


def _env_entries(env: Any) -> Iterator[tuple[str, Mapping, int]]:
    """(name, entry, line) of an env list (``[{name, value|valueFrom}]``) or mapping (``{NAME: value}``)."""
    if is_seq(env):
        for i, entry in enumerate(env):
            if is_map(entry) and text(entry.get("name")):
                yield text(entry.get("name")), entry, key_line(env, i)
    elif is_map(env):
        for key, value in env.items():
            yield str(key), (value if is_map(value) else {"value": value}), key_line(env, key)


def read_env(env: Any, env_from: Any, workload: Workload) -> None:
    """Add env vars, the secrets they read and the services they call to ``workload``."""
    for name, entry, line in _env_entries(env):
        value = text(entry.get("value"))
        ref = as_map(dig(entry, "valueFrom", "secretKeyRef"))
        secret = text(ref.get("name"))
        workload.env.append(EnvVar(name, value, secret, text(ref.get("key")), workload.file, line))
        if secret:
            workload.secrets.append(SecretUse(secret, name, workload.file, key_line(ref, "name", line),
                                              ref.get("optional") is True))
        for address in find_service_addresses(value or ""):
            workload.calls.append(Call(address, name, workload.file, key_line(entry, "value", line)))
    for i, entry in enumerate(as_seq(env_from)):
        secret = text(dig(entry, "secretRef", "name"))
        if secret:
            workload.secrets.append(SecretUse(secret, "envFrom", workload.file, key_line(env_from, i),
                                              dig(entry, "secretRef", "optional") is True))
