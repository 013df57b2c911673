"""Test helper for translators: one feature in, one outcome out (``assert_translation``).

    from migrate.ingress.testing import assert_translation

    def test_strip_prefix():
        assert_translation("strip-prefix", "true", {"stripPrefix": {"prefixes": ["/api"]}}, paths=("/api",))

``expected`` is the Middleware spec the translator must create, or ``("not-needed", text)`` /
``("loss", text)`` with a text its reason must contain. The feature is an annotation by
default (``kind="annotation"``); pass ``kind`` and ``type`` for a plugin resource.
"""

from __future__ import annotations

from typing import Any, Mapping

from .sites import Site
from .translators import TRANSLATORS, Feature, Outcome


def translate_feature(translator: str, value: Any, *, options: Mapping[str, Any] | None = None,
                      kind: str = "annotation", type: str = "example.com/feature", name: str | None = None,
                      paths: tuple[str, ...] = ("/",), annotations: Mapping[str, str] | None = None,
                      namespace: str = "ns", ingress: str = "web", owner: str | None = None) -> Outcome:
    """The outcome of ``translator`` (with ``options``) for one feature of an Ingress ``ingress`` in
    ``namespace`` serving ``paths`` and carrying ``annotations``."""
    cls = TRANSLATORS.get(translator)
    shown = dict(annotations or {})
    site = Site("ingress.yaml", owner or f"Ingress/{ingress}", ingress, namespace, tuple(paths), tuple(shown.items()),
                tuple((k, 4 + i) for i, k in enumerate(shown)), 3)
    feature = Feature(name or type, kind, type, value, site, 3)
    return cls().translate(feature, cls.bind(dict(options or {})))


def assert_translation(translator: str, value: Any, expected: Any, **kwargs: Any) -> Outcome:
    """Translate one feature (see ``translate_feature``) and assert the outcome (see module doc)."""
    outcome = translate_feature(translator, value, **kwargs)
    if isinstance(expected, tuple):
        verdict, text = expected
        got = "loss" if outcome.lost else "not-needed" if outcome.middleware is None else "middleware"
        if got != verdict or text not in outcome.why:
            raise AssertionError(f"{translator}: {got} ({outcome.why!r}), expected {verdict} with {text!r}")
        return outcome
    if outcome.middleware is None:
        raise AssertionError(f"{translator}: no Middleware ({'loss' if outcome.lost else 'not needed'}: "
                             f"{outcome.why}), expected {expected}")
    if dict(outcome.middleware.spec) != expected:
        raise AssertionError(f"{translator}: Middleware spec {dict(outcome.middleware.spec)}, expected {expected}")
    return outcome
