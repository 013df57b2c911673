"""Moving Applications: a folder of the repository goes elsewhere, every reference follows (the move-apps playbook).

``paths`` plans the move on a tree in memory — every file to its new place (git sees renames), every
string that names a moved path rewritten, every comment or non-YAML line that names one reported;
``operations`` is the ``move-folder`` operation over it (with Application renames on request) and the
intent checks it attaches: no YAML value of the repository still names the old path, every moved
Application synced before is synced after. Importing this package registers them.
"""

from . import operations  # noqa: F401  (it registers its units)
