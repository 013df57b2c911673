"""Rendering: what Argo CD would apply, with the tools Argo CD uses, offline.

``view.ArgoView`` is the repository as Argo CD sees it — its roots, the Applications each deploys
(ApplicationSets expanded by ``appsets`` with ``templating`` and ``gotemplate``), and what every
Application renders to (``sources``: directory, kustomize, Helm sources; ``kustomize`` runs the
real kustomize, ``helm`` the real Helm, in-process or the user's binary, ``helm_server`` serves
kustomize's ``--helm-command``). Each rendered object keeps its provenance (``provenance``): the
file and lines a user would edit. The tree is written out for the tools by ``workspace``; renders
are cached by the content of their inputs (``cache``); ``tools`` finds what is installed.
"""

from .manifests import RenderError
from .sources import AppRender, Settings
from .tools import Tools
from .view import ArgoView

__all__ = ["AppRender", "ArgoView", "RenderError", "Settings", "Tools"]
