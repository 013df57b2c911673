"""Translators of an old ingress controller's features into Traefik Middlewares (see ``base``).

``generic`` holds the table-driven ones any migration can use, ``cors`` the CORS ones, ``lua``
the Kong pre-function redirects; importing this package registers them all.
"""

from . import cors, generic, lua  # noqa: F401  (they register)
from .base import (ANY_VALUE, TRANSLATORS, Feature, Middleware, Outcome, TranslationTable, Translator, lost,
                   not_needed, register_translator)

__all__ = ["ANY_VALUE", "TRANSLATORS", "Feature", "Middleware", "Outcome", "TranslationTable", "Translator", "lost",
           "not_needed", "register_translator"]
