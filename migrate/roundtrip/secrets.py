"""Where a YAML text holds a secret value, found line by line (no parse): the value of a key or an env
entry whose name looks secret (``password``, ``*token*``... — ``MIGRATE_SECRET_NAMES`` replaces the globs;
a name that names a Secret or a key, such as ``secretName`` or ``existingSecret``, does not), a kustomize
``secretGenerator`` literal, and any text that may hold a ``kind: Secret`` document.

Two uses: the diffs migrate shows mask these values (``repo.redact``), and the on-disk caches never keep
a text that may hold one (``may_hold_secret``, stricter still: a secret-looking name followed by ``:`` or
``=`` and a value anywhere in a line, as in JSON or env text inside a block scalar, a PEM private key).
"""

from __future__ import annotations

import fnmatch
import os
import re
from functools import lru_cache

from .lines import split_lines

REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted: changed>"
# Could the text hold a ``kind: Secret`` document in any spelling (quoted, tagged, anchored, flow style,
# value on the next line)? ``VaultStaticSecret`` cannot.
MAYBE_SECRET_DOCUMENT = re.compile(r"""\bkind["']?\s*:\s*(?:[&!][^\s,}]*\s+)*["']?Secret(?![\w-])""")
# a block scalar (``key: |``) under a name that looks secret, and PEM private keys, wherever they are
_BLOCK = re.compile(r"""^[ \t]*(?:-[ \t]+)?["']?([A-Za-z0-9_.-]+)["']?[ \t]*:[ \t]*[|>]""", re.MULTILINE)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
# ``name: value`` or ``name=value`` anywhere in a line: flow style, JSON, INI or env text inside a block scalar
_INLINE = re.compile(r"""(["']?)([A-Za-z0-9_.-]+)\1[ \t]*[:=][ \t]*(?![\s,{}\[\]]|["']{2}|$)([^\s,{}\[\]#]+)""")
_FLAG = re.compile(r"""(?i)^["']?(true|false|yes|no|on|off|null|~|-?\d+(\.\d+)?)["']?$""")


def may_hold_secret(text: str) -> bool:
    """Might ``text`` hold a secret value: one the diffs would mask, a block scalar under a secret-looking
    name, a PEM private key, or a ``kind: Secret`` document?"""
    anything = _names(secret_name_patterns())[1]
    if anything is not None:
        lowered = text.lower()
        if not any(word in lowered for word in anything):
            return False
        if "secretGenerator" in text:
            return True          # its literals name no secret word
        text = _near(text.split("\n"), lowered.split("\n"), anything)
    if MAYBE_SECRET_DOCUMENT.search(text) or _PRIVATE_KEY.search(text):
        return True
    if any(looks_secret(m.group(1)) for m in _BLOCK.finditer(text)):
        return True
    if any(looks_secret(m.group(2)) and not _FLAG.match(m.group(3)) for m in _INLINE.finditer(text)):
        return True
    return masked_names(text, None) != text


def _near(lines: list[str], lowered: list[str], words: tuple[str, ...]) -> str:
    """The lines with one of ``words`` (``lowered``: the lines in lower case), each with the few after it
    (where an env entry's ``value:`` is)."""
    keep: set[int] = set()
    for index, line in enumerate(lowered):
        if any(word in line for word in words):
            keep.update(range(index, min(index + 6, len(lines))))
    return "\n".join(lines[i] for i in sorted(keep)) + "\n"


# --- values under names that look secret ------------------------------------------------------------
SECRET_NAMES_ENV = "MIGRATE_SECRET_NAMES"
DEFAULT_SECRET_NAMES = ("*password*", "*passwd*", "*token*", "*secret*", "*key*", "*credential*")
# names that hold the *name* of a Secret or key, not a value: shown
_REFERENCE_NAMES = re.compile(r"(?i)^(key|.*name|.*ref|existingsecret|.*secrets?ref.*|secretkeyref)$")
_ENV_NAME = re.compile(r"""^(\s*)(-\s+)?name:\s*(["']?)([^"'\s#]+)\3\s*(#.*)?$""")
_ENV_VALUE = re.compile(r"""^(\s*value:\s+)(?![|>])(\S.*?)\s*$""")
_KEY_VALUE = re.compile(r"""^(\s*(?:-\s+)?)(["']?)([A-Za-z0-9_.-]+)\2(\s*:\s+)(?![|>{\[&*!#])(\S.*?)\s*$""")
_FLOW_ENV = re.compile(r"""(\{\s*name:\s*["']?([A-Za-z0-9_.-]+)["']?\s*,\s*value:\s*)([^,}]+?)(\s*[,}])""")


# kustomize's secretGenerator: its ``literals`` (``KEY=VALUE``, block or flow) are Secret values
_GENERATOR = re.compile(r"^\s*(-\s+)?secretGenerator:\s*(#.*)?$")
_LITERAL = re.compile(r"""((?:^\s*-\s*|[\[,]\s*)["']?[A-Za-z0-9_.-]+=)[^,\]\n"']*""")
_PLAIN_FLAG = re.compile(r"(?i)^(true|false|yes|no|on|off|null|~|-?\d+(\.\d+)?)\s*(#.*)?$")   # no secret there


def secret_name_patterns() -> tuple[str, ...]:
    """Globs (case-insensitive) of names whose values are redacted; ``MIGRATE_SECRET_NAMES`` replaces them."""
    configured = os.environ.get(SECRET_NAMES_ENV)
    return tuple(p.strip() for p in configured.split(",") if p.strip()) if configured else DEFAULT_SECRET_NAMES


def looks_secret(name: str) -> bool:
    """Does ``name`` (an env var, a values key) look like it holds a secret value?"""
    return not _REFERENCE_NAMES.match(name) and _names(secret_name_patterns())[0].match(name.lower()) is not None


@lru_cache(maxsize=8)
def _names(patterns: tuple[str, ...]) -> "tuple[re.Pattern, tuple[str, ...] | None]":
    """The globs as one regex; and, when every glob is ``*word*``, the lower-case words one of which a text
    that could hold a secret at all has (a secretGenerator, a Secret kind, a private key too), else None."""
    names = re.compile("|".join(fnmatch.translate(p.lower()) for p in patterns))
    words = [p[1:-1] for p in patterns if len(p) > 2 and p[0] == p[-1] == "*" and not re.search(r"[*?\[\]]", p[1:-1])]
    if len(words) != len(patterns):
        return names, None
    return names, tuple(dict.fromkeys(w.lower() for w in [*words, "secret", "private key"]))


def masked_names(text: str | None, other: set[str] | None) -> str | None:
    """``text`` with the values of env entries and keys whose names look secret masked; a masked line
    that the other side (``other``: its raw lines) lacks is marked changed."""
    if text is None:
        return None
    lines = split_lines(text)
    pending: str | None = None      # the indent under which a secret env entry's value: may follow
    generator: int | None = None    # the indent of a kustomize ``secretGenerator:`` being read
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        marker = REDACTED_CHANGED if other is not None and line not in other else REDACTED
        if body.strip() and not body.lstrip().startswith("#"):
            indent = len(body) - len(body.lstrip())
            if generator is not None and indent <= generator and not body.lstrip().startswith("- "):
                generator = None
            if _GENERATOR.match(body):
                generator = indent
                continue
        if generator is not None and ("=" in body):
            lines[i] = _LITERAL.sub(lambda m: m.group(1) + marker, body) + ending   # KEY=VALUE literals
            continue
        entry = _ENV_NAME.match(body)
        if entry:
            pending = (entry.group(1) + (" " * len(entry.group(2) or ""))) if looks_secret(entry.group(4)) else None
            continue
        value = _ENV_VALUE.match(body)
        if pending is not None and value and value.group(1).startswith(pending + "value"):
            lines[i] = f"{value.group(1)}{marker}{ending}"
            pending = None
            continue
        pair = _KEY_VALUE.match(body)
        if pair and looks_secret(pair.group(3)) and pair.group(5) != REDACTED and not _PLAIN_FLAG.match(pair.group(5)):
            lines[i] = f"{pair.group(1)}{pair.group(2)}{pair.group(3)}{pair.group(2)}{pair.group(4)}{marker}{ending}"
            continue
        if "{" in body:
            lines[i] = _FLOW_ENV.sub(lambda m: m.group(1) + (marker if looks_secret(m.group(2)) else m.group(3))
                                     + m.group(4), body) + ending
    return "".join(lines)
