"""Ingress-controller migrations: move every synced Ingress off one controller (drop-kong, drop-nginx-ingress).

``controllers`` tells the shared model what Kong and Traefik attach to routes and which
components install them; ``component`` is the Application being dropped (and
unregister-component); ``classes`` switches the ingress class wherever a repository selects
it (switch-ingress-class); ``sites`` reads each Ingress as its routes show it; ``features``
and ``translators`` turn what the old controller did into Traefik Middlewares (placed by
``middlewares``) or losses (``losses``), which ``translate`` (translate-plugins) writes;
``checks`` and ``accounted`` are the intent checks. Importing this package registers them all.
"""

from . import accounted, checks, classes, component, controllers, translate, translators  # noqa: F401  (they register)
